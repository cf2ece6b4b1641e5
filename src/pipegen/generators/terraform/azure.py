"""Azure (azurerm v4): a resource group; ADLS Gen2 (hierarchical namespace) with one container per
lake layer (and a `landing` container where extract-load lands the Spark job's raw batches, its identity their
only writer: output `spark_landing_root`) and a management policy tiering and expiring by the plan's retention;
Event Hubs (Standard: the Kafka surface) with one event hub per topic where the plan has Kafka topics; Key
Vault (RBAC) with an entry per spec secret; a Databricks workspace where compute is Databricks; one managed identity per
workload with role assignments on exactly what it reads and writes, and the kubernetes family's batch pod's
holding its steps' assignments, federated with its ServiceAccount (common/workload_identity.py). Cheapest
SKUs by default."""

from __future__ import annotations

import math

from pipegen.common.kafka_clients import EVENTS_PUBLISHER, managed_events_publisher
from pipegen.common.workload_identity import IDENTITY_OUTPUT
from pipegen.generators.terraform import azure_alerts, azure_databricks, azure_generators
from pipegen.generators.terraform.alerts import alert_emails, alert_list
from pipegen.generators.terraform.common import (
    identity_names,
    k8s_values,
    k8s_vars,
    lands,
    names_map_var,
    number_var,
    pod_grants,
    pods,
    prefix_var,
    regex_var,
    retention_var,
    secret_readers,
    tags_var,
    target_buckets,
    tier_days,
)
from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, Value, block, quote
from pipegen.generators.terraform.model import CloudModule, Cost, EnvPlan, Infra, Output, Var
from pipegen.plan.cloudnames import AZURE_CONTAINERS, AZURE_LANDING, CloudNames
from pipegen.plan.components import Kind
from pipegen.plan.idents import dns_name
from pipegen.plan.infra_findings import azure_container
from pipegen.spec import catalog
from pipegen.spec.model import TargetType
from pipegen.spec.types import parse_secret_ref

LOCATION = "westeurope"
PROVIDER_VERSION = "~> 4.55"
STATE_CONTAINER = "tfstate"
MIB_S_PER_TU = 1024 * 1024  # one Event Hubs throughput unit: 1 MB/s in
MAX_TU, MAX_PARTITIONS = 40, 32  # Standard tier
# monthly list prices (USD) assumed for the estimate
PRICES = {"hot": 0.0196, "cool": 0.01, "cold": 0.0036, "tu": 0.03 * 730, "secret_ops": 0.15,
          "databricks": 0.0}  # fmt: skip
ACCOUNT_RE, CONTAINER_RE = "^[a-z0-9]{3,24}$", "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"
BLOB_ROLES = {True: "Storage Blob Data Contributor", False: "Storage Blob Data Reader"}  # writes -> role
READS = {"ingest": ("bronze",), "transform": ("bronze", "silver", "gold"), "stream": ("bronze", "checkpoints")}
SKIPS = (
    ("CKV_AZURE_33", "queue service logging: the account holds no queues"),
    ("CKV2_AZURE_21", "blob read logging needs a Log Analytics workspace billed per GB; the playground keeps "
                      "costs down (add a diagnostic setting for production)"),
    ("CKV_AZURE_206", "locally or zone redundant storage by default: the lake is rebuilt from its sources; "
                      "raise `storage_replication` in terraform.tfvars for geo-redundancy"),
    ("CKV2_AZURE_1", "Microsoft-managed keys with infrastructure encryption; customer-managed keys add a Key "
                     "Vault key and its rotation to operate"),
    ("CKV2_AZURE_33", "no private endpoints: the playground has no virtual network of its own"),
    ("CKV_AZURE_59", "public network access stays on for the workloads and Databricks without a virtual network; "
                     "access needs Entra ID (shared keys are off)"),
    ("CKV_AZURE_109", "Key Vault network ACLs would lock out the Terraform run that writes the entries"),
    ("CKV_AZURE_189", "Key Vault public access: as CKV_AZURE_109"),
    ("CKV2_AZURE_32", "Key Vault private endpoint: as CKV2_AZURE_33"),
    ("CKV_AZURE_41", "secret expiry is the owning system's rotation policy, not Terraform's"),
    ("CKV2_AZURE_41", "SAS expiration policy: shared keys are disabled, so no SAS can be signed"),
    ("CKV2_AZURE_38", "soft delete of blobs: as configured in blob_properties (7 days)"),
    ("CKV2_AZURE_48", "Databricks without VNet injection: the cheapest layout for a playground"),
    ("CKV_AZURE_158", "Databricks public access: as CKV2_AZURE_48"),
)  # fmt: skip


