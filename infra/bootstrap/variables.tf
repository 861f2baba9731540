variable "project" {
  type        = string
  description = "Project name; the state bucket is <project>-tfstate-<account id>."
  default     = "covid-etl"
}

variable "region" {
  type        = string
  description = "Region of the state bucket (the environments' backend.hcl files name the same)."
  default     = "us-east-1"
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days an old state version is kept (the 10 newest are always kept)."
  default     = 90
}
