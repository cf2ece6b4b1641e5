"""Runs in the `spark` judge environment: ONE local[2] Spark session (one JVM) shared by the test
session's Spark judge drivers (tests/families/spark_driver.py, spark_partition_driver.py,
spark_parse_driver.py), instead of a JVM and a SparkContext started per module (~13 s of CPU each
here). tests/judges/spark_service.py starts it, the first to need it under a file lock, and both
pytest-xdist workers send it requests.

    python spark_server.py STATE_DIR SOCKET OWNER_PID [CGROUP]

(CGROUP: the CPU accounting group to join first, for tests.timing: the JVM it starts is counted there too.)

Listens on the Unix socket SOCKET and prints `ready` once the session is up. A request, one JSON line
per connection, {"driver": PATH, "argv": [...], "cwd": DIR, "env": {...}}, runs the driver's
`main(argv, spark)` on the shared session, as `python PATH ARGV` runs it on a session of its own
(same configuration: UTC, no UI, 2 shuffle partitions), with `env` its whole environment, DIR its
working directory and its output captured; the answer is {"code", "out", "err", "seconds"}: the exit
code `python PATH ARGV` would have (SystemExit's, or 1 and the traceback for an exception). One
request at a time (a client holds STATE_DIR/busy.lock for its request; one finding it held runs its
own process, spark_service.py).

After each request what it may have changed is put back, so none sees another's: the Python side
(os.environ, working directory, sys.argv, sys.path, the modules it imported from outside the
environment's libraries: drivers and generated jobs), and the session's state: its streaming queries
stopped, temporary views, databases and tables dropped (the catalog is in memory), the cache
cleared, the current catalog and database, the runtime SQL configuration and the SparkContext's
Hadoop configuration as they were after start.

The server exits when OWNER_PID (the pytest process that started it) is gone, so a killed worker
leaves no JVM behind; the owner stops it by its PID at the end of its session."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import socket
import sys
import sysconfig
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

SESSION_CONF = {"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"}
LIBRARIES = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})


def session() -> Any:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("pipegen-spark-judges")
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def hadoop_conf(spark: Any) -> dict[str, str]:
    """The SparkContext's Hadoop configuration, every property (one JVM call: its XML)."""
    writer = spark._jvm.java.io.StringWriter()
    spark._jsc.hadoopConfiguration().writeXml(writer)
    root = ET.fromstring(writer.toString())
    return {p.findtext("name") or "": p.findtext("value") or "" for p in root.iter("property")}


class State:
    """What a request may change, as it was after the session started."""

    def __init__(self, spark: Any) -> None:
        self.env, self.cwd, self.path = dict(os.environ), Path.cwd(), list(sys.path)
        self.conf = dict(spark.conf.getAll)
        self.hadoop = hadoop_conf(spark)

    def restore(self, spark: Any, modules: set[str]) -> None:
        for query in spark.streams.active:
            query.stop()
        spark.streams.resetTerminated()
        spark.catalog.setCurrentCatalog("spark_catalog")
        spark.catalog.setCurrentDatabase("default")
        for database in spark.catalog.listDatabases():
            if database.name != "default":
                spark.sql(f"DROP DATABASE IF EXISTS `{database.name}` CASCADE")
        for table in spark.catalog.listTables("default"):
            if table.isTemporary:
                spark.catalog.dropTempView(table.name)
            else:
                kind = "VIEW" if table.tableType == "VIEW" else "TABLE"
                spark.sql(f"DROP {kind} IF EXISTS `default`.`{table.name}`")
        spark.catalog.clearCache()
        now = dict(spark.conf.getAll)
        for key in set(now) - set(self.conf):
            spark.conf.unset(key)
        for key, value in self.conf.items():
            if now.get(key) != value:
                spark.conf.set(key, value)
        hadoop, changed = spark._jsc.hadoopConfiguration(), hadoop_conf(spark)
        for key in set(changed) - set(self.hadoop):
            hadoop.unset(key)
        for key, value in self.hadoop.items():
            if changed.get(key) != value:
                hadoop.set(key, value)
        for name in set(sys.modules) - modules:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if not file.startswith(LIBRARIES):  # a driver, a generated job, a project's package
                del sys.modules[name]
        os.environ.clear()
        os.environ.update(self.env)
        os.chdir(self.cwd)
        sys.path[:] = self.path


def run_driver(spark: Any, request: dict[str, Any]) -> tuple[int, str]:
    """The driver's main(argv, spark) as `python DRIVER ARGV` would run it; (exit code, error text)."""
    driver = Path(request["driver"])
    sys.argv = [str(driver), *request["argv"]]
    sys.path.insert(0, str(driver.parent))  # as `python DRIVER` puts the script's folder first
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    try:
        spec = importlib.util.spec_from_file_location("__judge_driver__", driver)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        code = module.main(request["argv"], spark)
        return (0 if code is None else int(code)), ""
    except SystemExit as exc:
        return (0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1), ""
    except Exception:
        return 1, traceback.format_exc()


def answer(spark: Any, state: State, request: dict[str, Any]) -> dict[str, Any]:
    modules, started = set(sys.modules), time.monotonic()
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.argv
    sys.stdout, sys.stderr = out, err
    try:
        code, error = run_driver(spark, request)
    finally:
        sys.stdout, sys.stderr, sys.argv = saved
        state.restore(spark, modules)
    return {"code": code, "out": out.getvalue(), "err": err.getvalue() + error,
            "seconds": round(time.monotonic() - started, 1)}  # fmt: skip


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(spark: Any, listener: socket.socket, owner: int) -> None:
    state = State(spark)
    listener.settimeout(2.0)
    while alive(owner):
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn, conn.makefile("rw", encoding="utf-8") as stream:
            line = stream.readline()
            if not line:
                continue
            try:
                reply = answer(spark, state, json.loads(line))
            except Exception:  # the server's own failure (the reset): this request's, then stop
                stream.write(json.dumps({"code": 1, "out": "", "err": traceback.format_exc(), "seconds": 0}) + "\n")
                stream.flush()
                raise
            stream.write(json.dumps(reply) + "\n")
            stream.flush()


def main() -> int:
    state_dir, sock_path, owner = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    if len(sys.argv) > 4:  # before the JVM starts: it is counted in the group too
        (Path(sys.argv[4]) / "cgroup.procs").write_text(str(os.getpid()), encoding="utf-8")
    os.chdir(tempfile.mkdtemp(prefix="spark-server-", dir=state_dir))  # Spark's own files (spark-warehouse)
    spark = session()
    spark.sql("SELECT 1").collect()  # the session fully up before any request
    sock_path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(sock_path))
    listener.listen(0)
    print("ready", flush=True)
    try:
        serve(spark, listener, owner)
    finally:
        listener.close()
        sock_path.unlink(missing_ok=True)
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
