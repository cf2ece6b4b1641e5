"""Hypothesis strategies for whole specs: `specs()` draws a spec dict (what `yaml.dump` turns
into a pipegen.yaml) across the vocabulary of docs/spec-reference.md.

The draw goes schema first, meaning second: sources and their tables (columns of every
portable type, keys, watermarks, event times, foreign keys to earlier tables' keys), then
what only makes sense over that schema — derived columns and filters over the table's own
columns, marts that join tables on their foreign keys with measures over numeric columns,
stream jobs over streamed tables with every window kind, top-N, history and lookups — then
targets, quality, orchestration, monitoring and deploy settings. Names come from a pool of
ordinary words; tests/specgen/hostile.py adds the hostile ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from pipegen.plan.flink_changes import UPSERT_SINKS
from tests.specgen import extras, hostile
from tests.specgen.expressions import NUMERIC, Ref, expr, of_kind
from tests.specgen.sections import notification, orchestration_extras, pick, pipeline_extras, quality_extras, sections

# portable type -> expression kind
TYPES: dict[str, str] = {
    "bigint": "int",
    "int": "int",
    "smallint": "int",
    "decimal(10,2)": "num",
    "double": "num",
    "string": "str",
    "boolean": "bool",
    "date": "date",
    "timestamp": "ts",
    "timestamp(3)": "ts",
}
WORDS = (
    "amount", "price", "quantity", "status", "channel", "country", "score", "region", "label",
    "weight", "discount", "category", "note", "rating", "level", "kind", "city", "total", "fee",
    "source_code", "opened_on", "closed_at", "is_active", "is_test", "segment", "currency",
)  # fmt: skip
TABLES = ("orders", "customers", "products", "payments", "events", "devices", "accounts", "tickets", "visits")
SOURCE_NAMES = ("app", "shop", "crm", "billing", "sensors", "web")
BATCH_DB = ("postgres", "mysql", "sqlserver", "oracle")
CDC_DB = ("postgres", "mysql", "sqlserver", "oracle", "mongodb")
STREAMS = ("kafka", "pubsub", "faker", "eventhubs", "kinesis")
SOURCE_CLOUD = {"eventhubs": "azure", "kinesis": "aws", "pubsub": "gcp"}
WAREHOUSES = ("duckdb", "postgres", "snowflake", "bigquery", "redshift", "clickhouse", "databricks", "synapse")
SERVING = ("postgres", "mysql", "kafka", "clickhouse")
LAKES = ("delta", "iceberg")
ARCHITECTURES = ("auto", "etl", "elt", "lambda", "kappa", "lakehouse")
WINDOWS = ("tumble", "hop", "session", "cumulate")
AGGS = ("count", "count_distinct", "sum", "avg", "min", "max")
TARGET_CLOUD = {"bigquery": "gcp", "redshift": "aws", "synapse": "azure"}
MANAGED = ("snowflake", "databricks")
NAMES = ("orders_pipeline", "shop", "metrics_hub", "x")
BATCH_LATENCIES = ("1h", "6h", "1d")
STREAM_LATENCIES = ("1m", "realtime", "30s")


UPSERT_TARGETS = frozenset(t.value for t in UPSERT_SINKS)  # targets Flink writes by key


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    raw: str | None = None  # the name extraction reads when staging renames it to `name`

    @property
    def kind(self) -> str:
        return TYPES[self.type]


@dataclass
class Table:
    source: str
    name: str
    columns: list[Column]
    key: str
    streamed: bool = False
    parents: list[tuple[str, Table]] = field(default_factory=list)  # (fk column, parent table)
    derived: list[Column] = field(default_factory=list)

    def column(self, name: str) -> Column:
        return next(c for c in (*self.columns, *self.derived) if c.name == name)


def one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in `n` draws (a middle value: Hypothesis favours the bounds of a range)."""
    return draw(st.integers(0, n - 1)) == n // 2


def _secret(name: str) -> str:
    return "${secret:" + name + "}"


# ---------------------------------------------------------------- schema


@st.composite
def _columns(draw: st.DrawFn, table: str, streamed: bool) -> list[Column]:
    key = Column(f"{table[:-1] if table.endswith('s') else table}_id", "bigint", nullable=False)
    words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=6, unique=True))
    columns = [key]
    taken = {key.name.lower(), "updated_at", "op", "ts_ms", "kafka_ts", "event_at", *words}
    for word in words:
        kind = (
            "boolean"
            if word.startswith("is_")
            else "date"
            if word.endswith("_on")
            else draw(st.sampled_from(["timestamp", "timestamp(3)"]))
            if word.endswith("_at")
            else draw(st.sampled_from(sorted(TYPES)))
        )
        columns.append(Column(hostile.name(draw, word, taken, column=True), kind, nullable=draw(st.booleans())))
    columns.append(Column("updated_at", "timestamp(3)" if streamed else "timestamp", nullable=False))
    return columns


