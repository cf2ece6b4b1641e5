"""dbt registers the lake's Delta silver itself (R466 closed): a Lakehouse whose Delta silver the lake step
writes by path (deltalake, no Spark batch job) gets an `on-run-start` hook (dbt/macros/pipegen_register_silver.sql)
that, on dbt's Spark / Databricks targets only, runs `CREATE SCHEMA IF NOT EXISTS` and `CREATE TABLE IF NOT
EXISTS <schema>.<table> USING DELTA LOCATION '<lake root>/<silver path>'` for each silver table `_sources.yml`
reads. Judged by dbt (dbt-spark parses the project; dbt itself renders the macro's statements and runs the hook
on the local DuckDB target, where it must do nothing) and by Spark's own SQL parser (the `spark` judge env)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import prepare, render_tree
from tests.judges.envs import offline_env
from tests.judges.spark_service import SparkService

SPEC = """\
version: 1
pipeline: {{name: shop}}
latency: 1h
{engines}sources:
  - name: db
    type: postgres
    ingestion: batch
    tables:
      - name: orders
        primary_key: order_id
        watermark: updated_at
        columns:
          - {{name: order_id, type: bigint}}
          - {{name: status, type: text, accepted_values: [placed, shipped]}}
          - {{name: updated_at, type: timestamp}}
      - name: customers
        primary_key: customer_id
        columns:
          - {{name: customer_id, type: bigint}}
          - {{name: name, type: text}}
targets:
  - name: lake
    type: {lake}
    connection: {{bucket: "acme-lake", path: "it's/here"}}
"""
# PIPEGEN_LAKE_ROOT as a deployment sets it (the trailing slash is dropped; the quote and backslash escaped)
ROOT = "s3://acme/o'neil\\x/root/"
HOOK = "macros/pipegen_register_silver.sql"


def project(tmp: Path, lake: str = "delta", engines: str = "") -> tuple[dict[str, str], list[str]]:
    """(generated files, diagnostic codes) of SPEC, written under `tmp`."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "pipegen.yaml").write_text(SPEC.format(lake=lake, engines=engines), encoding="utf-8")
    ready = prepare(tmp / "pipegen.yaml")
    files = render_tree(ready.spec, ready.plan)
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text, encoding="utf-8")
    return files, [d.code for d in ready.diagnostics]


def read_by_staging(files: dict[str, str]) -> set[tuple[str, str]]:
    sources = YAML(typ="safe").load(files["dbt/models/staging/_sources.yml"])
    return {(s["schema"], t["name"]) for s in sources["sources"] for t in s["tables"]}


def test_a_delta_silver_the_lake_step_writes_is_registered_by_dbts_hook_and_r466_is_gone(tmp_path: Path) -> None:
    files, codes = project(tmp_path)
    assert "R466" not in codes
    project_yml = YAML(typ="safe").load(files["dbt/dbt_project.yml"])
    assert project_yml["on-run-start"] == ["{{ pipegen_register_silver() }}"]
    assert HOOK in {p.removeprefix("dbt/") for p in files}
    assert "dbt registers each silver table there itself" in files["docs/lakehouse.md"]


@pytest.mark.parametrize(("lake", "engines"), [("iceberg", ""), ("delta", "engines: {batch: spark}\n")])
def test_no_hook_where_the_spark_job_registers_silver_or_nothing_can(tmp_path: Path, lake: str, engines: str) -> None:
    """Iceberg silver in the lake step's SQL catalog: no DDL registers it by location and no catalog Spark opens
    holds it (R464 stays, docs/families.md; with `lake.catalog`, dbt/spark-thrift/ opens it); Delta silver the Spark
    batch job writes: its silver step registers it (medallion.json `register`)."""
    files, codes = project(tmp_path, lake, engines)
    assert f"dbt/{HOOK}" not in files and "on-run-start" not in files["dbt/dbt_project.yml"]
    assert ("R464" in codes) == (lake == "iceberg") and "R466" not in codes


