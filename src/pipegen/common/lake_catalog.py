"""An Iceberg target's production catalog (`lake.catalog`: rest, unity, glue), described once for
every engine that writes the target: the Spark job's `lake` catalog (spark/config.py, read by
templates/spark/medallion/job.py) and the Flink Iceberg sink's catalog options
(flink/connectors.py). Pure functions of the target; R404 checked what each catalog needs."""

from __future__ import annotations

from typing import Any

from pipegen.plan.cloudnames import lake_namespace
from pipegen.plan.envnames import ENV
from pipegen.plan.names import snake
from pipegen.spec.catalog import DELTA_READING_ADAPTERS, LAKE_TARGETS, TARGET_SYSTEMS
from pipegen.spec.model import LakeCatalog, Layer, Spec, Target, TargetType

UNITY_ICEBERG_PATH = "/api/2.1/unity-catalog/iceberg-rest"  # Unity Catalog's Iceberg REST endpoint
GLUE_CATALOG_IMPL = "org.apache.iceberg.aws.glue.GlueCatalog"
S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO"
# Unity vends short-lived storage credentials to the client that asks for them
VENDED_CREDENTIALS = {"header.X-Iceberg-Access-Delegation": "vended-credentials"}
LAYERS = (Layer.BRONZE, Layer.SILVER, Layer.GOLD)


def lake_dir(*parts: str) -> str:
    """A relative directory from spec text: each path segment snake-cased (no `..`, no root)."""
    return "/".join(s for p in parts for s in (str(snake(x)) for x in p.split("/") if x.strip()) if s)


def lake_target(spec: Spec) -> Target | None:
    """The lake target the Spark job and its catalog write: the spec's first Delta or Iceberg target."""
    return next((t for t in spec.targets if t.type in LAKE_TARGETS), None)


def catalog_config(target: Target) -> dict[str, Any] | None:
    """The Iceberg target's production catalog: type, URI (`url`) and the path below it (Unity's
    Iceberg REST endpoint below the workspace URL), warehouse (`catalog`), token (a `${secret:NAME}`
    each job reads from its environment); Glue: the `s3://<bucket>/` warehouse and region. None: no
    production catalog (the local SQL catalog, or a Delta target)."""
    lake, conn = target.lake, target.connection
    if lake is None or lake.catalog is None or target.type != TargetType.ICEBERG:
        return None
    if lake.catalog == LakeCatalog.GLUE:
        return {"type": "glue", "warehouse": f"s3://{conn.bucket or lake_dir(target.name)}/", "region": conn.region}
    path = UNITY_ICEBERG_PATH if lake.catalog == LakeCatalog.UNITY else ""  # below the workspace URL
    return {"type": lake.catalog.value, "uri": conn.url, "path": path, "warehouse": conn.catalog, "token": conn.token}


# The lake layer a stream job's results land in: the Spark stream appends them to gold
# (templates/spark/medallion/stream.py), so a Flink Iceberg sink writes there too.
STREAM_SINK_LAYER = Layer.GOLD


def sink_database(pipeline: str) -> str:
    """The Iceberg namespace (on Glue, the Glue database) a stream job's Iceberg sink writes in,
    whatever the catalog (none, rest, unity, glue): the naming layer's `<pipeline>_gold`
    (plan/cloudnames.lake_namespace), the namespace the Spark job, the Spark stream and the local
    pyiceberg catalog write gold to, and the one Terraform grants the Flink jobs on Glue."""
    return str(lake_namespace(pipeline, STREAM_SINK_LAYER.value))


def silver_target(spec: Spec) -> Target | None:
    """The lake target whose silver layer dbt's staging reads: the spec's first Delta or Iceberg
    target that keeps a silver layer (no `layers:` list, or one naming silver)."""
    for target in spec.targets:
        silver = not target.layers or any(loc.layer == Layer.SILVER for loc in target.layers)
        if target.type in LAKE_TARGETS and silver:
            return target
    return None


def silver_schema(spec: Spec, columns: list[Any]) -> str | None:
    """Where dbt's staging model of a source table reads it: the silver table the local run's `lake`
    step publishes into the warehouse (templates/lakehouse/lake.py, `publish_silver`), in the naming
    layer's `<pipeline>_silver` schema (plan/cloudnames.lake_namespace, the namespace the Spark job and
    the production catalog hold silver in), so gold's marts are built from silver's gated rows. None:
    the raw table the ingestion step loaded (no lake target with silver, or a table with a stream
    metadata column, which silver does not keep, or with no payload column)."""
    if silver_target(spec) is None or any(c.metadata is not None for c in columns) or not columns:
        return None
    return str(lake_namespace(spec.pipeline.name, Layer.SILVER.value))


