"""ClickHouse's own ingestion of the stream jobs it is the sink of: no connector released for Flink 2.x writes
ClickHouse from SQL (plan/flinkjars.RELAYED_SINKS), so each such job writes its relay topic on the project's
Kafka cluster (connectors.sink_options: `upsert-kafka` keyed by the sink's key when the job upserts, `kafka`
exactly-once when it appends; JSON) and ClickHouse reads it with its Kafka table engine:

- `clickhouse/<target>.sql`, per ClickHouse target: its database (`connection.database`, else `default`), then
  per job: the sink's table (ReplacingMergeTree ordered by the
  sink's key, versioned by the record's offset, for an upsert: a key's newest row wins, deduplicated when
  parts merge, `SELECT ... FINAL` at once; MergeTree for appends), the Kafka engine table `<table>__kafka` on
  the relay topic (JSONEachRow, the consumer group of the naming layer's RelayNames, TLS) and the materialized
  view `<table>__ingest` moving each consumed row into the table;
- `clickhouse/config.d/kafka.xml`: the server's librdkafka settings (`<kafka>`, underscores for dots): the
  cluster CA and the ClickHouse KafkaUser's certificate and key (Strimzi's `ca.crt`, `user.crt`, `user.key`)
  under CERTS, where the server mounts those Secrets.

Column types: the sink's columns by what Flink computes (window bounds TIMESTAMP(3), counts BIGINT, averages
and history statistics DOUBLE, min/max and plain columns their column's type, an expression by sqlglot's type
annotation over the input's types); a type pipegen cannot tell is `String` (ClickHouse reads any JSON value into
one), said in the column's comment. Key columns and window bounds are not Nullable (ClickHouse's sorting key),
the rest are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pipegen.generators.flink.windows import ROW_NUMBER_COLUMN, WINDOW_BOUNDS
from pipegen.plan.flinkjars import relayed_sinks
from pipegen.plan.names import ENV, Names, RelayNames, snake
from pipegen.render.filters import sql_ident, sql_str
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import Aggregation, SinkMode, Spec, StreamJob, TargetType
from pipegen.spec.types import parse_column_type, parse_secret_ref

CERTS = "/etc/clickhouse-server/kafka-tls"  # where the server mounts the cluster CA and its KafkaUser's Secret
BOOTSTRAP_PORT = 9093  # Strimzi's TLS listener (the kafka family's only one)
UNKNOWN = "String"
# portable type -> ClickHouse type, as Flink's JSON format writes it (time, json, binary, nested: text)
PORTABLE: dict[str, str] = {
    "string": "String", "int": "Int32", "bigint": "Int64", "smallint": "Int16", "float": "Float32",
    "double": "Float64", "boolean": "Bool", "date": "Date32", "timestamp": "DateTime64(3)",
    "timestamp_tz": "DateTime64(3, 'UTC')", "uuid": "UUID",
}  # fmt: skip
# sqlglot's annotated type -> ClickHouse type (an expression's)
ANNOTATED: dict[str, str] = {
    "VARCHAR": "String", "TEXT": "String", "CHAR": "String", "INT": "Int32", "BIGINT": "Int64",
    "SMALLINT": "Int16", "TINYINT": "Int8", "FLOAT": "Float32", "DOUBLE": "Float64", "BOOLEAN": "Bool",
    "DATE": "Date32", "TIMESTAMP": "DateTime64(3)", "DATETIME": "DateTime64(3)",
    "TIMESTAMPTZ": "DateTime64(3, 'UTC')", "TIMESTAMPLTZ": "DateTime64(3, 'UTC')",
}  # fmt: skip
SQLGLOT = {"string": "VARCHAR", "timestamp_tz": "TIMESTAMPTZ", "boolean": "BOOLEAN"}
# the Kafka engine's JSON reading: Flink's timestamps (`2026-01-02 03:04:05.123`, an LTZ's trailing `Z`)
FORMAT_SETTINGS = {"date_time_input_format": "best_effort", "input_format_skip_unknown_fields": "1"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # ClickHouse type, not Nullable
    known: bool  # False: String because pipegen cannot tell Flink's type


@dataclass(frozen=True)
class Relay:
    """One stream job's ingestion: its sink's table in `database`, the relay's names, the key (upsert)."""

    job: str
    database: str
    table: str
    names: RelayNames
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    target: str


