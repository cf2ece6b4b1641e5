"""CDC connectors as data: what Debezium captures for every source with `ingestion: cdc`.

Pure and shared: the debezium family renders these connectors (Connect REST JSON, Strimzi
`KafkaConnector`s, the local capture step) and the kafka family sizes topics, users and the
Connect build from them; families never import each other, so the computed data lives here.

Per-system differences are the `SYSTEMS` table. Current Debezium 3.x property names only
(../shared/CURRENCY.md §5): `topic.prefix`, `schema.history.internal.kafka.*`,
`snapshot.mode` (`initial`), heartbeats, a source-channel signal table for incremental
snapshots, `ExtractNewRecordState` with `delete.tombstone.handling.mode` and `add.fields`.

Topics: Debezium names its raw topics `<topic.prefix>.<schema or database>.<table>`; a
`RegexRouter` renames them to the naming layer's `<pipeline>.<source>.<table>` (exact routes
first for tables whose landed name differs from the source name).

Record shape: when Flink reads the topics (a speed layer), they carry Debezium's change-event
envelope, which Flink's `debezium-json` format reads (before/after images, retractions);
otherwise the connector unwraps to flat rows with `ExtractNewRecordState` (deletes rewritten
as rows with `__deleted=true`, plus `__op`, `__table`, `__source_ts_ms`).

Secrets are never literals: a `${secret:NAME}`/`${env:NAME}` of the spec becomes a Kafka
config-provider reference of the runtime (`RUNTIMES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pipegen.plan.names import CdcNames, DatasetNames, Names
from pipegen.spec.model import Connection, Dataset, Ingestion, Source, SourceType, Spec
from pipegen.spec.types import parse_column_type, parse_secret_ref

DEBEZIUM_VERSION = "3.6.1.Final"  # the Connect plugins the Strimzi build downloads (CURRENCY.md §5)
KAFKA_VERSION = "4.3.1"  # Strimzi 1.2's Kafka
HEARTBEAT_MS = 10_000
SIGNAL_TABLE_DDL = (
    "CREATE TABLE {table} (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)"
)
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
UNWRAP_ADD_FIELDS = "op,table,source.ts_ms"


class Shape(StrEnum):
    ENVELOPE = "envelope"  # Debezium's change event (Flink debezium-json)
    FLAT = "flat"  # ExtractNewRecordState: the row after the change, deletes rewritten


class Runtime(StrEnum):
    CONNECT = "connect"  # a Kafka Connect worker reached over its REST API
    STRIMZI = "strimzi"  # Strimzi KafkaConnect + KafkaConnector on Kubernetes


@dataclass(frozen=True)
class CdcSystem:
    """How Debezium captures one kind of database."""

    key: str  # the connector's key in ../shared/debezium/properties.json
    connector_class: str
    plugin: str  # Maven artifact of the Connect plugin (group io.debezium)
    port: int
    address: tuple[tuple[str, str], ...]  # Debezium key <- Connection field
    include_key: str  # table.include.list / collection.include.list
    qualifier: str  # the Connection field that qualifies table names: "schema" or "database"
    default_qualifier: str
    signal_scope: str  # "qualifier" (<q>.<signal>) or "database.qualifier" (SQL Server: <db>.<q>.<signal>)
    historized: bool  # keeps a schema history topic (binlog/redo-based connectors)
    unwrap_class: str
    static: tuple[tuple[str, str], ...] = ()  # fixed settings of this system
    booleans: tuple[tuple[str, str], ...] = ()  # custom converters when the tables have boolean columns
    uppercase: bool = False  # Oracle folds unquoted identifiers to upper case
    relational: bool = True  # has SQL column types (decimal and temporal handling modes apply)


_RELATIONAL_ADDRESS = (
    ("database.hostname", "host"),
    ("database.port", "port"),
    ("database.user", "user"),
    ("database.password", "password"),
)
_UNWRAP = "io.debezium.transforms.ExtractNewRecordState"

SYSTEMS: dict[SourceType, CdcSystem] = {
    SourceType.POSTGRES: CdcSystem(
        key="postgresql",
        connector_class="io.debezium.connector.postgresql.PostgresConnector",
        plugin="debezium-connector-postgres",
        port=5432,
        address=(*_RELATIONAL_ADDRESS, ("database.dbname", "database")),
        include_key="table.include.list",
        qualifier="schema",
        default_qualifier="public",
        signal_scope="qualifier",
        historized=False,
        unwrap_class=_UNWRAP,
        static=(("plugin.name", "pgoutput"), ("publication.autocreate.mode", "filtered")),
    ),
    SourceType.MYSQL: CdcSystem(
        key="mysql",
        connector_class="io.debezium.connector.mysql.MySqlConnector",
        plugin="debezium-connector-mysql",
        port=3306,
        address=_RELATIONAL_ADDRESS,
        include_key="table.include.list",
        qualifier="database",
        default_qualifier="",
        signal_scope="qualifier",
        historized=True,
        unwrap_class=_UNWRAP,
        static=(("include.schema.changes", "false"),),
        booleans=(
            ("converters", "boolean"),
            ("boolean.type", "io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter"),
        ),
    ),
    SourceType.SQLSERVER: CdcSystem(
        key="sqlserver",
        connector_class="io.debezium.connector.sqlserver.SqlServerConnector",
        plugin="debezium-connector-sqlserver",
        port=1433,
        address=(*_RELATIONAL_ADDRESS, ("database.names", "database")),
        include_key="table.include.list",
        qualifier="schema",
        default_qualifier="dbo",
        signal_scope="database.qualifier",
        historized=True,
        unwrap_class=_UNWRAP,
        static=(("include.schema.changes", "false"),),
    ),
    SourceType.ORACLE: CdcSystem(
        key="oracle",
        connector_class="io.debezium.connector.oracle.OracleConnector",
        plugin="debezium-connector-oracle",
        port=1521,
        address=(*_RELATIONAL_ADDRESS, ("database.dbname", "database")),
        include_key="table.include.list",
        qualifier="schema",
        default_qualifier="",
        signal_scope="database.qualifier",
        historized=True,
        unwrap_class=_UNWRAP,
        static=(("include.schema.changes", "false"),),
        uppercase=True,
    ),
    SourceType.MONGODB: CdcSystem(
        key="mongodb",
        connector_class="io.debezium.connector.mongodb.MongoDbConnector",
        plugin="debezium-connector-mongodb",
        port=27017,
        address=(("mongodb.connection.string", "connection_string"), ("mongodb.user", "user"),
                 ("mongodb.password", "password")),
        include_key="collection.include.list",
        qualifier="database",
        default_qualifier="",
        signal_scope="qualifier",
        historized=False,
        unwrap_class="io.debezium.connector.mongodb.transforms.ExtractNewDocumentState",
        static=(("capture.mode", "change_streams_update_full"),),
        relational=False,
    ),
}  # fmt: skip

# Settings every connector shares (the Kafka-runtime ones are marked in KAFKA_RUNTIME_KEYS).
COMMON: tuple[tuple[str, str], ...] = (
    ("snapshot.mode", "initial"),
    ("heartbeat.interval.ms", str(HEARTBEAT_MS)),
    ("signal.enabled.channels", "source"),
    ("tombstones.on.delete", "true"),  # compacted topics forget deleted keys
    ("key.converter", JSON_CONVERTER),
    ("key.converter.schemas.enable", "false"),
    ("value.converter", JSON_CONVERTER),
    ("value.converter.schemas.enable", "false"),
    # A change must never be skipped: stop on a failure (Connect has no dead-letter queue for
    # source connectors); log the failing operation without the record (it may hold PII).
    ("errors.tolerance", "none"),
    ("errors.log.enable", "true"),
    ("errors.log.include.messages", "false"),
    ("event.processing.failure.handling.mode", "fail"),
    ("exactly.once.support", "requested"),  # KIP-618 transactions when the worker enables them
    ("transaction.boundary", "poll"),
)

# Relational connectors: how column values are encoded in the JSON events.
RELATIONAL: tuple[tuple[str, str], ...] = (
    ("decimal.handling.mode", "string"),  # exact decimals that JSON readers parse
    # ISO-8601 strings, the same in every connector and zone (checked with the embedded engine
    # 3.6.3, docs/families.md "debezium"): timestamp '2026-01-02T03:04:05.123456Z', timestamptz
    # '2026-01-02T01:04:05.500000Z' (UTC), date '2026-01-02Z', time '03:04:05.25Z'; the Flink
    # source tables read them raw and cast (generators/flink/columns.py CDC_TEMPORAL).
    ("time.precision.mode", "isostring"),
)

# Keys that only mean something to a Kafka Connect runtime; the embedded engine (local
# capture) replaces them with its file-based equivalents (see `embedded_properties`).
KAFKA_RUNTIME_PREFIXES = ("schema.history.internal.kafka.", "errors.", "exactly.once.", "transaction.boundary")


@dataclass(frozen=True)
class RuntimeRefs:
    """How a spec reference is written for one Connect runtime (a config provider)."""

    secret: str  # format with name=, cn= (CdcNames), ns=
    env: str
    providers: tuple[tuple[str, str], ...]  # worker config: provider alias -> class


RUNTIMES: dict[Runtime, RuntimeRefs] = {
    Runtime.CONNECT: RuntimeRefs(
        secret="${{file:/etc/kafka-connect/secrets/{secret_file}.properties:{name}}}",
        env="${{env:{name}}}",
        providers=(
            ("file", "org.apache.kafka.common.config.provider.FileConfigProvider"),
            ("env", "org.apache.kafka.common.config.provider.EnvVarConfigProvider"),
        ),
    ),
    Runtime.STRIMZI: RuntimeRefs(
        secret="${{secrets:{ns}/{secret_file}:{name}}}",
        env="${{configmaps:{ns}/{configmap}:{name}}}",
        providers=(
            ("secrets", "io.strimzi.kafka.KubernetesSecretConfigProvider"),
            ("configmaps", "io.strimzi.kafka.KubernetesConfigMapConfigProvider"),
        ),
    ),
}


@dataclass(frozen=True)
class CdcTable:
    dataset: str  # spec name
    captured: str  # the qualified name Debezium captures (`public.orders`)
    names: DatasetNames
    primary_key: tuple[str, ...]


# Debezium's streaming lag (MBean debezium.<plugin>:type=connector-metrics,context=streaming,
# server=<topic.prefix>, attribute MilliSecondsBehindSource) as the kafka family's JMX exporter rules
# name it on the Connect pods; the monitoring family's PipelineCdcLag alert reads it.
CDC_LAG_METRIC = "debezium_metrics_MilliSecondsBehindSource"


@dataclass(frozen=True)
class Connector:
    """One Debezium connector: the source it captures and its configuration per runtime."""

    source: str
    system: CdcSystem
    names: CdcNames
    tables: tuple[CdcTable, ...]
    signal_collection: str  # `signal.data.collection`
    shape: Shape
    configs: tuple[tuple[Runtime, tuple[tuple[str, str], ...]], ...]
    references: tuple[tuple[str, str], ...]  # (kind "secret"/"env", NAME) the config refers to

    def config(self, runtime: Runtime) -> dict[str, str]:
        return dict(dict(self.configs)[runtime])

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(name for kind, name in self.references if kind == "secret")

    @property
    def env_names(self) -> tuple[str, ...]:
        return tuple(name for kind, name in self.references if kind == "env")


def cdc_sources(spec: Spec) -> list[Source]:
    return [s for s in spec.sources if s.ingestion == Ingestion.CDC and s.type in SYSTEMS]


def shape_for(flink_reads: bool) -> Shape:
    return Shape.ENVELOPE if flink_reads else Shape.FLAT


def connectors(spec: Spec, names: Names, flink_reads: bool, bootstrap: str) -> tuple[Connector, ...]:
    """Every CDC connector of the spec (one per CDC source, spec order)."""
    return tuple(_connector(spec, names, s, shape_for(flink_reads), bootstrap) for s in cdc_sources(spec))


def qualifier(system: CdcSystem, conn: Connection, fallback_user: bool = True) -> str:
    """The schema or database that qualifies captured table names."""
    value = conn.schema_name if system.qualifier == "schema" else conn.database
    if not value and system.uppercase and fallback_user and conn.user and not parse_secret_ref(conn.user):
        value = conn.user  # Oracle: the user's own schema
    value = value or system.default_qualifier
    return value.upper() if system.uppercase else value


def _captured(system: CdcSystem, qual: str, dataset: Dataset) -> str:
    table = dataset.name.upper() if system.uppercase else dataset.name
    return f"{qual}.{table}" if qual else table


def _regex(text: str) -> str:
    return text.replace(".", "\\.")


def _signal(system: CdcSystem, conn: Connection, qual: str, table: str) -> str:
    table = table.upper() if system.uppercase else table
    if system.signal_scope == "database.qualifier" and conn.database and not parse_secret_ref(conn.database):
        db = conn.database.upper() if system.uppercase else conn.database
        return f"{db}.{qual}.{table}"
    return f"{qual}.{table}" if qual else table


def _connector(spec: Spec, names: Names, source: Source, shape: Shape, bootstrap: str) -> Connector:
    system = SYSTEMS[source.type]
    cdc = names.cdc_source(source.name)
    conn = source.connection
    qual = qualifier(system, conn)
    tables = tuple(
        CdcTable(d.name, _captured(system, qual, d), names.dataset(source.name, d.name), tuple(d.primary_key))
        for d in source.tables
    )
    signal = _signal(system, conn, qual, cdc.signal_table)
    configs = tuple(
        (runtime, tuple(_config(spec, names, source, system, cdc, tables, signal, shape, runtime, bootstrap).items()))
        for runtime in Runtime
    )
    return Connector(source.name, system, cdc, tables, signal, shape, configs, _references(system, conn))


def _references(system: CdcSystem, conn: Connection) -> tuple[tuple[str, str], ...]:
    refs = []
    for value in [getattr(conn, field) for _, field in system.address] + list(conn.options.values()):
        ref = parse_secret_ref(value) if isinstance(value, str) else None
        if ref is not None:
            refs.append((ref.kind, ref.name))
    return tuple(dict.fromkeys(refs))


def _value(value: object, runtime: Runtime, cdc: CdcNames, namespace: str) -> str:
    """A connection value for the config: a literal as text, a spec reference through the
    runtime's config provider (never the secret itself)."""
    ref = parse_secret_ref(value) if isinstance(value, str) else None
    if ref is None:
        return str(value)
    refs = RUNTIMES[runtime]
    template = refs.secret if ref.kind == "secret" else refs.env
    return template.format(
        name=ref.name, ns=namespace, secret_file=cdc.credentials_secret, configmap=cdc.settings_configmap
    )


