"""Ingestion family, fast checks: what it contributes to the shared files, and targeted
assertions on the generated text (current dlt APIs, names from the naming layer, values
through escaping). The generated code is RUN in tests/generators/test_ingestion_runs.py."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from pipegen.generators.base import GenContext, MakeTarget, RunStep
from pipegen.generators.ingestion import generator as ingestion
from pipegen.generators.registry import GENERATORS as REGISTRY
from pipegen.generators.registry import PLANNED
from pipegen.pipeline import families_for, prepare, render_tree
from pipegen.plan.plan import make_plan
from pipegen.render.filters import py_str
from pipegen.spec.model import Spec
from tests.conftest import SPECS, example_specs, spec_data


def generate(tmp_path: Path, data: dict[str, Any]) -> dict[str, str]:
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    ready = prepare(path)
    return render_tree(ready.spec, ready.plan)


def context(name: str) -> GenContext:
    ready = prepare(SPECS / f"{name}.yaml")
    return GenContext(ready.spec, ready.plan, frozenset({"ingestion"}), "0")


def test_ingestion_is_generated_not_planned() -> None:
    assert "ingestion" in REGISTRY and "ingestion" not in PLANNED


def test_contribution_has_the_agreed_run_step_make_target_and_variables() -> None:
    part = ingestion.GENERATOR.contribute(context("hello"))
    assert part.run_steps == (
        RunStep(20, "ingest", "load every source into the local warehouse (dlt)", ("-m", "pipeline.ingest", "--local")),
    )
    assert part.make_targets == (
        MakeTarget(
            "ingest",
            "load every source into the local warehouse (dlt)",
            (("$(PROJECT_PYTHON)", "-m", "pipeline.ingest", "--local"),),
        ),
        MakeTarget(
            "dead-letters",
            "re-validate the local warehouse's dead letters against the current contract (dry run)",
            (("$(PROJECT_PYTHON)", "-m", "pipeline.dead_letters", "--local"),),
        ),
        MakeTarget(
            "dead-letters-replay",
            "load the local dead letters that now pass their contract, delete them, leave the rest",
            (("$(PROJECT_PYTHON)", "-m", "pipeline.dead_letters", "--local", "--replay"),),
        ),
    )
    env = {v.name: v for v in part.env}
    assert env["RUNTIME__DLTHUB_TELEMETRY"].default == "false" and not env["RUNTIME__DLTHUB_TELEMETRY"].secret
    assert env["PIPEGEN_WAREHOUSE"].default == "warehouse.duckdb"
    assert env["SHOP_DB_PASSWORD"].secret and env["SHOP_DB_HOST"].secret  # spec references, never defaults


def test_requirements_pin_dlt_with_the_extras_of_sources_and_destination() -> None:
    hello = ingestion.GENERATOR.contribute(context("hello")).requirements
    assert "dlt[duckdb,filesystem,sql-database]==1.31.0" in hello
    assert {"connectorx==0.4.6", "psycopg2-binary==2.9.13", "pyarrow==26.0.1", "duckdb==2.0.1"} <= set(hello)
    saas = ingestion.GENERATOR.contribute(context("saas_elt")).requirements
    assert any(r.startswith("dlt[") and "snowflake" in r for r in saas)
    pii = ingestion.GENERATOR.contribute(context("pii_etl")).requirements
    assert "pymysql==1.2.4" in pii and any("s3" in r for r in pii if r.startswith("dlt["))


def test_pii_hash_key_is_a_secret_only_under_etl() -> None:
    assert "PIPEGEN_PII_KEY" in {v.name for v in ingestion.GENERATOR.contribute(context("pii_etl")).env if v.secret}
    assert "PIPEGEN_PII_KEY" not in {v.name for v in ingestion.GENERATOR.contribute(context("hello")).env}


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_generated_python_parses_and_uses_current_dlt_apis(spec: Path) -> None:
    ready = prepare(spec)
    files = render_tree(ready.spec, ready.plan)
    if "pipeline/ingest.py" not in files:
        assert "ingestion" not in families_for(ready.plan)
        return
    code = {p: t for p, t in files.items() if p.endswith(".py") and (p.startswith("pipeline/") or "ingestion" in p)}
    for path, text in code.items():
        ast.parse(text, filename=path)
    every = "\n".join(code.values())
    assert "drop_pending_packages" not in every, "deprecated since dlt 1.30: abort_packages restores state"
    assert "abort_packages()" in every
    assert '"sqlalchemy"' not in files["pipeline/sources.py"], "dlt's row-by-row default backend"
    assert "pipelines_dir=" in every, "dlt state must stay in the project, never ~/.dlt"
    assert "dlthub_telemetry = false" in files[".dlt/config.toml"]
    assert 'os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")' in files["pipeline/ingest.py"]


def test_sql_sources_read_with_connectorx_and_land_in_raw_schema_from_names() -> None:
    ready = prepare(SPECS / "saas_elt.yaml")
    sources = render_tree(ready.spec, ready.plan)["pipeline/sources.py"]
    names = ready.plan.names.dataset("app_db", "invoices")
    assert f'landed="{names.raw_table}"' in sources and f'dead_letter="{names.dead_letter_table}"' in sources
    assert f'"app_db": (raw_app_db, "{names.raw_schema}")' in sources
    assert 'credentials, "connectorx", ctx' in sources
    assert 'password=env("APP_DB_PASSWORD")' in sources, "secrets are read when the pipeline runs"
    assert 'Column("amount", "amount", "decimal", 14, 2)' in sources


def test_landed_column_names_follow_dlt_snake_case(tmp_path: Path) -> None:
    data = spec_data()
    data["sources"][0]["tables"][0]["columns"].append({"name": "CustomerID", "type": "bigint"})
    files = generate(tmp_path, data)
    assert 'Column("CustomerID", "customer_id", "bigint")' in files["pipeline/sources.py"]


def test_etl_masks_pii_in_the_extract_step_and_elt_does_not() -> None:
    etl = render_tree(*_ready("pii_etl"))
    assert "MASK_PII = True" in etl["pipeline/ingest.py"]
    assert 'Column("national_id", "national_id", "string", pii="drop")' in etl["pipeline/sources.py"]
    assert "MASK_PII = False" in render_tree(*_ready("hello"))["pipeline/ingest.py"]


def _ready(name: str) -> tuple[Spec, Any]:
    ready = prepare(SPECS / f"{name}.yaml")
    return ready.spec, ready.plan


def test_hostile_spec_text_stays_inert_in_generated_python(tmp_path: Path) -> None:
    # a newline is refused outside descriptions (S110), so only the description carries one
    hostile = '"""; import os; os.system("x") #\\'
    data = spec_data()
    data["sources"][0]["description"] = hostile + "\nsecond line"
    data["sources"].append(
        {
            "name": "files_src",
            "type": "files",
            "connection": {"url": hostile},
            "tables": [{"name": "t", "path": hostile, "format": "csv", "columns": [{"name": "a", "type": "int"}]}],
        }
    )
    data["sources"].append(
        {
            "name": "api_src",
            "type": "api",
            "connection": {"url": hostile},
            "tables": [
                {"name": "t", "endpoint": hostile, "records_path": hostile, "columns": [{"name": "a", "type": "int"}]}
            ],
        }
    )
    files = generate(tmp_path, data)
    for path in ("pipeline/sources.py", "pipeline/ingest.py"):
        tree = ast.parse(files[path])
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]
        assert not calls, f"spec text became code in {path}"
    assert py_str(hostile) in files["pipeline/sources.py"]


