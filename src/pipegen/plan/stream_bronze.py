"""Findings about a Lakehouse stream landing in bronze through Flink (issue 20).

A Lakehouse plan whose speed layer is Flink lands its CDC and stream sources' tables in the first
lake target that keeps bronze (the flink family's bronze jobs; common/stream_landing.py says which
tables and which target, from the same rule as `keeps_bronze` here):

- R450 (error): no lake target keeps bronze and no stream job reads anything: the speed layer would
  have no job at all, and the local run's stream step nothing to run.
- R451 (warning): a second lake target keeping bronze: the Flink jobs write the first one's bronze
  only, so in production this target's bronze gets none of the streamed rows (the local run lands
  them in every target)."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.engines import EngineChoice
from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Architecture, Ingestion, Layer, Spec, Target


def keeps_bronze(target: Target) -> bool:
    """A Delta or Iceberg target with a bronze layer (no `layers:` list: all three)."""
    listed = not target.layers or any(loc.layer == Layer.BRONZE for loc in target.layers)
    return target.type in catalog.LAKE_TARGETS and listed


def flink_lands_stream(spec: Spec, architecture: Architecture, engines: tuple[EngineChoice, ...]) -> bool:
    """A Lakehouse with streamed sources whose speed layer is Flink."""
    flink = any(e.layer == "stream" and e.engine == "flink" for e in engines)
    streamed = any(s.ingestion != Ingestion.BATCH for s in spec.sources)
    return architecture == Architecture.LAKEHOUSE and flink and streamed


def stream_bronze_findings(
    spec: Spec, architecture: Architecture, engines: tuple[EngineChoice, ...]
) -> Iterator[Finding]:
    if not flink_lands_stream(spec, architecture, engines):
        return
    lakes = [(i, t) for i, t in enumerate(spec.targets) if t.type in catalog.LAKE_TARGETS]
    bronze = [(i, t) for i, t in lakes if keeps_bronze(t)]
    if not bronze and not spec.transforms.streams and lakes:
        yield Finding(
            ("targets", lakes[0][0], "layers"),
            "R450",
            f"the streamed tables of this Lakehouse land in bronze through Flink, and lake target {lakes[0][1].name} "
            "keeps no bronze layer (no other lake target does) while no stream job reads them: the speed layer "
            "would have no job to run",
            "add bronze to the target's `layers` (or leave `layers` out: all three), or read the streamed tables "
            "in a stream job (`transforms.streams`)",
        )
    for i, target in bronze[1:]:
        yield Finding(
            ("targets", i, "type"),
            "R451",
            f"the Flink jobs land the streamed tables in the bronze layer of lake target {bronze[0][1].name} "
            f"only: in production target {target.name}'s bronze and silver get none of the streamed rows (the "
            "local run lands them in both)",
            f"keep one lake target with bronze, or list {target.name}'s layers as [gold]",
            severity="warning",
        )
