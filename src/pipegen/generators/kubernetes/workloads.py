"""What the kubernetes family runs, as data: the workloads of the plan, their sizes per environment and
the traffic each needs. Pure functions of the spec and plan; `objects.py` turns them into manifests.

- Airflow: a self-hosted Airflow 3 (`airflow.py`): API server, scheduler (LocalExecutor: it runs the
  tasks, so it is the batch pod), DAG processor and, where the DAG has deadline callbacks, the triggerer;
  the DAG's schedule is the Airflow one.
- Prefect: the orchestrator's workers, self-hosted, as a Deployment polling the project's work pool
  (the flow's schedule lives in the Prefect deployment, prefect.yaml).
- The Faker streams' generators (common/faker_streams.py `cluster_streams`): one Deployment per streamed table
  running `pipeline/stream_generator.py` for it, from the generator image (`<app>-generator`), a fixed small size
  (one replica, never scaled: each produces its table's `rows_per_day`), signed in to the Strimzi cluster as the
  kafka family's generator KafkaUser (Write on exactly their topics); no Secret, no ConfigMap, no egress but Kafka.
- The Delta loaders (`delta_loaders`): one Deployment per stream job or bronze job relayed into Delta, running
  `pipeline/delta_relay.py` for it, signed in as the kafka family's Delta relay KafkaUser, a fixed small size.
- The capture and stream jobs are the kafka, debezium and flink families' custom resources
  (KafkaConnect, KafkaConnector, FlinkDeployment): the kustomization lists their files; this module
  only says which traffic their pods need (`Peer`s of the NetworkPolicies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipegen.common.delta_loader import HEARTBEAT as LOADER_HEARTBEAT
from pipegen.common.delta_loader import LOADER_STALE_S, fresh_check
from pipegen.common.faker_streams import FakerStream, cluster_streams
from pipegen.common.kafka_clients import batch_user
from pipegen.common.orchestration import CADENCES, run_policy
from pipegen.common.workload_identity import delta_loader_jobs
from pipegen.generators.base import GenContext
from pipegen.plan.components import Kind
from pipegen.plan.names import ENV, KubeNames, snake
from pipegen.safe import Ident
from pipegen.spec.catalog import DEFAULT_PORTS
from pipegen.spec.model import Connection, Ingestion, Resources

HTTPS = 443
API_SERVER = (443, 6443)  # the Kubernetes API (its Service's port, and the usual port of the server itself)
KAFKA_TLS = 9093  # the Strimzi cluster's TLS listener (the kafka family's LISTENER_PORT)
FLINK_REST = 8081  # the JobManager's REST port the Flink operator calls
PREFECT_HEALTH = 8080  # `prefect worker start --with-healthcheck`
# Ports of systems pipegen has no SQL default for (DEFAULT_PORTS has the SQL databases').
OTHER_PORTS: dict[str, tuple[int, ...]] = {"mongodb": (27017,), "kafka": (9092, 9093), "druid": (8888,)}
APP_DIR = "/app"  # the image's working directory: the generated project
SCRATCH = "/tmp"  # the one writable path (an emptyDir): HOME, the Airflow metadata database, caches
MIN_MEMORY_MIB, MAX_MEMORY_MIB = 512, 8192
# the share of a run's largest table in memory at once: dlt extracts, normalises and writes in chunks
WORKING_SET = 1 / 16
DEV_ENV = "dev"
# the self-hosted Airflow's API server, DAG processor and triggerer (they run no task): one size everywhere
CONTROL_MEMORY = "1Gi"


@dataclass(frozen=True)
class Size:
    cpu_request: str
    cpu_limit: str
    memory: str  # request = limit: a container is never killed for memory it was promised


@dataclass(frozen=True)
class Container:
    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class KafkaTls:
    """A workload's mutual TLS to the project's Strimzi cluster: Strimzi's Secrets it mounts read-only."""

    ca_secret: str  # `<cluster>-cluster-ca-cert`
    user_secret: str  # the KafkaUser's Secret (its name)
    bootstrap: str  # Strimzi's bootstrap service on the TLS listener: `KAFKA_BOOTSTRAP_SERVERS`


