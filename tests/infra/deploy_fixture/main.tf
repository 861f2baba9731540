# A configuration `etl deploy` can run end to end offline: Terraform's built-in terraform_data
# needs no provider download, and the local backend's path comes from the environment's
# backend.hcl the way the real S3 backend's settings do.
terraform {
  required_version = ">= 1.10.0"

  backend "local" {}
}

variable "environment" {
  type        = string
  description = "Environment name, from environments/<env>.tfvars."
}

resource "terraform_data" "marker" {
  input = "covid-etl-${var.environment}"
}

output "marker" {
  description = "What the apply created."
  value       = terraform_data.marker.output
}
