"""Every environment variable a generated file reads is listed in `.env.example`: the set read is
found by scanning the generated files (a Flink job's `${NAME}` options, dbt's `env_var()`, Compose
interpolations, Python's `os.environ` / `os.getenv` / the ingestion's `env()`), not from a list of
what the families declare. Exempt: pipegen's own step and local-run settings (`ENV.fixed()` less
the connectors' names: `PIPEGEN_*`, each read with a default in the code or set by the run)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from pipegen.plan.names import ENV
from pipegen.plan.plan import make_plan
from pipegen.spec.model import Spec
from tests.conftest import REPO

SQL_OPTION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DBT_ENV = re.compile(r"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]")
COMPOSE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")  # `$${X}` is the container shell's
PYTHON = re.compile(r"(?:os\.environ\.get\(|os\.environ\[|os\.getenv\(|\benv\()\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]")
LISTED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)
PIPEGENS_OWN = set(ENV.fixed()) - {v for v in vars(type(ENV.connectors)).values() if isinstance(v, str)}


def reads(files: dict[str, str]) -> dict[str, str]:
    """Variable -> a generated file that reads it."""
    found: dict[str, str] = {}
    for path, content in sorted(files.items()):
        text, patterns = content, []
        if path.endswith(".sql"):
            text = re.sub(r"--[^\n]*", "", content)  # the runner substitutes options, not comments
            patterns.append(SQL_OPTION)
        if path.startswith("dbt/"):
            patterns.append(DBT_ENV)
        if path == "compose.yaml":
            patterns.append(COMPOSE)
        if path.endswith(".py"):
            patterns.append(PYTHON)
        for pattern in patterns:
            for name in pattern.findall(text):
                found.setdefault(name, path)
    return found


def unlisted(files: dict[str, str]) -> dict[str, str]:
    listed = set(LISTED.findall(files[".env.example"]))
    return {n: p for n, p in reads(files).items() if n not in listed and n not in PIPEGENS_OWN}


TOPIC = {
    "name": "clicks",
    "primary_key": "id",
    "event_time": "ts",
    "columns": [{"name": "id", "type": "bigint", "not_null": True}, {"name": "ts", "type": "timestamp(3)"}],
}
JOB = {"name": "per_minute", "from": "clicks", "window": {"type": "tumble", "size": "1m"},
       "measures": [{"name": "n", "agg": "count"}]}  # fmt: skip


def stream_spec(kind: str, connection: dict[str, Any], target: dict[str, Any], cloud: str) -> dict[str, Any]:
    return {
        "version": 1,
        "pipeline": {"name": "env_reads"},
        "latency": "1m",
        "cloud": cloud,
        "sources": [
            {
                "name": "app",
                "type": kind,
                "ingestion": "stream",
                "connection": connection,
                "topics": [copy.deepcopy(TOPIC)],
            }
        ],
        "targets": [target],
        "transforms": {"streams": [{**copy.deepcopy(JOB), "sink": {"target": target["name"]}}]},
    }


# the connectors' settings a spec leaves out, each read by a Flink job from the environment: the
# spec, and the variables its jobs read (written out by hand)
STREAM_SPECS = {
    "kinesis_without_region_or_stream": (
        stream_spec("kinesis", {}, {"name": "lake", "type": "files", "format": "parquet"}, "aws"),
        {"AWS_REGION", "KINESIS_STREAM_ARN", "LAKE_PATH"},
    ),
    "kinesis_stream_by_name": (
        stream_spec("kinesis", {"stream": "clicks"}, {"name": "wh", "type": "postgres"}, "aws"),
        {"AWS_REGION", "AWS_ACCOUNT_ID", "WH_USER", "WH_PASSWORD"},
    ),
    "eventhubs_without_namespace": (
        stream_spec("eventhubs", {}, {"name": "lake", "type": "delta"}, "azure"),
        # a Lakehouse with a Flink speed layer: its stream job's Delta sink (s44) and its bronze job (bronze44) are
        # relayed: the Delta loader (flink/delta_relays.json) writes under LAKE_PATH and the bronze container's root
        {"EVENTHUBS_BOOTSTRAP_SERVERS", "EVENTHUBS_SASL_JAAS_CONFIG", "PIPEGEN_LAKE_ROOT_BRONZE", "LAKE_PATH"},
    ),
    "eventhubs_connection_string": (  # the login from the spec's secret: no EVENTHUBS_SASL_JAAS_CONFIG
        stream_spec(
            "eventhubs",
            {"namespace": "app-ns", "connection_string": "${secret:APP_EVENTHUBS}"},
            {"name": "out", "type": "files", "connection": {"path": "out"}},
            "azure",
        ),
        {"APP_EVENTHUBS"},
    ),
}
EXAMPLES = sorted((REPO / "specs").glob("*.yaml"))


@pytest.mark.parametrize("spec_path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_variable_an_examples_files_read_is_listed(spec_path: Path) -> None:
    ready = prepare(spec_path)
    files = render_tree(ready.spec, ready.plan)
    assert reads(files)  # judged something
    assert unlisted(files) == {}


@pytest.mark.parametrize("name", sorted(STREAM_SPECS))
def test_every_variable_a_stream_connector_reads_is_listed(name: str) -> None:
    data, expected = STREAM_SPECS[name]
    spec = Spec.model_validate(data)
    files = render_tree(spec, make_plan(spec))
    flink = {n for path, text in files.items() if path.startswith("flink/sql/") for n in reads({path: text})}
    # the Delta loader's `${NAME}`s (a Delta bronze's path under the lake root: relayed since bronze44)
    flink |= set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", files.get("flink/delta_relays.json", "")))
    # the project's cluster, which the dead-letter and validation jobs write: its brokers and mutual TLS stores
    cluster = {ENV.kafka_bootstrap, ENV.kafka_truststore, ENV.kafka_truststore_password, ENV.kafka_keystore,
               ENV.kafka_keystore_password}  # fmt: skip
    assert flink - cluster == expected
    assert flink & cluster == cluster
    assert unlisted(files) == {}
