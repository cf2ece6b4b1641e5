"""Marts and quality rules always reach a layer that runs them, whatever the architecture and
the batch engine: a Kappa plan with marts gets a batch layer beside its stream (dbt over the
tables landed from Kafka), a batch engine without a generated family would leave them on dbt
and GX with a located warning (R340) instead of dropping them, and a mart the Spark job's gold
layer cannot express stays a dbt model, named by R403. docs/architecture.md ("Marts and rules
always reach a layer") documents this."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.engines import EngineChoice
from pipegen.plan.select import Reason
from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex, index_of
from pipegen.spec.model import Architecture, Cloud, Mart, Materialization, PiiAction, Spec
from pipegen.spec.model.columns import ColumnRules
from pipegen.spec.pii import lost_rules

# The batch engines whose family this version generates (dbt, spark: the spark family's gold
# layer builds the marts spark_gold_gap accepts, R403 names the others; dbt builds them all):
# tests/plan/test_layers.py keeps this in step with the registry.
GENERATED_BATCH_ENGINES = frozenset({"dbt", "spark"})
_RULES = ("not_null", "unique", "range", "accepted_values", "regex", "foreign_key")


def layer_reasons(spec: Spec, architecture: Architecture) -> tuple[Reason, ...]:
    """Why the plan has a batch layer its architecture alone would not have."""
    if architecture != Architecture.KAPPA or not spec.transforms.marts:
        return ()
    marts = ", ".join(m.name for m in spec.transforms.marts)
    text = (
        f"Kappa + batch marts: marts ({marts}) are built by dbt over the tables landed from Kafka, "
        f"on the {spec.orchestrator.value} schedule, beside the stream jobs"
    )
    return (Reason("marts-batch-layer", ("marts", "architecture"), text),)


def _has_rules(rules: ColumnRules) -> bool:
    return any(getattr(rules, r) is not None for r in _RULES)


def first_rule_path(spec: Spec) -> Path | None:
    """The spec path of the first quality rule (column or table level), or None when it has none."""
    for si, source in enumerate(spec.sources):
        for kind in ("tables", "topics"):
            for di, dataset in enumerate(getattr(source, kind)):
                base: Path = ("sources", si, kind, di)
                if dataset.quality is not None:
                    return (*base, "quality")
                for ci, column in enumerate(dataset.columns):
                    if _has_rules(column):
                        return (*base, "columns", ci)
                for ci, derived in enumerate(dataset.derived):
                    if _has_rules(derived):
                        return (*base, "derived", ci)
    return None


def engine_findings(spec: Spec, engines: tuple[EngineChoice, ...]) -> Iterator[Finding]:
    """R340: the batch engine is one this version does not generate, so the marts and quality
    rules run on dbt and GX instead (never dropped); where, and how to make it the plan."""
    batch = next((e for e in engines if e.layer == "batch"), None)
    if batch is None or batch.engine == "none" or batch.engine in GENERATED_BATCH_ENGINES:
        return
    marts, rules = spec.transforms.marts, first_rule_path(spec)
    work = ([f"{len(marts)} mart(s) run as dbt models"] if marts else []) + (
        ["quality rules run as GX checkpoints"] if rules is not None else []
    )
    if not work:
        return
    sql = [t.name for t in spec.targets if t.type in catalog.TRANSFORMING_TARGETS]
    where = (
        f"in {', '.join(sql)} (DuckDB in the local run)"
        if sql
        else "on the local DuckDB warehouse only (no target runs SQL, so production has no place for them yet)"
    )
    path: Path = ("transforms", "marts") if marts else rules  # type: ignore[assignment]
    yield Finding(
        path,
        "R340",
        f"the plan's batch engine is {batch.engine} ({batch.reason}), which this version does not generate: "
        f"instead, {' and '.join(work)} {where}",
        "set `engines.batch: dbt` to make that the plan (`pipegen plan` lists the families still planned)"
        + ("" if sql else ", and add a warehouse target for production"),
        severity="warning",
        on_key=True,
    )


def spark_gold_gap(mart: Mart, index: SpecIndex) -> str | None:
    """Why the Spark job's gold layer does not build this mart (dbt still does), or None."""
    inputs = [mart.from_, *(j.table for j in mart.joins)]
    if any(index.resolve(ref).table is None for ref in inputs):
        return "it reads another mart"
    if mart.deduplicate is not None:
        return "it deduplicates"
    if mart.order_by or mart.limit is not None:
        return "it orders or limits its rows"
    return None


def spark_gold_findings(spec: Spec, engines: tuple[EngineChoice, ...]) -> Iterator[Finding]:
    """R403: a mart the Spark job's gold layer does not build, when the batch engine is Spark."""
    if not any(e.layer == "batch" and e.engine == "spark" for e in engines):
        return
    index = index_of(spec)
    for i, mart in enumerate(spec.transforms.marts):
        gap = spark_gold_gap(mart, index) if mart.materialized != Materialization.EPHEMERAL else None
        if gap:
            yield Finding(
                ("transforms", "marts", i),
                "R403",
                f"mart {mart.name} is not built by the Spark job's gold layer: {gap}; it runs as a dbt model only",
                "Spark builds marts over source tables with joins, filter, group_by, measures and columns; "
                "to have it in the gold lake layer, build it from tables without deduplicate, order_by or limit",
                severity="warning",
                on_key=True,
            )


def spark_submit_findings(spec: Spec, engines: tuple[EngineChoice, ...]) -> Iterator[Finding]:
    """R497 (warning): on Azure the Spark job runs in production only on Databricks (its Asset Bundle);
    EMR Serverless (AWS) and Dataproc (GCP) get submit requests (spark/submit.py), Azure without
    Databricks compute none: the job runs only locally."""
    spark = [e.layer for e in engines if e.layer in ("batch", "stream") and e.engine == "spark"]
    compute = next((e.engine for e in engines if e.layer == "compute"), "local")
    if spec.cloud != Cloud.AZURE or not spark or compute == "databricks":
        return
    yield Finding(
        ("cloud",),
        "R497",
        f"the plan runs its {' and '.join(spark)} layer as the Spark job on Azure with compute {compute}, but on "
        "Azure only Databricks runs it in production (a Databricks Asset Bundle); no Synapse or HDInsight submit "
        "configuration is generated, so once deployed nothing runs the job (`make spark-run` runs it locally)",
        "set `engines.compute: databricks` (the databricks family writes the bundle and Terraform the workspace), "
        "or `engines.batch: dbt` to build the layers with the lake step and dbt",
        severity="warning",
        on_key=True,
    )


def masked_rule_findings(spec: Spec, architecture: Architecture) -> Iterator[Finding]:
    """R341: under etl a protected column lands masked, hashed or not at all, so the rules its
    landed values no longer follow are not checked after the load (pipegen.spec.pii)."""
    if architecture != Architecture.ETL:
        return
    for si, source in enumerate(spec.sources):
        for kind in ("tables", "topics"):
            for di, dataset in enumerate(getattr(source, kind)):
                for ci, column in enumerate(dataset.columns):
                    for rule in lost_rules(column):
                        yield Finding(
                            ("sources", si, kind, di, "columns", ci, rule),
                            "R341",
                            f"`{rule}` on {dataset.name}.{column.name} is not checked: etl lands the column "
                            f"{'dropped' if column.pii == PiiAction.DROP else column.pii.value + 'ed'}, so its "
                            "values no longer follow the rule",
                            "check it at the source, or drop the rule (a hash keeps not_null and unique, "
                            "a mask keeps not_null)",
                            severity="warning",
                            on_key=True,
                        )