def relays(spec: Spec, index: SpecIndex, names: Names, outputs: dict[str, list[str]]) -> list[Relay]:
    """Every stream job whose sink is a relayed ClickHouse target; `outputs`: job -> its output columns."""
    found = []
    jobs = {job.name: job for job in spec.transforms.streams}
    tables = {name: str(names.stream(name).sink_table) for name in jobs}
    for relayed in relayed_sinks(spec, tables):
        job, target, table = jobs[relayed.job], relayed.target, relayed.table
        if target.type != TargetType.CLICKHOUSE:
            continue
        upsert = job.sink is not None and job.sink.mode == SinkMode.UPSERT
        key = tuple(snake(k) for k in job.sink.key) if job.sink and upsert else ()
        types = output_types(job, index)
        columns = tuple(_column(o, types.get(o)) for o in outputs[job.name])
        found.append(Relay(job.name, target.connection.database or "default", table,
                           names.relay(job.name, table, target.type.value), columns, key, target.name))  # fmt: skip
    return found


def _column(name: str, portable: str | None) -> Column:
    if portable is None:
        return Column(name, UNKNOWN, False)
    if portable in ANNOTATED.values():
        return Column(name, portable, True)
    ctype = parse_column_type(portable)
    if ctype.name == "decimal":
        return Column(name, f"Decimal({ctype.precision}, {ctype.scale})", True)
    found = PORTABLE.get(ctype.name)
    return Column(name, found or UNKNOWN, found is not None)


# ---------------------------------------------------------------- types


def _inputs(job: StreamJob, index: SpecIndex) -> list[TableRef]:
    refs = [index.resolve(job.from_, allow_marts=False).table, *(index.resolve(j.table, allow_marts=False).table
                                                                  for j in job.joins)]  # fmt: skip
    return [r for r in refs if r is not None]


def column_types(job: StreamJob, index: SpecIndex) -> dict[str, str]:
    """Every column the job's query reads, lower-cased -> its portable type (the first input naming it wins, as
    the input view keeps the source's), the history statistics included."""
    types: dict[str, str] = {}
    for ref in _inputs(job, index):
        for c in ref.dataset.columns:
            types.setdefault(c.name.lower(), c.type)
    for h in job.history:
        column = types.get((h.column or "").lower())
        same = column if h.agg in (Aggregation.MIN, Aggregation.MAX) and column else None
        count = h.agg in (Aggregation.COUNT, Aggregation.COUNT_DISTINCT)
        types[h.name.lower()] = "bigint" if count else same or "double"
    return types


def output_types(job: StreamJob, index: SpecIndex) -> dict[str, str | None]:
    """The job's output columns (snake_case) -> portable or ClickHouse type (None: not known)."""
    types = column_types(job, index)
    out: dict[str, str | None] = {}
    if job.window is not None:
        out |= dict.fromkeys(WINDOW_BOUNDS, "timestamp")
        out |= {snake(g.output_name): expression_type(g.expr, types) for g in job.group_by}
        for m in job.measures:
            out[snake(m.name)] = _measure_type(m.agg, types.get((m.column or "").lower()), m.expr is None)
        if job.top_n is not None:
            out[ROW_NUMBER_COLUMN] = "bigint"
        return out
    if job.columns:
        return {snake(c.output_name): expression_type(c.expr, types) for c in job.columns}
    return {snake(name): t for name, t in types.items()}


def _measure_type(agg: Aggregation | None, column: str | None, plain: bool) -> str | None:
    """Flink's result type of a measure: counts BIGINT, AVG over a DOUBLE cast (the family's measure_expr)
    DOUBLE, SUM and MIN/MAX of a column its type (a decimal SUM: DECIMAL(38, scale)); an expression: unknown."""
    if agg in (Aggregation.COUNT, Aggregation.COUNT_DISTINCT):
        return "bigint"
    if agg == Aggregation.AVG:
        return "double"
    if not plain or column is None or agg is None:
        return None
    ctype = parse_column_type(column)
    if agg == Aggregation.SUM and ctype.name == "decimal":
        return f"decimal(38,{ctype.scale})"
    if agg == Aggregation.SUM and ctype.name in ("int", "smallint"):
        return "int"
    return column


