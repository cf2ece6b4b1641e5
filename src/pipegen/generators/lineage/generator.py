"""lineage family: OpenLineage run events of every step.

- `lineage/jobs.json`: the namespace, the transport the spec chooses for production runs (file or
  http) and, per step of the run, the datasets it reads and writes (`jobs.py`);
- `docs/lineage.md`: what is emitted, where it goes, how to look at it, what is not covered;
- the shared runtime module `pipeline/lineage.py` (templates/runtime/lineage.py) emits the events
  through openlineage-python: `pipeline/run.py` wraps every step of the local run in a START and a
  COMPLETE or FAIL event (children of one run of the pipeline), into `lineage/events.jsonl`; the
  Airflow DAG's and the Prefect flow's tasks do the same per task (`run_step`, `run_event`: the
  pipeline's run is the DAG run or flow run, its id derived from the orchestrator's), the ingestion
  one job per source (`jobs.source_steps`).

Off (nothing contributed or written) with `monitoring.lineage.enabled: false`.
"""

from __future__ import annotations

from typing import Any

from pipegen.generators.base import Contribution, EnvVar, Files, GenContext
from pipegen.generators.lineage.jobs import WAREHOUSE, datasets, source_steps, steps
from pipegen.plan.names import ENV
from pipegen.render.env import render
from pipegen.render.jsondoc import json_doc
from pipegen.safe import trusted
from pipegen.spec.model import LineageTransport, Spec
from pipegen.spec.types import parse_secret_ref

REQUIREMENTS = ("openlineage-python==1.54.0",)
JOBS = "lineage/jobs.json"
LOCAL_FILE = "lineage/events.jsonl"  # the local run's events (pipeline/run.py sets PIPEGEN_LINEAGE_FILE)
PRODUCER = "https://github.com/pipegen/pipegen"


def transport(spec: Spec) -> dict[str, Any]:
    """The production transport as openlineage-python's config takes it, `${env:NAME}` and
    `${secret:NAME}` left for the runtime to fill from the environment."""
    lineage = spec.monitoring.lineage
    if lineage.transport == LineageTransport.HTTP:
        out: dict[str, Any] = {"type": "http", "url": lineage.url or "", "endpoint": "api/v1/lineage"}
        if lineage.api_key:
            out["auth"] = {"type": "api_key", "apiKey": lineage.api_key}
        return out
    return {"type": "file", "log_file_path": lineage.path, "append": True}


def warehouse_namespace(spec: Spec) -> str:
    """The production warehouse's namespace: `<type>://<name>` of the first target."""
    target = spec.targets[0] if spec.targets else None
    return f"{target.type}://{target.name}" if target else "duckdb://warehouse.duckdb"


class LineageGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        lineage = ctx.spec.monitoring.lineage
        if not lineage.enabled:
            return Contribution()
        uses = (
            "pipeline/lineage.py: the local run's OpenLineage events (pipeline/run.py sets it; "
            "unset, events go to the spec's transport)",
        )
        env = [EnvVar(ENV.lineage_file, uses), *_references(ctx.spec)]
        return Contribution(requirements=REQUIREMENTS, env=tuple(env), runtime=("lineage.py",))

    def render(self, ctx: GenContext) -> Files:
        spec = ctx.spec
        if not spec.monitoring.lineage.enabled:
            return {}
        jobs = steps(ctx.shared.run_steps, datasets(spec, ctx.plan))
        if any(j["module"] == "pipeline.ingest" for j in jobs):
            jobs += source_steps(spec, ctx.plan)
        namespace = spec.monitoring.lineage.namespace or str(ctx.plan.names.pipeline)
        warehouse = warehouse_namespace(spec)
        config = {
            "pipeline": str(ctx.plan.names.pipeline),
            "namespace": namespace,
            "producer": f"{PRODUCER}/tree/v{ctx.version}",
            "transport": transport(spec),
            "local_file": LOCAL_FILE,
            "stores": {WAREHOUSE: warehouse},
            "steps": jobs,
        }
        doc = {
            "pipeline": str(ctx.plan.names.pipeline),
            "version": trusted(ctx.version),
            "namespace": namespace,
            "transport": spec.monitoring.lineage.transport.value,
            "path": spec.monitoring.lineage.path,
            "url": spec.monitoring.lineage.url or "",
            "warehouse": warehouse,
            "steps": [_row(j) for j in jobs],
            "lake": any(j["module"] == "pipeline.lake" for j in jobs),
            "local_file": LOCAL_FILE,
        }
        return {JOBS: json_doc(config) + "\n", "docs/lineage.md": render("lineage/lineage.md.j2", doc)}


def _references(spec: Spec) -> list[EnvVar]:
    """The `${env:…}`/`${secret:…}` of an http transport's url and api_key, read when events are sent."""
    lineage = spec.monitoring.lineage
    if lineage.transport != LineageTransport.HTTP:
        return []
    out = []
    for key in ("url", "api_key"):
        ref = parse_secret_ref(getattr(lineage, key) or "")
        if ref is not None:
            use = f"pipeline/lineage.py: the lineage backend's {key.replace('_', ' ')} (monitoring.lineage.{key})"
            out.append(EnvVar(ref.name, (use,), secret=ref.kind == "secret"))
    return out


def _row(job: dict[str, Any]) -> dict[str, Any]:
    return {"step": job["step"], "inputs": [d["name"] for d in job["inputs"]],
            "outputs": [d["name"] for d in (*job["outputs"], *job["optional"])]}  # fmt: skip


GENERATOR = LineageGenerator()
