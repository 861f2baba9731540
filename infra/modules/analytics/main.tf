# SQL over the processed zone: a Glue Data Catalog database with the table `processed` (the
# Parquet files the load job writes to processed/load_date=<run date>/<run id>.parquet), the view
# `daily` (each day's current value, covid_etl/sql/daily.sql: the one definition `etl query` runs
# with DuckDB), and an Athena workgroup that enforces an encrypted result location and a
# bytes-scanned cutoff per query. Nothing here runs unless someone queries: no crawler, as
# partition projection computes the partitions from their names.
locals {
  processed_location = "s3://${var.bucket_name}/processed/"
  columns = [
    { name = "date", type = "date", comment = "The day (UTC)." },
    { name = "cases", type = "bigint", comment = "Cumulative cases (NYT)." },
    { name = "deaths", type = "bigint", comment = "Cumulative deaths (NYT)." },
    { name = "recovered", type = "bigint", comment = "Cumulative recoveries (Johns Hopkins)." },
  ]
}

resource "aws_glue_catalog_database" "analytics" {
  name        = var.database_name
  description = "The pipeline's processed zone, for Athena."
}

resource "aws_glue_catalog_table" "processed" {
  name          = "processed"
  database_name = aws_glue_catalog_database.analytics.name
  description   = "Every load's staged days, one Parquet file per run, partitioned by load date."
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    classification = "parquet"
    # Partition projection: the partitions come from the key layout, no crawler or MSCK REPAIR.
    "projection.enabled"                 = "true"
    "projection.load_date.type"          = "date"
    "projection.load_date.format"        = "yyyy-MM-dd"
    "projection.load_date.range"         = "${var.first_load_date},NOW"
    "projection.load_date.interval"      = "1"
    "projection.load_date.interval.unit" = "DAYS"
    "storage.location.template"          = "${local.processed_location}load_date=$${load_date}/"
  }

  partition_keys {
    name    = "load_date"
    type    = "string"
    comment = "The run date of the load that wrote the file (YYYY-MM-DD)."
  }

  storage_descriptor {
    location      = local.processed_location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    dynamic "columns" {
      for_each = local.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }

    columns {
      name    = "loaded_at"
      type    = "string"
      comment = "When the load wrote it (ISO 8601, UTC): the newest per day is current."
    }
  }
}

# An Athena view is a Glue table of type VIRTUAL_VIEW whose original text is the Presto/Trino
# view definition, base64-encoded JSON, between the markers Athena writes itself.
resource "aws_glue_catalog_table" "daily" {
  name          = "daily"
  database_name = aws_glue_catalog_database.analytics.name
  description   = "Each day's current value, one row per day (what `etl export` prints)."
  table_type    = "VIRTUAL_VIEW"

  view_original_text = "/* Presto View: ${base64encode(jsonencode({
    originalSql = file(var.daily_view_sql_path)
    catalog     = "awsdatacatalog"
    schema      = aws_glue_catalog_database.analytics.name
    columns     = [for c in local.columns : { name = c.name, type = c.type }]
  }))} */"
  view_expanded_text = "/* Presto View */"

  parameters = {
    presto_view = "true"
    comment     = "Presto View"
  }

  storage_descriptor {
    dynamic "columns" {
      for_each = local.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }
}

resource "aws_athena_workgroup" "analytics" {
  name        = var.workgroup_name
  description = "Queries over the processed zone: results encrypted with the pipeline's key, scans capped."
  state       = "ENABLED"

  configuration {
    # Clients cannot override the result location, its encryption or the cutoff.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = "s3://${var.bucket_name}/${var.results_prefix}"
      expected_bucket_owner = var.account_id

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}
