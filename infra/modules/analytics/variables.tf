variable "database_name" {
  type        = string
  description = "Name of the Glue Data Catalog database (lowercase letters, digits, underscores: Athena's rule)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,254}$", var.database_name))
    error_message = "database_name: lowercase letters, digits and underscores, starting with a letter."
  }
}

variable "workgroup_name" {
  type        = string
  description = "Name of the Athena workgroup."
}

variable "bucket_name" {
  type        = string
  description = "Data bucket: the processed zone (processed/) and the query results."
}

variable "account_id" {
  type        = string
  description = "The account that owns the data bucket (Athena checks it before writing results)."
}

variable "kms_key_arn" {
  type        = string
  description = "The pipeline's KMS key: Athena encrypts query results with it (SSE-KMS)."
}

variable "results_prefix" {
  type        = string
  description = "Prefix of the query results in the data bucket, ending in a slash."
  default     = "athena-results/"

  validation {
    condition     = endswith(var.results_prefix, "/") && !startswith(var.results_prefix, "processed/")
    error_message = "results_prefix: end it with a slash, outside processed/ (the table reads all of it)."
  }
}

variable "bytes_scanned_cutoff" {
  type        = number
  description = "Bytes a single query may scan before Athena cancels it (Athena's minimum is 10,000,000)."

  validation {
    condition     = var.bytes_scanned_cutoff >= 10000000
    error_message = "bytes_scanned_cutoff: at least 10000000 bytes (Athena's minimum)."
  }
}

variable "first_load_date" {
  type        = string
  description = "Earliest load_date partition Athena projects (YYYY-MM-DD); later ones up to today."
  default     = "2020-01-01"

  validation {
    condition     = can(regex("^\\d{4}-\\d{2}-\\d{2}$", var.first_load_date))
    error_message = "first_load_date: YYYY-MM-DD."
  }
}

variable "daily_view_sql_path" {
  type        = string
  description = "Path of covid_etl/sql/daily.sql, the body of the view daily (also run by `etl query`)."
}
