"""The data generators' runtime on Azure (issue 21, seed 003's container instances): where a Faker source streams
into the project's Event Hubs (common/faker_streams.py; the synthetic family writes `pipeline/stream_generator.py`),
`generators.tf` runs one container per streamed table in one Azure Container Instances group (`<prefix>-generators`,
Linux, the Standard SKU, the cheapest: 0.5 vCPU and 1 GB each; no IP address: it only sends; restarted always,
the stream is endless), from the image `generator_image` (tfvars: `<pipeline>-generator:<environment>`, built from
`requirements-generator.txt` and the project's `pipeline/`). The group signs in as its own user-assigned identity
(`<prefix>-generator`), which is Azure Event Hubs Data Sender on exactly the event hubs of its streams (no
receiver, no namespace-wide role); the container's environment names the Kafka endpoint and that identity's
client id (`AZURE_CLIENT_ID`, which DefaultAzureCredential signs in with): no key, no password, so no Key Vault
secret is read. `terraform apply` starts the generators with the rest and `terraform destroy` removes them."""

from __future__ import annotations

from pipegen.common.faker_streams import FakerStream
from pipegen.generators.terraform.hcl import Attr, Block, Comment, Item, Ref, block, quote
from pipegen.generators.terraform.model import Cost, Infra, Var
from pipegen.generators.terraform.stream_generators import command, image_values, image_variables, streams_on
from pipegen.plan.idents import dns_name
from pipegen.spec.model import Cloud

CPU, MEMORY_GB = 0.5, 1.0  # per generator container (Python, Faker and pyarrow fit in 1 GB)
SENDER = "Azure Event Hubs Data Sender"
# Azure Container Instances, Linux, Standard, list prices assumed for westeurope: per vCPU-second and GB-second
SECONDS_PER_MONTH = 730 * 3600
PRICES = {"vcpu": 0.0000135 * SECONDS_PER_MONTH, "gb": 0.0000015 * SECONDS_PER_MONTH}
# checkov: why its container-group checks do not apply
SKIPS = (
    ("CKV_AZURE_98", "the generators only send to Event Hubs over TLS as their identity: no VNet resource to reach"),
    ("CKV_AZURE_235", "no secret in the environment: the Kafka endpoint and the identity's client id are public"),
)


def generators(inf: Infra) -> tuple[FakerStream, ...]:
    """The Faker streams the root runs a generator for: their topics are event hubs of this root's namespace
    (Event Hubs is the project's cluster: Azure without `deploy.kubernetes`)."""
    return streams_on(inf, Cloud.AZURE)


def variables(inf: Infra) -> tuple[Var, ...]:
    return image_variables(generators(inf), "myregistry.azurecr.io/shop-generator:dev")


def values(inf: Infra, environment: str) -> list[tuple[str, str]]:
    return image_values(inf, generators(inf), environment)


def _container(stream: FakerStream) -> Block:
    return block("container", body=[
        Attr("name", str(dns_name(stream.name))), Attr("image", Ref("var.generator_image")), Attr("cpu", CPU),
        Attr("memory", MEMORY_GB),
        Attr("commands", command(stream)),
        Attr("environment_variables", {
            "KAFKA_BOOTSTRAP_SERVERS": Ref('"${azurerm_eventhub_namespace.stream.name}.servicebus.windows.net:9093"'),
            "AZURE_CLIENT_ID": Ref("azurerm_user_assigned_identity.generator.client_id")}),
    ])  # fmt: skip


def blocks(inf: Infra) -> tuple[Block, ...]:
    """generators.tf: the identity, its sender roles on its streams' event hubs, the container group."""
    streams = generators(inf)
    if not streams:
        return ()
    hubs = ", ".join(quote(s.topic) for s in streams)
    group: list[Item | None] = [
        *(Comment(f"checkov:skip={check}: {why}") for check, why in SKIPS),
        Attr("name", Ref('"${var.name_prefix}-generators"')),
        Attr("location", Ref("azurerm_resource_group.main.location")),
        Attr("resource_group_name", Ref("azurerm_resource_group.main.name")),
        Attr("os_type", "Linux"), Attr("sku", "Standard"), Attr("ip_address_type", "None"),
        Attr("restart_policy", "Always"),
        block("identity", body=[Attr("type", "UserAssigned"),
                                Attr("identity_ids", [Ref("azurerm_user_assigned_identity.generator.id")])]),
        *(_container(s) for s in streams),
        Attr("tags", Ref("var.tags")),
        Attr("depends_on", [Ref("azurerm_role_assignment.generator")]),
    ]  # fmt: skip
    return (
        block("resource", "azurerm_user_assigned_identity", "generator", body=[
            Attr("name", Ref('"${var.name_prefix}-generator"')),
            Attr("location", Ref("azurerm_resource_group.main.location")),
            Attr("resource_group_name", Ref("azurerm_resource_group.main.name")), Attr("tags", Ref("var.tags"))]),
        block("resource", "azurerm_role_assignment", "generator", body=[
            Attr("for_each", Ref(f"toset([{hubs}])")), Attr("scope", Ref("azurerm_eventhub.topic[each.value].id")),
            Attr("role_definition_name", SENDER),
            Attr("principal_id", Ref("azurerm_user_assigned_identity.generator.principal_id")),
            Attr("principal_type", "ServicePrincipal")]),
        block("resource", "azurerm_container_group", "generators", body=group),
    )  # fmt: skip


def costs(inf: Infra) -> list[Cost]:
    n = len(generators(inf))
    if not n:
        return []
    return [
        Cost("Container Instances, stream generators (Linux, always on)", n * CPU, "vCPU-month", PRICES["vcpu"]),
        Cost("Container Instances, stream generators' memory", n * MEMORY_GB, "GB-month", PRICES["gb"]),
    ]


__all__ = ["SKIPS", "blocks", "costs", "generators", "values", "variables"]
