"""dbt's production Spark target reading an Iceberg silver: the Spark Thrift Server dbt-spark connects to
opens silver's Iceberg catalog as its session catalog (common/lake_catalog.session_catalog_conf), so
`<pipeline>_silver.<table>`, the name dbt's sources read, is silver's own table (the Iceberg namespace the
lake step and the Spark job write). Two files under `dbt/spark-thrift/`: `spark-iceberg.conf`, the settings
without a reference to the environment (a Spark properties file: `--properties-file`, or the `spark-defaults`
of a managed cluster), and `start-thrift-server.sh`, which starts Spark's Thrift server with it, the
settings that read the environment (a `${secret:NAME}` token, a `${env:NAME}` URL, the lake root) and the
Iceberg runtime packages (PIPEGEN_ICEBERG_SPARK_PACKAGES, Maven coordinates for that Spark's version)."""

from __future__ import annotations

from typing import Any

from pipegen.common.lake_catalog import session_catalog_conf
from pipegen.generators.base import EnvVar, Files, GenContext
from pipegen.plan.components import Kind
from pipegen.plan.envnames import ENV
from pipegen.render.env import render
from pipegen.render.filters import SPEC_REFERENCE
from pipegen.safe import trusted
from pipegen.spec.catalog import TARGET_SYSTEMS
from pipegen.spec.types import parse_secret_ref

THRIFT_DIR = "dbt/spark-thrift"
PACKAGES = ENV.iceberg_spark_packages  # e.g. org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.1


def thrift_conf(ctx: GenContext) -> list[tuple[str, str]] | None:
    """The Thrift server's Iceberg settings where a dbt target reads through dbt-spark and silver is Iceberg
    in a catalog Spark opens; None: nothing to write (no such target, no Iceberg silver, or R464)."""
    if not any(TARGET_SYSTEMS[t.type].dbt_adapter == "spark" for t in ctx.spec.targets):
        return None
    return session_catalog_conf(ctx.spec, Kind.SPARK_BATCH in ctx.plan.graph.kinds)


def thrift_context(ctx: GenContext, conf: list[tuple[str, str]]) -> dict[str, Any]:
    spark = [t.name for t in ctx.spec.targets if TARGET_SYSTEMS[t.type].dbt_adapter == "spark"]
    return {
        "fixed": [{"key": trusted(k), "value": v} for k, v in conf if not SPEC_REFERENCE.search(v)],
        "from_env": [f"{k}={v}" for k, v in conf if SPEC_REFERENCE.search(v)],
        "targets": ", ".join(spark),
        "packages": trusted(str(PACKAGES)),
        "packages_or_empty": trusted(f'"${{{PACKAGES}:-}}"'),  # a naming-layer name: letters and `_`
        "packages_value": trusted(f'"${{{PACKAGES}}}"'),
    }


def thrift_files(ctx: GenContext) -> Files:
    conf = thrift_conf(ctx)
    if conf is None:
        return {}
    context = thrift_context(ctx, conf)
    return {
        f"{THRIFT_DIR}/spark-iceberg.conf": render("dbt/spark_iceberg.conf.j2", context),
        f"{THRIFT_DIR}/start-thrift-server.sh": render("dbt/start_thrift_server.sh.j2", context),
    }


def thrift_env(ctx: GenContext) -> tuple[EnvVar, ...]:
    """.env.example: the runtime packages and every variable a setting reads (a secret as a secret)."""
    conf = thrift_conf(ctx)
    if conf is None:
        return ()
    use = f"{THRIFT_DIR}/start-thrift-server.sh"
    what = (
        f"{use}: the Iceberg Spark runtime's Maven coordinates for the server's Spark (and iceberg-aws-bundle "
        "for Glue/S3), comma-separated; unset: Iceberg is on its classpath"
    )
    out = [EnvVar(PACKAGES, (what,))]
    for key, value in conf:
        for ref in SPEC_REFERENCE.finditer(value):
            found = parse_secret_ref(ref.group(0))
            secret = found is not None and found.kind == "secret"
            out.append(EnvVar(ref.group(1), (f"{use}: the Thrift server's {key}",), secret=secret))
    return tuple(out)
