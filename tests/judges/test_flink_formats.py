"""Avro topics end to end (tests/judges/flink_avro_topics.yaml, specs/iot_lambda.yaml): the Flink jobs read an `avro`
topic with the `avro-confluent` format and the source's `connection.schema_registry` (its URL and basic auth, from
the environment), compose's Flink image carries the format's jar, the production runner fills the registry's
user info from the environment, and the local run reads the topic's JSON lines stand-in. Before the schema
registry existed in the spec an Avro topic was read with the plain `avro` format (Avro without the schema id
Confluent's serializers write) and no registry: the first test failed on it.

The format's factory is not on the flink judge's classpath (tests/judges/flink_formats.py says why): its options are
checked as that factory checks them, and the local rewrite's statements are planned by PyFlink with the rest of
the examples (tests/judges/test_flink_jobs.py, iot_lambda)."""

from __future__ import annotations

import importlib
import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest

from pipegen.pipeline import prepare, render_tree
from pipegen.plan.flinkjars import AVRO_CONFLUENT_JAR
from tests.conftest import REPO
from tests.judges.compose_checks import DOCKERFILE, flink_jar_problems
from tests.judges.flink_formats import format_option_problems, table_options

AVRO_SPEC = Path(__file__).with_name("flink_avro_topics.yaml")
IOT = REPO / "specs" / "iot_lambda.yaml"
BASIC_AUTH = {
    "avro-confluent.url": "${SCHEMA_REGISTRY_URL}",
    "avro-confluent.basic-auth.credentials-source": "USER_INFO",
    "avro-confluent.basic-auth.user-info": "${SCHEMA_REGISTRY_USER}:${SCHEMA_REGISTRY_PASSWORD}",
}


@cache
def rendered(spec: Path) -> dict[str, str]:
    ready = prepare(spec)
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


def source_tables(files: dict[str, str], topic: str) -> list[dict[str, str]]:
    return [o for _, o in table_options(files) if o.get("connector") == "kafka" and o.get("topic") == topic]


def test_an_avro_topic_is_read_with_avro_confluent_and_its_sources_schema_registry() -> None:
    files = rendered(AVRO_SPEC)
    readings = source_tables(files, "readings")  # the stream job, the validation and dead-letter jobs
    assert len(readings) == 3
    for options in readings:
        assert options["format"] == "avro-confluent"
        assert {k: v for k, v in options.items() if k.startswith("avro-confluent.")} == BASIC_AUTH
    (positions,) = source_tables(files, "positions")  # Event Hubs: the registry's URL alone, no sign-in
    assert positions["format"] == "avro-confluent"
    assert {k: v for k, v in positions.items() if k.startswith("avro")} == {
        "avro-confluent.url": "https://registry.example.com:8081"
    }
    (shifts,) = source_tables(files, "shifts")  # a JSON topic of the same source: no registry option
    assert shifts["format"] == "json" and not any(k.startswith("avro") for k in shifts)
    for options in source_tables(rendered(IOT), "readings"):
        assert options["format"] == "avro-confluent" and options["avro-confluent.url"] == "${SCHEMA_REGISTRY_URL}"


@pytest.mark.parametrize("spec", [AVRO_SPEC, IOT], ids=lambda p: p.stem)
def test_the_format_options_are_what_the_avro_confluent_factory_takes(spec: Path) -> None:
    assert format_option_problems(rendered(spec)) == []


def test_the_format_check_fails_without_the_url_with_an_unknown_option_or_a_wrong_credentials_source() -> None:
    files = rendered(AVRO_SPEC)
    job = "flink/sql/plant_avro__hot_devices.sql"
    broken = {
        "url": files[job].replace("  'avro-confluent.url' = '${SCHEMA_REGISTRY_URL}',\n", ""),
        "unknown": files[job].replace("'avro-confluent.url'", "'avro-confluent.registry-url'"),
        "source": files[job].replace("'USER_INFO'", "'USERINFO'"),
    }
    for what, text in broken.items():
        assert text != files[job], what
        assert format_option_problems({job: text}), what


def test_compose_s_flink_image_adds_the_avro_confluent_jar_and_the_jar_check_needs_it() -> None:
    files = rendered(AVRO_SPEC)
    assert flink_jar_problems(files) == []
    line = next(ln for ln in files[DOCKERFILE].splitlines() if ln.startswith("ADD ") and AVRO_CONFLUENT_JAR.file in ln)
    without = {**files, DOCKERFILE: files[DOCKERFILE].replace(line + "\n", "")}
    problems = flink_jar_problems(without)
    assert problems and all("flink-sql-avro-confluent-registry-*.jar" in p for p in problems), problems


def test_the_production_runner_fills_the_registry_url_and_user_info_from_the_environment(tmp_path: Path) -> None:
    """The runner's own substitution (pipeline/flink_sql.py), as the FlinkDeployment runs it: both references of
    the user info filled, a quote in the password escaped, nothing left unset."""
    files = rendered(AVRO_SPEC)
    for rel in ("pipeline/__init__.py", "pipeline/flink_sql.py", "pipeline/envsubst.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(files.get(rel, ""), encoding="utf-8")
    script = files["flink/sql/plant_avro__hot_devices.sql"]
    env = {n: "x" for n in re.findall(r"\$\{(\w+)\}", script)}
    env |= {"SCHEMA_REGISTRY_URL": "https://sr:8081", "SCHEMA_REGISTRY_USER": "key"}
    env["SCHEMA_REGISTRY_PASSWORD"] = "s'cret"
    sys.path.insert(0, str(tmp_path))
    try:
        flink_sql = importlib.import_module("pipeline.flink_sql")
        text = "\n".join(flink_sql.substitute(s, env) for s in flink_sql.statements(script))
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]
    assert "'avro-confluent.url' = 'https://sr:8081'" in text
    assert "'avro-confluent.basic-auth.user-info' = 'key:s''cret'" in text
    assert "${" not in text


def test_the_local_run_reads_the_avro_topic_s_json_lines_stand_in_and_env_example_lists_the_registry() -> None:
    files = rendered(AVRO_SPEC)
    jobs = {j["job"]: j for j in json.loads(files["flink/jobs.json"])["jobs"]}
    (table,) = [t for t in jobs["plant_avro__hot_devices"]["tables"].values() if t["role"] == "source"]
    assert table["dataset"] == "plant.readings" and table["format_options"] == {"format": "json"}
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", files[".env.example"], re.M))
    assert {"SCHEMA_REGISTRY_URL", "SCHEMA_REGISTRY_USER", "SCHEMA_REGISTRY_PASSWORD"} <= listed
