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

from tests.specgen import hostile
from tests.specgen.expressions import NUMERIC, Ref, expr, of_kind

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
CDC_DB = ("postgres", "mysql")
WAREHOUSES = ("duckdb", "postgres", "snowflake", "bigquery", "redshift", "clickhouse", "databricks")
SERVING = ("postgres", "mysql", "kafka", "clickhouse")
LAKES = ("delta", "iceberg")
ARCHITECTURES = ("auto", "etl", "elt", "lambda", "kappa", "lakehouse")
WINDOWS = ("tumble", "hop", "session", "cumulate")
AGGS = ("count", "count_distinct", "sum", "avg", "min", "max")
TARGET_CLOUD = {"bigquery": "gcp", "redshift": "aws"}
MANAGED = ("snowflake", "databricks")
NAMES = ("orders_pipeline", "shop", "metrics_hub", "x")
BATCH_LATENCIES = ("1h", "6h", "1d")
STREAM_LATENCIES = ("1m", "realtime", "30s")


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True

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
        parent = next((p for fk, p in table.parents if fk == column.name), None)
        if parent is not None:
            rules["foreign_key"] = f"{parent.name}.{parent.key}"
        elif kind in BATCH_DB and column.kind == "str" and one_in(draw, 7):
            rules["pii"] = draw(st.sampled_from(["mask", "hash", "drop"]))
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
    if one_in(draw, 16 if table.streamed else 6):  # a derived column named like a column replaces it
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
        raw = Table(table.source, table.name, table.columns, table.key)
        data["filter"] = draw(expr(_refs(raw), "bool", 1))
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
        "batch": lambda: draw(st.sampled_from((*BATCH_DB, "faker", "files", "api", "mongodb"))),
        "cdc": lambda: draw(st.sampled_from(CDC_DB)),
        "stream": lambda: draw(st.sampled_from(["kafka", "kafka", "faker"])),
    }[mode]()
    source: dict[str, Any] = {"name": name, "type": kind, "ingestion": "batch" if mode == "batch" else mode}
    source.update(_connection(draw, kind, name, mode))
    key = "topics" if kind == "kafka" else "tables"
    source[key] = [_dataset(draw, t, filters=kind in (*BATCH_DB, "faker"), kind=kind) for t in tables]
    if kind == "files":
        fmt = draw(st.sampled_from(["jsonl", "csv", "parquet"]))
        for data, table in zip(source[key], tables, strict=True):
            data["path"] = f"{table.name}/*.{fmt}"
            data["format"] = fmt
    if kind == "api":
        for data, table in zip(source[key], tables, strict=True):
            data["endpoint"] = f"/v1/{table.name}"
            data["records_path"] = "data"
            data["pagination"] = draw(
                st.sampled_from([{"type": "none"}, {"type": "page", "page_size": 50, "param": "page"}])
            )
    if kind == "kafka":
        for data in source[key]:
            data["format"] = "json"
    if kind == "faker":
        source["synthetic"] = {"seed": draw(st.integers(0, 99))}
        if mode == "stream":
            for data in source[key]:
                data["synthetic"] = {"writes_to": "stream", "rows": 200, "stream": {"rate": 50}}
    return source, tables


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
        return {"connection": conn}
    if kind == "files":
        return {"connection": {"url": f"data/{name}"}}
    if kind == "api":
        return {
            "connection": {
                "url": f"https://api.{name}.example.com",
                "auth": "bearer",
                "token": _secret(upper + "_TOKEN"),
            }
        }
    if kind == "kafka":
        return {"connection": {"bootstrap_servers": "broker:9092"}}
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


@st.composite
def _mart(draw: st.DrawFn, name: str, tables: list[Table]) -> dict[str, Any]:
    base = draw(st.sampled_from(tables))
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
            join: dict[str, Any] = {"table": parent.name, "on": on, "type": draw(st.sampled_from(["inner", "left"]))}
            if one_in(draw, 4):  # a filter on the joined table's rows, qualified or not
                join["filter"] = draw(expr(_refs(parent, qualify=draw(st.booleans())), "bool", 0))
            mart["joins"].append(join)
    refs = _scope(base, joined)
    if draw(st.booleans()):
        mart["filter"] = draw(expr(refs, "bool", 1))
    if one_in(draw, 3):  # a plain-column mart
        picked = draw(st.lists(st.sampled_from(refs), min_size=1, max_size=5, unique_by=lambda r: r.text))
        mart["columns"] = [r.text for r in picked]
        if draw(st.booleans()):
            mart["columns"].append(
                {"name": "computed", "expr": draw(expr(refs, draw(st.sampled_from(["num", "str"])), 1))}
            )
        if draw(st.booleans()):
            key = next(r.text for r in refs if r.text in (base.key, f"{base.name}.{base.key}"))
            stamp = next(r.text for r in refs if r.text in ("updated_at", f"{base.name}.updated_at"))
            mart["deduplicate"] = {"key": [key], "order_by": stamp}
    else:
        keys = of_kind(refs, "str", "int", "bool", "date")
        group = draw(st.lists(st.sampled_from(keys), max_size=2, unique_by=lambda r: r.text)) if keys else []
        mart["group_by"] = [r.text for r in group]
        if draw(st.booleans()):
            stamps = of_kind(refs, "ts")
            if stamps:
                stamp = hostile.sql_ref(draw, draw(st.sampled_from(stamps)).text)
                mart["group_by"].append({"name": "period", "expr": f"date_trunc('day', {stamp})"})
        mart["measures"] = draw(_measures(refs))
    mart["materialized"] = draw(st.sampled_from(["table", "view", "table", "ephemeral"]))
    return mart