@dataclass(frozen=True)
class Workload:
    key: str  # batch / worker: the component label and the NetworkPolicy's suffix
    name: Ident  # the object, its ServiceAccount and its pods' `app.kubernetes.io/name`
    kind: str  # Deployment (the one kind pipegen's own workloads have)
    init: tuple[Container, ...]
    main: Container
    env: tuple[tuple[str, str], ...]  # fixed variables (pipegen's own text)
    ports: tuple[int, ...]  # TCP egress: the sources and targets it reads and writes, HTTPS
    kafka: bool  # reads the project's Kafka cluster
    health_port: int | None = None  # Deployment: the liveness/readiness endpoint (HTTP GET `health_path`)
    kafka_tls: KafkaTls | None = None  # the batch run signs in to the project's cluster (batch_tls)
    account: Ident | None = None  # its pods' ServiceAccount, when not its own name (Airflow's control pods)
    health_path: str = "/health"
    # Deployment: a command as the liveness and readiness probe (`airflow jobs check`, a generator's heartbeat)
    exec_probe: tuple[str, ...] = ()
    service_port: int | None = None  # a Service of its name on this port
    # ingress: (port, the labels of the pods allowed in on it), e.g. the API server's from the project's pods
    ingress: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = ()
    calls: tuple[tuple[str, int], ...] = ()  # egress to other pods of the namespace: (app.kubernetes.io/name, port)
    secret_env: tuple[tuple[str, str], ...] = ()  # variables from the Secret by key (secretKeyRef): (name, key)
    scaled: bool = True  # Deployment: the overlays set its replicas (else one)
    # a fixed size in every environment (Airflow's control pods: control_size(); a generator: GENERATOR_SIZE);
    # None: it runs the pipeline's tasks, sized as a run (planned_size per environment)
    size: Size | None = None
    floor_mib: int = 0  # the least memory a sized (not spec-set) run gets: Airflow's scheduler beside its tasks
    # what it reads by envFrom: "config" the environment's ConfigMap, "secret" the project's Secret's every key
    # (the pipeline's code runs here); none for a generator (what it needs is in `env`)
    env_from: tuple[str, ...] = ("config", "secret")
    image: str | None = None  # its own image (else the project's)

    @property
    def service_account(self) -> Ident:
        return self.account if self.account is not None else self.name


@dataclass(frozen=True)
class Peer:
    """A custom resource's pods (another family's) and the traffic they need."""

    key: str  # the NetworkPolicy's suffix
    selector: tuple[tuple[str, str], ...]  # pod labels the operator sets
    egress_ports: tuple[int, ...]  # TCP, any destination
    kafka: bool  # to the Kafka pods on the TLS listener
    self_traffic: bool  # to and from pods of the same selector, any port
    ingress_ports: tuple[int, ...] = ()  # TCP, from any namespace (an operator's calls)


def ports_of(kind: str, connection: Connection | None) -> tuple[int, ...]:
    """The TCP port(s) a system listens on: the connection's own port, else its default, else HTTPS."""
    if connection is not None and connection.port is not None:
        return (connection.port,)
    if kind in DEFAULT_PORTS:
        return (DEFAULT_PORTS[kind],)
    return OTHER_PORTS.get(kind, (HTTPS,))


def batch_ports(ctx: GenContext) -> tuple[int, ...]:
    """What the batch run reaches: its batch sources, every target, HTTPS (APIs, object stores,
    notifications, the orchestrator's API)."""
    spec = ctx.spec
    found = {HTTPS}
    for i in ctx.plan.graph.batch_sources:
        source = spec.sources[i]
        if source.ingestion == Ingestion.BATCH:
            found.update(ports_of(source.type.value, source.connection))
    for target in spec.targets:
        found.update(ports_of(target.type.value, target.connection))
    return tuple(sorted(found))


