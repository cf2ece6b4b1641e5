"""Runs inside the `spark` judge environment, ONE local[2] Spark session: for each case, the generated Spark job
(spark/medallion.py, a local Parquet lake) takes what extract-load landed under the case's landing root
(PIPEGEN_LANDING_ROOT, a `file://` URL) into bronze and silver, then takes bronze again (nothing new). A case
whose batches landed in S3 (moto's server) is first copied, key for key, from the bucket to a local folder with
pyarrow's S3 file system: Spark reads `s3://` only through hadoop-aws, whose jars these machines cannot download.
Prints, after `@@JSON@@`, per case: the landed files (relative paths), bronze's rows (the payload and _batch_id,
as text) and silver's (as text), the job's summaries.

Usage: python spark_landing_driver.py WORK.json   ({"cases": [{"name", "project", "landing", "lake", "s3"?}]})"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any


def load_job(project: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"medallion_{abs(hash(project))}", project / "spark" / "medallion.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mirror(bucket: str, folder: Path) -> None:
    """Every object of `bucket` (moto's S3, AWS_ENDPOINT_URL) to `folder`, under the same keys."""
    import pyarrow.fs as pafs

    s3 = pafs.S3FileSystem(endpoint_override=os.environ["AWS_ENDPOINT_URL"])
    folder.mkdir(parents=True, exist_ok=True)
    pafs.copy_files(bucket, str(folder), source_filesystem=s3, destination_filesystem=pafs.LocalFileSystem())


def as_text(df: Any, columns: list[str]) -> list[list[str | None]]:
    from pyspark.sql import functions as F

    rows = df.select(*[F.col(f"`{c}`").cast("string").alias(c) for c in columns]).collect()
    return sorted([[None if v is None else str(v) for v in r] for r in rows], key=lambda r: [str(v) for v in r])


def run_case(spark: Any, case: dict[str, Any]) -> dict[str, Any]:
    landing = Path(case["landing"])
    if case.get("s3"):
        mirror(case["s3"], landing)
    os.environ["PIPEGEN_SPARK_FORMAT"] = "parquet"
    os.environ["PIPEGEN_LANDING_ROOT"] = landing.as_uri()  # a URL: the job opens it through Spark's file systems
    os.environ["PIPEGEN_LAKE_ROOT"] = case["lake"]
    job = load_job(Path(case["project"]))
    table = job.CONFIG["tables"][0]
    payload = [c["name"] for c in table["columns"]]
    out: dict[str, Any] = {
        "landing_dir": table["landing"],
        "files": sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*.parquet")),
        "first": job.run(spark, ("bronze", "silver")),
        "again": job.run(spark, ("bronze", "silver")),  # every landed file was taken once: nothing new
    }
    store = job.Parquet(spark)
    bronze, silver = store.read("bronze", table["name"]), store.read("silver", table["name"])
    out["bronze"] = as_text(bronze, [*payload, "_batch_id"]) if bronze is not None else []
    out["silver"] = as_text(silver, payload) if silver is not None else []
    out["columns"] = payload
    return out


def main() -> None:
    from pyspark.sql import SparkSession

    work = json.loads(Path(sys.argv[1]).read_text())
    spark = (SparkSession.builder.master("local[2]").appName("pipegen-spark-landing-judge")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())  # fmt: skip
    out = {case["name"]: run_case(spark, case) for case in work["cases"]}
    spark.stop()
    print("@@JSON@@" + json.dumps(out, default=str))


if __name__ == "__main__":
    main()
