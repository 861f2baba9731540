# The datasets' tables (the contract's dataset_tables; covid_etl/datasets.py keys each dataset
# the same way): the national series, one item per date; us-counties, one item per county and
# date (partition date, sort fips; a county without FIPS is keyed "<state>/<county>").
resource "aws_dynamodb_table" "dataset" {
  for_each = var.dataset_tables

  name                        = each.value.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.key[0]
  range_key                   = try(each.value.key[1], null)
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = each.value.key
    content {
      name = attribute.value
      type = "S"
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

# Where these tables stood before they were declared as data.
moved {
  from = aws_dynamodb_table.daily
  to   = aws_dynamodb_table.dataset["daily"]
}

moved {
  from = aws_dynamodb_table.counties
  to   = aws_dynamodb_table.dataset["counties"]
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
