# What every bucket of the project has, whatever it holds: owner-enforced objects, no public
# access, versions, default encryption with a customer-managed key (S3 Bucket Keys on), and a
# policy that refuses plain HTTP and TLS below 1.2. The bucket resource itself stays with its
# caller: its lifecycle (prevent_destroy must be a literal) and force_destroy differ.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = var.bucket_id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = var.bucket_id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = var.bucket_id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = var.bucket_id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = var.bucket_id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

locals {
  # Each Deny: (sid, condition test, condition key, value refused).
  refused_transport = {
    DenyPlainHttp  = ["Bool", "aws:SecureTransport", "false"]
    DenyTlsBelow12 = ["NumericLessThan", "s3:TlsVersion", "1.2"]
  }
}

data "aws_iam_policy_document" "bucket" {
  # A Deny: the wildcard widens what is refused, never what is allowed.
  dynamic "statement" {
    for_each = local.refused_transport
    content {
      sid       = statement.key
      effect    = "Deny"
      actions   = ["s3:*"]
      resources = [var.bucket_arn, "${var.bucket_arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = statement.value[0]
        variable = statement.value[1]
        values   = [statement.value[2]]
      }
    }
  }
}
