resource "azurerm_databricks_workspace" "main" {
  name                        = "${var.name_prefix}-dbw"
  location                    = azurerm_resource_group.main.location
  resource_group_name         = azurerm_resource_group.main.name
  sku                         = var.databricks_sku
  managed_resource_group_name = "${var.resource_group}-databricks"
  tags                        = var.tags
}

data "azuread_service_principal" "databricks" {
  client_id = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
}

resource "azurerm_role_assignment" "databricks_secrets" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = data.azuread_service_principal.databricks.object_id
}

resource "databricks_secret_scope" "keyvault" {
  name = var.databricks_secret_scope

  keyvault_metadata {
    resource_id = azurerm_key_vault.main.id
    dns_name    = azurerm_key_vault.main.vault_uri
  }

  depends_on = [azurerm_role_assignment.databricks_secrets]
}