def test_a_lambda_batch_layer_loads_its_streams_from_json_lines_stand_ins_only() -> None:
    spec, plan = _ready("iot_lambda")
    sources = render_tree(spec, plan)["pipeline/sources.py"]
    assert "Not loaded here" not in sources
    assert 'folder = settings.local_only("sensors", "Kafka topics that are not JSON")' in sources
    assert '"path": "readings.jsonl"' in sources and '"format": "jsonl"' in sources
    assert '"sensors": (raw_sensors, "raw_sensors")' in sources
    assert '"registry": (raw_registry, "raw_registry")' in sources
    assert make_plan(spec).architecture == plan.architecture


def test_runtime_and_project_tests_are_verbatim_copies_of_the_static_templates() -> None:
    from pipegen.resources import data_dir

    files = render_tree(*_ready("hello"))
    static = data_dir("templates") / "ingestion"
    assert files["pipeline/runtime.py"] == (static / "runtime.py").read_text(encoding="utf-8")
    assert files["tests/test_ingestion.py"] == (static / "test_ingestion.py").read_text(encoding="utf-8")


def _kafka_elt(fmt: str) -> dict[str, Any]:
    topic = {"name": "orders", "format": fmt, "primary_key": "order_id",
             "columns": [{"name": "order_id", "type": "bigint", "not_null": True}]}  # fmt: skip
    registry = {"schema_registry": "${env:SHOP_REGISTRY_URL}"} if fmt == "avro" else {}  # R514
    return {
        "version": 1, "pipeline": {"name": "shop_topics"}, "latency": "1h", "architecture": "elt",
        "sources": [{"name": "shop", "type": "kafka", "ingestion": "stream", "connection": {
            "bootstrap_servers": "${env:SHOP_KAFKA}", "options": {"security.protocol": "SASL_SSL",
                                                                   "sasl.password": "${secret:SHOP_KAFKA_PASSWORD}"},
                                                        **registry},
            "topics": [topic]}],
        "targets": [{"name": "warehouse", "type": "duckdb", "connection": {"path": "warehouse.duckdb"}}],
    }  # fmt: skip


