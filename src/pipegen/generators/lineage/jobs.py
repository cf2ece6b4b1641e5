"""What each step of the run reads and writes, as OpenLineage datasets (namespace, name, schema
fields), from the spec, the plan and the naming layer.

Naming (docs/lineage.md of the generated project):
- a source table or topic: namespace `<source type>://<source name>`, name the table or topic as
  the spec writes it;
- a warehouse table: namespace `warehouse` resolved at run time (`duckdb://<file>` locally, the
  target's `<type>://<name>` in production), name `<schema>.<table>`.

A step is known by its module (`python -m pipeline.<module>`): ingest (sources -> raw tables),
transform (raw tables -> staging models and marts), quality (what it validates -> quarantine
tables). Other steps (the lake, the stream side) emit run events with the datasets they do
not name left out, and the docs say so."""

from __future__ import annotations

from typing import Any

from pipegen.generators.base import RunStep
from pipegen.plan.plan import Plan
from pipegen.spec.model import Dataset, Materialization, Spec

WAREHOUSE = "warehouse"  # the store key the runtime resolves to the warehouse's namespace
KNOWN = ("pipeline.ingest", "pipeline.transform", "pipeline.quality")


def _fields(spec_columns: list[tuple[str, str]]) -> list[list[str]]:
    return [[name, kind] for name, kind in spec_columns]


def _source(source_type: str, source: str, d: Dataset) -> dict[str, Any]:
    return {
        "store": f"{source_type}://{source}",
        "name": d.name,
        "fields": _fields([(c.name, c.type) for c in d.columns]),
    }


def _table(schema: str, table: str, fields: list[list[str]] | None = None) -> dict[str, Any]:
    return {"store": WAREHOUSE, "name": f"{schema}.{table}", "fields": fields or []}


def datasets(spec: Spec, plan: Plan) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """module -> {inputs, outputs, optional}: `optional` outputs appear only when the step's
    summary counts rows for them (dead-letter and quarantine tables exist once a row goes there)."""
    names = plan.names
    sources, raw, dead, stg, quarantine = [], [], [], [], []
    for i in plan.graph.batch_sources:
        source = spec.sources[i]
        for d in (*source.tables, *source.topics):
            n = names.dataset(source.name, d.name)
            fields = _fields([(str(landed), _type(d, col)) for col, landed in n.columns])
            sources.append(_source(str(source.type), source.name, d))
            raw.append(_table(n.raw_schema, n.raw_table, fields))
            dead.append(_table(n.raw_schema, n.dead_letter_table))
            stg.append(_table(names.staging_schema, n.staging_model))
            quarantine.append(_table(n.raw_schema, n.quarantine_table))
    marts = []
    for mart in spec.transforms.marts:
        if mart.materialized != Materialization.EPHEMERAL:
            mn = names.mart(mart.name)
            marts.append(_table(mn.schema, mn.model))
            quarantine.append(_table(mn.schema, mn.quarantine_table))
    return {
        "pipeline.ingest": {"inputs": sources, "outputs": raw, "optional": dead},
        "pipeline.transform": {"inputs": raw, "outputs": [*stg, *marts], "optional": []},
        "pipeline.quality": {"inputs": [*stg, *marts], "outputs": [], "optional": quarantine},
    }


def _type(d: Dataset, column: str) -> str:
    return next((c.type for c in d.columns if c.name == column), "")


def steps(run_steps: tuple[RunStep, ...], known: dict[str, dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Every step of the local run but the synthetic stand-ins, with what it reads and writes."""
    out = []
    for step in run_steps:
        module = step.command[1] if len(step.command) > 1 and step.command[0] == "-m" else ""
        if module == "pipeline.synthesize":
            continue  # local stand-in data, not a job of the pipeline
        found = known.get(module, {"inputs": [], "outputs": [], "optional": []})
        out.append({"step": step.name, "module": module, "description": step.help, **found})
    return out
