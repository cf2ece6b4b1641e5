"""lakehouse family: bronze, silver and gold lake tables (Delta Lake with deltalake, Iceberg with
pyiceberg on a SQL catalog) built by one generated job, and its maintenance.

Writes `pipeline/lake.py` (templates/lakehouse/lake.py, verbatim: the logic is there, driven by
data) with `pipeline/lake_store.py` (templates/lakehouse/lake_store.py, verbatim: the roots, catalogs and
each format's table I/O it uses), `pipeline/lake.json` (config.py: what the spec says, as data) and
`docs/lakehouse.md`.
Contributes three local-run steps, which the orchestrator families schedule like every other
step: `lake` (bronze + silver, after ingestion), `lake_gold` (the marts published to gold, after
dbt) and `lake_maintain` (compaction and vacuum / snapshot expiry, when `lake.maintenance_every`
has passed since the last time: a task of every scheduled run that does nothing until due)."""

from __future__ import annotations

from typing import Any

from pipegen.common.lake_catalog import (
    catalog_config,
    dbt_registers_silver,
    lake_target,
    session_catalog_conf,
    silver_target,
)
from pipegen.common.stream_landing import streamed_to_bronze
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget, RunResult, RunStep
from pipegen.generators.lakehouse.config import gold_marts, lake_config, lake_results, lake_targets, settings
from pipegen.plan.cloudnames import environments, lake_roots
from pipegen.plan.components import Kind
from pipegen.plan.envnames import ENV
from pipegen.render.env import render, static
from pipegen.render.jsondoc import json_doc
from pipegen.safe import trusted
from pipegen.spec.model import TargetType
from pipegen.spec.types import format_duration, parse_secret_ref


def silver_registration(ctx: GenContext) -> str:
    """Who registers silver where dbt's production target reads it: `spark` (the Spark batch job's
    silver step, a Delta silver of the lake target it writes), `dbt` (dbt's on-run-start hook on its
    Spark / Databricks targets: a Delta silver the lake step writes), `thrift` (an Iceberg silver in a
    catalog dbt's Spark Thrift Server opens as its session catalog: dbt/spark-thrift/), else the warning
    that says nothing does (R464: Iceberg in the lake step's SQL catalog; R466: Delta that neither registers)."""
    target = silver_target(ctx.spec)
    kinds = ctx.plan.graph.kinds
    if target is not None and target.type == TargetType.ICEBERG:
        return "thrift" if session_catalog_conf(ctx.spec, Kind.SPARK_BATCH in kinds) else "R464"
    if Kind.SPARK_BATCH in kinds and target is not None and target is lake_target(ctx.spec):
        return "spark"
    return "dbt" if "dbt" in ctx.families and dbt_registers_silver(ctx.spec, Kind.SPARK_BATCH in kinds) else "R466"


# pinned as requirements/judges/lake.txt (the judge environment the lake job runs in)
REQUIREMENTS = ("deltalake==1.6.6", "pyiceberg[pyiceberg-core,sql-sqlite]==0.12.0", "pyarrow==26.0.1")
# pyiceberg's glue extra (boto3): the lake step on an Iceberg target's Glue catalog (lake.json's `production_catalog`)
GLUE_REQUIREMENT = "pyiceberg[glue,pyiceberg-core,sql-sqlite]==0.12.0"


def requirements(ctx: GenContext) -> tuple[str, ...]:
    """The lake job's pins; pyiceberg with its glue extra where a lake target's production catalog is Glue."""
    glue = any((c := catalog_config(t)) is not None and c["type"] == "glue" for t in lake_targets(ctx.spec))
    return tuple(GLUE_REQUIREMENT if glue and r.startswith("pyiceberg[") else r for r in REQUIREMENTS)


def streamed(ctx: GenContext) -> frozenset[str]:
    """The tables (qualified) the plan's stream path lands in bronze (common/stream_landing.py)."""
    refs = streamed_to_bronze(ctx.spec, ctx.plan.architecture, ctx.plan.graph.kinds)
    return frozenset(r.qualified for r in refs)