def _v(name: str) -> Ref:
    return Ref(f"var.{name}")


def _common() -> list[Item]:
    return [Attr("location", Ref("azurerm_resource_group.main.location")),
            Attr("resource_group_name", Ref("azurerm_resource_group.main.name"))]  # fmt: skip


def variables(inf: Infra) -> tuple[Var, ...]:
    out = [
        prefix_var(),
        regex_var("location", "Azure region.", "^[a-z0-9]+$", "location: an Azure region name such as westeurope."),
        tags_var(512, 256),
        regex_var("resource_group", "Resource group name.", "^[-\\w._()]{1,90}$",
                  "resource_group: at most 90 characters."),
        regex_var("storage_account", "Storage account of the lake (globally unique).", "^[a-z0-9]{3,24}$",
                  "storage_account: 3-24 lowercase letters and digits."),
        regex_var("storage_replication", "Storage redundancy.", "^(LRS|ZRS|GRS|GZRS)$",
                  "storage_replication: LRS, ZRS, GRS or GZRS."),
        retention_var(),
        regex_var("key_vault", "Key Vault name (globally unique).", "^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$",
                  "key_vault: 3-24 letters, digits and hyphens, starting with a letter."),
        names_map_var("workload_identities", "Managed identity name per workload.", "^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$",
                      "workload_identities: 3-128 letters, digits, _ and -."),
        names_map_var("secret_names", "Key Vault secret name per spec secret.", "^[a-zA-Z0-9-]{1,127}$",
                      "secret_names: 1-127 letters, digits and hyphens."),
    ]  # fmt: skip
    if inf.stream:
        out += [
            regex_var("eventhub_namespace", "Event Hubs namespace (globally unique).",
                      "^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$",
                      "eventhub_namespace: 6-50 letters, digits and hyphens."),
            number_var("eventhub_throughput_units", "Event Hubs throughput units (1 MB/s in each).", 1, MAX_TU),
            Var("eventhubs", "map(number)", "Event hub (Kafka topic) -> partitions.",
                ((f"alltrue([for p in values(var.eventhubs) : p >= 1 && p <= {MAX_PARTITIONS}])",
                  f"eventhubs: 1 to {MAX_PARTITIONS} partitions each (Standard tier)."),)),
        ]  # fmt: skip
    if target_containers(inf):
        cond = ("alltrue([for c in values(var.target_containers) : can(regex(" + quote(ACCOUNT_RE) + ", c.account)) "
                "&& can(regex(" + quote(CONTAINER_RE) + ", c.container))])")  # fmt: skip
        out.append(Var("target_containers", "map(object({ account = string, container = string }))",
                       "Storage account and container of each spec target the workloads write (the spec's own; "
                       "Terraform grants access to it, it does not create it).",
                       ((cond, "target_containers: accounts of 3-24 lowercase letters and digits, containers of "
                               "3-63 lowercase letters, digits and hyphens."),)))  # fmt: skip
    out += azure_alerts.variables(inf)
    if inf.databricks:
        out.append(regex_var("databricks_sku", "Databricks workspace tier.", "^(standard|premium|trial)$",
                             "databricks_sku: standard, premium or trial."))  # fmt: skip
    out += azure_databricks.variables(inf)
    out += azure_generators.variables(inf)
    if pods(inf):
        out += [regex_var("aks_oidc_issuer_url", "The AKS cluster's OIDC issuer URL (az aks show --query "
                          "oidcIssuerProfile.issuerUrl; the cluster with the OIDC issuer and workload identity on).",
                          "^https://[^\\s]+$", "aks_oidc_issuer_url: an https:// URL."), *k8s_vars(inf)]  # fmt: skip
    return tuple(out)