def batch_tls(ctx: GenContext) -> KafkaTls | None:
    """The batch run's sign-in to the project's cluster over the TLS listener (common/kafka_clients.py):
    as the ingest KafkaUser where the batch reader of Kafka topics reads it, else as the quality KafkaUser
    where the quality step publishes its validation events there, else none."""
    kafka, user = ctx.plan.names.kafka, batch_user(ctx)
    if kafka is None or user is None:
        return None
    return KafkaTls(str(kafka.cluster_ca_secret), user, f"{kafka.bootstrap}:{KAFKA_TLS}")


@dataclass(frozen=True)
class BatchRun:
    """What every pod running the batch run's tasks shares, whichever orchestrator runs them."""

    env: tuple[tuple[str, str], ...]  # the project's folder, HOME on the scratch volume
    ports: tuple[int, ...]  # batch_ports
    kafka: bool  # reads the project's Kafka cluster
    tls: KafkaTls | None  # batch_tls


def batch_run(ctx: GenContext) -> BatchRun:
    spec = ctx.spec
    tls = batch_tls(ctx)
    kafka = tls is not None or (
        Kind.KAFKA_TOPICS in ctx.plan.graph.kinds
        and bool(ctx.plan.graph.batch_sources)
        and any(spec.sources[i].ingestion != Ingestion.BATCH for i in ctx.plan.graph.batch_sources)
    )
    return BatchRun((("PIPEGEN_PROJECT_DIR", APP_DIR), ("HOME", SCRATCH)), batch_ports(ctx), kafka, tls)


def prefect_workers(ctx: GenContext, pod: Ident, run: BatchRun) -> tuple[Workload, ...]:
    """Prefect's self-hosted workers on the project's work pool: the batch pod `pod` (`batch_pod`)."""
    args = ("prefect", "worker", "start", "--pool", str(ctx.plan.names.prefect_work_pool), "--type", "process",
            "--with-healthcheck")  # fmt: skip
    return (
        Workload(
            "worker", pod, "Deployment", init=(), main=Container("worker", args),
            env=(*run.env, ("PREFECT_HOME", f"{SCRATCH}/prefect"),
                 ("PREFECT_WORKER_WEBSERVER_PORT", str(PREFECT_HEALTH))),
            ports=run.ports, kafka=run.kafka, health_port=PREFECT_HEALTH, kafka_tls=run.tls,
        ),
    )  # fmt: skip


# ---------------------------------------------------------------- the Faker streams' generators


GENERATOR_SIZE = Size("100m", "500m", "512Mi")  # Python, Faker and pyarrow producing one table's events
HEARTBEAT = f"{SCRATCH}/pipegen-heartbeat"  # PIPEGEN_HEARTBEAT: touched by the generator while its stream flows


def heartbeat_probe(stream: FakerStream) -> tuple[str, ...]:
    """Succeeds while the generator's heartbeat is fresh (younger than `stream.stale_after`): else the
    generator is restarted."""
    check = f"import os, sys, time; sys.exit(time.time() - os.path.getmtime({HEARTBEAT!r}) > {stream.stale_after})"
    return ("python", "-c", check)


def generator_image(ctx: GenContext, kube: KubeNames) -> str:
    """The stream generators' image (requirements-generator.txt, pipeline/): the project's image name (the spec's
    `deploy.kubernetes.image`, else `<app>`) with `-generator`; each overlay tags it with the environment's tag."""
    return f"{ctx.spec.deploy.kubernetes.image or kube.app}-generator"


