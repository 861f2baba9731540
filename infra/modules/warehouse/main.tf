# The optional warehouse (root variable enable_warehouse, off by default): Redshift Serverless
# (a namespace encrypted with the pipeline's key, its admin password kept by Secrets Manager, and
# a private workgroup capped in RPU-hours), the role Redshift assumes for COPY (processed/ and the
# key only), and the trigger of the loader: the bus's RunCompleted -> load_warehouse, whose
# undeliverable events and failed invocations land in one encrypted queue.
# docs/deploy.md#the-optional-warehouse says how to turn it on and what it costs.

data "aws_iam_policy_document" "redshift_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "copy" {
  name               = var.copy_role_name
  description        = "Redshift Serverless ${var.name}: COPY from the processed zone only"
  assume_role_policy = data.aws_iam_policy_document.redshift_trust.json
}

data "aws_iam_policy_document" "copy" {
  statement {
    sid       = "ReadProcessedZone"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/processed/*"]
  }

  # COPY lists the key it is given (a key is a prefix to COPY): only under processed/.
  statement {
    sid       = "ListProcessedZone"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["processed/*"]
    }
  }

  statement {
    sid       = "DecryptProcessedZone"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "copy" {
  name   = "read-processed-zone"
  role   = aws_iam_role.copy.id
  policy = data.aws_iam_policy_document.copy.json
}

resource "aws_redshiftserverless_namespace" "warehouse" {
  namespace_name = var.name
  db_name        = var.database_name
  admin_username = var.admin_username
  # Redshift creates the password and keeps it in Secrets Manager (encrypted with the
  # pipeline's key): no password in code, variables or state.
  manage_admin_password            = true
  admin_password_secret_kms_key_id = var.kms_key_arn
  kms_key_id                       = var.kms_key_arn
  iam_roles                        = [aws_iam_role.copy.arn]
  default_iam_role_arn             = aws_iam_role.copy.arn
  log_exports                      = ["connectionlog", "useractivitylog", "userlog"]

  depends_on = [aws_iam_role_policy.copy]
}

resource "aws_redshiftserverless_workgroup" "warehouse" {
  namespace_name       = aws_redshiftserverless_namespace.warehouse.namespace_name
  workgroup_name       = var.name
  base_capacity        = var.base_capacity
  publicly_accessible  = false
  enhanced_vpc_routing = true
  subnet_ids           = var.subnet_ids
  security_group_ids   = var.security_group_ids

  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }

  config_parameter {
    parameter_key   = "enable_user_activity_logging"
    parameter_value = "true"
  }
}

# The cost cap: past this many RPU-hours a day, user queries stop until the next day.
resource "aws_redshiftserverless_usage_limit" "compute" {
  resource_arn  = aws_redshiftserverless_workgroup.warehouse.arn
  usage_type    = "serverless-compute"
  amount        = var.max_rpu_hours_per_day
  period        = "daily"
  breach_action = "deactivate"
}

# --- The loader's trigger ------------------------------------------------------------------

resource "aws_sqs_queue" "dlq" {
  name                              = var.dlq_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_cloudwatch_event_rule" "run_completed" {
  name           = var.name
  description    = "A finished load (RunCompleted) is loaded into the warehouse"
  event_bus_name = var.bus_name
  event_pattern  = jsonencode({ source = [var.event_source], detail-type = ["RunCompleted"] })
}

resource "aws_cloudwatch_event_target" "loader" {
  rule           = aws_cloudwatch_event_rule.run_completed.name
  event_bus_name = var.bus_name
  arn            = var.loader_function_arn
  # The loader's input is the event's detail (covid_etl/steps/load_warehouse.py SCHEMA).
  input_path = "$.detail"

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }
}

module "dlq_policy" {
  source = "../rule_queue_policy"

  rule_arn = aws_cloudwatch_event_rule.run_completed.arn
  queues   = { dlq = { arn = aws_sqs_queue.dlq.arn, url = aws_sqs_queue.dlq.id } }
}

resource "aws_lambda_permission" "rule_invokes_loader" {
  statement_id  = "RunCompletedInvokes"
  action        = "lambda:InvokeFunction"
  function_name = var.loader_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.run_completed.arn
}

# EventBridge invokes asynchronously: Lambda retries a failed load twice (the load is
# idempotent), then the event goes to the same queue (the function's role sends it there).
resource "aws_lambda_function_event_invoke_config" "loader" {
  function_name          = var.loader_function_name
  maximum_retry_attempts = 2

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dlq.arn
    }
  }
}
