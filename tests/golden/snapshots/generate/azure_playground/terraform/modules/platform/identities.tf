data "azurerm_resources" "target_account" {
  for_each = var.target_containers
  type     = "Microsoft.Storage/storageAccounts"
  name     = each.value.account
}

resource "azurerm_user_assigned_identity" "workload" {
  for_each            = var.workload_identities
  name                = each.value
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = var.tags
}

locals {
  grants = {
    ingest-bronze = {
      workload = "ingest"
      role     = "Storage Blob Data Contributor"
      scope    = azurerm_storage_container.layer["bronze"].id
    }
    ingest-landing = {
      workload = "ingest"
      role     = "Storage Blob Data Contributor"
      scope    = azurerm_storage_container.layer["landing"].id
    }
    ingest-target-lake = {
      workload = "ingest"
      role     = "Storage Blob Data Contributor"
      scope    = "${one(data.azurerm_resources.target_account["lake"].resources).id}/blobServices/default/containers/${var.target_containers["lake"].container}"
    }
    ingest-secret-DATABRICKS_TOKEN = {
      workload = "ingest"
      role     = "Key Vault Secrets User"
      scope    = azurerm_key_vault_secret.spec["DATABRICKS_TOKEN"].resource_versionless_id
    }
    ingest-receiver = {
      workload = "ingest"
      role     = "Azure Event Hubs Data Receiver"
      scope    = azurerm_eventhub_namespace.stream.id
    }
    transform-bronze = {
      workload = "transform"
      role     = "Storage Blob Data Contributor"
      scope    = azurerm_storage_container.layer["bronze"].id
    }
    transform-silver = {
      workload = "transform"
      role     = "Storage Blob Data Contributor"
      scope    = azurerm_storage_container.layer["silver"].id
    }
    transform-gold = {
      workload = "transform"
      role     = "Storage Blob Data Contributor"
      scope    = azurerm_storage_container.layer["gold"].id
    }
    transform-secret-DATABRICKS_TOKEN = {
      workload = "transform"
      role     = "Key Vault Secrets User"
      scope    = azurerm_key_vault_secret.spec["DATABRICKS_TOKEN"].resource_versionless_id
    }
    stream-bronze = {
      workload = "stream"
      role     = "Storage Blob Data Contributor"
      scope    = azurerm_storage_container.layer["bronze"].id
    }
    stream-checkpoints = {
      workload = "stream"
      role     = "Storage Blob Data Contributor"
      scope    = azurerm_storage_container.layer["checkpoints"].id
    }
    stream-secret-DATABRICKS_TOKEN = {
      workload = "stream"
      role     = "Key Vault Secrets User"
      scope    = azurerm_key_vault_secret.spec["DATABRICKS_TOKEN"].resource_versionless_id
    }
    stream-sender = {
      workload = "stream"
      role     = "Azure Event Hubs Data Sender"
      scope    = azurerm_eventhub_namespace.stream.id
    }
    stream-receiver = {
      workload = "stream"
      role     = "Azure Event Hubs Data Receiver"
      scope    = azurerm_eventhub_namespace.stream.id
    }
  }
}

resource "azurerm_role_assignment" "workload" {
  for_each             = local.grants
  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.workload[each.value.workload].principal_id
  principal_type       = "ServicePrincipal"
}