def generator_workload(ctx: GenContext, kube: KubeNames, stream: FakerStream) -> Workload:
    """A Faker stream's generator: the kafka family's generator KafkaUser, no ConfigMap or Secret, no cloud identity
    (its own ServiceAccount, which no identity links), one replica at GENERATOR_SIZE in every environment."""
    kafka = ctx.plan.names.kafka
    assert kafka is not None
    tls = KafkaTls(str(kafka.cluster_ca_secret), str(kafka.generator_user), f"{kafka.bootstrap}:{KAFKA_TLS}")
    args = ("python", "-m", "pipeline.stream_generator", "--table", stream.table)
    return Workload(f"gen-{stream.name}", kube.generator(stream.name), "Deployment", init=(),
                    main=Container("generator", args), env=(("HOME", SCRATCH), (str(ENV.heartbeat), HEARTBEAT)),
                    ports=(), kafka=True, exec_probe=heartbeat_probe(stream), kafka_tls=tls, scaled=False,
                    size=GENERATOR_SIZE, env_from=(), image=generator_image(ctx, kube))  # fmt: skip


def loader_probe() -> tuple[str, ...]:
    """Succeeds while a Delta loader's heartbeat is younger than LOADER_STALE_S: else the loader is restarted."""
    return ("python", "-c", fresh_check(LOADER_HEARTBEAT, LOADER_STALE_S))


def delta_loaders(ctx: GenContext, kube: KubeNames) -> tuple[Workload, ...]:
    """The Delta loader of each stream job relayed into Delta (plan/flinkjars.relayed_sinks; pipeline/delta_relay.py,
    the flink family's): one replica each (one consumer per relay topic: a second would merge the same keys), from
    the project's image, signed in to the Strimzi cluster as the kafka family's Delta relay KafkaUser (Read on the
    relay topics and groups), the environment's ConfigMap and the project's Secret (the lake's credentials, unless
    the pod's cloud identity holds them: all run as one ServiceAccount, `<app>-delta-loader`, the `loader`
    identity of common/workload_identity.py), egress to Kafka and HTTPS (the object store) only, at GENERATOR_SIZE;
    live and ready while its heartbeat (PIPEGEN_HEARTBEAT, common/delta_loader.py) is fresh."""
    kafka = ctx.plan.names.kafka
    if kafka is None or "flink" not in ctx.families:
        return ()
    jobs = delta_loader_jobs(ctx)
    tls = KafkaTls(str(kafka.cluster_ca_secret), str(kafka.delta_user), f"{kafka.bootstrap}:{KAFKA_TLS}")
    return tuple(
        Workload(f"delta-{snake(job)}", kube.delta_loader(job), "Deployment", init=(),
                 main=Container("loader", ("python", "-m", "pipeline.delta_relay", job)),
                 env=(("HOME", SCRATCH), (str(ENV.heartbeat), LOADER_HEARTBEAT)),
                 ports=(HTTPS,), kafka=True, kafka_tls=tls, scaled=False, size=GENERATOR_SIZE,
                 account=kube.delta_loader_account, exec_probe=loader_probe())
        for job in jobs
    )  # fmt: skip


def generators(ctx: GenContext, kube: KubeNames) -> tuple[Workload, ...]:
    """A generator per Faker stream on the project's cluster (common/faker_streams.py `cluster_streams`)."""
    return tuple(generator_workload(ctx, kube, s) for s in cluster_streams(ctx))


def peers(ctx: GenContext) -> tuple[Peer, ...]:
    """The other families' pods in the namespace, by the labels their operators set."""
    kafka = ctx.plan.names.kafka
    manifests = ctx.shared.manifests
    out: list[Peer] = []
    if kafka is not None and any(m.startswith("k8s/kafka/kafka.yaml") for m in manifests):
        out.append(Peer("kafka", (("strimzi.io/cluster", str(kafka.cluster)), ("strimzi.io/kind", "Kafka")),
                        (), kafka=False, self_traffic=True))  # fmt: skip
    if kafka is not None and "k8s/kafka/connect.yaml" in manifests:
        captured = {p for s in ctx.spec.sources if s.ingestion == Ingestion.CDC
                    for p in ports_of(s.type.value, s.connection)}  # fmt: skip
        out.append(Peer("connect", (("strimzi.io/cluster", str(kafka.connect)), ("strimzi.io/kind", "KafkaConnect")),
                        tuple(sorted(captured | set(API_SERVER))), kafka=True, self_traffic=True))  # fmt: skip
    if any(m.startswith("flink/deploy/") for m in manifests):
        sinks = {p for t in ctx.spec.targets for p in ports_of(t.type.value, t.connection)}
        out.append(Peer("flink", (("type", "flink-native-kubernetes"),),
                        tuple(sorted(sinks | set(API_SERVER) | {HTTPS})), kafka=kafka is not None,
                        self_traffic=True, ingress_ports=(FLINK_REST,)))  # fmt: skip
    return tuple(out)


