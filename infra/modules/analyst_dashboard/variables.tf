variable "workspace_name" {
  type        = string
  description = "Name of the Grafana workspace and of its role."
}

variable "grafana_version" {
  type        = string
  description = "Grafana version of the workspace (one Amazon Managed Grafana offers)."
  default     = "10.4"
}

variable "workgroup_arn" {
  type        = string
  description = "ARN of the Athena workgroup the dashboards query (its settings are enforced)."
}

variable "database_name" {
  type        = string
  description = "Glue Data Catalog database of the processed zone."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the data bucket (processed/ and the query results)."
}

variable "results_prefix" {
  type        = string
  description = "Prefix of the workgroup's query results in the data bucket."
}

variable "kms_key_arn" {
  type        = string
  description = "The pipeline's KMS key (the bucket's objects and the query results)."
}
