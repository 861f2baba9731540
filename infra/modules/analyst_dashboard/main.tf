# The analysts' dashboard (the seed design ran Redash on EC2): an Amazon Managed Grafana
# workspace reading Athena. No server, security group or load balancer of ours: the only way in
# is the workspace's URL, where AWS IAM Identity Center signs users in (no API keys, no
# anonymous access). Its role may run queries in the pipeline's workgroup and read what they
# need, nothing else. Off by default (enable_analyst_dashboard): it needs IAM Identity Center
# enabled in the account, and users assigned to the workspace (Viewer or Admin) there.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  glue = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
}

data "aws_iam_policy_document" "grafana_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["grafana.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "grafana" {
  name               = var.workspace_name
  description        = "Grafana workspace ${var.workspace_name}: Athena queries over the processed zone"
  assume_role_policy = data.aws_iam_policy_document.grafana_trust.json
}

data "aws_iam_policy_document" "grafana" {
  statement {
    sid = "QueryInThePipelinesWorkgroup"
    actions = [
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:GetWorkGroup",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
    ]
    resources = [var.workgroup_arn]
  }

  statement {
    sid     = "ReadTheCatalogOfTheProcessedZone"
    actions = ["glue:GetDatabase", "glue:GetPartitions", "glue:GetTable", "glue:GetTables"]
    resources = [
      "${local.glue}:catalog",
      "${local.glue}:database/${var.database_name}",
      "${local.glue}:table/${var.database_name}/*",
    ]
  }

  statement {
    sid       = "ReadTheProcessedZoneAndResults"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/processed/*", "${var.bucket_arn}/${var.results_prefix}*"]
  }

  statement {
    sid       = "WriteQueryResults"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arn}/${var.results_prefix}*"]
  }

  statement {
    sid       = "ListTheBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "UsePipelineKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "grafana" {
  name   = "least-privilege"
  role   = aws_iam_role.grafana.id
  policy = data.aws_iam_policy_document.grafana.json
}

resource "aws_grafana_workspace" "analysts" {
  name                     = var.workspace_name
  description              = "Analysts' dashboards over the processed zone (Athena)."
  account_access_type      = "CURRENT_ACCOUNT"
  authentication_providers = ["AWS_SSO"]
  permission_type          = "CUSTOMER_MANAGED"
  role_arn                 = aws_iam_role.grafana.arn
  data_sources             = ["ATHENA"]
  grafana_version          = var.grafana_version
}
