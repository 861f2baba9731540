# The loaded days, one item per date.
resource "aws_dynamodb_table" "daily" {
  name                        = var.daily_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "date"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "date"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

# The us-counties dataset (covid_etl/datasets.py): one item per county and date, keyed as the
# dataset declares (partition date, sort fips; a county without FIPS is keyed "<state>/<county>").
resource "aws_dynamodb_table" "counties" {
  name                        = var.counties_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "date"
  range_key                   = "fips"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "date"
    type = "S"
  }

  attribute {
    name = "fips"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

# Run records ("RUN#<run id>") and the run lock ("LOCK"). The lock's lease end is its
# expires_at: an expired lease is taken over by the next run, and TTL clears it eventually.
resource "aws_dynamodb_table" "runs" {
  name                        = var.runs_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}
