"""`engines` choices and `deploy.environments` settings the plan leaves without a reader, as located
warnings (docs/diagnostics.md). Each names why nothing reads the value and what to write instead:

- R413: `engines.stream` when the plan has no speed layer, or `engines.batch` when a Kappa plan has no
  marts: the plan runs no engine for that layer, so the choice reaches no generated file.
- R414: an environment's `schedule` or `variables` when no workload of pipegen's own runs on
  Kubernetes (`deploy.kubernetes` off, or a plan with no Airflow or Prefect schedule), and its
  `schedule` under Prefect: the kubernetes family's overlays are their only reader (the Airflow
  CronJob's schedule, the ConfigMap every batch pod reads); the orchestrators' own schedules are one
  per project.
- R415: an environment's `targets` override that no generated file reads: the projects connect to
  each target with its one `connection` (dbt's profile, the ingestion config, the Flink sinks); only a
  BigQuery target's `schema`, `project` and `region` are read per environment, by the GCP Terraform
  project's datasets.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.plan.engines import EngineChoice
from pipegen.plan.infra_findings import BATCH_WORKLOADS
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Cloud, Spec, TargetType

# the fields of a BigQuery target's environment override the GCP Terraform project reads (its datasets)
PER_ENVIRONMENT_FIELDS = frozenset({"schema_name", "project", "region"})


def unread_settings(spec: Spec, graph: Graph, engines: tuple[EngineChoice, ...]) -> tuple[Finding, ...]:
    return (*_engines(spec, engines), *_environment_runs(spec, graph), *_target_overrides(spec))


def _engines(spec: Spec, engines: tuple[EngineChoice, ...]) -> Iterator[Finding]:
    chosen = {e.layer: e for e in engines}
    for layer in ("stream", "batch"):
        value = getattr(spec.engines, layer).value
        plan = chosen.get(layer)
        if value == "auto" or plan is None or plan.engine != "none":
            continue
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
    kubernetes = spec.deploy.kubernetes.enabled
    reads = {
        "variables": kubernetes and bool(graph.kinds & BATCH_WORKLOADS),
        "schedule": kubernetes and Kind.AIRFLOW_SCHEDULE in graph.kinds,  # Prefect's workers run prefect.yaml's
    }
    for name, env in spec.deploy.environments.items():
        for key, set_ in (("schedule", env.schedule is not None), ("variables", bool(env.variables))):
            if not set_ or reads[key]:
                continue
            why = (
                "`deploy.kubernetes` is off" if not kubernetes
                else "the plan runs no batch workload on Kubernetes (no Airflow or Prefect schedule)"
                if not graph.kinds & BATCH_WORKLOADS
                else "Prefect's workers run the deployment's one schedule (prefect.yaml)"
            )  # fmt: skip
            yield Finding(
                ("deploy", "environments", name, key), "R414",
                f"environment '{name}': `{key}` reaches no generated file: {why}, and only the Kubernetes "
                "overlay of pipegen's own batch workload reads it (" + (
                    "the Airflow CronJob's schedule" if key == "schedule" else "the ConfigMap its pods read"
                ) + ")",
                "remove it; " + (
                    "the schedule is `pipeline.schedule` in every environment" if key == "schedule"
                    else "set the variables in the environment that runs the project (its deployment's env)"
                ) + (", or enable `deploy.kubernetes`" if not kubernetes else ""),
                severity="warning", on_key=True,
            )  # fmt: skip


def _target_overrides(spec: Spec) -> Iterator[Finding]:
    kinds = {t.name.lower(): t.type for t in spec.targets}
    terraform_gcp = spec.deploy.terraform.enabled and spec.cloud == Cloud.GCP
    for name, env in spec.deploy.environments.items():
        for target, conn in env.targets.items():
            read = terraform_gcp and kinds.get(target.lower()) == TargetType.BIGQUERY
            for field in sorted(conn.model_fields_set):
                if getattr(conn, field) is None or (read and field in PER_ENVIRONMENT_FIELDS):
                    continue
                key = type(conn).model_fields[field].alias or field
                yield Finding(
                    ("deploy", "environments", name, "targets", target, key), "R415",
                    f"environment '{name}': the `{key}` override of target '{target}' reaches no generated "
                    "file: the project connects to each target with its one `connection` (dbt's profile, the "
                    "ingestion config, the stream sinks)",
                    f"write the value that differs per environment as an `${{env:NAME}}` reference in the "
                    f"target's `connection.{key}` and set NAME in each environment, or remove the override",
                    severity="warning", on_key=True,
                )  # fmt: skip
