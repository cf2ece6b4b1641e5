resource "azurerm_eventhub_namespace" "stream" {
  name                         = var.eventhub_namespace
  location                     = azurerm_resource_group.main.location
  resource_group_name          = azurerm_resource_group.main.name
  sku                          = "Standard"
  capacity                     = var.eventhub_throughput_units
  auto_inflate_enabled         = false
  minimum_tls_version          = "1.2"
  local_authentication_enabled = false
  tags                         = var.tags
}

resource "azurerm_eventhub" "topic" {
  for_each          = var.eventhubs
  name              = each.key
  namespace_id      = azurerm_eventhub_namespace.stream.id
  partition_count   = each.value
  message_retention = 7
}
