output "storage_account" {
  description = "The lake's storage account (ADLS Gen2)."
  value       = azurerm_storage_account.lake.name
}

output "dfs_endpoint" {
  description = "The lake's abfss endpoint."
  value       = azurerm_storage_account.lake.primary_dfs_endpoint
}

output "key_vault_uri" {
  description = "Key Vault holding the spec's secrets."
  value       = azurerm_key_vault.main.vault_uri
}

output "workload_client_ids" {
  description = "Managed identity (client id) per workload, for workload identity federation."
  value       = { for k, i in azurerm_user_assigned_identity.workload : k => i.client_id }
}

output "spark_landing_root" {
  description = "Where the raw batches land (PIPEGEN_LANDING_ROOT): the landing container extract-load writes and the Databricks job cluster reads."
  value       = "abfss://${azurerm_storage_container.layer["landing"].name}@${azurerm_storage_account.lake.name}.dfs.core.windows.net"
}

output "kafka_bootstrap" {
  description = "The Event Hubs Kafka endpoint (Entra ID OAuth; local keys are off)."
  value       = "${azurerm_eventhub_namespace.stream.name}.servicebus.windows.net:9093"
}

output "eventhub_namespace_id" {
  description = "Event Hubs namespace resource id."
  value       = azurerm_eventhub_namespace.stream.id
  sensitive   = true
}

output "databricks_url" {
  description = "The Databricks workspace URL."
  value       = azurerm_databricks_workspace.main.workspace_url
}

output "databricks_workspace_id" {
  description = "The Databricks workspace's Azure resource id (the databricks provider's workspace)."
  value       = azurerm_databricks_workspace.main.id
}

output "databricks_secret_scope" {
  description = "The Key Vault-backed secret scope the bundle's jobs read spec secrets from."
  value       = databricks_secret_scope.keyvault.name
}