DBT_DRIVER = """
import contextlib, io, json, os, sys
from dbt.cli.main import dbtRunner
os.chdir(sys.argv[1])
out = {}
def invoke(name, args, env=()):
    os.environ.update(dict(env))
    log = io.StringIO()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        result = dbtRunner().invoke(args + ["--profiles-dir", ".", "--project-dir", "."])
    out[name] = {"success": result.success, "log": log.getvalue()[-3000:]}
    return result
placeholders = json.loads(sys.argv[2])
invoke("parse_lake", ["parse", "--target", "lake", "--no-partial-parse"], placeholders)
made = invoke("compile", ["compile", "--target", "local", "--inline",
                          "{{ tojson(pipegen_silver_registrations(" + json.dumps(sys.argv[3]) + ")) }}"])
if made.success:
    out["statements"] = json.loads(made.result.results[0].node.compiled_code)
invoke("hook_on_local", ["run-operation", "pipegen_register_silver", "--target", "local"])
for name, env in json.loads(sys.argv[4]).items():  # the root the hook takes from the environment
    made = invoke(name, ["compile", "--target", "local", "--inline", "{{ pipegen_silver_root() }}"], env)
    out[name]["root"] = made.result.results[0].node.compiled_code if made.success else None
print(json.dumps(out))
"""


def judge(python: Path, code: str, args: list[str], home: Path) -> Any:
    proc = subprocess.run([str(python), "-c", code, *args], capture_output=True, text=True, timeout=600,
                          check=False, env=offline_env(home))  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


SPARK_PARSE = Path(__file__).with_name("spark_parse_driver.py")


@pytest.mark.judge
def test_dbt_renders_the_registrations_spark_parses_them_and_they_name_what_sources_read(
    tmp_path: Path, dbt_warehouses_python: Path, spark_service: SparkService
) -> None:
    files, _ = project(tmp_path / "p")
    dbt_dir = tmp_path / "p" / "dbt"
    profile = YAML(typ="safe").load(files["dbt/profiles.yml"])["shop"]["outputs"]["lake"]
    assert profile["type"] == "spark"  # the Delta target's production dbt target: dbt-spark
    placeholders = {"LAKE_HOST": "spark-thrift.example.com"}
    # silver's own root (Azure: its container, cloudnames.lake_roots) before the lake root
    azure = {"PIPEGEN_LAKE_ROOT": "abfss://silver@acct.dfs.core.windows.net",
             "PIPEGEN_LAKE_ROOT_SILVER": "abfss://silver@acct.dfs.core.windows.net/own"}  # fmt: skip
    roots = {"root_one": {"PIPEGEN_LAKE_ROOT": ROOT}, "root_layer": azure}
    args = [str(dbt_dir), json.dumps(placeholders), ROOT, json.dumps(roots)]
    got = judge(dbt_warehouses_python, DBT_DRIVER, args, tmp_path / "home")
    assert got["root_one"]["root"] == ROOT, got["root_one"]["log"]
    assert got["root_layer"]["root"] == azure["PIPEGEN_LAKE_ROOT_SILVER"], got["root_layer"]["log"]
    assert got["parse_lake"]["success"], got["parse_lake"]["log"]  # dbt-spark parses the project with its hook
    assert got["compile"]["success"], got["compile"]["log"]
    # on the local DuckDB target the hook runs nothing (the lake step's copy is what staging reads there)
    assert got["hook_on_local"]["success"], got["hook_on_local"]["log"]
    statements = got["statements"]
    # Spark's own parser, on the test session's shared Spark session (tests/judges/spark_service.py)
    parsed = spark_service.run(SPARK_PARSE, [json.dumps(statements)], tmp_path, offline_env(tmp_path / "home"))
    assert parsed.returncode == 0, parsed.stdout[-3000:] + parsed.stderr[-3000:]
    plans = json.loads(parsed.stdout.strip().splitlines()[-1])
    assert plans[0] == ["CreateNamespace", True, "shop_silver"]
    created = {(p[2], p[3], p[4]) for p in plans[1:]}
    assert all(p[:2] == ["CreateTable", True] for p in plans[1:])
    # every table staging reads from silver, and nothing else, at the lake step's silver path
    lake = json.loads(files["pipeline/lake.json"])
    silver_dir = lake["targets"][0]["layers"]["silver"]
    expected = {
        (f"{schema}.{table}", "DELTA", f"{ROOT.rstrip('/')}/{silver_dir}/{table}")
        for schema, table in read_by_staging(files)
    }
    assert {(name, provider.upper(), location) for name, provider, location in created} == expected
