"""deploy.environments.<env>.targets overrides: the name of a target per environment and which
overrides the planner still warns about (R415). What the generated code does with them is judged in
tests/families/test_environment_targets.py and test_dbt_warehouse_parse.py."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from pipegen.plan.envtargets import environment_output, environment_targets
from pipegen.plan.plan import make_plan
from pipegen.spec.validate import check_data
from tests.conftest import REPO


def _load(path: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((REPO / path).read_text(encoding="utf-8"))
    return data


def _r415(data: dict[str, Any]) -> list[tuple[str, ...]]:
    checked = check_data(data)
    assert checked.spec is not None
    return [f.path[2:] for f in make_plan(checked.spec).findings if f.code == "R415"]


def test_an_environments_target_name_never_equals_a_target_name_and_fits_the_identifier_limit() -> None:
    assert environment_output("Warehouse", "pre-prod") == "warehouse-pre-prod"
    long = environment_output("t" * 255, "prod")
    assert len(long) == 255 and long.endswith("-prod") and long != environment_output("t" * 254 + "u", "prod")


def test_the_ecommerce_prod_override_is_merged_and_no_longer_warned() -> None:
    data = _load("specs/ecommerce_realtime.yaml")
    checked = check_data(data)
    assert checked.spec is not None
    (prod,) = environment_targets(checked.spec, checked.spec.targets[0])
    assert (prod.environment, prod.output, prod.fields) == ("prod", "warehouse-prod", ("host", "password"))
    assert prod.target.connection.host == "${env:CLICKHOUSE_PROD_HOST}" and prod.target.connection.port == 8443
    assert _r415(data) == []


def test_a_key_no_reader_takes_and_a_target_a_stream_sink_reads_stay_warned() -> None:
    data = _load("tests/invalid/fixtures/environment_override_stream_sink.yaml")
    assert _r415(data) == [("prod", "targets", "serving", "host")]  # dbt and dlt take it, the Flink sink not
    data["transforms"].pop("streams")
    data["sources"][0]["ingestion"] = "batch"
    assert _r415(data) == []
    data["deploy"]["environments"]["prod"]["targets"]["serving"]["options"] = {"sslmode": "require"}
    assert _r415(data) == [("prod", "targets", "serving", "options")]
