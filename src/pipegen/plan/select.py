"""The architecture selector: a pure, ordered rule table over facts of the spec.

Each rule names the facts it used, so `pipegen plan` can say why. docs/architecture.md
documents this table; tests/plan/test_select.py tests every row and boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Architecture, Ingestion, PiiAction, Spec
from pipegen.spec.types import format_duration

# Below this freshness a batch schedule cannot keep up: a speed (streaming) layer is needed.
STREAMING_THRESHOLD_SECONDS = 15 * 60


class Facts(NamedTuple):
    latency_seconds: float
    stream_jobs: tuple[str, ...]
    streaming_sources: tuple[str, ...]  # cdc or stream ingestion
    batch_sources: tuple[str, ...]
    batch_only_sources: tuple[str, ...]  # types that cannot stream at all
    lake_targets: tuple[str, ...]
    transforming_targets: tuple[str, ...]
    pii_columns: tuple[str, ...]  # masked/hashed/dropped before landing

    @property
    def latency(self) -> str:
        return format_duration(self.latency_seconds)

    @property
    def low_latency(self) -> bool:
        return self.latency_seconds < STREAMING_THRESHOLD_SECONDS

    @property
    def needs_streaming(self) -> bool:
        return self.low_latency or bool(self.stream_jobs)

    def streaming_need(self) -> str:
        if self.low_latency:
            return f"latency {self.latency} < {format_duration(STREAMING_THRESHOLD_SECONDS)}"
        return f"stream jobs ({_names(self.stream_jobs)}) run continuously"


def _names(items: tuple[str, ...], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def facts_of(spec: Spec) -> Facts:
    sources = spec.sources
    return Facts(
        latency_seconds=spec.latency,
        stream_jobs=tuple(j.name for j in spec.transforms.streams),
        streaming_sources=tuple(s.name for s in sources if s.ingestion != Ingestion.BATCH),
        batch_sources=tuple(s.name for s in sources if s.ingestion == Ingestion.BATCH),
        batch_only_sources=tuple(
            s.name for s in sources if catalog.SOURCE_INGESTION[s.type] == frozenset({Ingestion.BATCH})
        ),
        lake_targets=tuple(t.name for t in spec.targets if t.type in catalog.LAKE_TARGETS),
        transforming_targets=tuple(t.name for t in spec.targets if t.type in catalog.TRANSFORMING_TARGETS),
        pii_columns=tuple(
            f"{d.name}.{c.name}"
            for s in sources
            for d in (*s.tables, *s.topics)
            for c in d.columns
            if c.pii in (PiiAction.MASK, PiiAction.HASH, PiiAction.DROP)
        ),
    )


class Reason(NamedTuple):
    rule: str
    facts: tuple[str, ...]
    text: str


class Row(NamedTuple):
    """One row of the rule table: first match wins."""

    rule: str
    architecture: Architecture
    applies: Callable[[Facts], bool]
    explain: Callable[[Facts], str]
    facts: tuple[str, ...]


RULE_TABLE: tuple[Row, ...] = (
    Row(
        "lake-target",
        Architecture.LAKEHOUSE,
        lambda f: bool(f.lake_targets),
        lambda f: (
            f"Lakehouse: target(s) {_names(f.lake_targets)} are open table formats (delta/iceberg), "
            "so data lands in bronze/silver/gold layers serving batch and streaming alike"
        ),
        ("lake_targets",),
    ),
    Row(
        "all-streaming",
        Architecture.KAPPA,
        lambda f: f.needs_streaming and not f.batch_sources,
        lambda f: (
            f"Kappa: every source is CDC or a stream ({_names(f.streaming_sources)}) and "
            f"{f.streaming_need()}; one streaming path, replayed from Kafka offsets"
        ),
        ("latency_seconds", "stream_jobs", "streaming_sources", "batch_sources"),
    ),
    Row(
        "streaming-with-batch",
        Architecture.LAMBDA,
        lambda f: f.needs_streaming and bool(f.batch_sources),
        lambda f: (
            f"Lambda: {f.streaming_need()} needs a speed layer, and batch source(s) "
            f"{_names(f.batch_sources)} need a batch layer that also recomputes results"
        ),
        ("latency_seconds", "stream_jobs", "batch_sources"),
    ),
    Row(
        "mask-before-landing",
        Architecture.ETL,
        lambda f: bool(f.pii_columns),
        lambda f: (
            f"ETL: PII column(s) {_names(f.pii_columns)} must be masked, hashed or dropped before "
            f"landing, and latency {f.latency} allows batch"
        ),
        ("pii_columns", "latency_seconds"),
    ),
    Row(
        "target-cannot-transform",
        Architecture.ETL,
        lambda f: not f.transforming_targets,
        lambda f: "ETL: no target can run SQL transformations, so data is transformed before loading",
        ("transforming_targets",),
    ),
    Row(
        "batch-warehouse",
        Architecture.ELT,
        lambda f: True,
        lambda f: (
            f"ELT: latency {f.latency} ≥ {format_duration(STREAMING_THRESHOLD_SECONDS)} allows batch "
            f"loads, and {_names(f.transforming_targets)} can transform in SQL after loading"
        ),
        ("latency_seconds", "transforming_targets"),
    ),
)


def auto_select(facts: Facts) -> tuple[Architecture, Reason]:
    row = next(r for r in RULE_TABLE if r.applies(facts))
    return row.architecture, Reason(row.rule, row.facts, row.explain(facts))


class Selection(NamedTuple):
    architecture: Architecture
    explicit: bool
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]


def select(spec: Spec) -> Selection:
    facts = facts_of(spec)
    auto, reason = auto_select(facts)
    if spec.architecture == Architecture.AUTO:
        return Selection(auto, False, (reason,), ())
    chosen = spec.architecture
    findings = tuple(feasibility(chosen, facts))
    if chosen == auto:
        note = Reason(
            "explicit", ("architecture",), f"{chosen.value} was set explicitly and is also the automatic choice"
        )
    else:
        note = Reason(
            "explicit",
            ("architecture",),
            f"{chosen.value} was set explicitly; auto would pick {auto.value} ({reason.text})",
        )
    return Selection(chosen, True, (note,), findings)


def _err(code: str, message: str, hint: str) -> Finding:
    return Finding(("architecture",), code, message, hint)


def _warn(code: str, message: str, hint: str) -> Finding:
    return Finding(("architecture",), code, message, hint, severity="warning")


def feasibility(chosen: Architecture, f: Facts) -> Iterator[Finding]:
    """Why an explicit architecture cannot meet the spec (errors) or is unusual (warnings)."""
    batch_arch = chosen in (Architecture.ETL, Architecture.ELT)
    if chosen == Architecture.KAPPA and f.batch_sources:
        only = [s for s in f.batch_sources if s in f.batch_only_sources]
        hint = (
            f"{_names(tuple(only))} can only be read in batch: use lambda, or architecture: auto"
            if only
            else "set `ingestion: cdc` (or stream) on those sources, or use lambda"
        )
        yield _err("A301", f"kappa streams every source, but {_names(f.batch_sources)} is ingested in batch", hint)
    if batch_arch and f.low_latency:
        yield _err(
            "A302",
            f"{chosen.value} runs in batch and cannot meet latency {f.latency} "
            f"(< {format_duration(STREAMING_THRESHOLD_SECONDS)})",
            "use kappa or lambda (or architecture: auto), or relax latency to 15m or more",
        )
    if batch_arch and f.stream_jobs:
        yield _err(
            "A305",
            f"stream jobs ({_names(f.stream_jobs)}) need a streaming architecture, not {chosen.value}",
            "use kappa, lambda or lakehouse, or move the aggregations to marts",
        )
    if chosen == Architecture.ELT and not f.transforming_targets:
        yield _err(
            "A303", "elt transforms inside the target, but no target can run SQL", "add a warehouse target, or use etl"
        )
    if chosen == Architecture.LAKEHOUSE and not f.lake_targets:
        yield _err("A304", "lakehouse needs a delta or iceberg target", "add a target with type: delta or iceberg")
    if chosen in (Architecture.KAPPA, Architecture.LAMBDA) and not f.needs_streaming:
        yield _warn(
            "A310",
            f"{chosen.value} runs streaming jobs around the clock, but latency {f.latency} allows batch",
            "consider elt (cheaper), or architecture: auto",
        )
    if chosen == Architecture.LAMBDA and not f.batch_sources:
        yield _warn(
            "A311",
            "every source streams; lambda adds a batch layer kappa would not need",
            "consider kappa, which replays from Kafka instead",
        )
    if chosen in (Architecture.ELT, Architecture.LAKEHOUSE) and f.pii_columns:
        yield _warn(
            "A312",
            f"PII ({_names(f.pii_columns)}) lands unmasked in the raw layer before {chosen.value} transforms it",
            "use etl to mask before landing, or accept it knowingly",
        )
