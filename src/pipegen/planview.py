"""How `pipegen plan` shows a plan: text for people, JSON for tools."""

from __future__ import annotations

from typing import Any

from pipegen.pipeline import Ready
from pipegen.plan.capacity import human


def plan_json(ready: Ready, families: list[str], files: list[str]) -> dict[str, Any]:
    plan = ready.plan
    cap = plan.capacity
    return {
        "pipeline": ready.spec.pipeline.name,
        "architecture": plan.architecture.value,
        "explicit": plan.explicit,
        "reasons": [{"rule": r.rule, "facts": list(r.facts), "text": r.text} for r in plan.reasons],
        "families": families,
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
                }
                for t in cap.tables
            ],
            "flink_parallelism": cap.flink_parallelism,
        },
        "diagnostics": [d.to_json() for d in ready.diagnostics],
    }


def plan_text(ready: Ready, families: list[str], files: list[str]) -> str:
    plan = ready.plan
    lines = [f"pipeline {ready.spec.pipeline.name}: {plan.architecture.value}"]
    lines += [f"  why: {r.text}" for r in plan.reasons]
    lines += [f"  facts used: {', '.join(r.facts)}" for r in plan.reasons]
    lines.append(f"families: {', '.join(families)}")
    lines.append("files:")
    lines += [f"  {f}" for f in files]
    lines.append("capacity:")
    width = max(len(f.name) for f in plan.capacity.figures)
    for fig in plan.capacity.figures:
        lines.append(f"  {fig.name.ljust(width)}  {fig.display:>18}   = {fig.formula}")
    for t in plan.capacity.tables:
        kafka = f", {t.kafka_partitions} Kafka partitions" if t.kafka_partitions is not None else ""
        size = human(t.partition_bytes, "bytes")
        layout = f"partition by {t.partition} ({size})" if t.partition != "none" else f"no time partitioning ({size})"
        lines.append(
            f"  {t.table}: {t.rows_per_day:,} rows/day, {layout}, "
            f"{t.files_per_partition} file(s) of {human(t.file_bytes, 'bytes')}{kafka}"
        )
        lines.append(f"    why: {t.partition_reason}")
    if plan.capacity.flink_parallelism is not None:
        lines.append(f"  Flink parallelism: {plan.capacity.flink_parallelism}")
    return "\n".join(lines)
