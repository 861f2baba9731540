terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
  }

  # The state of the state bucket stays local (terraform.tfstate here, ignored by git): keep it,
  # or import the bucket again (`terraform import`) before changing it from another machine.
}
