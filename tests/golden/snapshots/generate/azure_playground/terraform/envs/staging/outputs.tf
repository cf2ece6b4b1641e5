output "storage_account" {
  description = "The lake's storage account (ADLS Gen2)."
  value       = module.platform.storage_account
}

output "dfs_endpoint" {
  description = "The lake's abfss endpoint."
  value       = module.platform.dfs_endpoint
}

output "key_vault_uri" {
  description = "Key Vault holding the spec's secrets."
  value       = module.platform.key_vault_uri
}

output "workload_client_ids" {
  description = "Managed identity (client id) per workload, for workload identity federation."
  value       = module.platform.workload_client_ids
}

output "spark_landing_root" {
  description = "Where the raw batches land (PIPEGEN_LANDING_ROOT): the landing container extract-load writes and the Databricks job cluster reads."
  value       = module.platform.spark_landing_root
}

output "kafka_bootstrap" {
  description = "The Event Hubs Kafka endpoint (Entra ID OAuth; local keys are off)."
  value       = module.platform.kafka_bootstrap
}

output "eventhub_namespace_id" {
  description = "Event Hubs namespace resource id."
  value       = module.platform.eventhub_namespace_id
  sensitive   = true
}

output "databricks_url" {
  description = "The Databricks workspace URL."
  value       = module.platform.databricks_url
}

output "databricks_workspace_id" {
  description = "The Databricks workspace's Azure resource id (the databricks provider's workspace)."
  value       = module.platform.databricks_workspace_id
}

output "databricks_secret_scope" {
  description = "The Key Vault-backed secret scope the bundle's jobs read spec secrets from."
  value       = module.platform.databricks_secret_scope
}
