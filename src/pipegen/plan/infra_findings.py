"""Deployment settings the plan leaves without a reader, as located warnings (docs/diagnostics.md):

- R424: an environment's `resources` or `replicas` with Kubernetes on when the plan runs no batch
  workload of pipegen's own on Kubernetes (no Airflow or Prefect schedule: a stream-only plan). The
  kubernetes family sizes its CronJob or workers with them; the stream jobs' FlinkDeployments, the
  Kafka cluster and the Terraform sizes come from the plan's capacity figures (docs/plan.md), per
  environment (the `dev` one smallest). Without Kubernetes, R367 says so instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Orchestrator, Spec

BATCH_WORKLOADS = frozenset({Kind.AIRFLOW_SCHEDULE, Kind.PREFECT_SCHEDULE})


def infra_findings(spec: Spec, graph: Graph) -> tuple[Finding, ...]:
    return tuple(_unsized(spec, graph))


def _unsized(spec: Spec, graph: Graph) -> Iterator[Finding]:
    if not spec.deploy.kubernetes.enabled or graph.kinds & BATCH_WORKLOADS:
        return
    for name, env in spec.deploy.environments.items():
        for key in ("resources", "replicas"):
            if getattr(env, key) is None or (key == "replicas" and spec.orchestrator == Orchestrator.AIRFLOW):
                continue  # R367 already says Airflow's CronJob has no replicas
            yield Finding(
                ("deploy", "environments", name, key), "R424",
                f"environment '{name}': `{key}` reaches no generated file: the plan runs no batch workload on "
                "Kubernetes (no orchestrated extract, dbt or quality run), and the stream jobs, the Kafka cluster "
                "and the cloud resources are sized from the plan's capacity figures per environment",
                "remove it; size the stream side with `sizing:` (Kafka partitions and brokers, Flink "
                "parallelism), which every environment's manifests and Terraform values read",
                severity="warning", on_key=True,
            )  # fmt: skip
