variable "daily_table_name" {
  type        = string
  description = "Name of the table of loaded days (partition key date)."
}

variable "counties_table_name" {
  type        = string
  description = "Name of the table of the us-counties dataset (partition key date, sort key fips)."
}

variable "runs_table_name" {
  type        = string
  description = "Name of the table of run records and the run lock (partition key pk)."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key the tables are encrypted with."
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the tables until this is turned off."
  default     = true
}
