terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }

  backend "s3" {
    bucket       = "iceberg-lakehouse-state"
    key          = "iceberg_lakehouse-staging.tfstate"
    region       = "eu-central-1"
    encrypt      = true
    use_lockfile = true
  }
}
