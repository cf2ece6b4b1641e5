provider "azurerm" {
  storage_use_azuread = true

  features {}
}

provider "databricks" {
  host                        = "https://${module.platform.databricks_url}"
  azure_workspace_resource_id = module.platform.databricks_workspace_id
}

module "platform" {
  source                    = "../../modules/platform"
  name_prefix               = var.name_prefix
  location                  = var.location
  tags                      = var.tags
  resource_group            = var.resource_group
  storage_account           = var.storage_account
  storage_replication       = var.storage_replication
  retention_days            = var.retention_days
  key_vault                 = var.key_vault
  workload_identities       = var.workload_identities
  secret_names              = var.secret_names
  eventhub_namespace        = var.eventhub_namespace
  eventhub_throughput_units = var.eventhub_throughput_units
  eventhubs                 = var.eventhubs
  target_containers         = var.target_containers
  databricks_sku            = var.databricks_sku
  databricks_secret_scope   = var.databricks_secret_scope
  generator_image           = var.generator_image
}