def config_of(ctx: GenContext) -> dict[str, Any]:
    return lake_config(ctx.spec, ctx.plan.names, ctx.plan.capacity, streamed(ctx))


LAKE_STEP = RunStep(25, "lake", "bronze and silver lake tables (Delta/Iceberg): land, type, check, merge",
                    ("-m", "pipeline.lake", "bronze", "silver"))  # fmt: skip
GOLD_STEP = RunStep(
    55, "lake_gold", "publish the checked marts to the gold lake tables", ("-m", "pipeline.lake", "gold")
)
MAINTAIN_STEP = RunStep(60, "lake_maintain", "lake maintenance when due: compaction (Z-order), vacuum/expiry",
                        ("-m", "pipeline.lake", "maintain"))  # fmt: skip


def run_steps(ctx: GenContext) -> tuple[RunStep, ...]:
    gold = bool(gold_marts(ctx.spec)) and "dbt" in ctx.families
    return (LAKE_STEP, *((GOLD_STEP,) if gold else ()), MAINTAIN_STEP)


# The production Iceberg catalogs (spec `lake.catalog`) of the Spark job and the deployed lake step, as docs say.
CATALOGS = {
    "rest": "an Iceberg REST catalog at the target's `connection.url` (warehouse: its `catalog`, token: its `token`)",
    "glue": "AWS Glue (the warehouse: `s3://<bucket>/`)",
    "unity": "Unity Catalog's Iceberg REST endpoint (`<workspace url>/api/2.1/unity-catalog/iceberg-rest`, the "
    "target's `catalog` and `token`, vended storage credentials)",
}


def partitioning_text(partition: dict[str, Any]) -> str:
    """A table's partitioning for the docs: `bronze day(_ingested_at), silver day(updated_at)`."""
    parts = [f"{layer} {p['granularity']}({p['source']})" for layer in ("bronze", "silver") if (p := partition[layer])]
    return ", ".join(parts) or "none"


def docs_context(ctx: GenContext, config: dict[str, Any]) -> dict[str, Any]:
    """docs/lakehouse.md's context, from lake.json's `config` (built once per render)."""
    targets = []
    for target, entry in zip(lake_targets(ctx.spec), config["targets"], strict=True):
        lake = settings(target)
        targets.append({
            "name": target.name,
            "format": target.type,
            "layers": [(trusted(layer), trusted(path)) for layer, path in entry["layers"].items()],
            "time_travel": trusted(format_duration(lake.time_travel)),
            "retention": trusted(format_duration(lake.kept)),
            "every": trusted(format_duration(lake.maintenance_every)),
            "catalog": trusted(CATALOGS[lake.catalog.value]) if lake.catalog is not None else None,
            "namespaces": [(trusted(layer), trusted(ns)) for layer, ns in entry.get("namespaces", {}).items()],
        })  # fmt: skip
    tables = [
        {"name": trusted(t["name"]), "key": trusted(", ".join(t["key"]) or "none: silver appends"),
         "watermark": trusted(t["watermark"] or "none: arrival order"), "rules": len(t["rules"]),
         "partitioned": trusted(partitioning_text(t["partition"])),
         "file_mib": trusted(f"{t['partition']['file_bytes'] / 1024**2:,.0f} MiB")}
        for t in config["tables"]
    ]  # fmt: skip
    marts = [{"name": trusted(m["table"]), "file_mib": trusted(f"{m['file_bytes'] / 1024**2:,.0f} MiB"),
              "partitioned": trusted(f"{p['granularity']}({p['source']})" if (p := m["partition"]) else "none")}
             for m in config["marts"]]  # fmt: skip
    schema = next((t["warehouse_schema"] for t in config["tables"] if t["warehouse_schema"]), None)
    return {"pipeline": ctx.plan.names.pipeline, "targets": targets, "tables": tables, "marts": marts,
            "warehouse_schema": trusted(schema) if schema else None,
            "quarantine": any(t["quarantine"] for t in config["tables"]),
            "silver_registration": trusted(silver_registration(ctx)),
            "iceberg": any(t.type.value == "iceberg" for t in lake_targets(ctx.spec)),
            "spark": bool({Kind.SPARK_BATCH, Kind.SPARK_STREAMING} & ctx.plan.graph.kinds),
            "spark_stream": Kind.SPARK_STREAMING in ctx.plan.graph.kinds,
            "streamed": [trusted(f"`{t['name']}`") for t in config["tables"] if t.get("stream")]}  # fmt: skip