def _rules(draw: st.DrawFn, column: Column, key: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": column.name, "type": column.type}
    if not column.nullable:
        out["not_null"] = True
    if key:
        out["unique"] = True
        return out
    kind = column.kind
    pick = draw(st.integers(0, 5))
    if kind in NUMERIC and pick == 0:
        out["range"] = {"min": 0, "max": draw(st.sampled_from([100, 1000, 1_000_000]))}
    elif kind == "str" and pick == 1:
        tame = draw(st.sampled_from([["a", "b", "c"], ["paid", "open", "void"], ["O'Neil", "x"]]))
        out["accepted_values"] = hostile.accepted_values(draw, tame)
    elif kind == "str" and pick == 2:
        out["regex"] = hostile.pattern(draw, draw(st.sampled_from(["^[a-z_0-9]+$", "^[A-Z]{2}$", "^\\S+$"])))
    elif pick == 3 and column.nullable:
        out["not_null"] = {"mostly": 0.9}
    return out


@st.composite
def _table(draw: st.DrawFn, source: str, name: str, streamed: bool, earlier: list[Table]) -> Table:
    columns = draw(_columns(name, streamed))
    table = Table(source, name, columns, key=columns[0].name, streamed=streamed)
    candidates = [t for t in earlier if t.key not in {c.name for c in columns}]
    for parent in (
        draw(st.lists(st.sampled_from(candidates), max_size=2, unique_by=lambda t: t.name)) if candidates else []
    ):
        table.columns.insert(1, Column(parent.key, "bigint", nullable=draw(st.booleans())))
        table.parents.append((parent.key, parent))
    return table


def _refs(table: Table, qualify: bool = False) -> list[Ref]:
    prefix = f"{table.name}." if qualify else ""
    return [Ref(prefix + c.name, c.kind, c.nullable) for c in (*table.columns, *table.derived)]


@st.composite
def _derived(draw: st.DrawFn, table: Table) -> list[dict[str, Any]]:
    out = []
    refs = _refs(table)  # a derived column reads the table's columns, not other derived ones
    for i in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["num", "int", "str", "bool", "date"]))
        text = draw(expr(refs, kind))
        ctype = {"num": "double", "int": "bigint", "str": "string", "bool": "boolean", "date": "date"}[kind]
        name = f"derived_{kind}_{i}"
        table.derived.append(Column(name, ctype))
        out.append({"name": name, "expr": text, "type": ctype})
    return out


def _dataset(draw: st.DrawFn, table: Table, *, filters: bool, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": table.name,
        "primary_key": table.key,
        "watermark": "updated_at",
        "columns": [],
    }
    for column in table.columns:
        rules = _rules(draw, column, key=column.name == table.key)
        if column.raw:
            rules = {"name": column.raw, "rename": column.name, **{k: v for k, v in rules.items() if k != "name"}}
        parent = next((p for fk, p in table.parents if fk == column.name), None)
        if parent is not None:
            rules["foreign_key"] = f"{parent.name}.{parent.key}"
        elif kind in BATCH_DB and column.kind == "str" and one_in(draw, 7):
            rules["pii"] = draw(st.sampled_from(["mask", "hash", "drop"]))
        elif kind == "faker" and column.kind in FAKER_PROVIDERS and one_in(draw, 4):
            rules["faker"] = draw(st.sampled_from(FAKER_PROVIDERS[column.kind]))
        _long_forms(draw, rules)
        data["columns"].append(rules)
    if kind in CDC_DB and table.streamed and draw(st.booleans()):  # Debezium's metadata as columns
        data["columns"].append({"name": "op", "type": "string", "metadata": "op"})
        data["columns"].append({"name": "ts_ms", "type": "bigint", "metadata": "source.ts_ms"})
        table.columns += [Column("op", "string"), Column("ts_ms", "bigint")]
    if kind == "kafka" and one_in(draw, 3):
        data["columns"].append({"name": "kafka_ts", "type": "timestamp(3)", "metadata": "timestamp"})
        table.columns.append(Column("kafka_ts", "timestamp(3)"))
    derived = draw(_derived(table))
    if table.streamed:
        data["event_time"] = "updated_at"
        data["watermark_delay"] = draw(st.sampled_from(["1s", "5s", "30s"]))
        if one_in(draw, 5):  # an event time computed from the record
            derived.append({"name": "event_at", "expr": "CAST(updated_at AS TIMESTAMP(3))", "type": "timestamp(3)"})
            table.derived.append(Column("event_at", "timestamp(3)", nullable=False))
            data["event_time"] = "event_at"
    if one_in(draw, 24 if table.streamed else 10):  # a derived column named like a column replaces it
        plain = [
            c for c in table.columns if c.kind in NUMERIC and c.name != table.key and c.name not in dict(table.parents)
        ]
        if plain:
            victim = draw(st.sampled_from(plain))
            text = f"abs({hostile.sql_ref(draw, victim.name)})"
            derived.append({"name": victim.name, "expr": text, "type": victim.type})
    if derived:
        data["derived"] = derived
    if filters and draw(st.booleans()):
        raw = [Ref(c.raw or c.name, c.kind, c.nullable) for c in table.columns]  # extraction: before renames
        data["filter"] = draw(expr(raw, "bool", 1))
    return data


# ---------------------------------------------------------------- sources


@st.composite
def _source(
    draw: st.DrawFn, name: str, mode: str, names: list[str], earlier: list[Table]
) -> tuple[dict[str, Any], list[Table]]:
    streamed = mode in ("cdc", "stream")
    tables = [draw(_table(name, t, streamed, earlier)) for t in names]
    for i, table in enumerate(tables):  # later tables of a source may refer to earlier ones
        if i and not table.parents and draw(st.booleans()):
            parent = tables[i - 1]
            if parent.key not in {c.name for c in table.columns}:
                table.columns.insert(1, Column(parent.key, "bigint"))
                table.parents.append((parent.key, parent))
    kind = {
        "batch": lambda: draw(st.sampled_from((*BATCH_DB, "faker", "files", "api", "mongodb", "api"))),
        "cdc": lambda: draw(st.sampled_from(CDC_DB)),
        "stream": lambda: "faker" if one_in(draw, 4) else pick(draw, tuple(k for k in STREAMS if k != "faker")),
    }[mode]()
    if kind == "pubsub":
        _bridged_topic_name(name, tables)
    _renames(draw, tables)
    source: dict[str, Any] = {"name": name, "type": kind, "ingestion": "batch" if mode == "batch" else mode}
    if one_in(draw, 6):
        source["description"] = f"The {name} system."
    source.update(_connection(draw, kind, name, mode))
    key = "topics" if kind in TOPICS else "tables"
    source[key] = [_dataset(draw, t, filters=kind in (*BATCH_DB, "faker"), kind=kind) for t in tables]
    _kind_settings(draw, kind, source[key], tables)
    if any(d.get("format") == "avro" for d in source[key] if key == "topics"):
        source["connection"]["schema_registry"] = schema_registry(name)
    for data, table in zip(source[key], tables, strict=True):
        data.update(_dataset_extras(draw, table, kind))
    if kind == "faker":
        source["synthetic"] = {"seed": draw(st.integers(0, 99))}
        if one_in(draw, 4):
            source["synthetic"]["locale"] = draw(st.sampled_from(["de_DE", "cs_CZ", "ja_JP"]))
        for data, table in zip(source[key], tables, strict=True):
            data.update(_synthetic(draw, table, mode))
    return source, tables


