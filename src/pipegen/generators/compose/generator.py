"""compose family: the local services the plan needs, as `compose.yaml` services (rendered by the
project family from every family's contribution) and `make up` / `make down`.

- a database per PostgreSQL or MySQL source (`<source>-db`, names.compose_service): a pinned image, its
  password from .env (`${NAME:?...}`: the same variable the pipeline reads), logical replication / row
  binlog when the source is captured (CDC), a health check;
- a Kafka broker in KRaft mode (`kafka`) when the plan has Kafka topics, and the one-shot `kafka-topics` that
  creates them there (topics.py: the kafka family's KafkaTopics' list), which every service using them waits for;
- Kafka Connect with the Debezium plugins (`connect`) when a source is captured;
- a generator per Faker stream table (`<source>-<table>-generator`, generators.py), which writes its topic there.
- a Flink session cluster that runs the generated SQL jobs, and the orchestrator's services (engines.py);
- a Delta loader per job relayed into Delta (`<job>-delta-loader`, loaders.py), beside the Flink jobs.
Every service that needs another waits for it to be healthy. Grafana (with the generated dashboards
provisioned), Prometheus and node_exporter are the monitoring family's contribution.
"""

from __future__ import annotations

from dataclasses import replace

from pipegen.generators.base import COMPOSE_TARGETS, ComposeService, Contribution, EnvVar, Files, GenContext
from pipegen.generators.compose import engines, generators, loaders, topics
from pipegen.plan.cdc import DEBEZIUM_VERSION, KAFKA_VERSION
from pipegen.plan.components import Kind
from pipegen.plan.names import (
    COMPOSE_AIRFLOW,
    COMPOSE_CONNECT,
    COMPOSE_FLINK_SQL,
    COMPOSE_KAFKA,
    COMPOSE_KAFKA_TOPICS,
    COMPOSE_PREFECT_WORKER,
    compose_service,
)
from pipegen.spec.model import Ingestion, Source, SourceType
from pipegen.spec.types import SecretRef, parse_secret_ref

IMAGES = {
    SourceType.POSTGRES: "postgres:17.6",
    SourceType.MYSQL: "mysql:8.4.6",
}
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"
CONNECT_IMAGE = f"quay.io/debezium/connect:{DEBEZIUM_VERSION}"
PORTS = {SourceType.POSTGRES: 5432, SourceType.MYSQL: 3306}
KAFKA_PORT = 9092  # from the host
INTERNAL_PORT = 29092  # from the other services


def _literal(value: str | None, default: str) -> str:
    """A connection value as the database's own setting: a literal (with Compose's `$` escaped), an
    `${env:NAME}` reference as `${NAME:-default}`; a secret never (it is the password's job)."""
    if value is None:
        return default
    ref = parse_secret_ref(value)
    if ref is None:
        return value.replace("$", "$$")
    return default if ref.kind == "secret" else f"${{{ref.name}:-{default}}}"


def password_var(ctx: GenContext, source: Source) -> str:
    """The variable holding the source's password: the spec's `${secret:NAME}`, else `<SOURCE>_PASSWORD`."""
    ref = parse_secret_ref(source.connection.password or "") if source.connection else None
    return ref.name if ref else str(ctx.plan.names.env.connection(source.name, "password"))


def database(ctx: GenContext, source: Source, port: int) -> ComposeService:
    conn = source.connection
    name = _literal(conn.database if conn else None, "app")
    user = _literal(conn.user if conn else None, "app")
    secret = f"${{{password_var(ctx, source)}:?set {password_var(ctx, source)} in .env}}"
    cdc = source.ingestion == Ingestion.CDC
    if source.type == SourceType.POSTGRES:
        return ComposeService(
            name=str(compose_service(source.name)), image=IMAGES[source.type], ports=(f"127.0.0.1:{port}:5432",),
            environment=(("POSTGRES_DB", name), ("POSTGRES_USER", user), ("POSTGRES_PASSWORD", secret)),
            command=("postgres", "-c", "wal_level=logical") if cdc else (),
            healthcheck=("pg_isready -U \"$${POSTGRES_USER}\" -d \"$${POSTGRES_DB}\"",),
        )  # fmt: skip
    return ComposeService(
        name=str(compose_service(source.name)), image=IMAGES[source.type], ports=(f"127.0.0.1:{port}:3306",),
        environment=(("MYSQL_DATABASE", name), ("MYSQL_USER", user), ("MYSQL_PASSWORD", secret),
                     ("MYSQL_RANDOM_ROOT_PASSWORD", "yes")),
        command=("--log-bin=binlog", "--binlog-format=ROW", "--server-id=1") if cdc else (),
        healthcheck=("mysqladmin ping -h 127.0.0.1 --silent",),
    )  # fmt: skip