def test_a_json_kafka_source_gets_the_production_topic_reader_and_another_format_a_located_warning(
    tmp_path: Path,
) -> None:
    """JSON topics: pipeline/topics.py, the naming layer's group, the spec's options with secrets read from
    the environment, confluent-kafka pinned; no R396 for the connection or format it reads. Avro: the --local
    stand-in only, and R469 at the topic's `format`."""
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(_kafka_elt("json")), encoding="utf-8")
    ready = prepare(path)
    assert [d.code for d in ready.diagnostics if d.code in ("R396", "R469")] == []
    files = render_tree(ready.spec, ready.plan)
    sources = files["pipeline/sources.py"]
    group = ready.plan.names.dataset("shop", "orders").ingest_group
    assert f'client_config(bootstrap, "{group}", options), "orders", ctx)' in sources
    assert 'options = {"sasl.password": env("SHOP_KAFKA_PASSWORD"), "security.protocol": "SASL_SSL"}' in sources
    assert "topics.commit(name)" in files["pipeline/ingest.py"] and "pipeline/topics.py" in files
    assert "confluent-kafka==2.16.1" in files["requirements.txt"].splitlines()
    assert "\nSHOP_KAFKA_PASSWORD=" in files[".env.example"]

    path.write_text(json.dumps(_kafka_elt("avro")), encoding="utf-8")
    ready = prepare(path)
    [warning] = [d for d in ready.diagnostics if d.code == "R469"]
    assert (warning.path, warning.severity) == ("sources[0].topics[0].format", "warning"), warning
    assert "not avro" in warning.message
    files = render_tree(ready.spec, ready.plan)
    assert "pipeline/topics.py" not in files and "topic_resource" not in files["pipeline/sources.py"]
    assert "confluent-kafka==2.16.1" not in files["requirements.txt"].splitlines()

    # on the project's cluster (no bootstrap_servers): on a managed cloud the reader signs in with the workload's
    # identity (pipeline/topics.py `sign_in`, the cloud's token package pinned) and no warning; a located warning
    # only under Kubernetes with no batch workload in the cluster (with one, the batch pod signs in as the
    # ingest KafkaUser: tests/judges/test_kubernetes_family.py); nothing for a local broker
    pins = {"aws": "aws-msk-iam-sasl-signer-python==1.0.2", "gcp": "google-auth==2.63.1",
            "azure": "azure-identity==1.27.0"}  # fmt: skip
    for cloud, kubernetes, expected in (("aws", False, []), ("gcp", False, []), ("azure", False, []),
                                        ("aws", True, []), ("local", True, []), ("local", False, [])):  # fmt: skip
        data = _kafka_elt("json")
        del data["sources"][0]["connection"]
        data |= {"cloud": cloud, "deploy": {"kubernetes": {"enabled": kubernetes}}}
        path.write_text(json.dumps(data), encoding="utf-8")
        ready = prepare(path)
        found = [d for d in ready.diagnostics if d.code == "R470"]
        sources = render_tree(ready.spec, ready.plan)["pipeline/sources.py"]
        requirements = render_tree(ready.spec, ready.plan)["requirements.txt"].splitlines()
        managed = cloud != "local" and not kubernetes
        assert (f'options = sign_in("{cloud}", bootstrap)' in sources) == managed, sources
        assert ("from pipeline.topics import client_config, sign_in, topic_resource" in sources) == managed
        assert [p for p in pins.values() if p in requirements] == ([pins[cloud]] if managed else [])
        assert [d.code for d in found] == expected and all(d.path == "sources[0].type" for d in found), found
