"""The flink family's quality jobs and the Flink cells of the rule x engine matrix, unit-level
(the PyFlink runs over injected bad events are in tests/judges/test_flink_quality.py; every
statement is planned by tests/judges/test_flink_jobs.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from pipegen.common.stream_rules import text_literal
from pipegen.generators.gx.matrix import REASONS, cells
from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO

SHOP = REPO / "specs" / "ecommerce_realtime.yaml"
SENSOR = REPO / "tests" / "judges" / "flink_quality.yaml"


def tree(spec: Path) -> dict[str, str]:
    ready = prepare(spec)
    return render_tree(ready.spec, ready.plan)


@pytest.fixture(scope="module")
def shop() -> dict[str, str]:
    return tree(SHOP)


@pytest.fixture(scope="module")
def sensor() -> dict[str, str]:
    return tree(SENSOR)


def test_a_literal_holding_a_runner_variable_is_split_so_the_runner_never_substitutes_it() -> None:
    assert text_literal("it's") == "'it''s'"
    lit = text_literal("a${B}c")
    assert "${" not in lit and lit == "('a$' || '{B}c')"


def test_each_streamed_table_with_rules_gets_a_dead_letter_and_a_validation_job(shop: dict[str, str]) -> None:
    jobs = {j["job"]: j for j in json.loads(shop["flink/jobs.json"])["jobs"]}
    quality = {name: j["quality"]["kind"] for name, j in jobs.items() if "quality" in j}
    assert quality == {
        f"ecommerce_realtime__shop__{t}__{k}": kind
        for t in ("orders", "users", "products")
        for k, kind in (("dead_letters", "dead_letters"), ("validation", "validation_events"))
    }
    for name in quality:
        assert f"flink/sql/{name}.sql" in shop
        deployment = yaml.safe_load(shop[f"flink/deploy/{name.replace('__', '-').replace('_', '-')}.yaml"])
        assert deployment["spec"]["job"]["args"][-1].endswith(f"flink/sql/{name}.sql")


def test_dead_letters_go_to_the_tables_dlq_keyed_by_its_primary_key_with_the_failed_spec_paths(
    shop: dict[str, str],
) -> None:
    sql = shop["flink/sql/ecommerce_realtime__shop__orders__dead_letters.sql"]
    assert "'topic' = 'ecommerce_realtime.shop.orders.dlq'" in sql
    assert "'key.fields' = 'order_id'" in sql and "'sink.delivery-guarantee' = 'exactly-once'" in sql
    assert "WHERE `op` IN ('c', 'r', 'u')" in sql  # every new image, append-only
    assert "THEN 'sources[0].tables[0].columns[6].accepted_values' END" in sql
    assert "WHERE CARDINALITY(`_failed_rules`) > 0" in sql


def test_validation_events_are_raw_json_keyed_by_table_to_the_events_topic_per_minute(shop: dict[str, str]) -> None:
    sql = shop["flink/sql/ecommerce_realtime__shop__orders__validation.sql"]
    assert "'topic' = 'dq.validation_events'" in sql
    assert "'key.format' = 'raw'" in sql and "'value.format' = 'raw'" in sql
    assert "TUMBLE(TABLE `shop__orders__checks`, DESCRIPTOR(`created_at`), INTERVAL '1' MINUTE)" in sql
    rules = len(re.findall(r"AS `__rule_\d+`", sql))
    assert sql.count('"ThresholdBreached"') == rules  # one SELECT per rule
    assert sql.count("UNION ALL") == rules + 1  # passed, failed, and a breach per rule


def test_quarantine_keeps_critical_breaks_out_of_the_stream_jobs_input(shop: dict[str, str]) -> None:
    gmv = shop["flink/sql/ecommerce_realtime__gmv_per_minute.sql"]
    view = gmv[gmv.index("CREATE TEMPORARY VIEW `gmv_per_minute__input`") :]
    assert "`orders`.`order_status` NOT IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')" in view
    assert "(`orders`.`quantity` < 1 OR `orders`.`quantity` > 1000)" in view
    assert "IS NULL" not in view.split("CREATE TABLE")[0]  # NOT NULL-declared columns: the planner folds it


def test_without_quarantine_the_stream_jobs_read_every_event(tmp_path: Path) -> None:
    text = SENSOR.read_text().replace("on_failure: quarantine", "on_failure: warn")
    spec = tmp_path / "warn.yaml"
    spec.write_text(text)
    files = tree(spec)
    assert "WHERE" not in files["flink/sql/sensor_quality__readings_per_minute.sql"].split("__input` AS")[1]
    assert "flink/sql/sensor_quality__plant__readings__dead_letters.sql" in files


def test_the_flink_user_may_write_the_events_topic(shop: dict[str, str]) -> None:
    docs = [d for d in yaml.safe_load_all(shop["k8s/kafka/users.yaml"]) if d and d.get("kind") == "KafkaUser"]
    flink = next(d for d in docs if "flink" in d["metadata"]["name"])
    topics = {a["resource"].get("name") for a in flink["spec"]["authorization"]["acls"] if "Write" in a["operations"]}
    assert "dq.validation_events" in topics and "ecommerce_realtime.shop.orders.dlq" in topics


# The Flink column of docs/quality.md: one test per cell.
PER_EVENT = ["not_null", "range", "accepted_values", "regex"]
IMPOSSIBLE = ["unique", "foreign_key", "expected_columns", "row_count", "freshness", "drift"]
DLQ = "iot_lambda.sensors.readings.dlq"


@pytest.mark.parametrize("rule", PER_EVENT)
def test_a_per_event_rule_of_a_streamed_table_is_checked_by_the_flink_filter(rule: str) -> None:
    flink = cells(rule, True, DLQ, frozenset({"gx", "dbt", "flink"}))[-1]
    assert (flink.text, flink.why) == (f"Flink filter → `{DLQ}`", "")


@pytest.mark.parametrize("rule", IMPOSSIBLE)
def test_a_rule_over_the_table_or_other_tables_is_impossible_per_event_with_its_reason(rule: str) -> None:
    flink = cells(rule, True, DLQ, frozenset({"gx", "dbt", "flink"}))[-1]
    assert (flink.text, flink.why) == ("—", "flink-table")
    assert "uniqueness, foreign keys and rules over the whole table" in REASONS["flink-table"]


def test_a_table_no_stream_job_reads_is_not_applicable_to_flink() -> None:
    assert cells("range", True, None, frozenset({"gx", "flink"}))[-1].why == "batch-only"
    assert "flink-planned" not in REASONS


def test_the_lambda_examples_matrix_shows_the_flink_filter_for_the_streamed_table() -> None:
    page = tree(REPO / "specs" / "iot_lambda.yaml")["docs/quality.md"]
    readings = page[page.index("### sensors.readings") : page.index("### registry.devices")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in readings.splitlines() if line.startswith("| `")]
    by_rule = {(r[0], r[1]): r[-1] for r in rows}
    assert by_rule[("`temperature_c`", "`range`")] == f"Flink filter → `{DLQ}`"
    assert by_rule[("`device_id`", "`not_null`")] == f"Flink filter → `{DLQ}`"
    assert by_rule[("`device_id`", "`foreign_key`")] == "— [flink-table]"
    devices = page[page.index("### registry.devices") :].split("###")[1]
    assert "n/a [batch-only]" in devices  # a lookup dimension from a batch source: no Flink job reads its events
