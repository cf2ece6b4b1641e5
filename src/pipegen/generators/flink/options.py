"""Option text of the flink family's scripts: WITH clauses, option values, interval literals and
the SET statements every job starts with.

Spec text reaches an option through `string` (escaped) or `option_value` (`${secret:X}` and
`${env:X}` become `${X}`, which the SQL runner substitutes from the environment); `Escaped` marks
option text that is already safe (escaped spec text, `${VAR}` placeholders pipegen wrote).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.plan.names import ENV, StreamJobNames
from pipegen.render.flinksql import string
from pipegen.spec.types import parse_secret_ref


class Escaped(str):
    """The inside of a Flink option literal, already escaped (spec text through `string`,
    `${VAR}` placeholders pipegen wrote)."""

    __slots__ = ()


KAFKA_BOOTSTRAP = Escaped("${" + ENV.kafka_bootstrap + "}")
# The project's Strimzi cluster has one listener (`tls`, 9093, mutual TLS): a table on it (KAFKA_BOOTSTRAP)
# connects with the cluster CA and the Flink KafkaUser's certificate as PKCS12 stores (Strimzi's ca.p12 and
# user.p12), their locations and passwords from the environment the FlinkDeployment sets (flink/tls.py).
CLUSTER_TLS: dict[str, str] = {
    "properties.security.protocol": "SSL",
    "properties.ssl.truststore.type": "PKCS12",
    "properties.ssl.truststore.location": Escaped("${" + ENV.kafka_truststore + "}"),
    "properties.ssl.truststore.password": Escaped("${" + ENV.kafka_truststore_password + "}"),
    "properties.ssl.keystore.type": "PKCS12",
    "properties.ssl.keystore.location": Escaped("${" + ENV.kafka_keystore + "}"),
    "properties.ssl.keystore.password": Escaped("${" + ENV.kafka_keystore_password + "}"),
}


def cluster_tls(servers: str) -> dict[str, str]:
    """CLUSTER_TLS for a Kafka table whose brokers are the project's cluster (KAFKA_BOOTSTRAP), else nothing
    (a cluster the spec names: its client settings are the spec's `connection.options`)."""
    return dict(CLUSTER_TLS) if servers == KAFKA_BOOTSTRAP else {}


ZERO_DELAY = "INTERVAL '0' SECOND"
DEFAULT_CHECKPOINT_SECONDS = 60


def inside(text: str) -> str:
    """Spec text escaped as the inside of a SQL string literal."""
    return string(text)[1:-1]


def option_value(value: str | int | None, default: str = "") -> Escaped:
    """A spec connection value as option text: `${secret:X}`/`${env:X}` -> `${X}`, which the SQL
    runner substitutes from the environment (secrets never appear in the script); anything else
    escaped (and refused if it holds `${`)."""
    if value is None:
        return Escaped(default)
    ref = parse_secret_ref(str(value))
    return Escaped("${" + ref.name + "}") if ref else Escaped(inside(str(value)))


def with_clause(options: dict[str, str], closes_columns: bool = True) -> str:
    """The WITH clause, always last in a CREATE TABLE (after `)` closing the columns, if any)."""
    body = ",\n".join(f"  {string(k)} = {_option(v)}" for k, v in options.items())
    return ("\n) " if closes_columns else "\n") + "WITH (\n" + body + "\n)"


def _option(value: str) -> str:
    return "'" + value + "'" if isinstance(value, Escaped) else string(value)


def duration(seconds: float) -> str:
    """A Flink INTERVAL literal for a window argument."""
    for unit, size in (("DAY", 86400), ("HOUR", 3600), ("MINUTE", 60), ("SECOND", 1)):
        if seconds >= size and seconds % size == 0:
            return f"INTERVAL '{int(seconds // size)}' {unit}"
    return f"INTERVAL '{round(seconds * 1000)}' MILLISECOND"  # pragma: no cover - durations are whole seconds


def delay(seconds: float | None) -> str:
    """A watermark's delay: the interval, or none."""
    return duration(seconds) if seconds else ZERO_DELAY


# ---------------------------------------------------------------- SET statements


@dataclass(frozen=True)
class Settings:
    checkpoint_interval: str  # a Flink duration, e.g. '60 s'
    parallelism: int


def settings_for(parallelism: int | None, checkpoint_seconds: float | None) -> Settings:
    seconds = checkpoint_seconds or DEFAULT_CHECKPOINT_SECONDS
    return Settings(f"{int(seconds)} s", parallelism or 1)


def settings_statements(settings: Settings, job: StreamJobNames, cdc: bool) -> list[str]:
    """Exactly-once checkpointing with retained RocksDB state, the job's name and parallelism."""
    pairs = [
        ("pipeline.name", job.flink_job),
        ("parallelism.default", str(settings.parallelism)),
        ("execution.checkpointing.interval", settings.checkpoint_interval),
        ("execution.checkpointing.mode", "EXACTLY_ONCE"),
        ("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION"),
        ("state.backend.type", "rocksdb"),
        ("execution.checkpointing.incremental", "true"),
        ("table.exec.sink.upsert-materialize", "AUTO"),
        # an upsert sink keyed otherwise than the query's own upsert key keeps the latest row per key (ON CONFLICT
        # DO DEDUPLICATE): what Flink 2.2, the deployed engine, does and Flink 2.4 does by default again; 2.3
        # refuses such a query unless this is off, and 2.2 has no ON CONFLICT clause to say it with
        ("table.exec.sink.require-on-conflict", "false"),
    ]
    if cdc:  # Debezium delivers at least once: after a connector restart events repeat
        pairs.append(("table.exec.source.cdc-events-duplicate", "true"))
    return [f"SET {string(k)} = {string(v)};" for k, v in pairs]


def settings_script(settings: Settings, job: StreamJobNames, cdc: bool) -> str:
    """The SET statements as the script's first block."""
    return "\n".join(settings_statements(settings, job, cdc))