@st.composite
def _measures(draw: st.DrawFn, refs: list[Ref]) -> list[dict[str, Any]]:
    numbers = of_kind(refs, *NUMERIC)
    out: list[dict[str, Any]] = [{"name": "row_count", "agg": "count"}]
    for i in range(draw(st.integers(0, 3))):
        agg = draw(st.sampled_from(AGGS))
        measure: dict[str, Any] = {"name": f"m_{agg}_{i}", "agg": agg}
        if agg in ("sum", "avg") and not numbers:
            continue
        pool = numbers if agg in ("sum", "avg") else refs
        if draw(st.booleans()) or agg == "count":
            measure["column"] = draw(st.sampled_from(pool)).text
        else:
            measure["expr"] = draw(
                expr(refs, "num" if agg in ("sum", "avg") else draw(st.sampled_from(["num", "str"])), 1)
            )
        if one_in(draw, 4):
            measure["where"] = draw(expr(refs, "bool", 0))
        if agg in ("sum", "count") and draw(st.booleans()):
            measure["default"] = 0
        out.append(measure)
    if numbers and one_in(draw, 4):
        out.append({"name": "ratio", "expr": f"sum({hostile.sql_ref(draw, numbers[0].text)}) / count(*)"})
    return out


# ---------------------------------------------------------------- stream jobs


@st.composite
def _stream_job(
    draw: st.DrawFn, name: str, streams: list[Table], dims: list[Table], sinks: list[str]
) -> dict[str, Any]:
    base = draw(st.sampled_from(streams))
    lookups = [p for _, p in base.parents if p in dims]
    joined = draw(st.lists(st.sampled_from(lookups), max_size=1)) if lookups else []
    job: dict[str, Any] = {"name": name, "from": base.name}
    if joined:
        job["joins"] = [{"table": p.name, "on": p.key, "type": "lookup"} for p in joined]
    refs = _scope(base, joined)
    shape = draw(st.sampled_from(["window", "window", "filter", "history"]))
    if shape == "window":
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
        job["window"] = window
        keys = of_kind(refs, "str", "int")
        group = draw(st.lists(st.sampled_from(keys), max_size=1)) if keys else []
        job["group_by"] = [r.text for r in group]
        job["measures"] = draw(_measures(refs))
        if kind in ("tumble", "hop", "cumulate") and group and draw(st.booleans()):
            job["top_n"] = {"n": draw(st.integers(1, 5)), "order_by": job["measures"][-1]["name"]}
    else:
        if shape == "history":
            numbers = of_kind(refs, *NUMERIC)
            if numbers and base.parents:
                job["history"] = [
                    {"name": "usual", "agg": draw(st.sampled_from(AGGS)), "column": draw(st.sampled_from(numbers)).text,
                     "per": [base.parents[0][0]],
                     **draw(st.sampled_from([{"previous": 10}, {"previous": 100}, {"within": "1h"}]))}
                ]  # fmt: skip
                refs = [*refs, Ref("usual", "num")]
        job["filter"] = draw(expr(refs, "bool", 1))
        if draw(st.booleans()):
            picked = draw(st.lists(st.sampled_from(refs), min_size=1, max_size=4, unique_by=lambda r: r.text))
            job["columns"] = [base.key if r.text.endswith(f".{base.key}") else r.text for r in picked]
    sink = draw(st.sampled_from(sinks))
    job["sink"] = {"target": sink}
    if draw(st.booleans()):
        if "window" in job:
            key = ["window_start", "window_end", *job["group_by"]]
        else:
            outputs = job.get("columns") or [c.name for c in base.columns]
            key = [base.key] if base.key in outputs else []
        if key and all("." not in k for k in key):
            job["sink"].update({"mode": "upsert", "key": key, "table": f"rt_{name}"})
    if one_in(draw, 5):
        job["notify"] = [{"type": "slack", "channel": "#alerts", "webhook": _secret("ALERT_WEBHOOK")}]
    return job


