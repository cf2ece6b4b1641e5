"""Targets: where data lands, and the lakehouse layers placed in it."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from pipegen.spec.model.base import Duration, Model, Name, NameList, empty
from pipegen.spec.model.connections import Connection
from pipegen.spec.model.enums import FileFormat, LakeCatalog, Layer, TargetType


class LayerPlace(Model):
    bucket: str | None = Field(None, description="Container/bucket of this layer (default: the target's).")
    path: str | None = Field(None, description="Path prefix inside the bucket.")


class LayerLocation(LayerPlace):
    layer: Layer = Field(..., description="bronze, silver or gold.")


def _layers(value: Any) -> Any:
    """[bronze, silver] or {bronze: {bucket: raw}, silver: null} -> [{layer: ..., bucket: ...}, ...]."""
    if isinstance(value, dict):
        return [{"layer": k, **(v or {})} if isinstance(v, dict) or v is None else v for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [{"layer": v} if isinstance(v, str) else v for v in value]
    return value


class LakeSettings(Model):
    """Delta/Iceberg targets: how long old versions stay readable and when maintenance runs."""

    time_travel: Duration = Field(
        7 * 86400.0, description="How far back readers may read an old version (time travel), e.g. 7d."
    )
    retention: Duration | None = Field(
        None,
        description="Vacuum (Delta) / snapshot expiry (Iceberg) removes what is older than this "
        "(default: `time_travel`); shorter than `time_travel` is an error (R400).",
    )
    maintenance_every: Duration = Field(
        86400.0,
        description="How often compaction and vacuum/expiry run (a task of every scheduled run, due after this).",
    )
    catalog: LakeCatalog | None = Field(
        None,
        description="iceberg targets: the production catalog the Spark job, the Flink jobs' Iceberg sinks and the "
        "deployed `lake` step (`PIPEGEN_LAKE_ROOT` set) use, from the target's `connection` "
        "(rest: `url`, optional `catalog` as the warehouse and `token`; glue: aws, the `bucket` as the warehouse, "
        "optional `region`; unity: the workspace `url`, `token` and the Unity `catalog`); missing ones: R404. "
        "Default: a path-based catalog under the lake root.",
    )

    @property
    def kept(self) -> float:
        """Seconds vacuum/expiry keeps: `retention`, else `time_travel`."""
        return self.retention if self.retention is not None else self.time_travel


class Target(Model):
    """Where data lands."""

    name: Name = Field(..., description="Unique target name.")
    type: TargetType = Field(..., description="Warehouse, lake table format, OLAP store, files or Kafka.")
    connection: Connection = Field(default_factory=empty(Connection), description="How to reach it.")
    format: FileFormat | None = Field(None, description="files targets: the file format (default parquet).")
    partition_by: NameList = Field(
        (),
        description="Partition columns. On a delta/iceberg target: silver's time column, the first date or "
        "timestamp column of `partition_by` a table has, and gold's, the first such output a mart has, at the "
        "plan's granularity (by day where the plan keeps the table whole). On other targets not applied yet: "
        "R366 warns.",
    )
    layers: Annotated[
        tuple[LayerLocation, ...],
        BeforeValidator(_layers, json_schema_input_type=list[Layer] | dict[Layer, LayerPlace | None]),
    ] = Field(
        (),
        description="Lakehouse: medallion layers to build (default all three), as a list, or a mapping "
        "`{bronze: {bucket: raw}, silver: {bucket: curated}}` placing each in its own container/bucket "
        "(local directories in a local run).",
    )
    lake: LakeSettings | None = Field(
        None, description="delta and iceberg targets: time travel, retention and maintenance cadence."
    )
