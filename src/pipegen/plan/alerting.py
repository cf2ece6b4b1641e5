"""The alerts a pipeline raises, one floor below the families that write them: their names (one
runbook section each), the runbook link, and the thresholds the spec sets. The monitoring family
writes them as Prometheus rules, the terraform family as CloudWatch alarms (AWS); both read the
names and thresholds here, so an alarm and its Prometheus alert share name, severity, threshold
and runbook section.

- freshness: a table's `quality.freshness.warn_after` / `error_after` (warning, critical), else
  `monitoring.freshness_sla`, else twice the latency (at least MIN_SLA), critical
- failure rate: `monitoring.alerts.failure_rate` (share of a day's step runs)
- consumer lag: `monitoring.alerts.consumer_lag`, else the latency (at least a minute), in seconds
- CDC lag: the latency (at least a minute): how far a Debezium connector may be behind its database
"""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.plan.plan import Plan
from pipegen.spec.model import Dataset, Spec
from pipegen.spec.types import parse_column_type

RUNBOOKS = "docs/runbooks.md"
MIN_SLA = 300.0  # the default freshness SLA is never under five minutes (a realtime latency is 0)
CRITICAL, WARNING = "critical", "warning"


@dataclass(frozen=True)
class AlertNames:
    table_stale: str = "PipelineTableStale"
    step_failed: str = "PipelineStepFailed"
    failure_rate: str = "PipelineFailureRateHigh"
    dead_letters: str = "PipelineDeadLettersGrowing"
    quality_breach: str = "PipelineQualityBreach"
    row_drop: str = "PipelineRowDrop"
    consumer_lag: str = "PipelineConsumerLagHigh"
    cdc_lag: str = "PipelineCdcLag"
    checkpoint_failing: str = "PipelineFlinkCheckpointFailing"
    backpressured: str = "PipelineFlinkBackpressured"


ALERTS = AlertNames()


def runbook_url(alert: str) -> str:
    """The alert's section of docs/runbooks.md (the heading's anchor: the name in lower case)."""
    return f"{RUNBOOKS}#{alert.lower()}"


def freshness_sla(spec: Spec) -> float:
    """`monitoring.freshness_sla`, else twice the latency (at least MIN_SLA)."""
    return spec.monitoring.freshness_sla or max(2 * spec.latency, MIN_SLA)


def stale_after(spec: Spec, d: Dataset) -> tuple[tuple[str, float], ...]:
    """(severity, seconds) past which a table's newest row is too old."""
    fresh = d.quality.freshness if d.quality else None
    levels = [(WARNING, fresh.warn_after), (CRITICAL, fresh.error_after)] if fresh else []
    out = tuple((sev, age) for sev, age in levels if age is not None)
    return out or ((CRITICAL, freshness_sla(spec)),)


def consumer_lag(spec: Spec) -> float:
    """Seconds a consumer group may be behind at its topic's rate."""
    return max(spec.monitoring.alerts.consumer_lag or max(spec.latency, 60.0), 1.0)


def cdc_lag(spec: Spec) -> float:
    """Seconds a Debezium connector may be behind its database (its MilliSecondsBehindSource)."""
    return max(spec.latency, 60.0)


TIME_TYPES = frozenset({"timestamp", "timestamp_tz", "date"})


@dataclass(frozen=True)
class Watched:
    """A table the batch layer loads, as the metrics name it (`raw_schema.raw_table`)."""

    table: str
    dead_letter: str
    column: str | None  # landed freshness column (timestamp or date), None when there is none
    # (severity, seconds): the age past which it alerts; table freshness overrides the SLA
    stale_after: tuple[tuple[str, float], ...]


def _column(d: Dataset) -> str | None:
    fresh = d.quality.freshness if d.quality else None
    name = (fresh.column if fresh else None) or d.watermark
    col = next((c for c in d.columns if c.name == name), None)
    if col is None or parse_column_type(col.type).name not in TIME_TYPES:
        return None
    return name


def watched(spec: Spec, plan: Plan) -> tuple[Watched, ...]:
    """Every table the batch layer loads, with its freshness column and thresholds."""
    names = plan.names
    out = []
    for i in plan.graph.batch_sources:
        source = spec.sources[i]
        for d in (*source.tables, *source.topics):
            n = names.dataset(source.name, d.name)
            column = _column(d)
            out.append(Watched(
                f"{n.raw_schema}.{n.raw_table}", f"{n.raw_schema}.{n.dead_letter_table}",
                str(n.column(column)) if column else None, stale_after(spec, d),
            ))  # fmt: skip
    return tuple(out)
