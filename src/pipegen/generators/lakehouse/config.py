"""pipeline/lake.json: what the generated lake job (templates/lakehouse/lake.py) reads, as data:
the lake targets and where each layer lives, every source table's bronze/silver shape (columns
and their lake types, key, watermark, the per-row rules that gate silver, Z-order columns) and
the marts published to gold. Pure functions of the spec and the plan's names."""

from __future__ import annotations

from typing import Any

from pipegen.common.lake_catalog import catalog_config, layer_dirs, silver_schema, silver_target
from pipegen.common.lake_catalog import lake_dir as _dir
from pipegen.common.stream_landing import landing_dir
from pipegen.common.stream_rules import event_rules
from pipegen.plan.capacity import Capacity
from pipegen.plan.cloudnames import lake_namespace
from pipegen.plan.lake_gold import gold_choices, gold_data
from pipegen.plan.lake_partition import (
    declared_columns,
    partition_data,
    stored_formats,
    table_capacity,
    table_layouts,
)
from pipegen.plan.names import Names, snake
from pipegen.render.sqltypes import sql_type
from pipegen.spec import catalog
from pipegen.spec.diagnostics import dotted
from pipegen.spec.index import TableRef, index_of
from pipegen.spec.model import LakeSettings, Layer, Mart, Materialization, OnFailure, Spec, Target
from pipegen.spec.types import parse_column_type

HOUR = 3600.0
LAYERS = (Layer.BRONZE, Layer.SILVER, Layer.GOLD)
# Portable types the lake stores as text: Delta has no TIME or UUID type, Iceberg's UUID and
# JSON are not read back by every engine; smallint widens to int (Iceberg has no 16-bit int).
LAKE_TYPES: dict[str, str] = {"uuid": "VARCHAR", "json": "VARCHAR", "time": "VARCHAR", "smallint": "INTEGER"}


def lake_targets(spec: Spec) -> list[Target]:
    return [t for t in spec.targets if t.type in catalog.LAKE_TARGETS]


def settings(target: Target) -> LakeSettings:
    return target.lake or LakeSettings()


def lake_type(portable: str) -> str:
    """The DuckDB type silver casts a column to (the type it has in the lake)."""
    name = parse_column_type(portable).name
    return LAKE_TYPES.get(name) or sql_type(portable, "duckdb")


def target_config(spec: Spec, target: Target) -> dict[str, Any]:
    """An Iceberg target's `namespaces`: each layer's namespace in the catalog, the naming layer's
    `<pipeline>_<layer>` (plan/cloudnames.lake_namespace), the same the Spark job writes and the
    production catalog holds (Glue databases, Unity Catalog schemas), so a table is
    `<pipeline>_<layer>.<table>` locally and in production; its `production_catalog`: the spec's
    `lake.catalog` as common/lake_catalog.catalog_config describes it for every engine (a token as its
    `${secret:NAME}` reference, never its value), which the lake step opens in a deployment."""
    lake = settings(target)
    out: dict[str, Any] = {
        "name": target.name,
        "format": target.type.value,
        "layers": layer_dirs(target),
        "time_travel_hours": lake.time_travel / HOUR,
        "retention_hours": lake.kept / HOUR,
        "maintenance_every_s": lake.maintenance_every,
    }
    if target.type.value == "iceberg":
        out["catalog"] = f"{_dir(target.name)}_catalog.db"
        out["namespaces"] = {layer: str(lake_namespace(spec.pipeline.name, layer)) for layer in out["layers"]}
        production = catalog_config(target)
        out.update({"production_catalog": production} if production else {})
    return out


