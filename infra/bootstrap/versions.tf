terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
  }

  # Its own state lives in the bucket it makes (key bootstrap/terraform.tfstate): `etl bootstrap`
  # runs the very first apply with a local backend, then migrates the state there, so a wiped
  # workspace (Jenkins' cleanWs) never loses it and a second run changes nothing.
  backend "s3" {}
}
