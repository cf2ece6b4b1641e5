"""Workload identity: which Kubernetes ServiceAccount signs in as which cloud identity, as data the kubernetes
family (the ServiceAccount's annotation, the pods' label, the overlays' `identity.env`) and the terraform family
(the identity, its grants and the federation naming exactly that namespace and ServiceAccount) both read, so the
two never derive a name twice.

The kubernetes family runs the orchestrator's batch run in one pod (`batch_pod`: Airflow's scheduler, Prefect's
workers): extract-load and the transform steps (dbt, the quality step, the lake step) in one process. A pod has
one ServiceAccount and so one cloud identity: the `batch` identity (plan/cloudnames.py `<prefix>-batch`), which
Terraform grants exactly what the ingest and the transform identities hold (`BATCH_STEPS`), and nothing else.
The per-step identities stay for a deployment that runs the steps apart. The Flink jobs run as the Flink
operator's `flink` ServiceAccount (plan/names.py FLINK_SERVICE_ACCOUNT, created by the operator's installation,
not by this project): Terraform federates the `stream` identity with it (`owned=False`: no overlay can annotate
it, so on GCP and Azure the annotation is the user's, validate's R453). The Delta loaders (pipeline/delta_relay.py,
one Deployment per job relayed into Delta) share one ServiceAccount, `<app>-delta-loader`, signed in as the `loader`
identity, which Terraform grants exactly what the stream identity holds (the loaders write what the Flink jobs'
Delta sinks would have written). The Pub/Sub bridge's KafkaConnectors (generators/kafka/bridge.py) run in the Kafka
Connect pods, whose ServiceAccount Strimzi creates (`<connect>-connect`, KafkaNames.connect_service_account): where
a bridged source signs in with Application Default Credentials (no `private_key`; plan/pubsub_bridge.py `federated`),
they sign in as the `bridge` identity, which Terraform grants exactly the subscriptions they consume; its annotation
is written through the KafkaConnect's `spec.template.serviceAccount` (`carrier`), which Strimzi copies to the
ServiceAccount it creates.

Per cloud (`LINKS`):
- AWS, EKS Pod Identity: an `aws_eks_pod_identity_association` (cluster, namespace, ServiceAccount -> role);
  the roles already trust `pods.eks.amazonaws.com`. Chosen over IRSA because it needs no per-cluster OIDC
  provider in IAM and no account id in the manifests: the ServiceAccount carries nothing.
- GCP, GKE Workload Identity: the ServiceAccount's `iam.gke.io/gcp-service-account` annotation (the service
  account's email) and `roles/iam.workloadIdentityUser` for `serviceAccount:<project>.svc.id.goog[<ns>/<sa>]`.
- Azure, Microsoft Entra Workload ID: the ServiceAccount's `azure.workload.identity/client-id` annotation (the
  managed identity's client id), the pods' `azure.workload.identity/use: "true"` label, and a federated
  identity credential on the managed identity with the cluster's OIDC issuer and
  `system:serviceaccount:<ns>:<sa>`.

The annotation's value is known only after `terraform apply` (a client id; an email in the user's project): each
environment's overlay reads it from `k8s/overlays/<env>/identity.env` (`<identity>=<value>`), which the Terraform
root of the same environment prints (its `k8s_identity_env` output)."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.common.kafka_topics import relays
from pipegen.generators.base import GenContext
from pipegen.plan.cloudnames import cloud_names
from pipegen.plan.components import Kind
from pipegen.plan.names import FLINK_SERVICE_ACCOUNT
from pipegen.plan.pubsub_bridge import federated
from pipegen.safe import Ident
from pipegen.spec.model import Cloud, Orchestrator, TargetType

BATCH_IDENTITY = "batch"  # the Terraform workload (plan/cloudnames.py WORKLOADS) of the batch pod
BATCH_STEPS = ("ingest", "transform")  # the Terraform workloads whose grants the batch identity holds
STREAM_IDENTITY = "stream"  # the Flink jobs' Terraform workload
LOADER_IDENTITY = "loader"  # the Delta loaders' (pipeline/delta_relay.py): what the Flink jobs' sinks would hold
BRIDGE_IDENTITY = "bridge"  # the Kafka Connect pods running the Pub/Sub bridge: its subscriptions only
CONNECT_SA_ANNOTATIONS = "spec.template.serviceAccount.metadata.annotations"  # Strimzi's template of its SA
IDENTITY_OUTPUT = "k8s_identity_env"  # each Terraform root's output: the lines of the overlay's identity.env
IDENTITY_ENV = "identity.env"  # in each overlay


@dataclass(frozen=True)
class Link:
    """How one cloud links a ServiceAccount to its identity."""

    annotation: str | None  # the ServiceAccount's annotation naming the identity (None: nothing in the manifests)
    pod_labels: tuple[tuple[str, str], ...]  # labels the pods carry (Azure's webhook selects pods by one)
    placeholder: str  # identity.env's value until the user sets the Terraform output: `{identity}` its name
    what: str  # what the value is (docs)


LINKS: dict[Cloud, Link] = {
    Cloud.AWS: Link(None, (), "", "an EKS Pod Identity association (nothing in the manifests)"),
    Cloud.GCP: Link("iam.gke.io/gcp-service-account", (), "{identity}@PROJECT_ID.iam.gserviceaccount.com",
                    "the Google service account's email"),
    Cloud.AZURE: Link("azure.workload.identity/client-id", (("azure.workload.identity/use", "true"),),
                      "client-id-of-{identity}", "the managed identity's client id"),
}  # fmt: skip


@dataclass(frozen=True)
class PodIdentity:
    identity: str  # the Terraform workload key (`batch`): the identity's name is cloud_names(...).identity(it)
    service_account: Ident  # its pods' serviceAccountName
    steps: tuple[str, ...]  # the Terraform workloads whose grants it holds (its own: none to copy)
    owned: bool = True  # the project writes its annotation (else: the Flink operator's installation has the SA)
    # (kind, name, annotations path) of the resource the annotation is written on where it is not the ServiceAccount
    # itself: the KafkaConnect whose template Strimzi applies to the ServiceAccount it creates
    carrier: tuple[str, str, str] | None = None


def batch_pod(ctx: GenContext) -> Ident | None:
    """The kubernetes family's pod running the orchestrator's batch run, by its name (and its ServiceAccount's):
    Airflow's scheduler (LocalExecutor: it runs the tasks) where the Airflow DAG is generated, Prefect's workers
    where the Prefect deployment is;
    None without the kubernetes family or either."""
    kube = ctx.plan.names.kube
    if kube is None or "kubernetes" not in ctx.families:
        return None
    kinds = ctx.plan.graph.kinds

    def generated(kind: Kind) -> bool:
        return kind in kinds and ctx.owners.get(str(kind)) in ctx.families

    if ctx.spec.orchestrator == Orchestrator.AIRFLOW and generated(Kind.AIRFLOW_SCHEDULE):
        return kube.batch
    if ctx.spec.orchestrator == Orchestrator.PREFECT and generated(Kind.PREFECT_SCHEDULE):
        return kube.worker
    return None


def pod_identities(ctx: GenContext) -> tuple[PodIdentity, ...]:
    """Every ServiceAccount on the cluster with a cloud identity Terraform federates, on a cloud Terraform deploys
    (LINKS) with the terraform and kubernetes families on: the batch pod's (its own `batch` identity), and the
    FlinkDeployments' (the operator's `flink` ServiceAccount, the `stream` identity) where Flink jobs run, the Delta
    loaders' (`loader`), the Kafka Connect pods' (`bridge`) where they run the Pub/Sub bridge with workload identity."""
    if ctx.spec.cloud not in LINKS or "terraform" not in ctx.families or "kubernetes" not in ctx.families:
        return ()
    out: list[PodIdentity] = []
    if (pod := batch_pod(ctx)) is not None:
        out.append(PodIdentity(BATCH_IDENTITY, pod, BATCH_STEPS))
    if Kind.FLINK_JOBS in ctx.plan.graph.kinds and "flink" in ctx.families:
        out.append(PodIdentity(STREAM_IDENTITY, FLINK_SERVICE_ACCOUNT, (STREAM_IDENTITY,), owned=False))
        kube = ctx.plan.names.kube
        if delta_loader_jobs(ctx) and kube is not None and ctx.plan.names.kafka is not None:
            out.append(PodIdentity(LOADER_IDENTITY, kube.delta_loader_account, (STREAM_IDENTITY,)))
    kafka = ctx.plan.names.kafka
    if "kafka" in ctx.families and kafka is not None and federated(ctx.spec, ctx.plan.graph.kinds):
        out.append(PodIdentity(BRIDGE_IDENTITY, kafka.connect_service_account, (BRIDGE_IDENTITY,),
                               carrier=("KafkaConnect", str(kafka.connect), CONNECT_SA_ANNOTATIONS)))  # fmt: skip
    return tuple(out)


def delta_loader_jobs(ctx: GenContext) -> list[str]:
    """The jobs a Delta loader runs for (the kubernetes family's Deployments): the Delta ones of the one relay list
    (common/kafka_topics.relays: each stream job relayed into Delta, then each bronze job into a Delta bronze)."""
    return [r.job for r, _ in relays(ctx) if r.target.type == TargetType.DELTA]


def identity_env(ctx: GenContext, environment: str) -> str:
    """An overlay's identity.env until the user writes the Terraform output over it: a comment saying how,
    then `<identity>=<placeholder>` per pod identity (the identity's name from the naming layer)."""
    link = LINKS[ctx.spec.cloud]
    names = cloud_names(ctx.spec, environment, [])
    root = f"terraform/envs/{names.environment}"
    lines = [
        f"# {link.what} per workload identity, from the Terraform root of this environment:",
        f"#   terraform -chdir={root} output -raw {IDENTITY_OUTPUT} > k8s/overlays/{environment}/{IDENTITY_ENV}",
    ]
    for p in pod_identities(ctx):
        if p.owned:
            lines.append(f"{p.identity}={link.placeholder.format(identity=names.identity(p.identity))}")
    return "\n".join(lines) + "\n"
