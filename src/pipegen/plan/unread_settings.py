"""`engines` choices and `deploy.environments` settings the plan leaves without a reader, as located
warnings (docs/diagnostics.md). Each names why nothing reads the value and what to write instead:

- R413: `engines.stream` when the plan has no speed layer, or `engines.batch` when a Kappa plan has no
  marts: the plan runs no engine for that layer, so the choice reaches no generated file (an `auto`
  written in the spec too; only the default left unwritten is silent).
- R414: an environment's `variables` when no workload of pipegen's own runs on Kubernetes (`deploy.kubernetes`
  off, or a plan with no Airflow or Prefect schedule): the kubernetes family's overlays are their only reader
  (the ConfigMap every batch pod reads).
- R509: an environment's `schedule` when the plan schedules no batch run (no Airflow or Prefect schedule):
  elsewhere the DAG picks it by `PIPEGEN_ENVIRONMENT` and Prefect gets a deployment per environment.
- R415: an environment's `targets` override that not every reader of the target takes. dbt's profile
  (an output `<target>-<env>`), the ingestion destination and GX's warehouse checks (the fields of
  its data source's URL) take it when
  `PIPEGEN_ENVIRONMENT` names the environment (envtargets.py), each for the keys it reads; the stream
  jobs' sinks and the Databricks bundle's jobs connect with the one `connection`; a BigQuery target's
  `schema`, `project` and `region` are also read per environment by the GCP Terraform datasets.
- R410: a `sizing.flink` setting when the spec streams (else R261) but the plan runs no Flink job (its
  stream engine is Spark, whose stream layer runs in the Spark job's own cluster): only the Flink
  jobs' configuration and FlinkDeployments read it.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.plan.engines import EngineChoice
from pipegen.plan.envtargets import (
    DBT_PROFILE_KEYS,
    DLT_CREDENTIAL_FIELDS,
    DLT_LOCATION_FIELDS,
    dbt_adapter,
    gx_reads,
    overridden,
)
from pipegen.plan.infra_findings import BATCH_WORKLOADS
from pipegen.spec.catalog import TARGET_SYSTEMS
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Cloud, Spec, Target, TargetType

# the fields of a BigQuery target's environment override the GCP Terraform project reads (its datasets)
PER_ENVIRONMENT_FIELDS = frozenset({"schema_name", "project", "region"})


def unread_settings(spec: Spec, graph: Graph, engines: tuple[EngineChoice, ...]) -> tuple[Finding, ...]:
    return (
        *_engines(spec, engines),
        *_flink_sizing(spec, graph, engines),
        *_environment_runs(spec, graph),
        *_target_overrides(spec, graph),
    )


def _flink_sizing(spec: Spec, graph: Graph, engines: tuple[EngineChoice, ...]) -> Iterator[Finding]:
    """R410: `sizing.flink` settings of a plan that runs no Flink job (a spec that streams nothing: R261)."""
    streams = any(s.ingestion.value != "batch" for s in spec.sources) or bool(spec.transforms.streams)
    if Kind.FLINK_JOBS in graph.kinds or not streams:
        return
    stream = next((e for e in engines if e.layer == "stream"), None)
    why = f"the plan's stream engine is {stream.engine} ({stream.reason})" if stream is not None else "no stream layer"
    for key, value in spec.sizing.flink.model_dump().items():
        if value is None:
            continue
        yield Finding(
            ("sizing", "flink", key), "R410",
            f"`sizing.flink.{key}` sizes the Flink jobs, and this plan runs none: {why}",
            "remove it, or set `engines.stream: flink` to run the stream jobs on Flink", severity="warning",
            on_key=True,
        )  # fmt: skip


def _engines(spec: Spec, engines: tuple[EngineChoice, ...]) -> Iterator[Finding]:
    chosen = {e.layer: e for e in engines}
    for layer in ("stream", "batch"):
        value = getattr(spec.engines, layer).value
        plan = chosen.get(layer)
        if plan is None or plan.engine != "none" or (value == "auto" and layer not in spec.engines.model_fields_set):
            continue  # an `auto` the spec writes is read by nothing as much as a named engine
        yield Finding(
            ("engines", layer), "R413",
            f"`engines.{layer}: {value}` reaches no generated file: the plan runs no {layer} layer ({plan.reason})",
            "remove it, or give the plan that layer (" + (
                "stream jobs, a cdc or stream source, or `architecture: kappa`/`lambda`)" if layer == "stream"
                else "marts under `transforms.marts`)"
            ),
            severity="warning", on_key=True,
        )  # fmt: skip


def _environment_runs(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R414: an environment's `variables` reach the ConfigMap of pipegen's own batch pods on Kubernetes only.
    R509: its `schedule` reaches the orchestrator's DAG or deployments (common/orchestration.py), and nothing
    where the plan schedules no batch run."""
    kubernetes = spec.deploy.kubernetes.enabled
    batch = bool(graph.kinds & BATCH_WORKLOADS)
    for name, env in spec.deploy.environments.items():
        if env.schedule is not None and not batch:
            yield Finding(
                ("deploy", "environments", name, "schedule"), "R509",
                f"environment '{name}': `schedule` reaches no generated file: the plan schedules no batch run "
                "(no Airflow DAG or Prefect deployment: it has no batch layer)",
                "remove it; the stream jobs run continuously in every environment", severity="warning", on_key=True,
            )  # fmt: skip
        if not env.variables or (kubernetes and batch):
            continue
        why = "`deploy.kubernetes` is off" if not kubernetes else (
            "the plan runs no batch workload on Kubernetes (no Airflow or Prefect schedule)"
        )  # fmt: skip
        yield Finding(
            ("deploy", "environments", name, "variables"), "R414",
            f"environment '{name}': `variables` reaches no generated file: {why}, and only the Kubernetes "
            "overlay of pipegen's own batch workload reads it (the ConfigMap its pods read)",
            "remove it; set the variables in the environment that runs the project (its deployment's env)"
            + (", or enable `deploy.kubernetes`" if not kubernetes else ""),
            severity="warning", on_key=True,
        )  # fmt: skip


