"""terraform family: one Terraform project per spec, for the spec's cloud.

Writes under `terraform/`:
- `modules/platform/`: the cloud's resources (`aws.py`, `azure.py`, `gcp.py`), `variables.tf` (typed,
  validated: names within the cloud's limits), `outputs.tf` (sensitive ones marked), `versions.tf`;
- `envs/<env>/` per deployment environment (the spec's, else dev/staging/prod): `main.tf` (provider,
  the module with every input wired), `variables.tf`, `outputs.tf`, `versions.tf` (pinned provider,
  remote-state backend), `terraform.tfvars` (names from the naming layer, sizes from the plan);
- `.checkov.yaml`: the checkov checks that do not apply, each with its reason;
and `docs/terraform.md`: what is deployed, how, and a monthly cost estimate per environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipegen.common.workload_identity import BATCH_IDENTITY, BRIDGE_IDENTITY, LOADER_IDENTITY, pod_identities
from pipegen.generators.base import Contribution, Files, GenContext, MakeTarget
from pipegen.generators.terraform import aws, azure, gcp
from pipegen.generators.terraform.aws import QUERY_RESULTS_DAYS
from pipegen.generators.terraform.aws_alarms import METRIC_DIMENSIONS
from pipegen.generators.terraform.aws_spark import EMR_IDLE_MINUTES, EMR_RELEASE
from pipegen.generators.terraform.common import secret_output
from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, Value, block, quote, render
from pipegen.generators.terraform.model import DEV, CloudModule, EnvPlan, Infra, Output, Var, infra
from pipegen.plan.alerting import ALERTS
from pipegen.plan.cloudnames import CloudNames, cloud_names, environments
from pipegen.plan.components import Kind
from pipegen.plan.names import ENV
from pipegen.plan.spark_landing import landed_sources
from pipegen.render.env import render as render_template
from pipegen.safe import Ident, trusted
from pipegen.spec.model import Cloud

TERRAFORM_VERSION = ">= 1.9.0"
MODULE = "terraform/modules/platform"
ALARM_SERVICES = {"aws": "CloudWatch", "google": "Cloud Monitoring", "azurerm": "Azure Monitor"}
# what separates two environments: the lake's catalog names carry no environment (docs/terraform.md)
TENANCY = {"aws": "account", "google": "project", "azurerm": "subscription"}
# docs/terraform.md's "The data generators" per provider: where they run, what they send to, as whom, the registry
GENERATOR_DOCS = {
    "azurerm": {
        "runtime": "in one Azure Container\nInstances group, `<prefix>-generators` (Linux, Standard SKU, 0.5 vCPU "
        "and 1 GB a container, no IP address,\nrestarted always: the streams are endless)",
        "topic": "event hub",
        "identity": "signed in to Event Hubs as the group's identity\n`<prefix>-generator`, which may send to "
        "exactly those event hubs (no key, no password: no Key Vault secret is\nread).",
        "registry": "; a private registry needs the group's\n`image_registry_credential`",
    },
    "aws": {
        "runtime": "as one ECS Fargate\nservice per streamed table in the cluster `<prefix>-generators` (0.25 vCPU "
        "and 0.5 GB a task, desired count 1,\nin the brokers' subnets with no public IP; ECS restarts a "
        "stopped task: the streams are endless)",
        "topic": "MSK topic",
        "identity": "signed in to MSK with IAM as the\ntask role `<prefix>-generator`, which may write exactly "
        "those topics (no key, no password: no secret is read;\nlogs in the CloudWatch log group "
        "`/ecs/<prefix>-generators`).",
        "registry": "; an ECR repository the execution role `<prefix>-generator-execution` pulls\nfrom",
    },
    "google": {
        "runtime": "in one Cloud Run\nworker pool, `<prefix>-generators` (one instance, 1 vCPU and 512 MiB a "
        "container, no URL, reaching the\ncluster through its subnet: the streams are endless)",
        "topic": "Managed Kafka topic",
        "identity": "signed in to Managed Kafka as the\nservice account `generator_account`, a Managed Kafka "
        "client of the project (Managed Kafka authorizes\nper cluster; no key, no password: no "
        "secret is read).",
        "registry": "; an Artifact Registry repository the service agent of Cloud Run reads",
    },
}
DEV_SHARE = 0.1  # the dev environment is assumed to hold a tenth of the plan's data


@dataclass(frozen=True)
class CloudKit:
    module: Callable[[Infra], CloudModule]
    provider: Callable[[], Block]
    backend: Callable[[CloudNames], Block]
    env_plan: Callable[[Infra, CloudNames, bool, float], EnvPlan]


KITS: dict[Cloud, CloudKit] = {
    Cloud.AWS: CloudKit(aws.module, aws.provider, aws.backend, aws.env_plan),
    Cloud.AZURE: CloudKit(azure.module, azure.provider, azure.backend, azure.env_plan),
    Cloud.GCP: CloudKit(gcp.module, gcp.provider, gcp.backend, gcp.env_plan),
}


def variable_block(v: Var) -> Block:
    body: list[Item | None] = [Attr("type", Ref(v.type)), Attr("description", v.description)]
    if v.sensitive:
        body.append(Attr("sensitive", True))
    body += [block("validation", body=[Attr("condition", Ref(c)), Attr("error_message", m)]) for c, m in v.validations]
    return block("variable", v.name, body=body)


def output_block(o: Output, value: str) -> Block:
    body: list[Item | None] = [Attr("description", o.description), Attr("value", Ref(value))]
    if o.sensitive:
        body.append(Attr("sensitive", True))
    return block("output", o.name, body=body)


def required_providers(mod: CloudModule, version: str) -> Block:
    extra = [Attr(name, {"source": source, "version": pinned}) for name, source, pinned in mod.extra_providers]
    return block("required_providers", body=[Attr(mod.provider, {"source": mod.source, "version": version}), *extra])


def module_files(mod: CloudModule) -> Files:
    files = {f"{MODULE}/{name}": render(blocks) for name, blocks in mod.files}
    files[f"{MODULE}/variables.tf"] = render(variable_block(v) for v in mod.variables)
    files[f"{MODULE}/outputs.tf"] = render(output_block(o, o.value) for o in mod.outputs)
    files[f"{MODULE}/versions.tf"] = render([block("terraform", body=[
        Attr("required_version", TERRAFORM_VERSION), required_providers(mod, mod.version)])])  # fmt: skip
    return files


def env_files(mod: CloudModule, kit: CloudKit, env: EnvPlan) -> Files:
    root = f"terraform/envs/{env.names.environment}"
    wiring: list[Item | None] = [Attr("source", "../../modules/platform")]
    wiring += [Attr(v.name, Ref(f"var.{v.name}")) for v in mod.variables]
    values = dict(env.values)
    assert set(values) <= {v.name for v in mod.variables}, "a tfvars value without its variable"
    unset = [v.name for v in mod.variables if v.name not in values]
    tfvars: list[Item | None] = [Attr(k, v) for k, v in env.values]
    return {
        f"{root}/main.tf": render([kit.provider(), *mod.root_providers, block("module", "platform", body=wiring)]),
        f"{root}/variables.tf": render(variable_block(v) for v in mod.variables),
        f"{root}/outputs.tf": render(output_block(o, f"module.platform.{o.name}") for o in mod.outputs),
        f"{root}/versions.tf": render([block("terraform", body=[
            Attr("required_version", TERRAFORM_VERSION), required_providers(mod, mod.version),
            kit.backend(env.names)])]),
        f"{root}/terraform.tfvars": _tfvars_header(unset) + render(tfvars),
    }  # fmt: skip


def _tfvars_header(unset: list[str]) -> str:
    lines = ["# Generated by pipegen: names from the naming layer, sizes from the plan's capacity figures."]
    if unset:
        lines.append("# Set before `terraform apply` (your network): " + ", ".join(unset))
    return "\n".join(lines) + "\n"


def checkov_config(mod: CloudModule) -> str:
    lines = ["# checkov checks that do not apply to this project, each with its reason (docs/terraform.md)."]
    lines += ["framework:", "  - terraform", "skip-check:"]
    for check, reason in mod.skips:
        lines += [f"  # {reason}", f"  - {check}"]
    return "\n".join(lines) + "\n"


def env_plans(ctx: GenContext, inf: Infra, kit: CloudKit) -> list[EnvPlan]:
    out = []
    for env in environments(ctx.spec):
        names = cloud_names(ctx.spec, env, list(inf.secrets))
        dev = str(names.environment) == DEV
        out.append(kit.env_plan(inf, names, dev, DEV_SHARE if dev else 1.0))
    return out


def landing_docs(ctx: GenContext, mod: CloudModule) -> bool:
    """Extract-load lands the Spark job's batches in the landing bucket (Azure: container) this root creates."""
    return bool(landed_sources(ctx.spec, ctx.plan.graph)) and any(o.name == "spark_landing_root" for o in mod.outputs)


