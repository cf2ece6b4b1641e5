"""The Delta loader of the stream jobs sinking into Delta: no connector released for Flink 2.x writes Delta
(delta-flink is built for Flink 1.x; plan/flinkjars.RELAYED_SINKS), so each such job writes its relay topic on
the project's Kafka cluster exactly as a ClickHouse sink's (connectors.sink_options: `upsert-kafka` keyed by the
sink's key when the job upserts, `kafka` exactly-once when it appends; JSON), and `pipeline/delta_relay.py`
(templates/flink/delta_relay.py, static) consumes it into the job's Delta table with the lake step's Delta writer
(templates/lakehouse/lake_store.py: the target's retention as `delta.deletedFileRetentionDuration`).

`flink/delta_relays.json` per job: its relay topic and consumer group (the naming layer's RelayNames), the table's
directory (the place the Delta connector would have written: connectors.lake_path, with the file systems'
`s3://`, `gs://`, `abfss://` roots deltalake reads), the target's retention in hours, the sink's key (upsert; none:
append) and its columns with their types as Flink computes them (clickhouse.output_types; a type pipegen cannot
tell is kept as JSON text, `string`, and listed in the job's `untyped`).

A Lakehouse's bronze jobs into a Delta bronze (common/stream_landing.bronze_relays) are relayed the same way and
listed there too (`bronze_relays`): each appends its table's bronze (every payload column as text, bronze's
metadata columns) at the bronze layer's path under the lake root (bronze.delta_path: the lake step's own), with
bronze's partitioning as lake.json gives it (`layout`: plan/lake_partition, by `_ingested_at`) and its file size
(`file_bytes`). A stream job's table gets the plan's partitioning and file size too (plan/sink_layout: by its time
output at the granularity its input table's bytes allow; `layout` null: not partitioned).
"""

from __future__ import annotations

import re
from typing import Any

from pipegen.common.stream_landing import BronzeRelay
from pipegen.generators.base import EnvVar
from pipegen.generators.flink.bronze import BRONZE, META, delta_path
from pipegen.generators.flink.clickhouse import ANNOTATED, output_types
from pipegen.generators.flink.connectors import lake_path
from pipegen.generators.flink.options import KAFKA_BOOTSTRAP
from pipegen.plan.capacity import Capacity
from pipegen.plan.flinkjars import relayed_sinks
from pipegen.plan.lake_partition import declared_columns, table_capacity, table_layouts, target_file_bytes
from pipegen.plan.names import Names, snake
from pipegen.plan.sink_layout import sink_choice, sink_data
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import LakeSettings, SinkMode, Spec, TargetType
from pipegen.spec.types import parse_column_type

CONFIG = "flink/delta_relays.json"
MODULE = "delta_relay.py"
STORE = "pipeline/lake_store.py"  # the lakehouse family's, written here when that family is off
HOUR = 3600.0
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # what the loader fills from the environment
# a ClickHouse type sqlglot's annotation gave an expression (clickhouse.ANNOTATED) -> the loader's portable type
PORTABLE = {
    "String": "string", "Int32": "int", "Int64": "bigint", "Int16": "smallint", "Int8": "smallint",
    "Float32": "float", "Float64": "double", "Bool": "boolean", "Date32": "date", "DateTime64(3)": "timestamp",
    "DateTime64(3, 'UTC')": "timestamp_tz",
}  # fmt: skip
assert set(ANNOTATED.values()) <= PORTABLE.keys()


# the types pipeline/delta_relay.py casts to (arrow_type); any other is kept as JSON text
LOADER_TYPES = frozenset({"string", "int", "bigint", "smallint", "float", "double", "boolean", "date", "timestamp",
                          "timestamp_tz"})  # fmt: skip


def _portable(found: str | None) -> tuple[str, bool]:
    """(the loader's type, known): a portable type without its precision (a decimal keeps precision and scale)."""
    if found is None:
        return "string", False
    if found in PORTABLE:
        return PORTABLE[found], True
    ctype = parse_column_type(found)
    if ctype.name == "decimal":
        return f"decimal({ctype.precision},{ctype.scale})", True
    return (ctype.name, True) if ctype.name in LOADER_TYPES else ("string", False)


def _text(option: str) -> str:
    """An option's text (connectors' SQL-literal escaping undone: JSON escapes it)."""
    return option.replace("''", "'")