def containers_of(inf: Infra) -> tuple[str, ...]:
    """The storage account's containers: one per lake layer, the checkpoints', and where extract-load lands the
    Spark job's raw batches the landing container (plan/cloudnames.py `landing_root`, the bundle's `landing_root`)."""
    return (*AZURE_CONTAINERS, *((AZURE_LANDING,) if lands(inf) else ()))


def storage(inf: Infra) -> tuple[Block, ...]:
    warm, cold = tier_days(inf.retention_days)
    base: list[Item | None] = [
        Attr("tier_to_cool_after_days_since_modification_greater_than", warm) if warm else None,
        Attr("tier_to_cold_after_days_since_modification_greater_than", cold) if cold else None,
        Attr("delete_after_days_since_modification_greater_than", _v("retention_days")),
    ]
    containers = containers_of(inf)
    layers = [f"{c}/" for c in containers if c != "checkpoints"]  # the landing container's batches expire too
    return (
        block("resource", "azurerm_resource_group", "main", body=[
            Attr("name", _v("resource_group")), Attr("location", _v("location")), Attr("tags", _v("tags"))]),
        block("resource", "azurerm_storage_account", "lake", body=[
            Attr("name", _v("storage_account")), *_common(), Attr("account_kind", "StorageV2"),
            Attr("account_tier", "Standard"), Attr("account_replication_type", _v("storage_replication")),
            Attr("is_hns_enabled", True), Attr("min_tls_version", "TLS1_2"), Attr("https_traffic_only_enabled", True),
            Attr("allow_nested_items_to_be_public", False), Attr("shared_access_key_enabled", False),
            Attr("default_to_oauth_authentication", True), Attr("infrastructure_encryption_enabled", True),
            Attr("local_user_enabled", False), Attr("cross_tenant_replication_enabled", False),
            Attr("tags", _v("tags")),
            block("blob_properties", body=[
                block("delete_retention_policy", body=[Attr("days", 7)]),
                block("container_delete_retention_policy", body=[Attr("days", 7)])]),
        ]),
        block("resource", "azurerm_storage_container", "layer", body=[
            Attr("for_each", Ref("toset(" + "[" + ", ".join(quote(c) for c in containers) + "])")),
            Attr("name", Ref("each.value")), Attr("storage_account_id", Ref("azurerm_storage_account.lake.id")),
            Attr("container_access_type", "private")]),
        block("resource", "azurerm_storage_management_policy", "lake", body=[
            Attr("storage_account_id", Ref("azurerm_storage_account.lake.id")),
            block("rule", body=[
                Attr("name", "tiers"), Attr("enabled", True),
                block("filters", body=[Attr("blob_types", ["blockBlob"]), Attr("prefix_match", layers)]),
                block("actions", body=[block("base_blob", body=base)])])]),
    )  # fmt: skip


def stream() -> tuple[Block, ...]:
    return (
        block("resource", "azurerm_eventhub_namespace", "stream", body=[
            Attr("name", _v("eventhub_namespace")), *_common(), Attr("sku", "Standard"),
            Attr("capacity", _v("eventhub_throughput_units")), Attr("auto_inflate_enabled", False),
            Attr("minimum_tls_version", "1.2"), Attr("local_authentication_enabled", False),
            Attr("tags", _v("tags"))]),
        block("resource", "azurerm_eventhub", "topic", body=[
            Attr("for_each", _v("eventhubs")), Attr("name", Ref("each.key")),
            Attr("namespace_id", Ref("azurerm_eventhub_namespace.stream.id")),
            Attr("partition_count", Ref("each.value")), Attr("message_retention", 7)]),
    )  # fmt: skip