def dbt_registers_silver(spec: Spec, spark_batch: bool) -> bool:
    """dbt's on-run-start hook (generators/dbt, macros/pipegen_register_silver.sql) registers the Delta
    silver the lake step writes by path where its Spark or Databricks target reads it: the silver target
    is Delta, no Spark batch job writes it (`spark_batch`: the job's silver step registers the first lake
    target's), and a dbt target reads through Spark or Databricks. Iceberg silver: session_catalog_conf."""
    target = silver_target(spec)
    if target is None or target.type != TargetType.DELTA or (spark_batch and target is lake_target(spec)):
        return False
    return any(TARGET_SYSTEMS[t.type].dbt_adapter in DELTA_READING_ADAPTERS for t in spec.targets)


def layer_dirs(target: Target) -> dict[str, str]:
    """Layer -> directory under the lake root: `<bucket>/<path or layer>`; the layer's own bucket
    (container) when `layers:` places it, else the target's (its `bucket`, else its name). The
    lakehouse family's layout, which the Spark job and dbt's silver registration share."""
    conn = target.connection
    default = lake_dir(conn.bucket or target.name, *([conn.path] if conn.path else []))  # `<bucket>/<path>`
    listed = {loc.layer: loc for loc in target.layers}
    out = {}
    for layer in LAYERS:
        if listed and layer not in listed:
            continue
        loc = listed.get(layer)
        bucket = lake_dir(loc.bucket) if loc is not None and loc.bucket else default
        out[layer.value] = f"{bucket}/{lake_dir(loc.path) if loc is not None and loc.path else layer.value}"
    return out


# A Spark session's catalog replaced by Iceberg's, so `<schema>.<table>` finds the Iceberg tables of the
# lake's catalog (and every other table where Spark's built-in catalog keeps it)
SESSION_CATALOG = "spark.sql.catalog.spark_catalog"
SESSION_CATALOG_IMPL = "org.apache.iceberg.spark.SparkSessionCatalog"
ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"


def session_catalog_conf(spec: Spec, spark_batch: bool) -> list[tuple[str, str]] | None:
    """The Spark properties a Spark Thrift Server (dbt-spark's production target) needs to read an Iceberg
    silver as `<pipeline>_silver.<table>`: Iceberg's SparkSessionCatalog as its session catalog, opening the
    catalog silver is in (Iceberg's own documented setup for mixing Iceberg and other tables), with the
    settings the Spark job's `lake` catalog has (templates/spark/medallion/job.py `catalog_conf`): the spec's
    Glue, REST or Unity catalog (`lake.catalog`), else, where the Spark batch job writes silver (`spark_batch`,
    the first lake target), its path-based catalog under the lake root (`${env:PIPEGEN_LAKE_ROOT}`). Values
    keep the spec's `${env:NAME}` / `${secret:NAME}` references (never a secret's value). None: silver is not
    Iceberg, or is in the lake step's SQL catalog (no `lake.catalog`, no Spark job), which a Spark session
    does not open as a session catalog (R464)."""
    target = silver_target(spec)
    if target is None or target.type != TargetType.ICEBERG:
        return None
    prefix, catalog = SESSION_CATALOG, catalog_config(target)
    conf = [("spark.sql.extensions", ICEBERG_EXTENSIONS), (prefix, SESSION_CATALOG_IMPL)]
    if catalog is None:
        if not (spark_batch and target is lake_target(spec)):
            return None
        return [*conf, (f"{prefix}.type", "hadoop"), (f"{prefix}.warehouse", f"${{env:{ENV.lake_root}}}")]
    if catalog["type"] == "glue":
        conf += [(f"{prefix}.catalog-impl", GLUE_CATALOG_IMPL), (f"{prefix}.io-impl", S3_FILE_IO),
                 (f"{prefix}.warehouse", catalog["warehouse"])]  # fmt: skip
        return conf + ([(f"{prefix}.client.region", catalog["region"])] if catalog.get("region") else [])
    # the URL without a trailing `/` before the path, as the Spark job joins them (a reference's: the script's)
    conf += [(f"{prefix}.type", "rest"), (f"{prefix}.uri", (catalog["uri"] or "").rstrip("/") + catalog["path"])]
    conf += [(f"{prefix}.{key}", catalog[key]) for key in ("warehouse", "token") if catalog.get(key)]
    return conf + [(f"{prefix}.{k}", v) for k, v in VENDED_CREDENTIALS.items() if catalog["type"] == "unity"]