def docs_context(ctx: GenContext, mod: CloudModule, plans: list[EnvPlan], stored: tuple[str, ...]) -> dict[str, object]:
    metrics = METRIC_DIMENSIONS.items() if mod.alarms and mod.provider == "aws" else ()
    kinds = ctx.plan.graph.kinds
    envs = []
    for p in plans:
        rows = [{"item": trusted(c.item), "quantity": trusted(f"{c.quantity:,.2f} {c.unit}"),
                 "price": trusted(f"{c.usd_per_unit:,.4f}"), "monthly": trusted(f"{c.monthly:,.2f}")}
                for c in p.costs]  # fmt: skip
        total = sum(c.monthly for c in p.costs)
        state = trusted(str(p.names.state_bucket))  # an Ident: [a-z0-9_.-]
        if p.names.state_account:  # Azure: container `tfstate` of the state account, in `rg-<account>`
            state = trusted(f"{p.names.state_account}/tfstate (resource group rg-{p.names.state_account})")
        envs.append({"name": p.names.environment, "rows": rows, "total": trusted(f"{total:,.2f}"),
                     "state_bucket": state, "state_key": p.names.state_key})  # fmt: skip
    return {
        "cloud": trusted(ctx.spec.cloud.value),
        "region": trusted(mod.region),
        "provider": trusted(f"{mod.source} {mod.version}"),
        "envs": envs,
        "files": [Ident(name.removesuffix(".tf")) for name, _ in mod.files],
        "skips": [{"check": trusted(c), "reason": trusted(r)} for c, r in mod.skips],
        "inline_skips": [{"check": trusted(c), "reason": trusted(r)} for c, r in mod.inline_skips],
        "alarms": [{"alert": a, "severity": s, "what": w, "threshold": t} for a, s, w, t in mod.alarms],
        "alarm_metrics": [{"name": trusted(m), "dimensions": trusted(", ".join(d))} for m, d in metrics],
        "stream_lag": any(a == ALERTS.consumer_lag for a, *_ in mod.alarms),
        "alarm_service": trusted(ALARM_SERVICES[mod.provider]),
        "tenancy": trusted(TENANCY[mod.provider]),
        "bigquery_tables": [{"table": t, "partition": p, "cluster": c} for t, p, c in mod.tables],
        "athena": any(name == "catalog.tf" for name, _ in mod.files) and mod.provider == "aws",
        "emr": any(o.name == "emr_execution_role_arn" for o in mod.outputs),
        "dataproc": any(o.name == "dataproc_service_account" for o in mod.outputs),
        "landing": landing_docs(ctx, mod),
        "dataproc_stream": Kind.SPARK_STREAMING in kinds,  # gcp_spark.streams: the checkpoints bucket
        "dataproc_kafka": Kind.SPARK_STREAMING in kinds and Kind.KAFKA_TOPICS in kinds,  # and the cluster
        "pubsub_connect": any(o.name == "connect_cluster" for o in mod.outputs),  # gcp_connect.py
        "emr_glue": [Ident(db) for db in mod.spark_databases],
        "lake_glue": [Ident(db) for db in mod.lake_databases],
        "emr_release": trusted(EMR_RELEASE),
        "databricks_scope": any(o.name == "databricks_secret_scope" for o in mod.outputs),
        "generators": [{"table": t, "topic": topic} for t, topic in mod.generators],  # both: md_code
        "generator_doc": {k: trusted(v) for k, v in GENERATOR_DOCS[mod.provider].items()},
        # (placeholder, output) of each spec secret the EMR requests / Dataproc batches reference (secret_output)
        "spark_secrets": [
            {"env": trusted(ENV.secret_id(s)), "output": Ident(secret_output(s))} for s in mod.spark_secrets
        ],
        "cluster_secrets": cluster_secrets(ctx, set(stored)),
        "emr_idle": EMR_IDLE_MINUTES,
        "emr_kafka": list(mod.spark_topics),  # topic names (a Kafka source's own: spec text), md_code in the doc
        "results_days": QUERY_RESULTS_DAYS,
        "dev_share": trusted(f"{DEV_SHARE:.0%}"),
        "retention": ctx.spec.volume.retention_days,
        "pod_identity": pod_identity_context(ctx),
    }