# Kafka's internal topics' names (a drawn Pub/Sub topic named so cannot be bridged into the project's cluster)
KAFKA_INTERNAL_TOPICS = ("__consumer_offsets", "__transaction_state")


def _bridged_topic_name(source: str, tables: list[Table]) -> None:
    """Now and then, by the lengths of the source's name and its last topic's name (no extra draw: the seeds' other
    specs stay as they were), a Pub/Sub source's last topic gets a Kafka internal topic's name, which validate
    refuses (R521: the stream jobs read each Pub/Sub topic as the same-name Kafka topic of the project's cluster,
    which pipegen declares); the drawn names otherwise (hostile ones among them: `User`, a reserved word in any
    case) are declared as they are written."""
    if (len(source) * len(tables[-1].name)) % 7 == 0:
        tables[-1].name = KAFKA_INTERNAL_TOPICS[len(tables) % 2]


def _kind_settings(draw: st.DrawFn, kind: str, datasets: list[dict[str, Any]], tables: list[Table]) -> None:
    """The dataset fields of files (path, format), APIs (endpoint, paging) and topics (format)."""
    if kind == "files":
        fmt = draw(st.sampled_from(["jsonl", "csv", "parquet"]))
        for data, table in zip(datasets, tables, strict=True):
            data["path"] = f"{table.name}/*.{fmt}"
            data["format"] = fmt
    if kind == "api":
        for data, table in zip(datasets, tables, strict=True):
            data["endpoint"] = f"/v1/{table.name}"
            data["records_path"] = "data"
            data["pagination"] = draw(
                st.sampled_from([
                    {"type": "none"}, {"type": "page", "page_size": 50, "param": "page"},
                    {"type": "offset", "page_size": 100, "param": "offset"},
                    {"type": "cursor", "param": "cursor", "cursor_path": "meta.next"},
                    {"type": "link_header"},
                ])
            )  # fmt: skip
    if kind in TOPICS:
        for data in datasets:
            fmt = draw(st.sampled_from(["json", "json", "json", "csv", "avro"]))
            # Avro reads through a schema registry, on the Kafka protocol only (R514): JSON elsewhere, same draws
            data["format"] = fmt if fmt != "avro" or kind in REGISTRY_TOPICS else "json"


TOPICS = ("kafka", "eventhubs", "kinesis", "pubsub")
REGISTRY_TOPICS = ("kafka", "eventhubs")  # sources whose avro topics Flink reads through their schema registry


def schema_registry(name: str) -> str | dict[str, str]:
    """A source's `connection.schema_registry` (its avro topics need one, R514), drawing nothing (the seeds'
    specs stay as they were): the URL alone, or with basic auth, by the name's length."""
    upper = name.upper()
    url = "${env:" + upper + "_REGISTRY_URL}"
    if len(name) % 2:
        return url
    return {"url": url, "user": "${env:" + upper + "_REGISTRY_USER}", "password": _secret(upper + "_REGISTRY_PASSWORD")}


FAKER_PROVIDERS = {"str": ("city", "country_code", "email", "word"), "date": ("date_this_year",)}


def _long_forms(draw: st.DrawFn, rules: dict[str, Any]) -> None:
    """Now and then a column rule in its long form, with `mostly` or `severity`."""
    if not one_in(draw, 4):
        return
    short = {"accepted_values": "values", "regex": "pattern", "foreign_key": "references"}
    for key, long in short.items():
        if key in rules:
            extra = draw(st.sampled_from([{"mostly": 0.95}, {"severity": "warn"}]))
            rules[key] = {long: rules[key], **extra}
            return


def _renames(draw: st.DrawFn, tables: list[Table]) -> None:
    """Now and then a column whose staged name differs from the source's (`c_amount` -> `amount`):
    extraction (and a table filter) reads the source name, everything after staging the new one.
    Keys, foreign keys and the watermark keep their names."""
    for table in tables:
        fixed = {table.key, "updated_at", *dict(table.parents)}
        for column in table.columns:
            if column.name not in fixed and one_in(draw, 6):  # a name at a limit: cut to its length
                raw = f"c_{column.name}"
                column.raw = raw[: len(column.name)] if len(raw) > hostile.SNAKE_MAX else raw


def _synthetic(draw: st.DrawFn, table: Table, mode: str) -> dict[str, Any]:
    """A Faker table: rows, a stream shape with bursts, injected imperfections."""
    out: dict[str, Any] = {}
    if mode == "stream":
        shape: dict[str, Any] = {"rate": draw(st.sampled_from([50, "100/s", "6000/m"]))}
        if one_in(draw, 3):
            shape["bursts"] = {"every": "10m", "length": "1m", "factor": 5}
        out = {"writes_to": "stream", "rows": 200, "stream": shape}
        if one_in(draw, 4):  # settings the local generator does not read yet (R365 warns)
            out.update({"system": "kafka", "stream": {**shape, "endless": False}})
    elif one_in(draw, 3):
        out["rows"] = draw(st.sampled_from([50, 500]))
    elif one_in(draw, 6):
        out.update({"writes_to": "files", "format": "parquet", "file_per_row": False})
    if one_in(draw, 4):
        out["inject"] = {"nulls": draw(st.sampled_from([0.0, 0.05])), "outliers": draw(st.sampled_from([0.0, 0.01]))}
        if one_in(draw, 3):
            out["inject"].update({"gaps": 0.01, "duplicates": 0.01})
    return {"synthetic": out} if out else {}