def relays(
    spec: Spec, index: SpecIndex, names: Names, outputs: dict[str, list[str]], capacity: Capacity
) -> list[dict[str, Any]]:
    """Every stream job relayed into a Delta target, as the loader reads it; `outputs`: job -> output columns;
    each table's partitioning and file size as the plan chooses them (plan/sink_layout, `pipegen plan` prints it)."""
    cloud = spec.cloud
    jobs = {job.name: job for job in spec.transforms.streams}
    tables = {name: str(names.stream(name).sink_table) for name in jobs}
    found = []
    for relayed in relayed_sinks(spec, tables):
        job, target, table = jobs[relayed.job], relayed.target, relayed.table
        if target.type != TargetType.DELTA:
            continue
        relay = names.relay(job.name, table, target.type.value)
        upsert = job.sink is not None and job.sink.mode == SinkMode.UPSERT and bool(job.sink.key)
        types = output_types(job, index)
        columns = [(o, *_portable(types.get(o))) for o in outputs[job.name]]
        found.append({
            "job": job.name, "topic": str(relay.topic), "group": str(relay.group), "table": table,
            "target": target.name, "bootstrap": str(KAFKA_BOOTSTRAP),
            "path": _text(lake_path(target.connection, table, cloud)),
            "retention_hours": (target.lake or LakeSettings()).kept / HOUR,
            "key": [snake(k) for k in job.sink.key] if job.sink and upsert else [],
            "columns": [{"name": n, "type": t} for n, t, _ in columns],
            "untyped": [n for n, _, known in columns if not known],
            **laid_out(sink_data(sink_choice(spec, capacity, job, target, table)), {n: t for n, t, _ in columns}),
        })  # fmt: skip
    return found


TIMED = frozenset({"date", "timestamp", "timestamp_tz"})  # the loader's types a partition column is cut from


def laid_out(data: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """The plan's `layout` and `file_bytes` of a sink table, its layout only where the loader reads its time column
    as a date or timestamp (the plan types the column as one; the job's output keeps that type)."""
    layout = data["layout"]
    if layout is None or types.get(layout["source"]) in TIMED:
        return {"layout": layout, "file_bytes": data["file_bytes"]}
    why = f"the plan's {layout['source']} is typed {types.get(layout['source'], 'nothing')} here, not a date or time"
    return {"layout": None, "file_bytes": data["file_bytes"], "unpartitioned": why}  # said in docs/flink.md


# bronze's metadata columns as the bronze job writes them (bronze.metadata) and the lake step's bronze keeps them
META_TYPES = {"_batch_id": "string", "_ingested_at": "timestamp_tz", "_row": "bigint", "_op": "string"}
assert tuple(META_TYPES) == META


def bronze_relays(spec: Spec, names: Names, found: list[BronzeRelay], capacity: Capacity) -> list[dict[str, Any]]:
    """Every bronze job relayed into Delta (`found`), as the loader reads it: append-only, keyed by nothing."""
    out = []
    for r in found:
        ds = names.dataset(r.ref.source.name, r.ref.dataset.name)
        landed = [str(ds.column(c.name)) for c in r.ref.dataset.columns if c.metadata is None]
        cap = table_capacity(capacity, r.ref)
        layout = table_layouts(names, r.ref, cap, chosen=declared_columns(spec))[BRONZE]
        out.append({
            "job": str(r.job.sink_table), "topic": str(r.relay.topic), "group": str(r.relay.group),
            "table": str(ds.lake_table), "target": r.target.name, "bootstrap": str(KAFKA_BOOTSTRAP),
            "path": delta_path(r.target, str(ds.lake_table), spec.cloud),
            "retention_hours": (r.target.lake or LakeSettings()).kept / HOUR, "key": [],
            "columns": [*({"name": n, "type": "string"} for n in landed),
                        *({"name": n, "type": t} for n, t in META_TYPES.items())],
            "untyped": [], "layer": BRONZE, "layout": layout.as_data() if layout else None,
            "file_bytes": target_file_bytes(cap),
        })  # fmt: skip
    return out


def layout_text(relay: dict[str, Any]) -> str:
    """A relayed table's partitioning and file size as docs/flink.md says them."""
    lay, mib = relay["layout"], f"files of {relay['file_bytes'] / 1024**2:,.0f} MiB"
    if lay is None:
        return (
            f"not partitioned ({relay['unpartitioned']}), {mib}"
            if "unpartitioned" in relay
            else f"not partitioned, {mib}"
        )
    return f"by {lay['granularity']}({lay['source']}) as {lay['column']}, {mib}"


def manifest(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What docs/flink.md says per job relayed into Delta."""
    return [{"job": r["job"], "topic": r["topic"], "table": r["path"], "engine": "Delta merge by key" if r["key"]
             else "Delta append", "layout": layout_text(r), "untyped": ", ".join(r["untyped"]) or "-"}
            for r in found]  # fmt: skip


def path_variables(found: list[dict[str, Any]]) -> tuple[EnvVar, ...]:
    """Every `${NAME}` a table's directory reads from the environment (the loader fills it: `filled`), as the
    Delta connector's option did: LAKE_PATH where the target gives no url, path or bucket; a `${secret:X}`."""
    names = dict.fromkeys(n for r in found for n in PLACEHOLDER.findall(r["path"]))
    return tuple(EnvVar(n, (f"{CONFIG}: where pipeline/delta_relay.py writes a relayed job's Delta table",))
                 for n in names)  # fmt: skip
