variable "bucket_name" {
  type        = string
  description = "Name of the data bucket (<prefix>-data-<account id>)."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the bucket's default encryption."
}

variable "expiring_prefixes" {
  type        = list(string)
  description = "Key prefixes holding one run's files (and the uploads a run copies into raw/), expired after run_data_retention_days."
  default     = ["landing/", "raw/", "staged/", "rejects/", "failures/"]
}

variable "run_data_retention_days" {
  type        = number
  description = "Days the objects under expiring_prefixes are kept."
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days an overwritten or deleted object version is kept."
}

variable "query_results_prefix" {
  type        = string
  description = "Prefix of Athena's query results in the bucket (modules/analytics), expired after query_results_retention_days."
}

variable "query_results_retention_days" {
  type        = number
  description = "Days a query result is kept (a result is re-created by running its query again)."

  validation {
    condition     = var.query_results_retention_days >= 1
    error_message = "query_results_retention_days: at least 1 (S3 expires objects in whole days)."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let `terraform destroy` delete the bucket with its objects."
  default     = false
}