def results(ctx: GenContext) -> tuple[RunResult, ...]:
    """The lake tables the local run leaves, counted by pipeline/lake.py's result_rows; gold only
    when the run publishes it (a gold step)."""
    gold = any(step.name == GOLD_STEP.name for step in run_steps(ctx))
    return tuple(RunResult(table, where, spec_path, "lake", tuple(keys.items()))
                 for table, where, spec_path, keys in lake_results(ctx.spec, ctx.plan.names)
                 if gold or keys["layer"] != "gold")  # fmt: skip


def lake_env(ctx: GenContext) -> tuple[EnvVar, ...]:
    """.env.example's lake roots: PIPEGEN_LAKE_ROOT, and where the cloud keeps a container per layer
    (Azure: cloudnames.lake_roots) each layer's own root."""
    use = "pipeline/lake.py: the lake's root (unset: the project's lake/; a deployment: its lake bucket's URL)"
    layers = [name for name in lake_roots(ctx.spec, environments(ctx.spec)[0]) if name != ENV.lake_root]
    c = ENV.connectors
    s3 = "pipeline/lake.py: with an s3:// root, "
    sdk = (EnvVar(c.aws_region, (s3 + "the bucket's region (the AWS SDK's name; or AWS_DEFAULT_REGION)",)),
           EnvVar(c.aws_default_region, (s3 + "the region when AWS_REGION is unset",)),
           EnvVar(c.aws_endpoint_url, (s3 + "an S3-compatible store's endpoint (unset: AWS)",)),
           EnvVar(c.aws_endpoint_url_s3, (s3 + "the same for S3 only (wins over AWS_ENDPOINT_URL)",)))  # fmt: skip
    return (EnvVar(ENV.lake_root, (use,)), *(EnvVar(name, (
        f"pipeline/lake.py: the {name.rsplit('_', 1)[1].lower()} layer's own root (unset: the lake root; "
        "a deployment: the layer's container)",)) for name in layers), *sdk, *catalog_env(ctx))  # fmt: skip


def catalog_env(ctx: GenContext) -> tuple[EnvVar, ...]:
    """The spec's `${secret:NAME}` / `${env:NAME}` references in an Iceberg target's production catalog
    (lake.json's `production_catalog`), which pipeline/lake.py reads from NAME in a deployment."""
    out = []
    for target in lake_targets(ctx.spec):
        catalog = catalog_config(target) or {}
        for field, value in catalog.items():
            ref = parse_secret_ref(value) if isinstance(value, str) else None
            if ref is not None:
                use = f"pipeline/lake.py: the {target.name} target's {catalog['type']} catalog's {field} (a deployment)"
                out.append(EnvVar(ref.name, (use,), secret=ref.kind == "secret"))
    return tuple(out)


class LakehouseGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        return Contribution(
            requirements=requirements(ctx),
            env=lake_env(ctx),
            run_steps=run_steps(ctx),
            python_modules=True,
            make_targets=(
                MakeTarget("lake", "build the bronze and silver lake tables",
                           (("$(PROJECT_PYTHON)", "-m", "pipeline.lake", "bronze", "silver"),)),
                MakeTarget("lake-maintain", "compact, Z-order and vacuum / expire the lake tables now",
                           (("$(PROJECT_PYTHON)", "-m", "pipeline.lake", "maintain", "--force"),)),
            ),
            results=results(ctx),
        )  # fmt: skip

    def render(self, ctx: GenContext) -> Files:
        config = config_of(ctx)
        return {
            "pipeline/lake.py": static("lakehouse/lake.py"),
            "pipeline/lake_store.py": static("lakehouse/lake_store.py"),
            "pipeline/lake.json": json_doc(config) + "\n",
            "docs/lakehouse.md": render("lakehouse/lakehouse.md.j2", docs_context(ctx, config)),
        }


GENERATOR = LakehouseGenerator()