def pod_identity_context(ctx: GenContext) -> dict[str, object] | None:
    """The federated ServiceAccounts and their namespace (docs/terraform.md's "Workload identity")."""
    found = pod_identities(ctx)
    if not found:
        return None
    return {"namespace": ctx.plan.names.k8s_namespace,
            "batch": next((p.service_account for p in found if p.identity == BATCH_IDENTITY), None),
            "flink": next((p.service_account for p in found if not p.owned), None),
            "loader": next((p.service_account for p in found if p.identity == LOADER_IDENTITY), None),
            "bridge": next((p.service_account for p in found if p.identity == BRIDGE_IDENTITY), None)}  # fmt: skip


def cluster_secrets(ctx: GenContext, stored: set[str]) -> list[dict[str, object]]:
    """The secret store's entries pipegen names for the Spark stream (the project's Kafka cluster's TLS
    store passwords), each with where its value is: the Strimzi Secret's key (the cluster CA's, the Spark
    stream KafkaUser's)."""
    kafka = ctx.plan.names.kafka
    if kafka is None:
        return []
    sources = {ENV.kafka_truststore_password: ("ca.password", kafka.cluster_ca_secret),
               ENV.kafka_keystore_password: ("user.password", kafka.spark_user)}  # fmt: skip
    return [{"name": trusted(n), "key": trusted(k), "secret": s} for n, (k, s) in sources.items() if n in stored]


class TerraformGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        if ctx.spec.cloud not in KITS:
            return Contribution()
        fmt = MakeTarget("terraform-fmt", "Check the Terraform files' layout (terraform fmt -check)",
                         (("terraform", "fmt", "-check", "-recursive", "terraform"),))  # fmt: skip
        return Contribution(make_targets=(fmt,))

    def render(self, ctx: GenContext) -> Files:
        kit = KITS.get(ctx.spec.cloud)
        if kit is None:  # validate refuses terraform on `cloud: local` (R420)
            return {}
        inf = infra(ctx)
        mod = kit.module(inf)
        plans = env_plans(ctx, inf, kit)
        files = module_files(mod)
        for p in plans:
            files.update(env_files(mod, kit, p))
        files["terraform/.checkov.yaml"] = checkov_config(mod)
        files["docs/terraform.md"] = render_template(
            "terraform/terraform.md.j2", docs_context(ctx, mod, plans, inf.secrets)
        )
        return files


GENERATOR = TerraformGenerator()

__all__ = ["GENERATOR", "Value", "quote"]