def _target_overrides(spec: Spec, graph: Graph) -> Iterator[Finding]:
    by_name = {t.name.lower(): t for t in spec.targets}
    terraform_gcp = spec.deploy.terraform.enabled and spec.cloud == Cloud.GCP
    for name, env in spec.deploy.environments.items():
        for target_key, conn in env.targets.items():
            target = by_name.get(target_key.lower())
            if target is None:
                continue  # an unknown target is an error of its own (spec rules)
            bq = terraform_gcp and target.type == TargetType.BIGQUERY
            readers, ignoring = override_readers(spec, graph, target), ignoring_readers(spec, graph, target)
            for field in overridden(conn):
                if bq and field in PER_ENVIRONMENT_FIELDS:
                    continue
                honoured = [reader for reader, fields in readers if field in fields]
                if honoured and not ignoring:
                    continue
                key = type(conn).model_fields[field].alias or field
                yield Finding(
                    ("deploy", "environments", name, "targets", target_key, key), "R415",
                    _override_message(name, target_key, key, honoured, ignoring),
                    f"write the value that differs per environment as an `${{env:NAME}}` reference in the "
                    f"target's `connection.{key}` and set NAME in each environment, or remove the override",
                    severity="warning", on_key=True,
                )  # fmt: skip


def _override_message(env: str, target: str, key: str, honoured: list[str], ignoring: list[str]) -> str:
    head = f"environment '{env}': the `{key}` override of target '{target}'"
    if honoured:
        return (f"{head} reaches {_listed(honoured)}, but {_listed(ignoring)} connect with the "
                "target's one `connection` in every environment")  # fmt: skip
    return (f"{head} reaches no generated file: dbt's profile, the ingestion destination and GX's warehouse checks "
            "take an environment's overrides (`PIPEGEN_ENVIRONMENT`), and none reads this key of this target"
            + (f"; {_listed(ignoring)} connect with its one `connection`" if ignoring else ""))  # fmt: skip


def _listed(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def override_readers(spec: Spec, graph: Graph, target: Target) -> list[tuple[str, frozenset[str]]]:
    """The generated readers of `target` that take an environment's overrides, with the
    connection fields each reads: dbt's profile, the ingestion destination, GX's warehouse checks
    (its SQL data source's URL: envtargets.GX_URLS; gx/checks.json `<target>-<env>`)."""
    out = []
    adapter = dbt_adapter(target)
    if Kind.SQL_MODELS in graph.kinds and adapter != "duckdb":
        out.append(("dbt's profile", frozenset(DBT_PROFILE_KEYS.get(adapter, {}))))
    landing = next((t for t in spec.targets if TARGET_SYSTEMS[t.type].dlt_destination is not None), None)
    if graph.kinds & {Kind.BATCH_EXTRACT, Kind.MASKED_LOAD} and landing is target:
        destination = TARGET_SYSTEMS[target.type].dlt_destination or "duckdb"
        fields = {f for _, f in DLT_CREDENTIAL_FIELDS.get(destination, ())}
        out.append(
            (
                "the ingestion destination",
                frozenset(fields | set(DLT_LOCATION_FIELDS.get(destination, ()))),
            )
        )
    if Kind.QUALITY_CHECKS in graph.kinds and (gx := gx_reads(target)):
        out.append(("GX's warehouse checks", gx))
    return out


def ignoring_readers(spec: Spec, graph: Graph, target: Target) -> list[str]:
    """Generated readers of `target` that connect with its one `connection` in every environment."""
    out = []
    if graph.kinds & {Kind.FLINK_JOBS, Kind.SPARK_STREAMING} and any(
        (job.sink.target if job.sink else spec.targets[0].name).lower() == target.name.lower()
        for job in spec.transforms.streams
    ):
        out.append("the stream jobs' sinks")
    if Kind.DATABRICKS_JOBS in graph.kinds and dbt_adapter(target) != "duckdb":
        out.append("the Databricks bundle's jobs")
    return out
