"""The `batch` judge environment really runs a batch project's tools, offline, in one venv:
dlt (sql_database, connectorx backend) into DuckDB, dbt build on DuckDB, GX Core on a DuckDB
batch, and the drivers against real PostgreSQL and MariaDB servers."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.judges.envs import REQUIREMENTS, offline_env
from tests.servers import DatabaseServer

PROBES = Path(__file__).parent / "probes"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;#]+)")


def run(cmd: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=offline_env(home), capture_output=True, text=True, timeout=600, check=False)


def run_probe(python: Path, probe: str, *args: str, tmp_path: Path) -> dict[str, Any]:
    done = run([str(python), str(PROBES / probe), *args], cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def pins(name: str) -> dict[str, str]:
    lines = (REQUIREMENTS / f"{name}.txt").read_text().splitlines()
    return {m[1].lower().replace("_", "-"): m[3] for line in lines if (m := PIN.match(line.strip()))}


def test_batch_env_has_exactly_the_pinned_versions_and_a_consistent_dependency_set(batch_python: Path) -> None:
    script = "import json, importlib.metadata as m, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    wanted = pins("batch")
    done = subprocess.run(
        [str(batch_python), "-c", script, *wanted], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout) == wanted
    check = subprocess.run(
        [str(batch_python), "-m", "pip", "check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert check.returncode == 0, check.stdout


def test_dlt_loads_sqlite_rows_into_duckdb_with_connectorx_keeping_state_out_of_home(
    batch_python: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source.sqlite"
    with sqlite3.connect(source) as con:
        con.execute("create table customers (id integer primary key, name text)")
        con.executemany("insert into customers values (?, ?)", [(1, "ada"), (2, "grace"), (3, "edsger")])
    result = run_probe(
        batch_python,
        "dlt_load.py",
        f"sqlite:///{source}",
        "customers",
        str(tmp_path / "warehouse.duckdb"),
        str(tmp_path / "pipelines"),
        tmp_path=tmp_path,
    )
    assert result == {"rows": [[1, "ada"], [2, "grace"], [3, "edsger"]], "connectorx_used": True, "failed_jobs": False}
    assert (tmp_path / "pipelines" / "judge_smoke").is_dir()
    assert not (tmp_path / "home" / ".dlt").exists()


def test_dbt_version_names_core_1_11_and_the_duckdb_adapter(batch_python: Path, tmp_path: Path) -> None:
    done = run([str(batch_python.parent / "dbt"), "--version"], cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert f"installed: {pins('batch')['dbt-core']}" in done.stdout
    assert f"duckdb: {pins('batch')['dbt-duckdb']}" in done.stdout


def write_dbt_project(root: Path, rows_sql: str) -> None:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: judge_smoke\nversion: '1.0.0'\nconfig-version: 2\nprofile: judge_smoke\nmodel-paths: [models]\n"
    )
    (root / "profiles.yml").write_text(
        "judge_smoke:\n  target: dev\n  outputs:\n"
        f"    dev: {{type: duckdb, path: '{root / 'warehouse.duckdb'}', threads: 1}}\n"
    )
    (root / "models" / "customers.sql").write_text(rows_sql)
    (root / "models" / "schema.yml").write_text(
        "models:\n  - name: customers\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n"
    )


def dbt_build(python: Path, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    dbt = str(python.parent / "dbt")
    return run(
        [dbt, "--no-use-colors", "build", "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        home=home,
    )


def test_dbt_builds_a_one_model_project_on_duckdb_offline(batch_python: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_dbt_project(project, "select 1 as id, 'ada' as name union all select 2, 'grace'")
    done = dbt_build(batch_python, project, tmp_path / "home")
    assert done.returncode == 0, done.stdout
    assert "PASS=3 WARN=0 ERROR=0" in done.stdout
    assert not (project / "dbt_packages").exists()
    result = run_probe(
        batch_python, "gx_validate.py", str(project / "warehouse.duckdb"), "customers", tmp_path=tmp_path
    )
    assert result["statistics"]["evaluated_expectations"] == 2
    assert result["success"] is True


def test_dbt_build_fails_the_unique_test_when_the_model_has_a_duplicate_id(batch_python: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_dbt_project(project, "select 1 as id, 'ada' as name union all select 1, 'grace'")
    done = dbt_build(batch_python, project, tmp_path / "home")
    assert done.returncode == 1
    assert re.search(r"FAIL 1 unique_customers_id", done.stdout), done.stdout
    assert "PASS=2 WARN=0 ERROR=1 SKIP=0" in done.stdout


def test_gx_core_fails_exactly_the_expectation_a_duckdb_batch_breaks(batch_python: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    create = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(sys.argv[2]).close()"
    table = "create table customers as select * from (values (1, 'ada'), (2, null), (3, 'edsger')) t(id, name)"
    subprocess.run([str(batch_python), "-c", create, str(warehouse), table], check=True, timeout=120)
    result = run_probe(batch_python, "gx_validate.py", str(warehouse), "customers", tmp_path=tmp_path)
    assert result["success"] is False
    assert result["outcomes"] == {"id": True, "name": False}
    assert result["statistics"]["evaluated_expectations"] == 2
    assert result["statistics"]["unsuccessful_expectations"] == 1


@pytest.mark.parametrize("server_fixture", ["postgres_server", "mariadb_server"])
def test_batch_env_drivers_and_dlt_connectorx_work_against_a_real_server(
    server_fixture: str, batch_python: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server: DatabaseServer = request.getfixturevalue(server_fixture)
    table = f"judge_{tmp_path.name[-12:]}".replace("-", "_").lower()
    server.query(f"create table {table} (id integer primary key, name varchar(20))")
    server.query(f"insert into {table} values (1, 'ada'), (2, 'grace')")
    result = run_probe(
        batch_python,
        "dlt_load.py",
        server.url,
        table,
        str(tmp_path / "warehouse.duckdb"),
        str(tmp_path / "pipelines"),
        tmp_path=tmp_path,
    )
    assert result == {"rows": [[1, "ada"], [2, "grace"]], "connectorx_used": True, "failed_jobs": False}


@pytest.mark.parametrize(("server_fixture", "driver"), [("postgres_server", "psycopg2"), ("mariadb_server", "pymysql")])
def test_batch_env_sqlalchemy_driver_writes_and_reads_a_real_server(
    server_fixture: str, driver: str, batch_python: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server: DatabaseServer = request.getfixturevalue(server_fixture)
    result = run_probe(batch_python, "sql_roundtrip.py", server.url, tmp_path=tmp_path)
    assert result == {"driver": driver, "rows": [[1, "ada"], [2, "grace"]]}
    assert server.query("select count(*) from judge_roundtrip") == "2"