def secrets(inf: Infra) -> tuple[Block, ...]:
    vault = block("resource", "azurerm_key_vault", "main", body=[
        Attr("name", _v("key_vault")), *_common(),
        Attr("tenant_id", Ref("data.azurerm_client_config.current.tenant_id")), Attr("sku_name", "standard"),
        Attr("rbac_authorization_enabled", True), Attr("purge_protection_enabled", True),
        Attr("soft_delete_retention_days", 7), Attr("tags", _v("tags"))])  # fmt: skip
    officer = block("resource", "azurerm_role_assignment", "deployer_secrets", body=[
        Attr("scope", Ref("azurerm_key_vault.main.id")), Attr("role_definition_name", "Key Vault Secrets Officer"),
        Attr("principal_id", Ref("data.azurerm_client_config.current.object_id"))])  # fmt: skip
    out: list[Block] = [block("data", "azurerm_client_config", "current"), vault, officer]
    if inf.secrets:
        out.append(block("resource", "azurerm_key_vault_secret", "spec", body=[
            Attr("for_each", _v("secret_names")), Attr("name", Ref("each.value")),
            Attr("key_vault_id", Ref("azurerm_key_vault.main.id")),
            Attr("value", "set-outside-terraform"), Attr("content_type", "text/plain"), Attr("tags", _v("tags")),
            Attr("depends_on", [Ref("azurerm_role_assignment.deployer_secrets")]),
            block("lifecycle", body=[Attr("ignore_changes", [Ref("value")])])]))  # fmt: skip
    return tuple(out)


def databricks(inf: Infra) -> tuple[Block, ...]:
    return (
        block("resource", "azurerm_databricks_workspace", "main", body=[
            Attr("name", Ref('"${var.name_prefix}-dbw"')), *_common(), Attr("sku", _v("databricks_sku")),
            Attr("managed_resource_group_name", Ref('"${var.resource_group}-databricks"')),
            Attr("tags", _v("tags"))]),
        *azure_databricks.scope(inf),
    )  # fmt: skip


def target_containers(inf: Infra, environment: str | None = None) -> dict[str, dict[str, Value]]:
    """Target -> {account, container} of every spec target a workload's code writes (`target_buckets`:
    extract-load's target, a Flink job's sink) that names its storage `account` literally, the
    environment's connection override first; without one the code reads the account from its
    environment at run time and Terraform cannot grant it (R428 says so). A bucket given as an Azure Storage
    URL (`abfss://container@account...`) is its container and account; a URL naming none is R431's."""
    spec = inf.ctx.spec
    env = next((e for k, e in spec.deploy.environments.items() if environment and str(dns_name(k, 20)) == environment),
               None)  # fmt: skip
    used = {t for _, t, _ in target_buckets(inf)}
    out: dict[str, dict[str, Value]] = {}
    for target in spec.targets:
        override = env.targets.get(target.name) if env else None
        account = (override and override.account) or target.connection.account or ""
        bucket = ((override and override.bucket) or target.connection.bucket or "").strip("/")
        found = azure_container(bucket, account) if target.name in used and not parse_secret_ref(bucket) else None
        if found is not None and found[1] and not parse_secret_ref(found[1]):  # else R428, R430 or R431
            out[target.name] = {"account": found[1], "container": found[0]}
    return out


def target_access() -> Block:
    """Each target's storage account, found by its (globally unique) name: its resource group is not in the spec."""
    return block("data", "azurerm_resources", "target_account", body=[
        Attr("for_each", _v("target_containers")), Attr("type", "Microsoft.Storage/storageAccounts"),
        Attr("name", Ref("each.value.account"))])  # fmt: skip


def _container_scope(target: str) -> Ref:
    account = f"one(data.azurerm_resources.target_account[{quote(target)}].resources).id"
    return Ref(
        f'"${{{account}}}/blobServices/default/containers/${{var.target_containers[{quote(target)}].container}}"'
    )


SENDER, RECEIVER = "Azure Event Hubs Data Sender", "Azure Event Hubs Data Receiver"
EVENT_HUBS_ROLES = {"stream": (SENDER, RECEIVER), "ingest": (RECEIVER,)}  # on the namespace


