"""The Databricks workspace on Azure and, where the spec names secrets, a Key Vault-backed secret scope over
the environment's Key Vault (terraform-provider-databricks `databricks_secret_scope` with `keyvault_metadata`):
the databricks family's jobs read each spec secret through it (`{{secrets/<scope>/<key>}}`, the key the Key
Vault secret's name). The vault authorizes by Azure RBAC, so the AzureDatabricks application's service
principal in the tenant is given Key Vault Secrets User on the vault, as Databricks documents for an RBAC vault:
its object id differs per tenant, so the module looks it up by the first-party application's client id
(the azuread provider's `azuread_service_principal` data source, hashicorp/azuread ~> 3.7, the version
@cdktf/provider-azuread 14.3.1 describes), with the Azure login that runs Terraform. The root configures the
`databricks` provider from the workspace the module creates (its URL and resource id), with the Azure login
that runs Terraform (a Key Vault-backed scope is created with an Azure AD token, never a personal token)."""

from __future__ import annotations

from pipegen.generators.terraform.common import regex_var
from pipegen.generators.terraform.hcl import Attr, Block, Ref, block
from pipegen.generators.terraform.model import Infra, Output, Var

SOURCE = "databricks/databricks"
VERSION = "~> 1.99"  # terraform-provider-databricks 1.99 (@cdktf/provider-databricks 15.16.1's schema)
AZUREAD = ("azuread", "hashicorp/azuread", "~> 3.7")  # (local name, source, version): the principal's lookup
SCOPE_RE = "^[A-Za-z0-9_.-]{1,128}$"  # a secret scope's name
DATABRICKS_APP = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"  # the AzureDatabricks first-party application (client) id


def scoped(inf: Infra) -> bool:
    """The workspace exists and the spec names secrets: the Key Vault-backed scope."""
    return inf.databricks and bool(inf.secrets)


def variables(inf: Infra) -> tuple[Var, ...]:
    if not scoped(inf):
        return ()
    return (
        regex_var("databricks_secret_scope", "Databricks secret scope backed by the environment's Key Vault.",
                  SCOPE_RE, "databricks_secret_scope: 1-128 letters, digits, _, . and -."),
    )  # fmt: skip


def scope(inf: Infra) -> tuple[Block, ...]:
    """The scope over the vault, once the AzureDatabricks principal may read the vault's secrets."""
    if not scoped(inf):
        return ()
    return (
        block("data", "azuread_service_principal", "databricks", body=[Attr("client_id", DATABRICKS_APP)]),
        block("resource", "azurerm_role_assignment", "databricks_secrets", body=[
            Attr("scope", Ref("azurerm_key_vault.main.id")), Attr("role_definition_name", "Key Vault Secrets User"),
            Attr("principal_id", Ref("data.azuread_service_principal.databricks.object_id"))]),
        block("resource", "databricks_secret_scope", "keyvault", body=[
            Attr("name", Ref("var.databricks_secret_scope")),
            block("keyvault_metadata", body=[Attr("resource_id", Ref("azurerm_key_vault.main.id")),
                                             Attr("dns_name", Ref("azurerm_key_vault.main.vault_uri"))]),
            Attr("depends_on", [Ref("azurerm_role_assignment.databricks_secrets")])]),
    )  # fmt: skip


def outputs(inf: Infra) -> tuple[Output, ...]:
    if not inf.databricks:
        return ()
    out = [Output("databricks_url", "azurerm_databricks_workspace.main.workspace_url", "The Databricks workspace URL."),
           Output("databricks_workspace_id", "azurerm_databricks_workspace.main.id",
                  "The Databricks workspace's Azure resource id (the databricks provider's workspace).")]  # fmt: skip
    if scoped(inf):
        out.append(Output("databricks_secret_scope", "databricks_secret_scope.keyvault.name",
                          "The Key Vault-backed secret scope the bundle's jobs read spec secrets from."))  # fmt: skip
    return tuple(out)


def root_provider(inf: Infra) -> tuple[Block, ...]:
    """The root's `databricks` provider: the module's workspace, the Azure login that runs Terraform."""
    if not scoped(inf):
        return ()
    return (block("provider", "databricks", body=[
        Attr("host", Ref('"https://${module.platform.databricks_url}"')),
        Attr("azure_workspace_resource_id", Ref("module.platform.databricks_workspace_id"))]),)  # fmt: skip
