"""dbt's production Spark target reads an Iceberg silver (issue 20, R464): the generated Spark Thrift Server
configuration (dbt/spark-thrift/: generators/dbt/thrift.py, common/lake_catalog.session_catalog_conf) makes
Iceberg's SparkSessionCatalog the server's session catalog over the catalog silver is in, so dbt's sources
(`<pipeline>_silver.<table>`) are silver's own tables. Judged in the `spark` judge environment
(tests/families/thrift_conf_driver.py): the launcher's arguments as a stand-in start-thriftserver.sh gets
them, the properties pyspark's real `spark-submit --verbose` parses from the properties file and the
`--conf` options (the Thrift server's class and Iceberg's jars are not in pyspark: the catalog is not
opened here, docs/judges.md), and, where the Spark job writes silver, the same catalog as the job's own
`lake` catalog (its `catalog_conf`) under the same environment. The expected Glue settings are written
here from Iceberg's documentation, not from pipegen's code. dbt-spark parses the project with the
profile's `lake` target in tests/families/test_dbt_warehouse_parse.py (iceberg_lakehouse)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipegen.pipeline import check
from tests.conftest import REPO, generate
from tests.families.test_lake_partitions import SPEC
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("thrift_conf_driver.py")
SESSION = "spark.sql.catalog.spark_catalog"
ICEBERG = {"spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
           SESSION: "org.apache.iceberg.spark.SparkSessionCatalog"}  # fmt: skip
MART = """\
transforms:
  marts:
    - {name: order_totals, from: orders, group_by: [order_id], measures: [{name: total, agg: sum, column: amount}]}
