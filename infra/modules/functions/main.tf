# One Lambda function per folder under lambdas/ (code: build/functions/<name>.zip, made by
# `make package`), the shared library as a layer, and one role per function.
locals {
  # Every function decrypts (its environment variables, objects, messages); those that write to
  # the encrypted bucket, queue or topic also make data keys.
  encrypting_actions = ["s3:PutObject", "sqs:SendMessage", "sns:Publish", "events:PutEvents"]
  makes_data_keys = {
    for fn, grants in var.grants : fn => anytrue([for grant in grants : contains(local.encrypting_actions, grant[0])])
  }
}

module "grants" {
  source   = "../grants"
  for_each = var.grants

  grants        = each.value
  resource_arns = var.resource_arns
}

resource "aws_lambda_layer_version" "library" {
  layer_name               = var.layer_name
  description              = "covid_etl library and its pinned dependencies"
  filename                 = "${var.package_dir}/layer.zip"
  source_code_hash         = filebase64sha256("${var.package_dir}/layer.zip")
  compatible_runtimes      = ["python3.11"]
  compatible_architectures = ["x86_64"]
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = var.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = var.function_names

  name               = each.value
  description        = "Lambda ${each.value}: only the calls its handler makes"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "function" {
  for_each = var.function_names

  # What the contract grants (modules/grants); the statements below are this role's own.
  source_policy_documents = [module.grants[each.key].json]

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "DecryptWithPipelineKey"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }

  dynamic "statement" {
    for_each = local.makes_data_keys[each.key] ? ["kms"] : []
    content {
      sid       = "EncryptWithPipelineKey"
      actions   = ["kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }

  # X-Ray's trace actions have no resource-level permissions: "*" is the only valid resource.
  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = var.function_names

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_lambda_function" "step" {
  #checkov:skip=CKV_AWS_116:Every function but one is invoked synchronously (by Step Functions, which retries or catches its errors, or by the upload queue's event source mapping, whose queue has its own DLQ, or by API Gateway, which answers the caller); load_warehouse, invoked asynchronously by its EventBridge rule, has an on-failure destination queue instead (modules/warehouse).
  #checkov:skip=CKV_AWS_117:The functions reach public HTTPS sources and AWS APIs only; a VPC would add a NAT gateway and no protection.
  #checkov:skip=CKV_AWS_115:Reserved concurrency would come out of a new account's pool of 10; the state machine runs at most two functions at once and the upload mapping at most two pollers.
  #checkov:skip=CKV_AWS_272:The zips are built reproducibly and deployed by the same reviewed pipeline; code signing would need an S3 upload path and a signer profile.
  for_each = var.function_names

  function_name    = each.value
  description      = "covid-etl ${each.key}"
  role             = aws_iam_role.function[each.key].arn
  runtime          = "python3.11"
  architectures    = ["x86_64"]
  handler          = "handler.handler"
  filename         = "${var.package_dir}/functions/${each.key}.zip"
  source_code_hash = filebase64sha256("${var.package_dir}/functions/${each.key}.zip")
  layers           = [aws_lambda_layer_version.library.arn]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds
  kms_key_arn      = var.kms_key_arn

  environment {
    variables = var.environment_variables
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  depends_on = [aws_iam_role_policy.function]
}