def expression_type(text: str, types: dict[str, str]) -> str | None:
    """A plain column's portable type; an expression's type as sqlglot annotates it over the inputs' types
    (ClickHouse type), None where it cannot."""
    plain = text.strip().rsplit(".", maxsplit=1)[-1].strip('`" ').lower()
    if plain in types and plain.replace("_", "a").isalnum():
        return types[plain]
    try:
        import sqlglot
        from sqlglot import exp
        from sqlglot.optimizer.annotate_types import annotate_types

        tree = sqlglot.parse_one(f"SELECT {text} AS x FROM t")
        for col in tree.find_all(exp.Column):
            col.set("table", exp.to_identifier("t"))
        schema: dict[str, object] = {"t": {name: _sqlglot_type(t) for name, t in types.items()}}
        annotated = annotate_types(tree, schema=schema)
        found = annotated.selects[0].type if isinstance(annotated, exp.Select) else None
    except Exception:
        return None
    return ANNOTATED.get(found.this.name) if found is not None else None


def _sqlglot_type(portable: str) -> str:
    ctype = parse_column_type(portable)
    if ctype.name == "decimal":
        return f"DECIMAL({ctype.precision}, {ctype.scale})"
    return SQLGLOT.get(ctype.name, ctype.name.upper())


# ---------------------------------------------------------------- DDL


def ident(name: str) -> str:
    """A ClickHouse identifier (the shared escaping filter: quoted where not plain)."""
    return sql_ident(name, "clickhouse")


def literal(text: str) -> str:
    return sql_str(text, "clickhouse")


def _qualified(r: Relay, name: str) -> str:
    return f"{ident(r.database)}.{ident(name)}"


def _column_line(c: Column, key: tuple[str, ...]) -> str:
    """Nullable but for the sorting key's columns: the upsert key, a window's bounds (never NULL)."""
    kind = c.type if c.name in key or c.name in WINDOW_BOUNDS else f"Nullable({c.type})"
    comment = "" if c.known else " COMMENT 'String: pipegen cannot tell the type Flink computes'"
    return f"  {ident(c.name)} {kind}{comment}"


def statements(r: Relay, brokers: str) -> list[str]:
    """The table, the Kafka engine table on the relay topic, the materialized view between them."""
    version = str(r.names.version_column)
    lines = [_column_line(c, r.key) for c in r.columns]
    if r.key:
        engine = f"ReplacingMergeTree({ident(version)})\nORDER BY ({', '.join(ident(k) for k in r.key)})"
        table_lines = [*lines, f"  {ident(version)} UInt64"]
    else:
        bounds = [b for b in WINDOW_BOUNDS if any(c.name == b for c in r.columns)]
        engine = (
            f"MergeTree\nORDER BY ({', '.join(ident(b) for b in bounds)})" if bounds else "MergeTree\nORDER BY tuple()"
        )
        table_lines = lines
    table = (
        f"CREATE TABLE IF NOT EXISTS {_qualified(r, r.table)}\n(\n"
        + ",\n".join(table_lines)
        + f"\n)\nENGINE = {engine};"
    )
    settings = {
        "kafka_broker_list": brokers,
        "kafka_topic_list": str(r.names.topic),
        "kafka_group_name": str(r.names.group),
        "kafka_format": "JSONEachRow",
        "kafka_security_protocol": "ssl",
        **FORMAT_SETTINGS,
    }
    queue = (
        f"CREATE TABLE IF NOT EXISTS {_qualified(r, str(r.names.queue_table))}\n(\n" + ",\n".join(lines)
        + "\n)\nENGINE = Kafka\nSETTINGS\n" + ",\n".join(f"  {k} = {literal(v)}" for k, v in settings.items()) + ";"
    )  # fmt: skip
    selected = [ident(c.name) for c in r.columns] + ([f"_offset AS {ident(version)}"] if r.key else [])
    view = (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {_qualified(r, str(r.names.view))} TO {_qualified(r, r.table)}\n"
        f"AS SELECT\n  " + ",\n  ".join(selected) + f"\nFROM {_qualified(r, str(r.names.queue_table))};"
    )
    return [table, queue, view]