def _dataset_extras(draw: st.DrawFn, table: Table, kind: str) -> dict[str, Any]:
    """A dataset's optional settings: description, its share of the volume, table-level quality."""
    out: dict[str, Any] = {}
    if one_in(draw, 6):
        out["description"] = f"One {table.name[:-1]} per row."
    if one_in(draw, 6):
        out["rows_per_day"] = draw(st.sampled_from([0, 10_000, 5_000_000]))
        out["avg_row_bytes"] = draw(st.sampled_from([120, 2048]))
    if one_in(draw, 4):
        quality: dict[str, Any] = {}
        if draw(st.booleans()):
            quality["expected_columns"] = draw(st.sampled_from(["ordered", "unordered", "none"]))
        if draw(st.booleans()):
            quality["row_count"] = {"min": 1, "max": draw(st.sampled_from([10_000, 10_000_000]))}
        if draw(st.booleans()):
            quality["freshness"] = {"warn_after": "1d", "error_after": "3d"}
        if draw(st.booleans()):
            quality["drift"] = {"row_count": 0.5, "null_rate": 0.1, "mean": 0.3, "distinct_count": 0.5}
        if one_in(draw, 3):
            quality["severity"] = draw(st.sampled_from(["error", "warn"]))
        out["quality"] = quality
    return out


def _connection(draw: st.DrawFn, kind: str, name: str, mode: str) -> dict[str, Any]:
    upper = name.upper()
    if kind in BATCH_DB:
        conn: dict[str, Any] = {
            "host": "${env:" + upper + "_HOST}",
            "database": name,
            "user": "reader",
            "password": _secret(upper + "_PASSWORD"),
        }
        if draw(st.booleans()):  # options reach SQLAlchemy's URL (batch) or Debezium's properties (cdc)
            conn["options"] = {"connect_timeout": 10} if mode == "batch" else {"heartbeat.interval.ms": 10000}
        if one_in(draw, 4):
            conn["schema"] = "sales"
        if one_in(draw, 4):
            conn["port"] = {"postgres": 5433, "mysql": 3307, "sqlserver": 1433, "oracle": 1521}[kind]
        return {"connection": conn}
    if kind == "files":
        return {"connection": {"url": f"data/{name}"}}
    if kind == "api":
        auth = draw(st.sampled_from(["bearer", "bearer", "api_key", "basic", "oauth2", "none"]))
        conn = {"url": f"https://api.{name}.example.com", "auth": auth}
        conn.update({
            "bearer": {"token": _secret(upper + "_TOKEN")},
            "api_key": {"api_key": _secret(upper + "_API_KEY")},
            "basic": {"user": "reader", "password": _secret(upper + "_PASSWORD")},
            "oauth2": {"client_id": "pipegen", "client_secret": _secret(upper + "_CLIENT_SECRET"),
                       "token_url": f"https://auth.{name}.example.com/oauth/token"},
            "none": {},
        }[auth])  # fmt: skip
        return {"connection": conn}
    if kind == "kafka":
        conn = {"bootstrap_servers": "broker:9092"}
        if one_in(draw, 4):
            conn["options"] = {"fetch.min.bytes": 1024}
        return {"connection": conn}
    if kind == "mongodb":
        return {"connection": {"host": "${env:" + upper + "_HOST}", "database": name, "user": "reader",
                               "password": _secret(upper + "_PASSWORD")}}  # fmt: skip
    if kind == "eventhubs":
        conn = {"namespace": f"{name}-ns", "connection_string": _secret(upper + "_EVENTHUBS")}
        if one_in(draw, 4):
            conn["options"] = {"fetch.min.bytes": 1024}
        return {"connection": conn}
    if kind == "kinesis":
        return {"connection": {"stream": f"{name}-stream", "region": "eu-west-1"}}
    if kind == "pubsub":
        return {"connection": {"project": "acme-data", "stream": f"{name}-sub"}}
    return {}


# ---------------------------------------------------------------- marts


def _scope(base: Table, joined: list[Table]) -> list[Ref]:
    """References in a mart over base + joined tables: qualified when a name is shared."""
    tables = [base, *joined]
    counts: dict[str, int] = {}
    for t in tables:
        for c in (*t.columns, *t.derived):
            counts[c.name] = counts.get(c.name, 0) + 1
    refs = []
    for t in tables:
        for c in (*t.columns, *t.derived):
            text = c.name if counts[c.name] == 1 else f"{t.name}.{c.name}"
            refs.append(Ref(text, c.kind, c.nullable))
    return refs


MEASURE_NAMES = ("row_count", "m_", "ratio")  # an earlier mart's measures: not grouped again (R201)
KIND_TYPES = {"int": "bigint", "num": "double", "str": "string", "bool": "boolean", "date": "date", "ts": "timestamp"}


def _output_name(text: str) -> str:
    return text.rsplit(".", maxsplit=1)[-1]


