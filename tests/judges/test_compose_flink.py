"""compose.yaml's flink-sql runs the production runner (pipeline/flink_runner.py) with the environment
compose.yaml gives it: the jobs' Kafka tables on the project's cluster lose their TLS options (Compose's
broker is plaintext: PIPEGEN_FLINK_KAFKA_PLAINTEXT), a table on a cluster the spec names keeps its own,
`parallelism.default` is the `dev` environment's (PIPEGEN_FLINK_PARALLELISM), and every `${VAR}` is filled
(from compose.yaml's environment, else `.env`), and every Iceberg table is compose's REST catalog's
(PIPEGEN_FLINK_ICEBERG_REST_URI), its production catalog's options dropped. PyFlink then accepts every
statement the runner executes before the job's final one (its DDL: the Kafka, JDBC and Iceberg jars are the
image's, not the judge's, so the final statement, which plans against them, is not run here) and each
rewritten Iceberg WITH clause."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO
from tests.judges.compose_checks import load

EXAMPLES = ("ecommerce_realtime", "iot_lambda")
SYSTEMS = Path(__file__).parent / "compose_flink_systems.yaml"  # Iceberg sinks and bronze on a REST catalog
CATALOG = {"catalog-type", "catalog-impl", "uri", "warehouse", "token", "io-impl", "client.region"}
GLUE = """CREATE TABLE `t` (`a` INT)
WITH (
  'connector' = 'iceberg',
  'catalog-name' = 'lake',
  'catalog-database' = 'p_gold',
  'catalog-table' = 't',
  'catalog-impl' = 'org.apache.iceberg.aws.glue.GlueCatalog',
  'warehouse' = 's3://lake/',
  'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO',
  'client.region' = 'eu-west-1',
  'header.X-Iceberg-Access-Delegation' = 'vended-credentials'
)"""
DRIVER = """
import json, sys
from pyflink.table import EnvironmentSettings, TableEnvironment
t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
failed = []
for i, stmt in enumerate(json.load(sys.stdin)):
    try:
        t.execute_sql(stmt)
    except Exception as exc:
        failed.append([i, str(exc)[:500]])
print(json.dumps(failed))
"""


@cache
def files(example: str | Path) -> dict[str, str]:
    ready = prepare(example if isinstance(example, Path) else REPO / "specs" / f"{example}.yaml")
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


def flink_sql_module(project: dict[str, str], root: Path) -> ModuleType:
    for rel in ("pipeline/__init__.py", "pipeline/flink_sql.py", "pipeline/envsubst.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(project.get(rel, ""), encoding="utf-8")
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("pipeline.flink_sql")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]


def compose_env(project: dict[str, str]) -> dict[str, str]:
    """flink-sql's environment: compose.yaml's, over a developer's .env (every variable set)."""
    dotenv = {m: "placeholder" for m in re.findall(r"^([A-Za-z_]\w*)=", project[".env.example"], re.M)}
    service = load(project["compose.yaml"])["services"]["flink-sql"]
    return {**dotenv, **service["environment"]}


def runner_statements(example: str, root: Path) -> tuple[list[tuple[str, str]], list[str], dict[str, str]]:
    """What the runner does with each script under compose.yaml's environment: (settings, statements)."""
    project = files(example)
    sql = flink_sql_module(project, root / example)
    env = compose_env(project)
    settings: list[tuple[str, str]] = []
    executed: list[str] = []
    for path, script in sorted(project.items()):
        if not path.startswith("flink/sql/"):
            continue
        for raw in sql.statements(script):
            stmt = sql.plaintext(raw) if env.get(sql.PLAINTEXT_ENV) else raw
            pair = sql.setting(stmt)
            if pair:
                settings.append(sql.configured(pair, env))
            else:
                executed.append(sql.substitute(stmt, env))
    return settings, executed, env


def options(stmt: str) -> dict[str, str]:
    body = stmt.rsplit("WITH (", 1)[-1] if "WITH (" in stmt else ""
    return dict(re.findall(r"'([^']+)' = '((?:[^']|'')*)'", body))


def test_under_compose_the_runner_drops_the_projects_tls_and_runs_at_the_dev_parallelism(tmp_path: Path) -> None:
    plaintext = named = 0
    for example in EXAMPLES:
        settings, executed, env = runner_statements(example, tmp_path)
        parallelism = [v for k, v in settings if k == "parallelism.default"]
        assert parallelism and set(parallelism) == {env["PIPEGEN_FLINK_PARALLELISM"]}, example
        for stmt in executed:
            found = options(stmt)
            if found.get("connector") not in ("kafka", "upsert-kafka"):
                continue
            if found["properties.bootstrap.servers"] == env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:29092":
                assert not any(k.startswith(("properties.ssl.", "properties.security.")) for k in found), stmt
                plaintext += 1
            else:  # a cluster the spec names keeps its own security settings
                assert "properties.security.protocol" in found or "properties.sasl.mechanism" in found, stmt
                named += 1
        assert not any("${" in s for s in executed), example
    assert plaintext >= 15 and named >= 1, (plaintext, named)


