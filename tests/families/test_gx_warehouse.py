"""The quality step on a warehouse target, judged on a real PostgreSQL: the spec's postgres
target becomes a GX SQL data source (`add_postgres`, credentials as `${VAR}` that GX
substitutes from the environment), and the same suites over the same rows fail exactly the
same expectations, with the same unexpected counts, as on the local DuckDB warehouse. A
missing credential is named; `block` exits non-zero there too."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import prepare, render_tree
from tests.families.test_gx_quality import HELLO, NOW, assert_valid, landed
from tests.judges import offline_env
from tests.servers import DatabaseServer

COPY = """
import json, sys, duckdb, sqlalchemy
checks = json.load(open("gx/checks.json"))["suites"]
engine = sqlalchemy.create_engine(sys.argv[1])
con = duckdb.connect("warehouse.duckdb", read_only=True)
with engine.begin() as pg:
    for c in checks:
        pg.exec_driver_sql(f'create schema if not exists "{c["schema"]}"')
for c in checks:
    frame = con.execute(f'select * from "{c["schema"]}"."{c["table"]}"').df()
    frame.to_sql(c["table"], engine, schema=c["schema"], if_exists="replace", index=False)
"""


@pytest.fixture
def own_database(postgres_server: DatabaseServer) -> Iterator[DatabaseServer]:
    """A database of this test's own on the session's server, dropped afterwards: the server is
    shared (one per worker) and another module may have left `raw_shop`/`staging` behind in
    its default database (test_gx_warehouse_quarantine leaves views there)."""
    name = f"gx_warehouse_{uuid.uuid4().hex[:12]}"
    postgres_server.query(f'create database "{name}"')
    base, _, _ = postgres_server.url.rpartition("/")
    try:
        yield replace(postgres_server, database=name, url=f"{base}/{name}")
    finally:
        postgres_server.query(f'drop database if exists "{name}" with (force)')


def pg_spec(tmp: Path, server: DatabaseServer) -> Path:
    yaml = YAML()
    spec = yaml.load(HELLO.read_text())
    spec["targets"].append({"name": "pg", "type": "postgres", "connection": {
        "host": "${env:PG_HOST}", "port": server.port, "database": server.database, "user": server.user,
        "password": "${secret:PG_PASSWORD}"}})  # fmt: skip
    path = tmp / "pipegen.yaml"
    yaml.dump(spec, path)
    return path


def test_a_postgres_target_is_a_gx_postgres_data_source_with_credentials_from_the_environment(tmp_path: Path) -> None:
    spec = YAML().load(HELLO.read_text())
    spec["targets"].append({"name": "pg", "type": "postgres", "connection": {
        "host": "db.internal", "database": "dw", "user": "q a", "password": "${secret:PG_PASSWORD}"}})  # fmt: skip
    path = tmp_path / "s.yaml"
    YAML().dump(spec, path)
    ready = prepare(path)
    files = render_tree(ready.spec, ready.plan)
    assert json.loads(files["gx/checks.json"])["warehouses"] == {
        "pg": {"type": "postgres", "datasource": "add_postgres", "quote": '"', "driver": "psycopg2-binary",
               "url": "postgresql+psycopg2://q%20a:${PG_PASSWORD}@db.internal:5432/dw"}
    }  # fmt: skip
    assert "PG_PASSWORD=" in files[".env.example"]
    assert 'target="local" if local else DBT_TARGET' in files["dags/hello.py"].split("pipeline.quality")[1][:200]


def _failures(emitted: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    return {
        (e["suite"], f["spec_path"], f["unexpected_count"])
        for e in emitted
        if e["event_type"] == "ValidationFailed"
        for f in e["failed_expectations"]
    }


@pytest.mark.judge
def test_postgres_fails_exactly_the_expectations_duckdb_fails_on_the_same_rows(
    tmp_path: Path, batch_python: Path, own_database: DatabaseServer
) -> None:
    server = own_database
    project = landed(pg_spec(tmp_path, server), tmp_path, batch_python, "--rows", "300",
                     "--bad-row-rate", "0.05")  # fmt: skip
    home = tmp_path / "home"
    copied = subprocess.run([str(batch_python), "-c", COPY, server.url], cwd=project, capture_output=True,
                            text=True, check=False, env=offline_env(home))  # fmt: skip
    assert copied.returncode == 0, copied.stderr[-3000:]

    def quality(state: str, *args: str, **extra: str) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
        env = {**offline_env(home), "PIPEGEN_QUALITY_NOW": NOW, "PIPEGEN_QUALITY_DIR": str(tmp_path / state), **extra}
        done = subprocess.run([str(batch_python), "-m", "pipeline.quality", *args], cwd=project, capture_output=True,
                              text=True, timeout=600, check=False, env=env)  # fmt: skip
        log = tmp_path / state / "events.jsonl"
        return done, [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    local, local_events = quality("local", "--on-failure", "warn")
    assert local.returncode == 0, local.stderr[-3000:]
    unset, _ = quality("unset", "--target", "pg")
    assert unset.returncode == 1 and "PG_HOST, PG_PASSWORD" in unset.stderr
    creds = {"PG_HOST": server.host, "PG_PASSWORD": server.password or "unused"}
    summary = tmp_path / "summary.json"
    pg, pg_events = quality("pg", "--target", "pg", "--on-failure", "warn", PIPEGEN_STEP_SUMMARY=str(summary), **creds)
    assert pg.returncode == 0, pg.stdout[-3000:] + pg.stderr[-3000:]
    assert json.loads(summary.read_text())["target"] == "pg"
    assert _failures(local_events)  # the bad rows are found ...
    assert _failures(pg_events) == _failures(local_events)  # ... the same ones, through GX's SQL data source
    assert_valid(project, pg_events)
    blocked, _ = quality("pg-block", "--target", "pg", "--on-failure", "block", **creds)
    assert blocked.returncode == 1 and "pipegen.yaml sources[0].tables[0].columns" in blocked.stderr
