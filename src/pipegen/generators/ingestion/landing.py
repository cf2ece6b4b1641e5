"""Where extract-load lands the Spark batch job's raw batches (templates/ingestion/landing.py, copied as
pipeline/landing.py where the plan lands any): which loaded sources it lands and the folder of each under the
landing root (plan/spark_landing.py, the folders the Spark job's bronze reads), the variable naming the root, and
the dlt extra of the cloud's object store the landing writes through (dlt's filesystem destination)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pipegen.generators.base import EnvVar, GenContext
from pipegen.plan.names import ENV
from pipegen.plan.spark_landing import landed_sources, source_landing_dir
from pipegen.spec.model import Cloud

# dlt's extra of each cloud's object store (fsspec's s3fs, gcsfs, adlfs with azure-identity)
CLOUD_EXTRAS: dict[Cloud, tuple[str, ...]] = {Cloud.AWS: ("s3",), Cloud.GCP: ("gs",), Cloud.AZURE: ("az",)}


def landed(ctx: GenContext, loaded: Collection[str]) -> list[dict[str, Any]]:
    """Each source extract-load loads (`loaded`: their names) whose batches it lands: its name and folder."""
    spec = ctx.spec
    chosen = [spec.sources[i].name for i in landed_sources(spec, ctx.plan.graph)]
    return [{"name": name, "folder": source_landing_dir(name)} for name in chosen if name in loaded]


def landing_extras(ctx: GenContext, loaded: Collection[str]) -> tuple[str, ...]:
    """The dlt extra of the cloud's object store where the plan lands batches (a deployment's landing root)."""
    return CLOUD_EXTRAS.get(ctx.spec.cloud, ()) if landed(ctx, loaded) else ()


def landing_env(ctx: GenContext, loaded: Collection[str]) -> tuple[EnvVar, ...]:
    """.env.example's PIPEGEN_LANDING_ROOT where the plan lands batches."""
    if not landed(ctx, loaded):
        return ()
    use = ("pipeline/landing.py: where extract-load lands each batch as Parquet for the Spark job's bronze "
           "(data/landing/<source>/<table>/ under it; unset: --local runs land none, a production run stops; "
           "a deployment: its landing bucket or container)")  # fmt: skip
    return (EnvVar(ENV.landing_root, (use,)),)