def kafka() -> ComposeService:
    """One KRaft node: `kafka:29092` inside the Compose network, `localhost:9092` from the host."""
    return ComposeService(
        name=str(COMPOSE_KAFKA), image=KAFKA_IMAGE, ports=(f"127.0.0.1:{KAFKA_PORT}:{KAFKA_PORT}",),
        environment=(
            ("KAFKA_NODE_ID", "1"), ("KAFKA_PROCESS_ROLES", "broker,controller"),
            ("KAFKA_LISTENERS", f"INTERNAL://:{INTERNAL_PORT},EXTERNAL://:{KAFKA_PORT},CONTROLLER://:9093"),
            ("KAFKA_ADVERTISED_LISTENERS",
             f"INTERNAL://{COMPOSE_KAFKA}:{INTERNAL_PORT},EXTERNAL://localhost:{KAFKA_PORT}"),
            ("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT"),
            ("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL"),
            ("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"), ("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093"),
            ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"), ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
            ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"), ("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"),
        ),
        healthcheck=(f"/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:{KAFKA_PORT}",),
    )  # fmt: skip


def connect(ctx: GenContext, captured: list[Source]) -> ComposeService:
    kafka_names = ctx.plan.names.kafka
    assert kafka_names is not None
    return ComposeService(
        name=str(COMPOSE_CONNECT), image=CONNECT_IMAGE, ports=("127.0.0.1:8083:8083",),
        environment=(
            ("BOOTSTRAP_SERVERS", f"{COMPOSE_KAFKA}:{INTERNAL_PORT}"), ("GROUP_ID", str(kafka_names.connect_group)),
            ("CONFIG_STORAGE_TOPIC", str(kafka_names.connect_configs)),
            ("OFFSET_STORAGE_TOPIC", str(kafka_names.connect_offsets)),
            ("STATUS_STORAGE_TOPIC", str(kafka_names.connect_status)),
        ),
        healthcheck=("curl -fsS http://localhost:8083/connectors",),
        depends_on=(str(COMPOSE_KAFKA), *(str(compose_service(s.name)) for s in captured if s.type in IMAGES)),
    )  # fmt: skip


def database_hosts(ctx: GenContext) -> tuple[tuple[str, str], ...]:
    """(variable, service) of each local source database whose host the spec gives as `${env:NAME}`:
    inside the Compose network, the database is its service."""
    out = []
    for source in ctx.spec.sources:
        ref: SecretRef | None = parse_secret_ref(source.connection.host or "") if source.connection else None
        if source.type in IMAGES and ref is not None:
            out.append((ref.name, str(compose_service(source.name))))
    return tuple(sorted(dict(out).items()))


def services(ctx: GenContext) -> tuple[ComposeService, ...]:
    out: list[ComposeService] = []
    used: dict[SourceType, int] = {}
    for source in ctx.spec.sources:
        if source.type in IMAGES:
            port = PORTS[source.type] + used.get(source.type, 0)
            used[source.type] = used.get(source.type, 0) + 1
            out.append(database(ctx, source, port))
    if Kind.KAFKA_TOPICS in ctx.plan.graph.kinds:
        out.append(kafka())
        captured = [s for s in ctx.spec.sources if s.ingestion == Ingestion.CDC]
        if captured:
            out.append(connect(ctx, captured))
        out.extend(generators.generator_services(ctx, f"{COMPOSE_KAFKA}:{INTERNAL_PORT}"))
    if engines.has_flink(ctx):
        out.extend(engines.flink_services(ctx, f"{COMPOSE_KAFKA}:{INTERNAL_PORT}", database_hosts(ctx)))
        out.extend(loaders.loader_services(ctx, f"{COMPOSE_KAFKA}:{INTERNAL_PORT}"))
    out.extend(engines.orchestrator_services(ctx, database_hosts(ctx)))
    return with_topics(ctx, out)


# the long-running services that use the broker's topics: each waits for `kafka-topics` to have created them
TOPIC_USERS = (COMPOSE_CONNECT, COMPOSE_FLINK_SQL, COMPOSE_AIRFLOW, COMPOSE_PREFECT_WORKER)


def with_topics(ctx: GenContext, found: list[ComposeService]) -> tuple[ComposeService, ...]:
    """`found` with the one-shot `kafka-topics` after the broker (topics.py), every topic user waiting for it
    (`after`), when the plan has Kafka topics."""
    if Kind.KAFKA_TOPICS not in ctx.plan.graph.kinds:
        return tuple(found)
    users = {*map(str, TOPIC_USERS), *generators.generator_names(ctx), *loaders.loader_names(ctx)}
    out = [replace(s, after=(*s.after, str(COMPOSE_KAFKA_TOPICS))) if s.name in users else s for s in found]
    awaited = any(s.name in users for s in out)
    service = topics.topics_service(ctx, f"{COMPOSE_KAFKA}:{INTERNAL_PORT}", KAFKA_IMAGE, awaited)
    at = next(i for i, s in enumerate(out) if s.name == str(COMPOSE_KAFKA)) + 1
    return (*out[:at], service, *out[at:])


class ComposeGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        found = services(ctx)
        if not found:
            return Contribution()
        secrets = sorted({password_var(ctx, s) for s in ctx.spec.sources if s.type in IMAGES})
        return Contribution(
            compose_services=found,
            env=(*(EnvVar(n, ("compose.yaml: the local database's password",), secret=True) for n in secrets),
                 *engines.orchestrator_env(ctx)),
            make_targets=COMPOSE_TARGETS,
        )  # fmt: skip

    def render(self, ctx: GenContext) -> Files:
        return {engines.FLINK_DOCKERFILE: engines.flink_dockerfile(ctx)} if engines.has_flink(ctx) else {}


GENERATOR = ComposeGenerator()
