# Once per account: the bucket holding every environment's Terraform state. Locking uses the S3
# backend's native lock file (use_lockfile), so no DynamoDB lock table is needed; Terraform 1.11
# deprecates the table-based lock.
provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.project
      ManagedBy = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  bucket_name = "${var.project}-tfstate-${data.aws_caller_identity.current.account_id}"
}

resource "aws_kms_key" "state" {
  description             = "${var.project}: Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.project}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

# In a key policy, Resource "*" means "this key". The account's IAM policies decide who may use
# it; the actions are listed one by one.
data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" is the key itself; administration stays with the account root so the key cannot be orphaned.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" is the key itself; the key's users are limited by their own IAM policies.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" is the key itself: the key's ARN does not exist before the key.
  statement {
    sid = "AccountAdministersKeyThroughIam"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:CreateAlias",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:DisableKey",
      "kms:DisableKeyRotation",
      "kms:EnableKey",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListGrants",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:RetireGrant",
      "kms:RevokeGrant",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logs would need a second bucket; the state's versions already record every change.
  #checkov:skip=CKV_AWS_144:State is small and versioned; a replica region is the account owner's choice, not this project's.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to state changes.
  bucket = local.bucket_name

  lifecycle {
    prevent_destroy = true
  }
}

# Versions, encryption with the state's key, no public access, TLS 1.2+ only.
module "private_bucket" {
  source = "../modules/private_bucket"

  bucket_id   = aws_s3_bucket.state.id
  bucket_arn  = aws_s3_bucket.state.arn
  kms_key_arn = aws_kms_key.state.arn
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "keep-recent-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = var.noncurrent_version_retention_days
      newer_noncurrent_versions = 10
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [module.private_bucket]
}

# Where these settings were before modules/private_bucket held them.
moved {
  from = aws_s3_bucket_ownership_controls.state
  to   = module.private_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.state
  to   = module.private_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.state
  to   = module.private_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state
  to   = module.private_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_policy.state
  to   = module.private_bucket.aws_s3_bucket_policy.this
}