def table_config(
    spec: Spec, names: Names, ref: TableRef, capacity: Capacity, streamed: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A table's bronze/silver shape; `stream`: bronze is landed by the stream path only (a Lakehouse
    plan's Flink bronze job, common/stream_landing.py), so the lake step lands no warehouse batch of it
    (the batch layer's copy of the same changes would land them twice), only its landing directory."""
    ds = names.dataset(ref.source.name, ref.dataset.name)
    columns = [c for c in ref.dataset.columns if c.metadata is None]
    landed = {c.name: str(ds.column(c.name)) for c in columns}
    rules = [r.gate(landed[r.column]) for r in event_rules(spec, ref) if r.critical and r.column in landed]
    key = [landed[k] for k in ref.dataset.primary_key if k in landed]
    wm = ref.dataset.watermark or ref.dataset.event_time
    cap = table_capacity(capacity, ref)
    warehouse_schema = silver_schema(spec, list(ref.dataset.columns))
    where = dotted(ref.path)  # sources[i].tables[j] (or topics)
    return {
        "ref": str(ds.ref),
        "name": str(ds.lake_table),
        "raw_schema": str(ds.raw_schema),
        "raw_table": str(ds.raw_table),
        "landing": landing_dir(ds),
        "columns": [
            {"name": landed[c.name], "type": lake_type(c.type), "spec_path": f"{where}.columns[{i}].type"}
            for i, c in enumerate(ref.dataset.columns)
            if c.metadata is None
        ],
        "key": key,
        "watermark": landed.get(wm) if wm else None,
        "rules": rules,
        "zorder": key,
        # the warehouse schema the lake step publishes silver to, for dbt's staging (None: dbt reads raw)
        "warehouse_schema": warehouse_schema,
        "quarantine": quarantine(spec, names, ref) if warehouse_schema and key else None,
        # bronze's and silver's partitioning and file size, from the plan (plan/lake_partition)
        "partition": partition_data(table_layouts(names, ref, cap, chosen=declared_columns(spec)), cap),
        **({"stream": True} if ref.qualified in streamed else {}),
    }


def quarantine(spec: Spec, names: Names, ref: TableRef) -> dict[str, Any] | None:
    """Where GX's quarantine moves the rows of silver's warehouse copy it removes (`on_failure:
    quarantine`): the table's `raw_<source>.<table>__quarantine` (the naming layer's, as gx/checks.json
    says it) and each key column's name there (the staged name) by its landed name in silver. The
    lake step deletes those keys from silver itself before its next merge, so the next copy does not
    bring them back (pipeline/lake.py, `unquarantine`). None: no quarantine."""
    if spec.quality.on_failure != OnFailure.QUARANTINE:
        return None
    ds = names.dataset(ref.source.name, ref.dataset.name)
    key = {str(ds.column(c.name)): str(snake(c.staged_name)) for k in ref.dataset.primary_key if (c := ref.column(k))}
    return {"schema": str(ds.raw_schema), "table": str(ds.quarantine_table), "key": key}


def gold_marts(spec: Spec) -> list[Mart]:
    """The marts gold publishes (every one dbt materializes): lake.json's `marts`, in spec order."""
    return [m for m in spec.transforms.marts if m.materialized != Materialization.EPHEMERAL]


def lake_config(spec: Spec, names: Names, capacity: Capacity, streamed: frozenset[str] = frozenset()) -> dict[str, Any]:
    """lake.json; `capacity`: the plan's; `streamed`: the tables (qualified) the stream path lands in bronze."""
    index = index_of(spec)
    marts = gold_marts(spec)
    return {
        "pipeline": str(names.pipeline),
        "targets": [target_config(spec, t) for t in lake_targets(spec)],
        "silver_target": target.name if (target := silver_target(spec)) is not None else None,
        # a Delta table made at another granularity is written on at its own (lake_store.Delta.layout)
        "stored_partition_formats": stored_formats(),
        "tables": [
            table_config(spec, names, ref, capacity, streamed)
            for ref in index.tables
            if any(c.metadata is None for c in ref.dataset.columns)
        ],
        # gold's marts: each one's partitioning and file size from the plan (plan/lake_gold.py)
        "marts": [
            {
                "name": m.name,
                "schema": str(names.mart(m.name).schema),
                "table": str(names.mart(m.name).model),
                "partition": (data := gold_data(choice))["gold"],
                "file_bytes": data["file_bytes"],
            }
            for m, choice in zip(marts, gold_choices(spec, capacity), strict=True)
        ],
    }


def lake_results(spec: Spec, names: Names) -> list[tuple[str, str, str, dict[str, str]]]:
    """(table, where, spec path, keys of pipeline/lake.py's result_rows) of every bronze, silver
    and gold table the lake job keeps, per lake target and layer it has."""
    index = index_of(spec)
    tables = [(str(names.dataset(r.source.name, r.dataset.name).lake_table), dotted(r.path))
              for r in index.tables if any(c.metadata is None for c in r.dataset.columns)]  # fmt: skip
    marts = [(str(names.mart(m.name).model), f"transforms.marts[{i}]")
             for i, m in enumerate(spec.transforms.marts) if m.materialized != Materialization.EPHEMERAL]  # fmt: skip
    out = []
    for target in lake_targets(spec):
        dirs = layer_dirs(target)
        for layer, rows in (("bronze", tables), ("silver", tables), ("gold", marts)):
            if layer not in dirs:
                continue
            for name, spec_path in rows:
                keys = {"target": target.name, "layer": layer, "name": name}
                out.append((f"{layer}.{name}", f"lake/{dirs[layer]}/{name}", spec_path, keys))
    return out