@st.composite
def _mart(draw: st.DrawFn, name: str, tables: list[Table], marts: list[Table] | None = None) -> dict[str, Any]:
    """A mart over tables (joined on their foreign keys), or now and then over an earlier mart's
    outputs; grouped or plain columns; ordered, limited (top-N, per group too). The mart's
    outputs are appended to `marts` (as a Table) for later marts to read."""
    marts = marts if marts is not None else []
    if marts and one_in(draw, 4):  # a mart that reads a mart
        base, joined = draw(st.sampled_from(marts)), []
        mart: dict[str, Any] = {"name": name, "from": base.name}
        refs = _refs(base)
    else:
        base = draw(st.sampled_from(tables))
        mart, joined = _joins(draw, name, base, tables)
        refs = _scope(base, joined)
    if draw(st.booleans()):
        mart["filter"] = draw(expr(refs, "bool", 1))
    outputs: list[Ref] = []  # what the mart's rows hold, by output name
    if one_in(draw, 3):  # a plain-column mart
        picked = draw(st.lists(st.sampled_from(refs), min_size=1, max_size=5, unique_by=lambda r: r.text))
        mart["columns"] = [r.text for r in picked]
        outputs += [Ref(_output_name(r.text), r.kind, r.nullable) for r in picked]
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["num", "str"]))
            mart["columns"].append({"name": "computed", "expr": draw(expr(refs, kind, 1))})
            outputs.append(Ref("computed", kind))
        key = next((r.text for r in refs if r.text in (base.key, f"{base.name}.{base.key}")), None)
        stamp = next((r.text for r in refs if r.text in ("updated_at", f"{base.name}.updated_at")), None)
        if key and stamp and draw(st.booleans()):
            mart["deduplicate"] = {"key": [key], "order_by": stamp}
            if one_in(draw, 3):
                mart["deduplicate"]["keep"] = "first"
        unique = [_output_name(key)] if key and key in mart["columns"] else []
    else:
        keys = [r for r in of_kind(refs, "str", "int", "bool", "date") if not r.text.startswith(MEASURE_NAMES)]
        group = draw(st.lists(st.sampled_from(keys), max_size=2, unique_by=lambda r: r.text)) if keys else []
        mart["group_by"] = [r.text for r in group]
        outputs += [Ref(_output_name(r.text), r.kind, r.nullable) for r in group]
        if draw(st.booleans()):
            stamps = of_kind(refs, "ts")
            if stamps:
                mart["group_by"].append(
                    {
                        "name": "period",
                        "expr": f"date_trunc('day', {hostile.sql_ref(draw, draw(st.sampled_from(stamps)).text)})",
                    }
                )
                outputs.append(Ref("period", "ts"))
        unique = [r.text for r in outputs]
        measures = draw(_typed_measures(refs))
        if one_in(draw, 4):  # rules and a description on an output (a count is never negative)
            measures[0][0].update({"description": "Rows in the group.", "range": {"min": 0, "severity": "warn"}})
        mart["measures"] = [m for m, _ in measures]
        outputs += [Ref(m["name"], kind) for m, kind in measures]
    if one_in(draw, 5):
        mart["description"] = "What the mart answers, in one line."
    mart.update(_order_and_limit(draw, outputs, unique if "group_by" in mart else []))
    materialized = ["table", "view", "table", "ephemeral"]
    if unique and "limit" not in mart:
        materialized.append("incremental")
    mart["materialized"] = draw(st.sampled_from(materialized))
    if mart["materialized"] == "incremental":
        mart["unique_key"] = unique
    names = [r.text for r in outputs]
    if len(set(names)) == len(names):  # a later mart may read this one
        columns = [Column(r.text, KIND_TYPES[r.kind], r.nullable) for r in outputs]
        marts.append(Table("", name, columns, key=columns[0].name))
    return mart


def _joins(draw: st.DrawFn, name: str, base: Table, tables: list[Table]) -> tuple[dict[str, Any], list[Table]]:
    joined = [p for _, p in base.parents if p in tables]
    joined = draw(st.lists(st.sampled_from(joined), max_size=2, unique_by=lambda t: t.name)) if joined else []
    mart: dict[str, Any] = {"name": name, "from": base.name}
    ons: list[Any] = [parent.key for parent in joined]
    for parent in list(joined):  # a chain: the parent's own parent (TPC-H's orders -> customer -> nation)
        grand = next((g for fk, g in parent.parents if g in tables and g not in joined and g is not base), None)
        if grand is not None and draw(st.booleans()):
            joined.append(grand)
            ons.append({f"{parent.name}.{grand.key}": grand.key})
    if joined:
        mart["joins"] = []
        for parent, on in zip(joined, ons, strict=True):
            join: dict[str, Any] = {"table": parent.name, "on": on, "type": "left" if one_in(draw, 2) else "inner"}
            if one_in(draw, 4):  # a filter on the joined table's rows, qualified or not
                join["filter"] = draw(expr(_refs(parent, qualify=draw(st.booleans())), "bool", 0))
            mart["joins"].append(join)
    return mart, joined


def _order_and_limit(draw: st.DrawFn, outputs: list[Ref], groups: list[str]) -> dict[str, Any]:
    """`order_by` over the outputs (short forms and mappings, directions, NULLs first or last,
    now and then an expression over an output), a `limit` (a top-N) and a `limit_per` (per group)."""
    orderable = [r for r in outputs if r.kind != "bool"]
    if not orderable or draw(st.integers(0, 2)) == 0:
        return {}
    keys = draw(st.lists(st.sampled_from(orderable), min_size=1, max_size=2, unique_by=lambda r: r.text))
    order: list[Any] = []
    for ref in keys:
        direction = draw(st.sampled_from(["asc", "desc"]))
        nulls = draw(st.sampled_from(["first", "last"]))
        form = draw(st.integers(0, 4))
        if form == 0:
            order.append(ref.text)
        elif form == 1:
            order.append(f"{ref.text} {direction}")
        elif form == 2:
            order.append(f"{ref.text} {direction} nulls {nulls}")
        elif form == 3:
            order.append({"expr": ref.text, "direction": direction, "nulls": nulls})
        else:  # an expression over an output
            text = (
                f"coalesce({ref.text}, 0)"
                if ref.kind in NUMERIC
                else f"lower({ref.text})"
                if ref.kind == "str"
                else ref.text
            )
            order.append({"expr": text, "direction": direction})
    out: dict[str, Any] = {"order_by": order if len(order) > 1 or draw(st.booleans()) else order[0]}
    if draw(st.booleans()):
        out["limit"] = draw(st.sampled_from([1, 3, 10, 100]))
        per = [g for g in groups if g not in {_output_name(r.text) for r in keys}]
        if per and draw(st.booleans()):
            out["limit_per"] = [draw(st.sampled_from(per))]
    return out


@st.composite
def _measures(draw: st.DrawFn, refs: list[Ref]) -> list[dict[str, Any]]:
    return [m for m, _ in draw(_typed_measures(refs))]


