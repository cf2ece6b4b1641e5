"""How `pipegen plan` shows a plan: text for people, JSON for tools."""

from __future__ import annotations

from typing import Any

from pipegen.pipeline import Ready, needed_families
from pipegen.plan.capacity import TableCapacity, human
from pipegen.plan.lake_gold import GoldChoice, describe_gold, gold_choices, gold_data
from pipegen.plan.lake_partition import declared_columns, describe, partition_data, table_layouts
from pipegen.plan.sink_layout import SinkChoice, describe_sink, sink_choices, sink_data
from pipegen.spec.catalog import LAKE_TARGETS
from pipegen.spec.index import index_of


def planned(ready: Ready, families: list[str]) -> list[str]:
    """Families the plan needs that this version does not generate yet."""
    return [d.tag for d in needed_families(ready.plan) if d.tag not in families]


def lake_layouts(ready: Ready) -> dict[str, tuple[dict[str, Any], str]]:
    """Per source table (`source.table`) with lake targets: what its lake tables get (lake.json's
    `partition`, plan/lake_partition) and the plan's line saying so; {} without a lake target."""
    if not any(t.type in LAKE_TARGETS for t in ready.spec.targets):
        return {}
    refs = {r.qualified: r for r in index_of(ready.spec).tables}
    out = {}
    for cap in ready.plan.capacity.tables:
        ref = refs[cap.table]
        layouts = table_layouts(ready.plan.names, ref, cap, chosen=declared_columns(ready.spec))
        out[cap.table] = (partition_data(layouts, cap), describe(layouts, cap, ref))
    return out


def gold_layouts(ready: Ready) -> list[GoldChoice]:
    """Each mart's gold lake table partitioning (plan/lake_gold); [] without a lake target."""
    if not any(t.type in LAKE_TARGETS for t in ready.spec.targets):
        return []
    return gold_choices(ready.spec, ready.plan.capacity)


def sink_layouts(ready: Ready) -> list[SinkChoice]:
    """Each stream job's Delta sink table's partitioning (plan/sink_layout: the Delta loader writes it)."""
    return sink_choices(ready.spec, ready.plan.capacity, ready.plan.names)


def _lake(lakes: dict[str, tuple[dict[str, Any], str]], t: TableCapacity) -> dict[str, Any]:
    return {"lake_partition": lakes[t.table][0]} if t.table in lakes else {}


def plan_json(ready: Ready, families: list[str], files: list[str]) -> dict[str, Any]:
    plan = ready.plan
    cap = plan.capacity
    lakes = lake_layouts(ready)
    return {
        "pipeline": ready.spec.pipeline.name,
        "architecture": plan.architecture.value,
        "explicit": plan.explicit,
        "reasons": [{"rule": r.rule, "facts": list(r.facts), "text": r.text} for r in plan.reasons],
        "families": families,
        "planned_families": planned(ready, families),
        "files": files,
        "capacity": {
            "figures": [{"name": f.name, "value": f.value, "unit": f.unit, "formula": f.formula} for f in cap.figures],
            "tables": [
                {
                    "table": t.table,
                    "rows_per_day": t.rows_per_day,
                    "raw_bytes_per_day": t.raw_bytes_per_day,
                    "stored_bytes_per_day": t.stored_bytes_per_day,
                    "partition": t.partition,
                    "partition_reason": t.partition_reason,
                    "partition_bytes": t.partition_bytes,
                    "files_per_partition": t.files_per_partition,
                    "file_bytes": t.file_bytes,
                    "kafka_partitions": t.kafka_partitions,
                    **_lake(lakes, t),
                }
                for t in cap.tables
            ],
            "lake_gold": [{"mart": g.mart, **gold_data(g), "reason": g.reason} for g in gold_layouts(ready)],
            "delta_sinks": [
                {"job": c.job, "table": c.table, **sink_data(c), "reason": c.reason} for c in sink_layouts(ready)
            ],
            "flink_parallelism": cap.flink_parallelism,
            "sizing": [
                {
                    "name": z.name,
                    "value": z.value,
                    "computed": z.computed,
                    "override": z.override,
                    "unit": z.unit,
                    "formula": z.formula,
                }
                for z in cap.sizing
            ],
        },
        "engines": [
            {"layer": e.layer, "engine": e.engine, "explicit": e.explicit, "reason": e.reason} for e in plan.engines
        ],
        "diagnostics": [d.to_json() for d in ready.diagnostics],
    }


def plan_text(ready: Ready, families: list[str], files: list[str]) -> str:
    plan = ready.plan
    lines = [f"pipeline {ready.spec.pipeline.name}: {plan.architecture.value}"]
    lines += [f"  why: {r.text}" for r in plan.reasons]
    lines += [f"  facts used: {', '.join(r.facts)}" for r in plan.reasons]
    lines.append("engines:")
    lines += [f"  {e.layer}: {e.engine} ({'explicit' if e.explicit else 'auto'}: {e.reason})" for e in plan.engines]
    lines.append(f"families: {', '.join(families)}")
    if later := planned(ready, families):
        lines.append(f"planned (not generated by this version): {', '.join(later)}")
    lines.append("files:")
    lines += [f"  {f}" for f in files]
    lines.append("capacity:")
    width = max(len(f.name) for f in plan.capacity.figures)
    for fig in plan.capacity.figures:
        lines.append(f"  {fig.name.ljust(width)}  {fig.display:>18}   = {fig.formula}")
    lakes = lake_layouts(ready)
    for t in plan.capacity.tables:
        kafka = f", {t.kafka_partitions} Kafka partitions" if t.kafka_partitions is not None else ""
        size = human(t.partition_bytes, "bytes")
        layout = f"partition by {t.partition} ({size})" if t.partition != "none" else f"no time partitioning ({size})"
        lines.append(
            f"  {t.table}: {t.rows_per_day:,} rows/day, {layout}, "
            f"{t.files_per_partition} file(s) of {human(t.file_bytes, 'bytes')}{kafka}"
        )
        lines.append(f"    why: {t.partition_reason}")
        lines += [f"    {lakes[t.table][1]}"] if t.table in lakes else []
    lines += [f"  lake {describe_gold(g)}" for g in gold_layouts(ready)]
    lines += [f"  {describe_sink(c)}" for c in sink_layouts(ready)]
    if plan.capacity.flink_parallelism is not None and not plan.capacity.sizing:
        lines.append(f"  Flink parallelism: {plan.capacity.flink_parallelism}")
    for z in plan.capacity.sizing:
        lines.append(f"  {z.name}: {z.display}   = {z.formula}")
    return "\n".join(lines)
