"""How the pipeline runs: orchestration policy, sizing overrides, engines, lake layer locations."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pipegen.spec.cron import cron_problem
from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Cloud, Compute, Ingestion, Orchestrator, Spec
from pipegen.spec.types import NO_SCHEDULE, format_duration

ORCHESTRATION = "R260"
SIZING = "R261"
UNEXPRESSED = "R263"
UNSCHEDULABLE = "R508"
ORCHESTRATOR_NAMES = {Orchestrator.AIRFLOW: "Airflow", Orchestrator.PREFECT: "Prefect"}


def _catchup(spec: Spec) -> Iterator[Path]:
    if spec.orchestration.catchup:
        yield ("orchestration", "catchup")


def _no_catchup(spec: Spec) -> Iterator[Path]:
    if not spec.orchestration.catchup and "catchup" in spec.orchestration.model_fields_set:
        yield ("orchestration", "catchup")


def _upstream_tasks(spec: Spec) -> Iterator[Path]:
    for ui, up in enumerate(spec.orchestration.depends_on):
        if up.task:
            yield ("orchestration", "depends_on", ui, "task")


# Run settings an orchestrator cannot express: the places in the spec that state one, what
# the generated DAG/flow does instead, and how to stop the warning. Airflow expresses every
# setting of `orchestration:`. (monitoring.freshness_sla is monitoring's: Airflow also gets
# a DeadlineAlert from it, Prefect leaves it to the monitoring alerts.)
UNEXPRESSIBLE: dict[Orchestrator, tuple[tuple[Callable[[Spec], Iterator[Path]], str, str], ...]] = {
    Orchestrator.AIRFLOW: (),
    Orchestrator.PREFECT: (
        (
            _catchup,
            "Prefect does not run the schedule slots a deployment missed while paused (catch-up): "
            "the flow loads from the next slot on",
            "set `catchup: false`, or backfill with flow runs given `window_start`/`window_end`",
        ),
        (
            _no_catchup,
            "`catchup: false` is what a Prefect deployment does anyway (it never runs the slots it missed): "
            "the setting reaches no generated file",
            "remove `catchup` (it applies to Airflow)",
        ),
        (
            _upstream_tasks,
            "Prefect waits for a completed run of the whole upstream flow, not for one of its tasks",
            "remove `task`, or make that task its own flow",
        ),
    ),
}


def orchestrator_limits(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """A warning, located, for each run setting the chosen orchestrator cannot express."""
    for places, message, hint in UNEXPRESSIBLE[spec.orchestrator]:
        for path in places(spec):
            yield Finding(
                path, UNEXPRESSED, f"{message} (orchestrator: {spec.orchestrator.value})", hint, severity="warning"
            )


def orchestration(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    o = spec.orchestration
    if o.max_retry_delay is not None and o.max_retry_delay < o.retry_delay:
        yield Finding(
            ("orchestration", "max_retry_delay"),
            ORCHESTRATION,
            f"max_retry_delay {format_duration(o.max_retry_delay)} is shorter than retry_delay "
            f"{format_duration(o.retry_delay)}",
            "raise max_retry_delay, or lower retry_delay",
        )
    if o.max_retry_delay is not None and not o.exponential_backoff:
        yield Finding(
            ("orchestration", "max_retry_delay"),
            ORCHESTRATION,
            "max_retry_delay bounds an exponential backoff, which is off",
            "set `exponential_backoff: true`, or remove max_retry_delay",
            severity="warning",
        )
    seen: set[str] = set()
    for ui, up in enumerate(o.depends_on):
        name = up.pipeline.lower()
        if name == spec.pipeline.name.lower():
            yield Finding(
                ("orchestration", "depends_on", ui, "pipeline"),
                ORCHESTRATION,
                f"pipeline '{spec.pipeline.name}' cannot wait for itself",
                "name another pipeline's DAG/flow",
            )
        if name in seen:
            yield Finding(("orchestration", "depends_on", ui), "R201", f"'{up.pipeline}' is listed twice", "keep one")
        seen.add(name)
        if up.poke_interval > up.timeout:
            yield Finding(
                ("orchestration", "depends_on", ui, "poke_interval"),
                ORCHESTRATION,
                "poke_interval is longer than timeout: the sensor would check once at most",
                "check more often than the timeout",
            )


def sizing_and_engines(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    kafka = spec.sizing.kafka
    if kafka.brokers and kafka.replication_factor and kafka.replication_factor > kafka.brokers:
        yield Finding(
            ("sizing", "kafka", "replication_factor"),
            SIZING,
            f"replication_factor {kafka.replication_factor} needs at least {kafka.replication_factor} brokers, "
            f"not {kafka.brokers}",
            "lower the replication factor or add brokers",
        )
    streaming = any(s.ingestion != Ingestion.BATCH for s in spec.sources) or bool(spec.transforms.streams)
    for section, values in (("kafka", kafka), ("flink", spec.sizing.flink)):
        # the fields themselves, not model_dump(): dumping builds each section's own serializer
        if not streaming and any(getattr(values, name) is not None for name in type(values).model_fields):
            yield Finding(
                ("sizing", section),
                SIZING,
                f"sizing.{section} has nothing to size: no source streams and there are no stream jobs",
                f"remove sizing.{section}",
                severity="warning",
                on_key=True,
            )
    if spec.engines.compute == Compute.DATABRICKS and spec.cloud == Cloud.LOCAL:
        yield Finding(
            ("engines", "compute"),
            SIZING,
            "databricks compute is a managed cloud service; cloud is local",
            "set `cloud:` to aws, gcp or azure, or use `compute: local`",
        )
    if spec.engines.compute == Compute.KUBERNETES and not spec.deploy.kubernetes.enabled:
        yield Finding(
            ("engines", "compute"),
            SIZING,
            "kubernetes compute needs the Kubernetes manifests",
            "set `deploy.kubernetes.enabled: true`",
        )


def layer_locations(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for ti, target in enumerate(spec.targets):
        seen: set[str] = set()
        for li, layer in enumerate(target.layers):
            if layer.layer.value in seen:
                yield Finding(
                    ("targets", ti, "layers", li),
                    "R201",
                    f"layer '{layer.layer.value}' is listed twice",
                    "list each layer once",
                )
            seen.add(layer.layer.value)


def schedules(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """R508: a cron expression of the right shape that the spec's orchestrator cannot schedule (spec/cron.py):
    `pipeline.schedule` and each environment's."""
    found: list[tuple[Path, str]] = [(("pipeline", "schedule"), spec.pipeline.schedule or "")]
    found += [(("deploy", "environments", name, "schedule"), env.schedule or "")
              for name, env in spec.deploy.environments.items()]  # fmt: skip
    airflow = spec.orchestrator == Orchestrator.AIRFLOW
    for path, cron in found:
        problem = cron_problem(cron, or_weekdays=airflow) if cron and cron != NO_SCHEDULE else None
        if problem is not None:
            yield Finding(
                path, UNSCHEDULABLE,
                f"schedule '{cron}' is not one {ORCHESTRATOR_NAMES[spec.orchestrator]} can run: {problem.what}",
                problem.hint,
            )  # fmt: skip
