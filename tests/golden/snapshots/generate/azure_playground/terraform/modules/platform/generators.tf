resource "azurerm_user_assigned_identity" "generator" {
  name                = "${var.name_prefix}-generator"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = var.tags
}

resource "azurerm_role_assignment" "generator" {
  for_each             = toset(["azure_playground.clickstream.page_views"])
  scope                = azurerm_eventhub.topic[each.value].id
  role_definition_name = "Azure Event Hubs Data Sender"
  principal_id         = azurerm_user_assigned_identity.generator.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_container_group" "generators" {
  # checkov:skip=CKV_AZURE_98: the generators only send to Event Hubs over TLS as their identity: no VNet resource to reach
  # checkov:skip=CKV_AZURE_235: no secret in the environment: the Kafka endpoint and the identity's client id are public
  name                = "${var.name_prefix}-generators"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  os_type             = "Linux"
  sku                 = "Standard"
  ip_address_type     = "None"
  restart_policy      = "Always"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.generator.id]
  }

  container {
    name     = "clickstream-page-views"
    image    = var.generator_image
    cpu      = 0.5
    memory   = 1.0
    commands = ["python", "-m", "pipeline.stream_generator", "--table", "clickstream__page_views"]
    environment_variables = {
      KAFKA_BOOTSTRAP_SERVERS = "${azurerm_eventhub_namespace.stream.name}.servicebus.windows.net:9093"
      AZURE_CLIENT_ID         = azurerm_user_assigned_identity.generator.client_id
    }
  }

  tags       = var.tags
  depends_on = [azurerm_role_assignment.generator]
}