@st.composite
def _typed_measures(draw: st.DrawFn, refs: list[Ref]) -> list[tuple[dict[str, Any], str]]:
    """Measures and the kind of each result (count: int, sum/avg: num, min/max: the input's)."""
    numbers = of_kind(refs, *NUMERIC)
    out: list[tuple[dict[str, Any], str]] = [({"name": "row_count", "agg": "count"}, "int")]
    for i in range(draw(st.integers(0, 3))):
        agg = draw(st.sampled_from(AGGS))
        measure: dict[str, Any] = {"name": f"m_{agg}_{i}", "agg": agg}
        if agg in ("sum", "avg") and not numbers:
            continue
        pool = numbers if agg in ("sum", "avg") else refs
        if draw(st.booleans()) or agg == "count":
            ref = draw(st.sampled_from(pool))
            measure["column"] = ref.text
            kind = ref.kind
        else:
            kind = "num" if agg in ("sum", "avg") else draw(st.sampled_from(["num", "str"]))
            measure["expr"] = draw(expr(refs, kind, 1))
        if one_in(draw, 4):
            measure["where"] = draw(expr(refs, "bool", 0))
        if agg in ("sum", "count") and draw(st.booleans()):
            measure["default"] = 0
        result = {"count": "int", "count_distinct": "int", "sum": "num", "avg": "num"}.get(agg, kind)
        out.append((measure, "num" if result == "int" and agg in ("sum", "avg") else result))
    if numbers and one_in(draw, 4):
        out.append(({"name": "ratio", "expr": f"sum({hostile.sql_ref(draw, numbers[0].text)}) / count(*)"}, "num"))
    return out


# ---------------------------------------------------------------- stream jobs


@st.composite
def _stream_job(
    draw: st.DrawFn, name: str, streams: list[Table], dims: list[Table], sinks: list[str], keyed: Keyed
) -> dict[str, Any]:
    base = draw(st.sampled_from(streams))
    shape = draw(st.sampled_from(["window", "window", "filter", "history"]))
    lookups = [p for _, p in base.parents if p in dims]
    joined = draw(st.lists(st.sampled_from(lookups), max_size=1)) if lookups else []
    job: dict[str, Any] = {"name": name, "from": base.name}
    if joined:
        job["joins"] = [{"table": p.name, "on": p.key, "type": "lookup"} for p in joined]
    elif draw(st.booleans()) and (shape != "window" or one_in(draw, 4)):  # a regular join (a window after it: R388)
        parents = [p for _, p in base.parents if p in streams]
        if parents:
            joined = [draw(st.sampled_from(parents))]
            job["joins"] = [
                {"table": joined[0].name, "on": joined[0].key, "type": hostile.pick(draw, ("inner", "left"))}
            ]
    refs = _scope(base, joined)
    if one_in(draw, 6):
        job["description"] = "Flags what needs a look."
    if shape == "window":
        job.update(draw(_window_job(refs)))
    else:
        job.update(draw(_event_job(base, refs, history=shape == "history")))
    job["sink"] = draw(_sink(name, job, base, sinks, keyed))
    if one_in(draw, 5):
        job["notify"] = [draw(notification("ALERT"))]
    return job


@st.composite
def _window_job(draw: st.DrawFn, refs: list[Ref]) -> dict[str, Any]:
    """A windowed aggregation of every window kind, grouped by columns or an expression, maybe a top-N."""
    kind = draw(st.sampled_from(WINDOWS))
    window: dict[str, Any] = {"type": kind}
    if kind == "session":
        window["gap"] = draw(st.sampled_from(["30s", "5m"]))
    else:
        window["size"] = draw(st.sampled_from(["1m", "5m", "1h"]))
    if kind == "hop":
        window["slide"] = "30s" if window["size"] == "1m" else "1m"
    if kind == "cumulate":
        window["step"] = "30s" if window["size"] == "1m" else "1m"
    job: dict[str, Any] = {"window": window}
    keys = of_kind(refs, "str", "int")
    group = draw(st.lists(st.sampled_from(keys), max_size=1)) if keys else []
    job["group_by"] = [r.text for r in group]
    strings = of_kind(refs, "str")
    if strings and one_in(draw, 4):  # a grouping expression
        job["group_by"].append({"name": "bucket", "expr": f"upper({draw(st.sampled_from(strings)).text})"})
    job["measures"] = draw(_measures(refs))
    if kind in ("tumble", "hop", "cumulate") and group and draw(st.booleans()):
        job["top_n"] = {"n": draw(st.integers(1, 5)), "order_by": job["measures"][-1]["name"]}
    return job


@st.composite
def _event_job(draw: st.DrawFn, base: Table, refs: list[Ref], history: bool) -> dict[str, Any]:
    """A per-event filter (an anomaly rule when it reads a history statistic), its outputs."""
    job: dict[str, Any] = {}
    own = _scope(base, [])  # a statistic reads the source's events, before the joins (R250 otherwise)
    if history and of_kind(own, *NUMERIC) and base.parents:
        job["history"] = draw(_history(base, own, of_kind(own, *NUMERIC)))
        refs = [*refs, *(Ref(h["name"], "num") for h in job["history"])]
    job["filter"] = draw(expr(refs, "bool", 1))
    if draw(st.booleans()):
        picked = draw(st.lists(st.sampled_from(refs), min_size=1, max_size=4, unique_by=lambda r: r.text))
        job["columns"] = [base.key if r.text.endswith(f".{base.key}") else r.text for r in picked]
        if one_in(draw, 3):
            job["columns"].append({"name": "note_text", "expr": draw(expr(refs, "str", 1))})
    return job


HISTORY_WINDOWS = ({"previous": 10}, {"previous": 100}, {"within": "1h"}, {"within": "5m"})


@st.composite
def _history(draw: st.DrawFn, base: Table, refs: list[Ref], numbers: list[Ref]) -> list[dict[str, Any]]:
    """One to three statistics of the key's earlier events, each over its own window (`per`,
    `previous` or `within` drawn apart: Flink computes each OVER window in its own view) and
    over a column or an expression (sometimes NULL in the current event: synthetic values are)."""
    stats = []
    for i in range(draw(st.integers(1, 3))):
        source = (
            {"column": draw(st.sampled_from(numbers)).text}
            if draw(st.booleans())
            else {"expr": draw(expr(refs, "num", 1))}
        )
        per = draw(st.sampled_from([fk for fk, _ in base.parents]))
        stats.append({"name": "usual" if i == 0 else f"usual_{i}", "agg": draw(st.sampled_from(AGGS)), **source,
                      "per": [per], **draw(st.sampled_from(HISTORY_WINDOWS))})  # fmt: skip
    return stats


