resource "azurerm_databricks_workspace" "main" {
  name                        = "${var.name_prefix}-dbw"
  location                    = azurerm_resource_group.main.location
  resource_group_name         = azurerm_resource_group.main.name
  sku                         = var.databricks_sku
  managed_resource_group_name = "${var.resource_group}-databricks"
  tags                        = var.tags
}