def grants(inf: Infra) -> dict[str, dict[str, Value]]:
    """One role assignment per (workload, scope): its containers, its secrets, the event hubs, and the
    container of each spec target its code writes (`target_containers`)."""
    readers = secret_readers(inf)
    granted = target_containers(inf)
    out: dict[str, dict[str, Value]] = {}
    for w in inf.workloads:
        landing = (AZURE_LANDING,) if w == "ingest" and lands(inf) else ()  # the raw batches it lands, nothing else
        for c in (*READS[w], *landing):
            out[f"{w}-{c}"] = {"workload": w, "role": "Storage Blob Data Contributor",
                               "scope": Ref(f'azurerm_storage_container.layer["{c}"].id')}  # fmt: skip
        for _, target, write in (t for t in target_buckets(inf) if t[0] == w and t[1] in granted):
            if w == "stream" and Kind.FLINK_JOBS not in inf.ctx.plan.graph.kinds:
                continue  # Spark's stream layer writes the lake root (the cluster's access), not the sink's container
            out[f"{w}-target-{target}"] = {"workload": w, "role": BLOB_ROLES[write], "scope": _container_scope(target)}
        for s in readers.get(w, ()):
            scope = Ref(f"azurerm_key_vault_secret.spec[{quote(s)}].resource_versionless_id")
            out[f"{w}-secret-{s}"] = {"workload": w, "role": "Key Vault Secrets User", "scope": scope}
        if inf.stream:
            out.update(event_hubs_grants(inf, w))
    return pod_grants(inf, out)


def event_hubs_grants(inf: Infra, workload: str) -> dict[str, dict[str, Value]]:
    """Entra ID roles on Event Hubs (local keys are off): the stream jobs send and receive on the namespace; the
    batch topic reader (ingest) only receives (nothing it runs produces); the workload running the quality step
    (`EVENTS_PUBLISHER`) sends to exactly the events topic's event hub where it publishes there."""
    namespace = Ref("azurerm_eventhub_namespace.stream.id")
    roles = EVENT_HUBS_ROLES.get(workload, ())
    out: dict[str, dict[str, Value]] = {
        f"{workload}-{role.split()[-1].lower()}": {"workload": workload, "role": role, "scope": namespace}
        for role in roles
    }
    if workload == EVENTS_PUBLISHER and managed_events_publisher(inf.ctx):
        hub = Ref(f"azurerm_eventhub.topic[{quote(str(inf.ctx.plan.names.events_topic))}].id")
        out[f"{workload}-events-sender"] = {"workload": workload, "role": SENDER, "scope": hub}
    return out


def identities(inf: Infra) -> tuple[Block, ...]:
    return (
        *((target_access(),) if target_containers(inf) else ()),
        block("resource", "azurerm_user_assigned_identity", "workload", body=[
            Attr("for_each", _v("workload_identities")), Attr("name", Ref("each.value")), *_common(),
            Attr("tags", _v("tags"))]),
        block("locals", body=[Attr("grants", grants(inf))]),
        block("resource", "azurerm_role_assignment", "workload", body=[
            Attr("for_each", Ref("local.grants")), Attr("scope", Ref("each.value.scope")),
            Attr("role_definition_name", Ref("each.value.role")),
            Attr("principal_id", Ref("azurerm_user_assigned_identity.workload[each.value.workload].principal_id")),
            Attr("principal_type", "ServicePrincipal")]),
        *federation(inf),
    )  # fmt: skip


def federation(inf: Infra) -> tuple[Block, ...]:
    """Microsoft Entra Workload ID: each pod identity trusts tokens the cluster's OIDC issuer signs for exactly
    its Kubernetes ServiceAccount."""
    if not pods(inf):
        return ()
    return (block("resource", "azurerm_federated_identity_credential", "workload", body=[
        Attr("for_each", _v("k8s_service_accounts")), Attr("name", Ref('"${var.name_prefix}-${each.key}-k8s"')),
        Attr("resource_group_name", Ref("azurerm_resource_group.main.name")),
        Attr("parent_id", Ref("azurerm_user_assigned_identity.workload[each.key].id")),
        Attr("audience", ["api://AzureADTokenExchange"]), Attr("issuer", _v("aks_oidc_issuer_url")),
        Attr("subject", Ref('"system:serviceaccount:${var.k8s_namespace}:${each.value}"'))]),)  # fmt: skip


