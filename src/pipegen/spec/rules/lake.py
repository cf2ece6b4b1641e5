"""Lake targets (delta, iceberg): retention against the time-travel window, lake settings where
no lake is."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Layer, Spec
from pipegen.spec.types import format_duration


def lake_settings(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    yield from _silver_needs_bronze(spec)
    for ti, target in enumerate(spec.targets):
        lake = target.lake
        if lake is None:
            continue
        if target.type not in catalog.LAKE_TARGETS:
            yield Finding(
                ("targets", ti, "lake"),
                "R401",
                f"target '{target.name}' is {target.type.value}: `lake` settings apply to delta and iceberg targets",
                "remove `lake:` or make the target `type: delta` or `type: iceberg`",
                on_key=True,
            )
            continue
        if lake.retention is not None and lake.retention < lake.time_travel:
            yield Finding(
                ("targets", ti, "lake", "retention"),
                "R400",
                f"target '{target.name}': retention {format_duration(lake.retention)} is shorter than the "
                f"time-travel window {format_duration(lake.time_travel)}: vacuum (Delta) or snapshot expiry "
                "(Iceberg) would remove the files an old version needs, so time travel that far back fails",
                f"set `retention` to at least {format_duration(lake.time_travel)}, or shorten `time_travel`",
            )


def _silver_needs_bronze(spec: Spec) -> Iterator[Finding]:
    for ti, target in enumerate(spec.targets):
        listed = [loc.layer for loc in target.layers]
        if Layer.SILVER in listed and Layer.BRONZE not in listed and target.type in catalog.LAKE_TARGETS:
            yield Finding(
                ("targets", ti, "layers"),
                "R402",
                f"target '{target.name}' lists the silver layer without bronze: silver is merged from the "
                "batches bronze lands, so it would stay empty",
                "add bronze to `layers`, or leave `layers` out (all three)",
                on_key=True,
            )
