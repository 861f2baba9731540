# The Glue Python-shell job that batch-writes a run's delta into DynamoDB and writes the run's
# staged days as Parquet under processed/ (glue/load_job.py). The state machine starts it with
# --run_id, --delta_key, --failures_key, --daily_key and --processed_key.
locals {
  log_groups = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws-glue/*"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

module "grants" {
  source = "../grants"

  grants = var.grants
  resource_arns = {
    bucket         = var.bucket_arn
    daily_table    = var.daily_table_arn
    counties_table = var.counties_table_arn
  }
}

# The runtime package the script imports (covid_etl.records), as the wheel etl_tools/packaging.py
# builds: Glue installs what --extra-py-files names before the script starts.
resource "aws_s3_object" "library" {
  bucket      = var.bucket_name
  key         = var.library_key
  source      = var.library_path
  source_hash = filemd5(var.library_path)
  kms_key_id  = var.kms_key_arn
}

resource "aws_s3_object" "script" {
  bucket       = var.bucket_name
  key          = var.script_key
  source       = var.script_path
  source_hash  = filemd5(var.script_path)
  content_type = "text/x-python"
  kms_key_id   = var.kms_key_arn
}

data "aws_iam_policy_document" "glue_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "load" {
  name               = var.job_name
  description        = "Glue job ${var.job_name}: read the delta, write the table, the failures and the Parquet"
  assume_role_policy = data.aws_iam_policy_document.glue_trust.json
}

data "aws_iam_policy_document" "load" {
  # What the contract grants (modules/grants); the statements below are this role's own.
  source_policy_documents = [module.grants.json]

  statement {
    sid       = "ReadOwnScriptAndLibrary"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/${var.script_key}", "${var.bucket_arn}/${var.library_key}"]
  }

  # Glue creates the job's log groups under /aws-glue/ and encrypts them with the security
  # configuration's key (logs:AssociateKmsKey).
  statement {
    sid = "WriteGlueLogs"
    actions = [
      "logs:AssociateKmsKey",
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = [local.log_groups, "${local.log_groups}:*"]
  }

  statement {
    sid       = "UsePipelineKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "load" {
  name   = "least-privilege"
  role   = aws_iam_role.load.id
  policy = data.aws_iam_policy_document.load.json
}

resource "aws_glue_security_configuration" "load" {
  name = var.job_name

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }

    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.kms_key_arn
    }
  }
}

resource "aws_glue_job" "load" {
  name                   = var.job_name
  description            = "Batch-write a run's delta into the daily table (failures to failures/<run>.csv); the run's days as Parquet under processed/"
  role_arn               = aws_iam_role.load.arn
  glue_version           = "3.0"
  max_capacity           = 0.0625
  max_retries            = 0
  timeout                = var.timeout_minutes
  security_configuration = aws_glue_security_configuration.load.name

  command {
    name            = "pythonshell"
    python_version  = "3.9"
    script_location = "s3://${var.bucket_name}/${aws_s3_object.script.key}"
  }

  default_arguments = {
    "--job-language" = "python"
    "--data_bucket"  = var.bucket_name
    "--daily_table"  = var.daily_table
    # Each dataset's table: the state machine passes --dataset, the job picks its table.
    "--counties_table" = var.counties_table
    # Python shell 3.9 installs a .whl named here (an .egg it refuses).
    "--extra-py-files" = "s3://${var.bucket_name}/${aws_s3_object.library.key}"
    # Python shell 3.9's preinstalled analytics libraries, pyarrow among them (the Parquet).
    "library-set" = "analytics"
  }

  # One load at a time: a second run waits on the run lock long before it gets here.
  execution_property {
    max_concurrent_runs = 1
  }

  depends_on = [aws_iam_role_policy.load]
}