def brokers_of(names: Names) -> str:
    """The project cluster's TLS bootstrap, as a ClickHouse server in its Kubernetes cluster reaches it."""
    bootstrap = names.kafka.bootstrap if names.kafka else "localhost"
    return f"{bootstrap}.{names.k8s_namespace}.svc:{BOOTSTRAP_PORT}"


def files(found: list[Relay], names: Names, header: str) -> dict[str, str]:
    """`clickhouse/<target>.sql` per target, and the server's Kafka client settings."""
    by_target: dict[str, list[Relay]] = {}
    for r in found:
        by_target.setdefault(r.target, []).append(r)
    out: dict[str, str] = {}
    for target, items in by_target.items():
        databases = [f"CREATE DATABASE IF NOT EXISTS {ident(d)};" for d in dict.fromkeys(r.database for r in items)]
        body = "\n\n".join([*databases, *(s for r in items for s in statements(r, brokers_of(names)))])
        out[f"clickhouse/{snake(target)}.sql"] = f"{header}\n\n{body}\n"
    if found:
        out["clickhouse/config.d/kafka.xml"] = KAFKA_XML.format(certs=CERTS)
    return out


HTTP_PORT = "8123"  # ClickHouse's HTTP interface (spec/catalog.DEFAULT_PORTS); 8443 and 443 are its TLS ports
TLS_PORTS = ("8443", "443")
APPLIER = "clickhouse_apply.py"  # pipeline/clickhouse_apply.py (static, templates/flink/)
CONFIG = "clickhouse/targets.json"


def apply_config(spec: Spec, found: list[Relay]) -> dict[str, Any]:
    """clickhouse/targets.json: per relayed ClickHouse target its DDL file and connection for
    pipeline/clickhouse_apply.py: `host`, `port`, `user`, `password` as the spec gives them (a reference as
    `${NAME}`), else `${<TARGET>_<FIELD>}` (the naming layer's ENV.connection), the port 8123."""
    out: dict[str, Any] = {}
    for name in dict.fromkeys(r.target for r in found):
        conn = next(t for t in spec.targets if t.name == name).connection
        port = _setting(conn.port, HTTP_PORT)
        out[name] = {
            "file": f"clickhouse/{snake(name)}.sql",
            "host": _setting(conn.host, "${" + ENV.connection(name, "host") + "}"),
            "port": port,
            "user": _setting(conn.user, "${" + ENV.connection(name, "user") + "}"),
            "password": _setting(conn.password, "${" + ENV.connection(name, "password") + "}"),
            "secure": port in TLS_PORTS,
        }
    return {"targets": out}


def _setting(value: str | int | None, default: str) -> str:
    """A connection value for the applier: a `${secret:X}`/`${env:X}` reference as `${X}`, else as written."""
    if value is None:
        return default
    ref = parse_secret_ref(str(value))
    return "${" + ref.name + "}" if ref else str(value)


def apply_variables(config: dict[str, Any]) -> list[str]:
    """Every `${NAME}` the applier reads from the environment, in order."""
    text = json.dumps(config, sort_keys=True)
    return list(dict.fromkeys(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)))


def manifest(found: list[Relay]) -> list[dict[str, Any]]:
    """What docs/flink.md says per relayed job."""
    return [{"job": r.job, "topic": str(r.names.topic), "table": f"{r.database}.{r.table}",
             "engine": "ReplacingMergeTree" if r.key else "MergeTree",
             "untyped": ", ".join(c.name for c in r.columns if not c.known) or "-"} for r in found]  # fmt: skip


KAFKA_XML = """<!-- Generated by pipegen: the Kafka engine's client settings (librdkafka's, `_` for `.`) for the relay
     topics on the project's Kafka cluster (mutual TLS). Put this file in the server's config.d and mount there
     the cluster CA (Secret <cluster>-cluster-ca-cert, key ca.crt) and the ClickHouse KafkaUser's certificate
     (Secret <cluster>-clickhouse, keys user.crt and user.key). -->
<clickhouse>
    <kafka>
        <security_protocol>ssl</security_protocol>
        <ssl_ca_location>{certs}/ca.crt</ssl_ca_location>
        <ssl_certificate_location>{certs}/user.crt</ssl_certificate_location>
        <ssl_key_location>{certs}/user.key</ssl_key_location>
        <isolation_level>read_committed</isolation_level>
    </kafka>
</clickhouse>
"""