def test_without_the_compose_switch_the_project_tables_keep_their_tls(tmp_path: Path) -> None:
    """The switch is what drops them: the same scripts without it keep every TLS option."""
    project = files("ecommerce_realtime")
    sql = flink_sql_module(project, tmp_path)
    script = project["flink/sql/ecommerce_realtime__category_top_sales.sql"]
    kept = [s for s in sql.statements(script) if "'properties.ssl.truststore.location'" in s]
    assert kept and all(sql.plaintext(s) != s for s in kept)
    assert sql.configured(("parallelism.default", "3"), {}) == ("parallelism.default", "3")
    assert sql.configured(("pipeline.name", "x"), {sql.PARALLELISM_ENV: "1"}) == ("pipeline.name", "x")


def iceberg_statements(project: dict[str, str], root: Path) -> list[tuple[str, str]]:
    """(as written, as the runner executes it under compose.yaml's environment) of every Iceberg table."""
    sql = flink_sql_module(project, root)
    env = compose_env(project)
    return [
        (raw, sql.substitute(sql.local_catalog(raw), env))
        for path, script in sorted(project.items())
        if path.startswith("flink/sql/")
        for raw in sql.statements(script)
        if "'connector' = 'iceberg'" in raw
    ]


def without_catalog(found: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in found.items() if k not in CATALOG}


def test_under_compose_every_iceberg_table_is_compose_s_rest_catalogs(tmp_path: Path) -> None:
    """The production catalog's options go, compose's REST catalog comes; the table's catalog name, database,
    table and write options stay. Nothing else changes, and without the switch nothing does."""
    project = files(SYSTEMS)
    env = compose_env(project)
    pairs = iceberg_statements(project, tmp_path / "systems")
    assert len(pairs) >= 5  # the stream job's sink and four bronze jobs
    for raw, local in pairs:
        before, after = options(raw), options(local)
        assert before["uri"] == "https://catalog.example.com/api" and before["warehouse"] == "prod"
        assert after["catalog-type"] == "rest" and after["uri"] == env["PIPEGEN_FLINK_ICEBERG_REST_URI"]
        assert after["uri"] == "http://iceberg-rest:8181" and "warehouse" not in after
        assert {k: v for k, v in before.items() if k not in CATALOG} == {
            k: v for k, v in after.items() if k not in CATALOG
        }
        assert local.split("\n)", 1)[1] == raw.split("\n)", 1)[1]  # the query as it was
    sql = flink_sql_module(project, tmp_path / "glue")
    glue = options(sql.local_catalog(GLUE))
    assert glue["uri"] == "${PIPEGEN_FLINK_ICEBERG_REST_URI}" and not ({"catalog-impl", "io-impl"} & glue.keys())
    assert "client.region" not in glue and not any(k.startswith("header.") for k in glue)
    scripts = [v for k, v in sorted(project.items()) if k.startswith("flink/sql/")]
    kinesis = next(s for script in scripts for s in sql.statements(script) if "'connector' = 'kinesis'" in s)
    assert sql.local_catalog(kinesis) == kinesis
    assert sql.ICEBERG_REST_ENV == "PIPEGEN_FLINK_ICEBERG_REST_URI"


def test_pyflink_accepts_every_ddl_statement_the_runner_executes_under_compose(
    flink_python: Path, tmp_path: Path
) -> None:
    """Every statement but each script's last (the job itself), after the runner's rewrites: the
    CREATE TABLEs without their TLS options still parse and register in PyFlink's catalog."""
    project = files("ecommerce_realtime")
    sql = flink_sql_module(project, tmp_path)
    env = compose_env(project)
    ddl: list[str] = []
    for path, script in sorted(project.items()):
        if path.startswith("flink/sql/"):
            stmts = [s for s in sql.statements(script) if not sql.setting(s)]
            ddl += [sql.substitute(sql.plaintext(s), env) for s in stmts[:-1] if s.upper().startswith("CREATE TABLE")]
    assert len(ddl) >= 10
    # each script's tables are created in one catalog: a name two scripts share is dropped first
    unique: dict[str, str] = {}
    for stmt in ddl:
        name = re.match(r"CREATE TABLE\s+(`[^`]+`|\S+)", stmt)
        assert name is not None
        unique.setdefault(name[1], stmt)
    # each Iceberg table's WITH clause as the runner rewrites it, on a probe table (its job is a CTAS)
    for i, (_, local) in enumerate(iceberg_statements(files(SYSTEMS), tmp_path / "systems")):
        unique[f"iceberg_{i}"] = f"CREATE TABLE `iceberg_probe_{i}` (`a` INT) WITH (" + local.split("WITH (", 1)[1]
        unique[f"iceberg_{i}"] = unique[f"iceberg_{i}"].split("\n)", 1)[0] + "\n)"
    done = subprocess.run([str(flink_python), "-c", DRIVER], input=json.dumps(list(unique.values())),
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    failed: list[Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert failed == [], failed