# ---------------------------------------------------------------- sizes


def runs_per_day(schedule: str) -> float:
    """Runs a day of a derived cadence; one for any other schedule (the largest batch: conservative)."""
    for seconds, cron in CADENCES:
        if cron == schedule:
            return 86400 / seconds
    return 1.0


def _cpu(memory_mib: int) -> tuple[str, str]:
    request = 250 if memory_mib <= 512 else 500 if memory_mib <= 2048 else 1000 if memory_mib <= 8192 else 2000
    return f"{request}m", f"{request * 2}m"


def planned_size(ctx: GenContext) -> Size:
    """From the plan's capacity: a run's share of the largest batch table's daily bytes, times the
    share of it in memory at once (WORKING_SET), as a power of two of MiB between MIN_MEMORY_MIB and
    MAX_MEMORY_MIB."""
    batch = {f"{ctx.spec.sources[i].name}." for i in ctx.plan.graph.batch_sources}
    daily = [t.raw_bytes_per_day for t in ctx.plan.capacity.tables if any(t.table.startswith(b) for b in batch)]
    per_run = max(daily, default=0.0) / runs_per_day(run_policy(ctx.spec).schedule) * WORKING_SET
    mib = max(MIN_MEMORY_MIB, min(MAX_MEMORY_MIB, 2 ** math.ceil(math.log2(max(per_run / 2**20, 1)))))
    request, limit = _cpu(mib)
    return Size(request, limit, f"{mib}Mi")


def env_size(planned: Size, environment: str, resources: Resources | None) -> Size:
    """An environment's size: the spec's `resources` (request = limit), else the smallest in dev,
    else the planned size."""
    if resources is not None:
        return Size(resources.cpu, resources.cpu, resources.memory)
    if environment == DEV_ENV:
        request, limit = _cpu(MIN_MEMORY_MIB)
        return Size(request, limit, f"{MIN_MEMORY_MIB}Mi")
    return planned


def floored(size: Size, floor_mib: int) -> Size:
    """A planned size (`<n>Mi`) raised to at least `floor_mib`, its CPU with it; a spec's own size is not
    passed here."""
    mib = int(size.memory.removesuffix("Mi"))
    if mib >= floor_mib:
        return size
    request, limit = _cpu(floor_mib)
    return Size(request, limit, f"{floor_mib}Mi")


def run_size(w: Workload, planned: Size, environment: str | None, resources: Resources | None) -> Size:
    """A workload's size in an environment (None: the base): the spec's `resources` as given, else the planned
    or dev size raised to the workload's floor; its fixed `size` for a workload that runs no task."""
    if w.size is not None:
        return w.size
    if resources is not None:
        return env_size(planned, environment or "", resources)
    return floored(env_size(planned, environment, None) if environment else planned, w.floor_mib)


def control_size() -> Size:
    """The self-hosted Airflow's API server, DAG processor and triggerer: they run no task, so one size
    in every environment (the smallest CPU, CONTROL_MEMORY)."""
    request, limit = _cpu(MIN_MEMORY_MIB)
    return Size(request, limit, CONTROL_MEMORY)


def env_replicas(environment: str, replicas: int | None) -> int:
    """Workers per environment: the spec's `replicas`, else two in prod (a worker can restart without
    a missed run), else one."""
    if replicas is not None:
        return replicas
    return 2 if environment == "prod" else 1