def outputs(inf: Infra) -> tuple[Output, ...]:
    out = [
        Output("storage_account", "azurerm_storage_account.lake.name", "The lake's storage account (ADLS Gen2)."),
        Output("dfs_endpoint", "azurerm_storage_account.lake.primary_dfs_endpoint", "The lake's abfss endpoint."),
        Output("key_vault_uri", "azurerm_key_vault.main.vault_uri", "Key Vault holding the spec's secrets."),
        Output("workload_client_ids", "{ for k, i in azurerm_user_assigned_identity.workload : k => i.client_id }",
               "Managed identity (client id) per workload, for workload identity federation."),
    ]  # fmt: skip
    if lands(inf):  # PIPEGEN_LANDING_ROOT of extract-load; the bundle's targets name the same container
        landing = f'azurerm_storage_container.layer["{AZURE_LANDING}"].name'
        out.append(Output("spark_landing_root", f'"abfss://${{{landing}}}@${{azurerm_storage_account.lake.name}}'
                          '.dfs.core.windows.net"', "Where the raw batches land (PIPEGEN_LANDING_ROOT): the landing "
                          "container extract-load writes and the Databricks job cluster reads."))  # fmt: skip
    if inf.stream:
        endpoint = catalog.eventhubs_kafka_endpoint("namespace", "${azurerm_eventhub_namespace.stream.name}")
        out.append(Output("kafka_bootstrap", f'"{endpoint}"',
                          "The Event Hubs Kafka endpoint (Entra ID OAuth; local keys are off)."))  # fmt: skip
        out.append(Output("eventhub_namespace_id", "azurerm_eventhub_namespace.stream.id",
                          "Event Hubs namespace resource id.", sensitive=True))  # fmt: skip
    if alert_list(inf):
        out.append(
            Output(
                "monitor_workspace_id",
                "azurerm_monitor_workspace.metrics.id",
                "Azure Monitor workspace the alerts query: send the cluster's Prometheus metrics here.",
            )
        )
    if pods(inf):
        out.append(Output(IDENTITY_OUTPUT, 'join("", [for k in keys(var.k8s_service_accounts) : '
                          '"${k}=${azurerm_user_assigned_identity.workload[k].client_id}\\n"])',
                          "The Kubernetes overlay's identity.env of this environment (docs/kubernetes.md)."),
        )  # fmt: skip
    out += azure_databricks.outputs(inf)
    return tuple(out)


def module(inf: Infra) -> CloudModule:
    files: list[tuple[str, tuple[Block, ...]]] = [("storage.tf", storage(inf)), ("secrets.tf", secrets(inf)),
                                                  ("identities.tf", identities(inf))]  # fmt: skip
    if inf.stream:
        files.append(("stream.tf", stream()))
    if inf.databricks:
        files.append(("databricks.tf", databricks(inf)))
    if azure_alerts.alerting(inf):
        files.append(("alerts.tf", azure_alerts.alerting(inf)))
    if generated := azure_generators.blocks(inf):
        files.append(("generators.tf", generated))
    extra = ((("databricks", azure_databricks.SOURCE, azure_databricks.VERSION), azure_databricks.AZUREAD)
             if azure_databricks.scoped(inf) else ())  # fmt: skip
    return CloudModule("azurerm", "hashicorp/azurerm", PROVIDER_VERSION, variables(inf), tuple(files),
                       outputs(inf), SKIPS, LOCATION, alarms=alert_list(inf), extra_providers=extra,
                       root_providers=azure_databricks.root_provider(inf),
                       inline_skips=azure_generators.SKIPS if generated else (),
                       generators=tuple((g.table, g.topic) for g in azure_generators.generators(inf)))  # fmt: skip


def provider() -> Block:
    return block("provider", "azurerm", body=[Attr("storage_use_azuread", True), block("features")])


