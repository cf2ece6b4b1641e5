terraform {
  required_version = ">= 1.9.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
  }

  backend "gcs" {
    bucket = "iot-lambda-state"
    prefix = "iot_lambda-staging"
  }
}
