terraform {
  required_version = ">= 1.9.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.55"
    }
    databricks = {
      source  = "databricks/databricks"
      version = "~> 1.99"
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.7"
    }
  }

  backend "azurerm" {
    resource_group_name  = "rg-azureplaygroundtfstate"
    storage_account_name = "azureplaygroundtfstate"
    container_name       = "tfstate"
    key                  = "azure_playground-dev.tfstate"
    use_azuread_auth     = true
  }
}