"""
UNITY = (
    SPEC.replace("FMT", "iceberg")
    .replace("latency: 1h\n", "latency: 1h\nengines: {batch: spark}\n")
    .replace(
        "    lake: {time_travel: 1h, retention: 1h}\n",
        "    connection: {bucket: lake, url: '${env:WORKSPACE_URL}', catalog: main,\n"
        "                 token: '${secret:LAKE_CATALOG_TOKEN}'}\n"
        "    lake: {catalog: unity, time_travel: 1h, retention: 1h}\n",
    )
    .replace("    connection: {bucket: lake}\n", "")
    + MART
)
SPARK = SPEC.replace("FMT", "iceberg").replace("latency: 1h\n", "latency: 1h\nengines: {batch: spark}\n") + MART
ENV = {"WORKSPACE_URL": "https://adb-1.azuredatabricks.net/", "LAKE_CATALOG_TOKEN": "t0k'en $x", "PIPEGEN_LAKE_ROOT": "s3://lake-root",
       "PIPEGEN_ICEBERG_SPARK_PACKAGES": "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.1"}  # fmt: skip


def run(tmp_path: Path, spark_python: Path, spec_text: str | None = None, example: str | None = None) -> dict:
    spec = REPO / "specs" / f"{example}.yaml" if example else tmp_path / "pipegen.yaml"
    if spec_text is not None:
        spec.write_text(spec_text)
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    assert "R464" not in output, output
    (tmp_path / "env.json").write_text(json.dumps(ENV))
    done = subprocess.run([str(spark_python), str(DRIVER), str(project), str(tmp_path / "env.json")],
                          capture_output=True, text=True, timeout=600, check=False,
                          env=offline_env(tmp_path / "home"))  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    got = dict(json.loads(done.stdout.split("@@JSON@@", 1)[1]))
    assert got["spark_parsed"], got["spark_output"]  # spark-submit parsed the Thrift server's submission
    return got


def same_as_the_jobs(got: dict) -> bool:
    """The server's Iceberg settings (the properties file as spark-submit parsed it, the `--conf` values as
    the launcher passed them) are the Spark job's `lake` catalog, under the session catalog's name."""
    job = {k.replace("spark.sql.catalog.lake", SESSION): v for k, v in got["job_catalog"].items()}
    job[SESSION] = job[SESSION].replace("SparkCatalog", "SparkSessionCatalog")
    parsed = {k for k in got["spark_properties"] if k.startswith("spark.sql.")}
    assert parsed == {*got["file_properties"], *conf_args(got["recorded"])}  # Spark read every one of them
    both = {**got["file_properties"], **conf_args(got["recorded"])}  # (values Spark redacts: as written)
    assert both == job, (both, job)
    return True


def conf_args(recorded: list[str]) -> dict[str, str]:
    pairs = [recorded[i + 1] for i, a in enumerate(recorded) if a == "--conf"]
    return dict(p.split("=", 1) for p in pairs)


@pytest.mark.judge
def test_the_glue_catalog_example_opens_glue_as_the_thrift_servers_session_catalog(
    tmp_path: Path, spark_python: Path
) -> None:
    got = run(tmp_path, spark_python, example="iceberg_lakehouse")
    # Iceberg's documented Glue catalog settings, the session catalog's (the bucket and region of the spec)
    expected = {**ICEBERG, f"{SESSION}.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
                f"{SESSION}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
                f"{SESSION}.warehouse": "s3://acme-iceberg/", f"{SESSION}.client.region": "eu-west-1"}  # fmt: skip
    assert {k: v for k, v in got["spark_properties"].items() if k.startswith("spark.sql.")} == expected
    recorded = got["recorded"]
    assert recorded[recorded.index("--packages") + 1] == ENV["PIPEGEN_ICEBERG_SPARK_PACKAGES"], recorded
    assert recorded[recorded.index("--properties-file") + 1].endswith("dbt/spark-thrift/spark-iceberg.conf")
    assert recorded[-2:] == ["--hiveconf", "hive.server2.thrift.port=10001"]  # the caller's options passed on
    assert conf_args(recorded) == {}  # nothing read from the environment


@pytest.mark.judge
def test_a_unity_catalogs_token_and_url_come_from_the_environment_as_the_spark_jobs_do(
    tmp_path: Path, spark_python: Path
) -> None:
    got = run(tmp_path, spark_python, UNITY)
    endpoint = "https://adb-1.azuredatabricks.net/api/2.1/unity-catalog/iceberg-rest"
    # the workspace URL from the environment, Unity's Iceberg REST path appended; the token from its secret
    assert conf_args(got["recorded"])[f"{SESSION}.uri"] == endpoint  # the URL's own trailing `/` dropped
    assert conf_args(got["recorded"])[f"{SESSION}.token"] == ENV["LAKE_CATALOG_TOKEN"]
    props = got["spark_properties"]
    assert props[f"{SESSION}.type"] == "rest" and props[f"{SESSION}.warehouse"] == "main"
    assert f"{SESSION}.header.X-Iceberg-Access-Delegation" in props  # (Spark redacts an `access` key's value)
    assert ENV["LAKE_CATALOG_TOKEN"] not in json.dumps(props) and f"{SESSION}.token" in props  # Spark redacts it
    assert got["missing"][0] != 0 and "WORKSPACE_URL" in got["missing"][1], got["missing"]
    assert same_as_the_jobs(got)


@pytest.mark.judge
def test_the_spark_jobs_own_catalog_is_the_thrift_servers_session_catalog(tmp_path: Path, spark_python: Path) -> None:
    # no lake.catalog: the Spark job writes silver in its path-based catalog under the lake root
    got = run(tmp_path, spark_python, SPARK)
    assert same_as_the_jobs(got)
    assert conf_args(got["recorded"]) == {f"{SESSION}.warehouse": ENV["PIPEGEN_LAKE_ROOT"]}


def test_r464_warns_only_where_silver_is_in_the_lake_steps_sql_catalog(tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text(SPEC.replace("FMT", "iceberg") + MART)
    checked, _ = check(plain)
    assert [d.code for d in checked.diagnostics if d.code == "R464"] == ["R464"]
    for text in (UNITY, SPARK):
        plain.write_text(text)
        checked, _ = check(plain)
        assert [d.code for d in checked.diagnostics if d.code == "R464"] == [], text
    code, _ = generate(plain, tmp_path / "project")
    assert code == 0 and (tmp_path / "project" / "dbt" / "spark-thrift" / "spark-iceberg.conf").is_file()
    plain.write_text(SPEC.replace("FMT", "iceberg") + MART)
    code, _ = generate(plain, tmp_path / "plain_project")
    assert code == 0 and not (tmp_path / "plain_project" / "dbt" / "spark-thrift").exists()
