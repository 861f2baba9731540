# The data bucket: landing/ (uploads), raw/, staged/, rejects/, failures/ (per run, expire),
# athena-results/ (query results, expire sooner), snapshot/, state/, dashboard/, processed/
# (Parquet) (kept) and artifacts/ (the Glue script).
resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_18:Server access logs would need a second bucket; CloudTrail data events are the audit trail if an account wants one.
  #checkov:skip=CKV_AWS_144:A run's files are re-creatable from the sources; cross-region replication would double storage for nothing.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

# Versions, encryption with the pipeline's key, no public access, TLS 1.2+ only.
module "private_bucket" {
  source = "../private_bucket"

  bucket_id   = aws_s3_bucket.data.id
  bucket_arn  = aws_s3_bucket.data.arn
  kms_key_arn = var.kms_key_arn
}

# Every object event goes to EventBridge, where the upload rule picks what starts a run
# (modules/uploads); no other notification is configured on the bucket.
resource "aws_s3_bucket_notification" "data" {
  bucket      = aws_s3_bucket.data.id
  eventbridge = true
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  # The files of old runs: the loaded data lives in DynamoDB and the snapshot.
  dynamic "rule" {
    for_each = toset(var.expiring_prefixes)
    content {
      id     = "expire-${trimsuffix(rule.value, "/")}"
      status = "Enabled"

      filter {
        prefix = rule.value
      }

      expiration {
        days = var.run_data_retention_days
      }

      noncurrent_version_expiration {
        noncurrent_days = var.noncurrent_version_retention_days
      }

      abort_incomplete_multipart_upload {
        days_after_initiation = 1
      }
    }
  }

  # Athena's query results: every query writes one, and nothing reads it after its client has.
  rule {
    id     = "expire-query-results"
    status = "Enabled"

    filter {
      prefix = var.query_results_prefix
    }

    expiration {
      days = var.query_results_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # snapshot/, state/, dashboard/, processed/, artifacts/: the current version stays, old
  # versions go.
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [module.private_bucket]
}

# Where these settings were before modules/private_bucket held them.
moved {
  from = aws_s3_bucket_ownership_controls.data
  to   = module.private_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.data
  to   = module.private_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.data
  to   = module.private_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.data
  to   = module.private_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_policy.data
  to   = module.private_bucket.aws_s3_bucket_policy.this
}