@dataclass(frozen=True)
class Keyed:
    """What decides whether a job's result must be written by key: the CDC tables (their changelog updates) and
    the targets Flink writes by key (plan/flink_changes.UPSERT_SINKS)."""

    cdc: frozenset[str]
    upsert_targets: tuple[str, ...]


def _updates(job: dict[str, Any], base: Table, keyed: Keyed) -> bool:
    """Whether the job emits updates (plan/flink_changes.updating_reason): a per-event job over a changelog, a
    left join, an inner join of a changelog."""
    if "window" in job:
        return False
    joins = job.get("joins", [])
    return (
        (base.name in keyed.cdc and "history" not in job)
        or any(j["type"] == "left" for j in joins)
        or any(j["type"] == "inner" and j["table"] in keyed.cdc for j in joins)
    )


@st.composite
def _sink(
    draw: st.DrawFn, name: str, job: dict[str, Any], base: Table, sinks: list[str], keyed: Keyed
) -> dict[str, Any]:
    """Append to a target (its table named or not), or upsert by the window and group keys or the row key. A job
    that emits updates upserts by its row key into a target Flink writes by key where the spec has one (else R498
    refuses it, drawn so). The same draws in the same order whatever the job emits, so the sample stays put."""
    updates = _updates(job, base, keyed) and bool(keyed.upsert_targets)
    sink: dict[str, Any] = {"target": draw(st.sampled_from(list(keyed.upsert_targets) if updates else sinks))}
    upsert = draw(st.booleans())
    named = not upsert and one_in(draw, 4)
    if upsert or updates:
        if "window" in job:
            key = ["window_start", "window_end", *(g if isinstance(g, str) else g["name"] for g in job["group_by"])]
        else:
            outputs = job.get("columns") or [c.name for c in base.columns]
            if updates and base.key not in outputs:
                job["columns"] = [base.key, *outputs]
                outputs = job["columns"]
            key = [base.key] if base.key in outputs else []
        if key and all("." not in k for k in key):
            sink.update({"mode": "upsert", "key": key, "table": f"rt_{name}"})
    elif named:
        sink["table"] = f"{name}_out"
    return sink


# ---------------------------------------------------------------- the spec


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """One whole spec dict."""
    mode = draw(st.sampled_from(["batch", "batch", "stream", "mixed"]))
    names = list(TABLES)
    draw(st.randoms(use_true_random=False)).shuffle(names)
    modes = {"batch": ["batch"], "stream": [draw(st.sampled_from(["cdc", "stream"]))], "mixed": ["batch", "cdc"]}[mode]
    if mode != "stream" and draw(st.booleans()):
        modes.append("batch")
    elif mode == "stream" and one_in(draw, 3):  # a second stream or CDC source
        modes.append(draw(st.sampled_from(["cdc", "stream"])))
    sources, tables_by_mode = [], {"batch": [], "cdc": [], "stream": []}
    earlier: list[Table] = []
    taken = {n.lower() for n in SOURCE_NAMES}
    taken_tables = {n.lower() for n in names}
    for i, source_mode in enumerate(modes):
        count = draw(st.integers(1, 3))
        picked, names = names[:count], names[count:]
        source_name = hostile.name(draw, SOURCE_NAMES[i], taken, rate=6, long=False)
        room = hostile.table_room(source_name)  # a table name at a limit leaves room for its derived names
        for j, plain in enumerate(picked):
            taken_tables.discard(plain.lower())
            picked[j] = hostile.name(draw, plain, taken_tables, room=room)
        source, tables = draw(_source(source_name, source_mode, picked, earlier))
        sources.append(source)
        tables_by_mode[source_mode] += tables
        earlier += tables
    streamed = tables_by_mode["cdc"] + tables_by_mode["stream"]
    batch = tables_by_mode["batch"]

    pinned = {SOURCE_CLOUD[src["type"]] for src in sources if src["type"] in SOURCE_CLOUD}
    cloud = pinned.pop() if len(pinned) == 1 else None
    targets = _targets(draw, mode, cloud)
    spec: dict[str, Any] = {
        "version": 1,
        "pipeline": {
            "name": hostile.pipeline_name(draw, draw(st.sampled_from(NAMES))),
            "owner": "data@example.com",
            **pipeline_extras(draw, mode),
        },
        "latency": draw(st.sampled_from(BATCH_LATENCIES if mode == "batch" else STREAM_LATENCIES)),
        "architecture": _architecture(draw, mode, targets),
        "orchestrator": draw(st.sampled_from(["airflow", "prefect"])),
        "sources": sources,
        "targets": targets,
    }  # fmt: skip
    clouds = {TARGET_CLOUD[t["type"]] for t in targets if t["type"] in TARGET_CLOUD}
    managed = any(t["type"] in MANAGED for t in targets)
    spec["cloud"] = (
        cloud
        if cloud
        else clouds.pop()
        if clouds
        else draw(st.sampled_from(["aws", "gcp", "azure", *([] if managed else ["local"])]))
    )
    transforms: dict[str, Any] = {}
    martable = batch + streamed
    if martable and draw(st.integers(0, 3)):
        readable: list[Table] = []  # marts a later mart may read
        marts = hostile.names(draw, [f"mart_{i}" for i in range(draw(st.integers(1, 3)))], snake=True)
        transforms["marts"] = [draw(_mart(name, martable, readable)) for name in marts]
    # a Lakehouse now and then with no stream job: its speed layer is the Flink bronze jobs alone
    # (the streamed tables landing in bronze, issue 20)
    landing_only = spec["architecture"] == "lakehouse" and one_in(draw, 3)
    if streamed and not landing_only:
        sinks = [t["name"] for t in targets]
        dims = [t for t in streamed if not t.parents] + (batch if draw(st.booleans()) else [])
        kinds = {src["name"]: src["type"] for src in sources}
        if not one_in(draw, 5):  # mostly tables of a database Flink's JDBC connector reads (else R381)
            dims = [t for t in dims if kinds[t.source] in BATCH_DB]
        jobs = hostile.names(draw, [f"job_{i}" for i in range(draw(st.integers(1, 3)))], snake=True)
        keyed = Keyed(frozenset(t.name for t in tables_by_mode["cdc"]),
                      tuple(t["name"] for t in targets if t["type"] in UPSERT_TARGETS))  # fmt: skip
        transforms["streams"] = [draw(_stream_job(name, streamed, dims, sinks, keyed)) for name in jobs]
    if transforms:
        spec["transforms"] = transforms
    spec.update(_policies(draw, mode))
    spec.update(sections(draw, mode, spec))
    hostile.decorate(draw, spec)
    extras.add(spec)  # keys decided from the draw (no draw of their own)
    return spec


