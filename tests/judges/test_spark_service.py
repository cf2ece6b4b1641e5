"""The test session's shared Spark session (tests/judges/spark_service.py, spark_server.py): a driver run
there exits and prints as `python DRIVER ARGV` would, and sees nothing an earlier request changed
(environment, modules, working directory, the session's views, databases, tables, SQL and Hadoop
configuration, its streams); a driver finding the server busy runs as a process of its own."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest

from tests.judges import offline_env
from tests.judges.spark_service import SparkService

pytestmark = pytest.mark.judge

# a driver as the Spark judges' are: main(argv, spark=None), the shared session when given
PROBE = """
import json, os, sys
from pathlib import Path


def look(spark):
    catalog = spark.catalog
    return {
        "env": os.environ.get("PIPEGEN_PROBE"), "cwd": os.getcwd(), "module": "probe_module" in sys.modules,
        "path": "/probe/path" in sys.path, "conf": spark.conf.get("spark.pipegen.probe", None),
        "hadoop": spark._jsc.hadoopConfiguration().get("pipegen.probe"),
        "databases": sorted(d.name for d in catalog.listDatabases()),
        "tables": sorted(t.name for t in catalog.listTables("default")),
        "streams": [q.name for q in spark.streams.active], "database": catalog.currentDatabase(),
    }


def main(argv=None, spark=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[0] == "where":
        print("server" if spark is not None else "process")
        return 0
    if argv[0] == "fail":
        raise RuntimeError("the probe failed")
    if argv[0] == "exit":
        sys.exit(3)
    if argv[0] == "change":
        folder = Path(argv[1])
        os.environ["PIPEGEN_PROBE"] = "changed"
        (folder / "probe_module.py").write_text("X = 1\\n")
        sys.path.insert(0, str(folder))
        import probe_module  # noqa: F401
        sys.path.insert(0, "/probe/path")
        os.chdir(folder)
        spark.conf.set("spark.pipegen.probe", "changed")
        spark._jsc.hadoopConfiguration().set("pipegen.probe", "changed")
        spark.sql(f"CREATE DATABASE probe_db LOCATION '{folder / 'probe_db'}'")
        spark.range(3).write.parquet(str(folder / "t"))
        spark.sql(f"CREATE TABLE default.probe_table USING PARQUET LOCATION '{folder / 't'}'")
        spark.range(1).createOrReplaceTempView("probe_view")
        spark.sql("USE probe_db")
        spark.readStream.format("rate").load().writeStream.format("noop").queryName("probe_stream").start()
    print(json.dumps(look(spark)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    driver = tmp_path / "probe_driver.py"
    driver.write_text(PROBE)
    return driver


def test_a_request_sees_nothing_an_earlier_one_changed(
    spark_service: SparkService, probe: Path, tmp_path: Path
) -> None:
    env = offline_env(tmp_path / "home")
    served = spark_service.requests["server"]
    changed = spark_service.run(probe, ["change", str(tmp_path)], tmp_path, env, wait=True)
    assert changed.returncode == 0, changed.stderr[-3000:]
    seen = json.loads(changed.stdout.strip().splitlines()[-1])
    assert seen["env"] == seen["conf"] == seen["hadoop"] == "changed" and seen["module"] and seen["path"], seen
    assert "probe_db" in seen["databases"] and {"probe_table", "probe_view"} <= set(seen["tables"]), seen
    assert seen["streams"] == ["probe_stream"] and seen["database"] == "probe_db", seen
    after = spark_service.run(probe, ["look"], tmp_path, env, wait=True)
    assert after.returncode == 0, after.stderr[-3000:]
    assert spark_service.requests["server"] == served + 2  # both on the shared session
    assert json.loads(after.stdout.strip().splitlines()[-1]) == {
        "env": None, "cwd": str(tmp_path), "module": False, "path": False, "conf": None, "hadoop": None,
        "databases": ["default"], "tables": [], "streams": [], "database": "default",
    }  # fmt: skip


def test_a_driver_exits_as_its_process_would(spark_service: SparkService, probe: Path, tmp_path: Path) -> None:
    env = offline_env(tmp_path / "home")
    failed = spark_service.run(probe, ["fail"], tmp_path, env, wait=True)
    assert failed.returncode == 1 and "RuntimeError: the probe failed" in failed.stderr, failed
    assert spark_service.run(probe, ["exit"], tmp_path, env, wait=True).returncode == 3
    assert spark_service.run(probe, ["where"], tmp_path, env, wait=True).stdout == "server\n"


def test_a_driver_finding_the_server_busy_runs_as_its_own_process(
    spark_service: SparkService, probe: Path, tmp_path: Path
) -> None:
    with (spark_service.state / "busy.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as another worker's request holds it
        try:
            ran = spark_service.run(probe, ["where"], tmp_path, offline_env(tmp_path / "home"))
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    assert ran.returncode == 0 and ran.stdout == "process\n", ran