def _address(system: CdcSystem, conn: Connection, runtime: Runtime, cdc: CdcNames, ns: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, field in system.address:
        value = getattr(conn, field)
        if field == "port" and value is None:
            value = system.port
        if field == "connection_string" and value is None:
            host = _value(conn.host or "localhost", runtime, cdc, ns)
            value = f"mongodb://{host}:{conn.port or system.port}/?replicaSet=rs0"
            out[key] = value
            continue
        if value is not None:
            out[key] = _value(value, runtime, cdc, ns)
    return out


def _routes(tables: tuple[CdcTable, ...], cdc: CdcNames) -> list[tuple[str, str, str]]:
    """(alias, regex, replacement): exact routes for renamed tables, then the generic one."""
    routes = [
        (f"route{i}", f"{_regex(cdc.topic_prefix)}\\.{_regex(t.captured)}", str(t.names.topic))
        for i, t in enumerate(tables)
        if t.captured.rsplit(".", 1)[-1] != t.names.raw_table
    ]
    generic = (f"{_regex(cdc.topic_prefix)}\\..*\\.([^.]+)", f"{cdc.topic_prefix}.$1")
    return [*routes, ("route", *generic)]


def _config(
    spec: Spec,
    names: Names,
    source: Source,
    system: CdcSystem,
    cdc: CdcNames,
    tables: tuple[CdcTable, ...],
    signal: str,
    shape: Shape,
    runtime: Runtime,
    bootstrap: str,
) -> dict[str, str]:
    ns = str(names.k8s_namespace)
    config: dict[str, str] = {"connector.class": system.connector_class}
    if runtime == Runtime.CONNECT:
        config["tasks.max"] = "1"  # Strimzi: spec.tasksMax. Debezium captures a log in one task.
    config.update(_address(system, source.connection, runtime, cdc, ns))
    config["topic.prefix"] = str(cdc.topic_prefix)
    if system.key == "mysql":
        config["database.server.id"] = str(cdc.server_id)
    if system.qualifier == "database" and source.connection.database and system.key != "mongodb":
        config["database.include.list"] = _regex(qualifier(system, source.connection))
    captured = [t.captured for t in tables] + [signal]
    config[system.include_key] = ",".join(_regex(c) for c in dict.fromkeys(captured))
    if system.key == "postgresql":
        config["slot.name"] = str(cdc.slot)
        config["publication.name"] = str(cdc.publication)
    config.update(system.static)
    if system.booleans and _has_booleans(source):
        config.update(system.booleans)
    if system.historized:
        config["schema.history.internal.kafka.bootstrap.servers"] = bootstrap
        config["schema.history.internal.kafka.topic"] = str(cdc.history_topic)
    config.update(COMMON)
    if system.relational:
        config.update(RELATIONAL)
    config["signal.data.collection"] = signal
    config.update(_transforms(system, tables, cdc, shape))
    config.update(_options(source.connection, runtime, cdc, ns))
    return config


def _options(conn: Connection, runtime: Runtime, cdc: CdcNames, ns: str) -> dict[str, str]:
    """`connection.options`: more Debezium properties, passed as-is (validate refuses the ones
    pipegen derives, R360); a reference goes through the runtime's config provider."""
    return {key: _option_text(value, runtime, cdc, ns) for key, value in sorted(conn.options.items())}


def _option_text(value: str | int | float | bool, runtime: Runtime, cdc: CdcNames, ns: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _value(value, runtime, cdc, ns)


def _has_booleans(source: Source) -> bool:
    return any(parse_column_type(c.type).name == "boolean" for d in source.tables for c in d.columns)


def _transforms(system: CdcSystem, tables: tuple[CdcTable, ...], cdc: CdcNames, shape: Shape) -> dict[str, str]:
    out: dict[str, str] = {}
    aliases: list[str] = []
    if shape == Shape.FLAT:
        aliases.append("unwrap")
        out.update(unwrap_properties(system, "unwrap"))
    for alias, regex, replacement in _routes(tables, cdc):
        aliases.append(alias)
        out[f"transforms.{alias}.type"] = "org.apache.kafka.connect.transforms.RegexRouter"
        out[f"transforms.{alias}.regex"] = regex
        out[f"transforms.{alias}.replacement"] = replacement
    return {"transforms": ",".join(aliases), **out}


def unwrap_properties(system: CdcSystem, alias: str) -> dict[str, str]:
    """ExtractNewRecordState (ExtractNewDocumentState for MongoDB): flat rows, deletes as rows
    with `__deleted=true` followed by a tombstone (compaction), op/table/commit time added."""
    return {
        f"transforms.{alias}.type": system.unwrap_class,
        f"transforms.{alias}.delete.tombstone.handling.mode": "rewrite-with-tombstone",
        f"transforms.{alias}.add.fields": UNWRAP_ADD_FIELDS,
    }


def worker_providers(runtime: Runtime) -> dict[str, str]:
    """The worker settings that enable the runtime's config providers."""
    providers = RUNTIMES[runtime].providers
    out = {"config.providers": ",".join(alias for alias, _ in providers)}
    out.update({f"config.providers.{alias}.class": cls for alias, cls in providers})
    return out