def _architecture(draw: st.DrawFn, mode: str, targets: list[dict[str, Any]]) -> str:
    """Mostly an architecture that fits the sources (auto, or one that can work); now and then any,
    so the refusals are drawn too."""
    if one_in(draw, 10):
        return draw(st.sampled_from(ARCHITECTURES))
    lake = any(t["type"] in LAKES for t in targets)
    fitting = {"batch": ["etl", "elt"], "stream": ["kappa", "lambda"], "mixed": ["lambda"]}[mode]
    return draw(st.sampled_from(["auto", "auto", *fitting, *(["lakehouse"] if lake else [])]))


def _targets(draw: st.DrawFn, mode: str, cloud: str | None = None) -> list[dict[str, Any]]:
    """A warehouse first (any kind for streams), then now and then a serving store, a lake, an
    OLAP store or files; none bound to another cloud than `cloud` (a source's, when it has one)."""

    def fits(kinds: tuple[str, ...]) -> list[str]:
        return [k for k in kinds if cloud is None or TARGET_CLOUD.get(k, cloud) == cloud]

    first = draw(st.sampled_from(fits(WAREHOUSES if mode != "stream" else (*WAREHOUSES, *SERVING, *LAKES))))
    targets = [{"name": "warehouse", "type": first}]
    if mode != "batch" and draw(st.booleans()):
        targets.append({"name": "serving", "type": draw(st.sampled_from(SERVING))})
    if one_in(draw, 6):
        targets.append({"name": "lake", "type": draw(st.sampled_from(LAKES))})
        if one_in(draw, 3):
            targets[-1]["layers"] = draw(
                st.sampled_from([
                    ["bronze", "silver", "gold"], ["bronze", "silver"],
                    {"bronze": {"bucket": "raw"}, "silver": None, "gold": {"path": "marts"}},
                ])
            )  # fmt: skip
        if one_in(draw, 3):
            targets[-1]["partition_by"] = ["updated_at"]
    if one_in(draw, 8):
        extra = draw(st.sampled_from(["files", "druid"]))
        targets.append({"name": "extra", "type": extra})
        if extra == "files":
            targets[-1]["format"] = draw(st.sampled_from(["parquet", "csv", "jsonl"]))
    for target in targets:
        target.update(_target_connection(target["type"], target["name"]))
    return targets


def _target_connection(kind: str, name: str) -> dict[str, Any]:
    upper = name.upper()
    if kind in ("postgres", "mysql", "clickhouse", "redshift", "synapse"):
        return {"connection": {"host": "${env:" + upper + "_HOST}", "database": "analytics", "user": "writer",
                               "password": _secret(upper + "_PASSWORD")}}  # fmt: skip
    if kind == "snowflake":
        return {"connection": {"account": "${env:SF_ACCOUNT}", "user": "LOADER", "private_key": _secret("SF_KEY"),
                               "warehouse": "LOADING", "database": "ANALYTICS"}}  # fmt: skip
    if kind == "bigquery":
        return {"connection": {"project": "acme-data", "schema": "analytics"}}
    if kind == "kafka":
        return {"connection": {"bootstrap_servers": "broker:9092"}}
    if kind == "databricks":
        return {
            "connection": {"host": "${env:DATABRICKS_HOST}", "token": _secret("DATABRICKS_TOKEN"), "catalog": "main"}
        }
    if kind in ("delta", "iceberg"):
        return {"connection": {"bucket": "lake", "path": name}}
    if kind == "files":
        return {"connection": {"bucket": "exports", "path": name}}
    if kind == "druid":
        return {"connection": {"url": "http://druid-router:8888"}}
    return {}


def _policies(draw: st.DrawFn, mode: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        quality: dict[str, Any] = {
            "severity": draw(st.sampled_from(["error", "warn"])),
            "on_failure": draw(st.sampled_from(["block", "warn", "quarantine"])),
        }
        if draw(st.booleans()):
            quality["fail_threshold"] = 0.01
        if draw(st.booleans()):
            quality["notifications"] = [draw(notification("QUALITY"))]
        out["quality"] = {**quality, **quality_extras(draw)}
    if draw(st.booleans()):
        out["orchestration"] = {
            "retries": draw(st.integers(0, 4)),
            "retry_delay": draw(st.sampled_from(["30s", "5m"])),
            "execution_timeout": draw(st.sampled_from(["30m", "2h"])),
            **orchestration_extras(draw),
        }
    if draw(st.booleans()):
        out["volume"] = {"rows_per_day": draw(st.sampled_from([1000, 1_000_000, 500_000_000])), "avg_row_bytes": 300}
        if one_in(draw, 3):
            out["volume"].update({"peak_factor": 5, "retention_days": 30, "compression_ratio": 6})
    if one_in(draw, 4):
        out["deploy"] = {"kubernetes": {"enabled": True, "namespace": "data"}}
    return out
