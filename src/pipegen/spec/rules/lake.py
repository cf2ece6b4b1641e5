"""Lake targets (delta, iceberg): retention against the time-travel window, lake settings where
no lake is, an Iceberg catalog without the settings it connects with."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Cloud, LakeCatalog, Layer, Spec, Target, TargetType
from pipegen.spec.types import format_duration


def lake_settings(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    yield from _silver_needs_bronze(spec)
    yield from _metadata_tables_on_raw(spec)
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
        yield from _catalog(spec, ti, target)
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


def _metadata_tables_on_raw(spec: Spec) -> Iterator[Finding]:
    """R465 (warning): with a lake target keeping silver, a source table with a stream metadata
    column is not in silver with it (silver keeps the payload columns), so dbt's staging reads that
    table's raw load instead of silver (common/lake_catalog.silver_schema): its marts are not gated
    by silver's rules locally, unlike the other tables'."""
    if not any(t.type in catalog.LAKE_TARGETS and (not t.layers or any(loc.layer == Layer.SILVER for loc in t.layers))
               for t in spec.targets):  # fmt: skip
        return
    for si, source in enumerate(spec.sources):
        for kind in ("tables", "topics"):
            for di, d in enumerate(getattr(source, kind)):
                ci = next((i for i, c in enumerate(d.columns) if c.metadata is not None), None)
                if ci is None:
                    continue
                yield Finding(
                    ("sources", si, kind, di, "columns", ci, "metadata"),
                    "R465",
                    f"{source.name}.{d.name}: a column read from the record's metadata is not kept in the lake's "
                    "silver layer, so dbt's staging reads this table's raw load, not silver: silver's rules and "
                    "merge do not shape the marts built from it",
                    "leave the metadata columns out of a table the marts read from silver, or read them in a "
                    "stream job; the table's silver is still built without them",
                    severity="warning",
                    on_key=True,
                )


# What each Iceberg catalog connects with, from the target's connection (field, what it is).
CATALOG_NEEDS: dict[LakeCatalog, tuple[tuple[str, str], ...]] = {
    LakeCatalog.REST: (("url", "the catalog's REST endpoint"),),
    LakeCatalog.GLUE: (),
    LakeCatalog.UNITY: (("url", "the Databricks workspace URL"), ("token", "a token: ${secret:NAME}"),
                        ("catalog", "the Unity Catalog catalog")),
}  # fmt: skip


def _catalog(spec: Spec, ti: int, target: Target) -> Iterator[Finding]:
    """R405: a catalog on a Delta target (Delta tables are read by path); R404: a catalog without
    the connection settings it needs (Glue: only on aws)."""
    lake = target.lake
    if lake is None or lake.catalog is None:
        return
    path = ("targets", ti, "lake", "catalog")
    if target.type != TargetType.ICEBERG:
        yield Finding(
            path,
            "R405",
            f"target '{target.name}' is {target.type.value}: `lake.catalog` names an Iceberg catalog",
            "remove `catalog` (Delta tables are reached by path; on Databricks, Unity Catalog governs them) "
            "or make the target `type: iceberg`",
        )
        return
    if lake.catalog == LakeCatalog.GLUE and spec.cloud != Cloud.AWS:
        yield Finding(
            path,
            "R404",
            f"target '{target.name}': the glue catalog is AWS Glue, and the spec's cloud is {spec.cloud.value}",
            "set `cloud: aws`, or use `catalog: rest` (any cloud) or `unity` (Databricks)",
        )
    missing = [(f, what) for f, what in CATALOG_NEEDS[lake.catalog] if not getattr(target.connection, f)]
    if missing:
        listed = ", ".join(f"`connection.{f}` ({what})" for f, what in missing)
        yield Finding(
            path,
            "R404",
            f"target '{target.name}': the {lake.catalog.value} catalog needs {listed}",
            "add " + " and ".join(f"`{f}`" for f, _ in missing) + " under the target's `connection`",
        )
