# infra/bootstrap's shape with no provider: `etl bootstrap` runs it end to end offline. The
# durable backend is local here (S3 on AWS); its path comes from the backend settings.
terraform {
  required_version = ">= 1.10.0"

  backend "local" {}
}

resource "terraform_data" "state_bucket" {
  input = "covid-etl-tfstate-123456789012"
}

output "state_bucket" {
  description = "What the apply created."
  value       = terraform_data.state_bucket.output
}

output "state_key_arn" {
  description = "A key ARN, as the real bootstrap outputs."
  value       = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}