def backend(names: CloudNames) -> Block:
    return block("backend", "azurerm", body=[
        Attr("resource_group_name", f"rg-{names.state_account}"),
        Attr("storage_account_name", str(names.state_account)), Attr("container_name", STATE_CONTAINER),
        Attr("key", str(names.state_key)), Attr("use_azuread_auth", True)])  # fmt: skip


def databricks_sku(inf: Infra) -> str:
    """`standard`, the cheapest, unless a Databricks target names a Unity Catalog catalog (Unity Catalog
    needs the premium tier); `hive_metastore` is the workspace's own, on any tier."""
    catalogs = {t.connection.catalog for t in inf.ctx.spec.targets if t.type == TargetType.DATABRICKS}
    return "premium" if catalogs - {None, "hive_metastore"} else "standard"


def throughput_units(inf: Infra, dev: bool) -> int:
    return 1 if dev else max(1, min(MAX_TU, math.ceil(inf.peak_bytes_s / MIB_S_PER_TU)))


def env_plan(inf: Infra, names: CloudNames, dev: bool, share: float) -> EnvPlan:
    values: list[tuple[str, Value]] = [
        ("name_prefix", str(names.prefix)), ("location", LOCATION), ("tags", dict(names.tags)),
        ("resource_group", str(names.resource_group)), ("storage_account", str(names.storage_account)),
        ("storage_replication", "LRS" if dev else "ZRS"), ("retention_days", inf.retention_days),
        ("key_vault", str(names.key_vault)),
        ("workload_identities", identity_names(inf, names)),
        ("secret_names", {s: str(n) for s, n in names.secrets}),
    ]  # fmt: skip
    values += k8s_values(inf, names)
    if target_containers(inf):
        values.append(("target_containers", target_containers(inf, str(names.environment))))
    if azure_alerts.variables(inf):
        values.append(("alert_emails", list(alert_emails(inf))))
    tus = throughput_units(inf, dev)
    if inf.stream:
        values += [("eventhub_namespace", str(names.stream)), ("eventhub_throughput_units", tus),
                   ("eventhubs", {t: min(p, MAX_PARTITIONS) for t, p in inf.topics})]  # fmt: skip
    if inf.databricks:
        values.append(("databricks_sku", databricks_sku(inf)))
    if azure_databricks.scoped(inf):
        values.append(("databricks_secret_scope", str(names.secret_scope)))
    values += azure_generators.values(inf, str(names.environment))
    stored = inf.stored_gib_per_day * share
    warm, cold = tier_days(inf.retention_days)
    hot_days = min(inf.retention_days, warm or inf.retention_days)
    warm_days = (min(inf.retention_days, cold or inf.retention_days) - warm) if warm else 0
    cold_days = inf.retention_days - (cold or inf.retention_days)
    costs = [
        Cost("ADLS Gen2 hot tier", round(stored * hot_days, 2), "GB-month", PRICES["hot"]),
        Cost("ADLS Gen2 cool tier", round(stored * warm_days, 2), "GB-month", PRICES["cool"]),
        Cost("ADLS Gen2 cold tier", round(stored * cold_days, 2), "GB-month", PRICES["cold"]),
        Cost("Key Vault operations (10,000 a month assumed)", 1, "10k operations", PRICES["secret_ops"]),
    ]  # fmt: skip
    if alert_list(inf):
        costs.append(
            Cost(
                "Azure Monitor managed Prometheus (samples ingested and queried, billed by use; not estimated)",
                len(alert_list(inf)),
                "alert rule",
                0.0,
            )
        )
    if inf.stream:
        costs.append(Cost("Event Hubs Standard throughput units", tus, "TU-month", PRICES["tu"]))
    if inf.databricks:
        costs.append(Cost(f"Databricks workspace, {databricks_sku(inf)} tier (compute billed per DBU as jobs run)", 1,
                          "workspace", 0.0))  # fmt: skip
    costs += azure_generators.costs(inf)
    return EnvPlan(names, tuple(values), tuple(costs))