# ---------------------------------------------------------------- the spec


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """One whole spec dict."""
    mode = draw(st.sampled_from(["batch", "batch", "stream", "mixed"]))
    names = list(TABLES)
    draw(st.randoms(use_true_random=False)).shuffle(names)
    names = hostile.names(draw, names, room=len(hostile.DEAD_LETTER))
    modes = {"batch": ["batch"], "stream": [draw(st.sampled_from(["cdc", "stream"]))], "mixed": ["batch", "cdc"]}[mode]
    if mode != "stream" and draw(st.booleans()):
        modes.append("batch")
    sources, tables_by_mode = [], {"batch": [], "cdc": [], "stream": []}
    earlier: list[Table] = []
    taken = {n.lower() for n in SOURCE_NAMES}
    for i, source_mode in enumerate(modes):
        count = draw(st.integers(1, 3))
        picked, names = names[:count], names[count:]
        source_name = hostile.name(draw, SOURCE_NAMES[i], taken, rate=6, long=False)
        source, tables = draw(_source(source_name, source_mode, picked, earlier))
        sources.append(source)
        tables_by_mode[source_mode] += tables
        earlier += tables
    streamed = tables_by_mode["cdc"] + tables_by_mode["stream"]
    batch = tables_by_mode["batch"]

    targets = _targets(draw, mode)
    spec: dict[str, Any] = {
        "version": 1,
        "pipeline": {"name": hostile.pipeline_name(draw, draw(st.sampled_from(NAMES))), "owner": "data@example.com"},
        "latency": draw(st.sampled_from(BATCH_LATENCIES if mode == "batch" else STREAM_LATENCIES)),
        "architecture": _architecture(draw, mode, targets),
        "orchestrator": draw(st.sampled_from(["airflow", "prefect"])),
        "sources": sources,
        "targets": targets,
    }  # fmt: skip
    clouds = {TARGET_CLOUD[t["type"]] for t in targets if t["type"] in TARGET_CLOUD}
    managed = any(t["type"] in MANAGED for t in targets)
    spec["cloud"] = (
        clouds.pop() if clouds else draw(st.sampled_from(["aws", "gcp", "azure", *([] if managed else ["local"])]))
    )
    transforms: dict[str, Any] = {}
    martable = batch + streamed
    if martable and draw(st.integers(0, 3)):
        marts = hostile.names(draw, [f"mart_{i}" for i in range(draw(st.integers(1, 3)))], snake=True)
        transforms["marts"] = [draw(_mart(name, martable)) for name in marts]
    if streamed:
        sinks = [t["name"] for t in targets]
        dims = [t for t in streamed if not t.parents] + (batch if draw(st.booleans()) else [])
        jobs = hostile.names(draw, [f"job_{i}" for i in range(draw(st.integers(1, 3)))], snake=True)
        transforms["streams"] = [draw(_stream_job(name, streamed, dims, sinks)) for name in jobs]
    if transforms:
        spec["transforms"] = transforms
    spec.update(_policies(draw, mode))
    hostile.decorate(draw, spec)
    return spec


def _architecture(draw: st.DrawFn, mode: str, targets: list[dict[str, Any]]) -> str:
    """Mostly an architecture that fits the sources (auto, or one that can work); now and then any,
    so the refusals are drawn too."""
    if one_in(draw, 10):
        return draw(st.sampled_from(ARCHITECTURES))
    lake = any(t["type"] in LAKES for t in targets)
    fitting = {"batch": ["etl", "elt"], "stream": ["kappa", "lambda"], "mixed": ["lambda"]}[mode]
    return draw(st.sampled_from(["auto", "auto", *fitting, *(["lakehouse"] if lake else [])]))


def _targets(draw: st.DrawFn, mode: str) -> list[dict[str, Any]]:
    first = draw(st.sampled_from(WAREHOUSES if mode != "stream" else (*WAREHOUSES, *SERVING, *LAKES)))
    targets = [{"name": "warehouse", "type": first}]
    if mode != "batch" and draw(st.booleans()):
        targets.append({"name": "serving", "type": draw(st.sampled_from(SERVING))})
    if one_in(draw, 6):
        targets.append({"name": "lake", "type": draw(st.sampled_from(LAKES))})
    for target in targets:
        target.update(_target_connection(target["type"], target["name"]))
    return targets


def _target_connection(kind: str, name: str) -> dict[str, Any]:
    upper = name.upper()
    if kind in ("postgres", "mysql", "clickhouse", "redshift"):
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
            quality["notifications"] = [{"type": "slack", "channel": "#data", "webhook": _secret("SLACK_WEBHOOK")}]
        out["quality"] = quality
    if draw(st.booleans()):
        out["orchestration"] = {
            "retries": draw(st.integers(0, 4)),
            "retry_delay": draw(st.sampled_from(["30s", "5m"])),
            "execution_timeout": draw(st.sampled_from(["30m", "2h"])),
        }
    if draw(st.booleans()):
        out["volume"] = {"rows_per_day": draw(st.sampled_from([1000, 1_000_000, 500_000_000])), "avg_row_bytes": 300}
    if one_in(draw, 4):
        out["deploy"] = {"kubernetes": {"enabled": True, "namespace": "data"}}
    return out
