terraform {
  # 1.10 brings the S3 backend's native lock file (use_lockfile), which replaces the lock table.
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
  }

  # Partial configuration: environments/<env>.backend.hcl and the state bucket made by
  # bootstrap/ complete it at `terraform init` (etl_tools/deploy.py passes both).
  backend "s3" {}
}
