"""What each step of the run reads and writes, as OpenLineage datasets (namespace, name, schema
fields), from the spec, the plan and the naming layer.

Naming (docs/lineage.md of the generated project):
- a source table or topic: namespace `<source type>://<source name>`, name the table or topic as
  the spec writes it;
- a warehouse table: namespace `warehouse` resolved at run time (`duckdb://<file>` locally, the
  target's `<type>://<name>` in production), name `<schema>.<table>`.

A step is known by its module (`python -m pipeline.<module>`): ingest (sources -> raw tables),
transform (the tables staging reads -> staging models and marts), quality (what it validates ->
quarantine tables). In a Lakehouse, staging reads the lake's silver tables the lake step publishes
into the warehouse (common/lake_catalog.silver_schema): the lake step's `silver` reads the raw
tables and writes those copies, and transform reads the copies instead of the raw tables. An
orchestrated run (the Airflow DAG, the Prefect flow) ingests one source per task: its jobs
`ingest_<source>` (`source_steps`) read and write that source's datasets only. Other steps (the
lake's own tables, the stream side) emit run events with the datasets they do not name left out,
and the docs say so."""

from __future__ import annotations

from typing import Any

from pipegen.common.lake_catalog import silver_schema
from pipegen.generators.base import RunStep
from pipegen.plan.plan import Plan
from pipegen.spec.model import Dataset, Materialization, Spec

WAREHOUSE = "warehouse"  # the store key the runtime resolves to the warehouse's namespace


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


Parts = dict[str, list[dict[str, Any]]]


def datasets(spec: Spec, plan: Plan, sources: tuple[int, ...] | None = None) -> Parts:
    """The run's datasets by role: sources, raw (landed), dead (dead letters), staging, marts, and
    the quarantine tables of staged tables and of marts (`sources`: those batch sources' only)."""
    names = plan.names
    parts: Parts = {k: [] for k in ("sources", "raw", "dead", "staging", "marts", "q_staging", "q_marts", "silver",
                                    "lake_raw", "staged_from")}  # fmt: skip
    for i in plan.graph.batch_sources if sources is None else sources:
        source = spec.sources[i]
        for d in (*source.tables, *source.topics):
            n = names.dataset(source.name, d.name)
            fields = _fields([(str(landed), _type(d, col)) for col, landed in n.columns])
            parts["sources"].append(_source(str(source.type), source.name, d))
            parts["raw"].append(_table(n.raw_schema, n.raw_table, fields))
            silver = silver_schema(spec, list(d.columns))
            if silver:  # staging reads silver's copy in the warehouse, published by the lake step
                parts["silver"].append(_table(silver, n.lake_table, fields))
                parts["lake_raw"].append(parts["raw"][-1])
            parts["staged_from"].append(parts["silver"][-1] if silver else parts["raw"][-1])
            parts["dead"].append(_table(n.raw_schema, n.dead_letter_table))
            parts["staging"].append(_table(names.staging_schema, n.staging_model))
            parts["q_staging"].append(_table(n.raw_schema, n.quarantine_table))
    for mart in spec.transforms.marts:
        if mart.materialized != Materialization.EPHEMERAL:
            mn = names.mart(mart.name)
            parts["marts"].append(_table(mn.schema, mn.model))
            parts["q_marts"].append(_table(mn.schema, mn.quarantine_table))
    return parts


def _type(d: Dataset, column: str) -> str:
    return next((c.type for c in d.columns if c.name == column), "")


def _job(p: Parts, inputs: tuple[str, ...], outputs: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    """{inputs, outputs, optional}: `optional` outputs appear in an event only when the step's
    summary counts rows for them (a dead-letter or quarantine table exists once a row goes there)."""
    return {"inputs": [d for k in inputs for d in p[k]], "outputs": [d for k in outputs for d in p[k]],
            "optional": [d for k in optional for d in p[k]]}  # fmt: skip


def _datasets_of(argv: tuple[str, ...], p: Parts, gated: bool) -> dict[str, Any]:
    """What a step reads and writes, from its module and flags (`--staging-only`: dbt runs the
    staging views; `--stage staging|marts`: the quality step's suites; with the quarantine gate the
    plain quality step validates the marts)."""
    module = argv[1] if len(argv) > 1 and argv[0] == "-m" else ""
    flags = argv[2:]
    if module == "pipeline.ingest":
        return _job(p, ("sources",), ("raw",), ("dead",))
    if module == "pipeline.transform":
        return _job(p, ("staged_from",), ("staging",) if "--staging-only" in flags else ("staging", "marts"), ())
    if module == "pipeline.lake" and "silver" in flags:
        return _job(p, ("lake_raw",), ("silver",), ())
    if module == "pipeline.quality":
        stage = flags[flags.index("--stage") + 1] if "--stage" in flags[:-1] else ("marts" if gated else "all")
        kinds = {"staging": ("staging",), "marts": ("marts",)}.get(stage, ("staging", "marts"))
        return _job(p, kinds, (), tuple(f"q_{k}" for k in kinds))
    return _job(p, (), (), ())


def source_steps(spec: Spec, plan: Plan) -> list[dict[str, Any]]:
    """An orchestrated run's ingest jobs, one per batch source (the DAG's task group, the flow's task
    run `ingest_<source>`): what that source's load reads and writes."""
    out = []
    for i in plan.graph.batch_sources:
        name = spec.sources[i].name
        found = _job(datasets(spec, plan, (i,)), ("sources",), ("raw",), ("dead",))
        step = {"step": str(plan.names.source_task(name)), "module": "pipeline.ingest"}
        out.append({**step, "description": f"extract-load source {name} (an orchestrated run's task)", **found})
    return out


def steps(run_steps: tuple[RunStep, ...], parts: Parts) -> list[dict[str, Any]]:
    """Every step of the local run but the synthetic stand-ins, with what it reads and writes."""
    gated = any(s.command[1:2] == ("pipeline.quality",) and "--stage" in s.command for s in run_steps)
    out = []
    for step in run_steps:
        module = step.command[1] if len(step.command) > 1 and step.command[0] == "-m" else ""
        if module == "pipeline.synthesize":
            continue  # local stand-in data, not a job of the pipeline
        found = _datasets_of(step.command, parts, gated)
        out.append({"step": step.name, "module": module, "description": step.help, **found})
    return out
