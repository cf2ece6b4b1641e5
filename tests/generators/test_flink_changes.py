"""What a Flink job emits against what its sink takes (plan/flink_changes.py, R498) and how a regular join
reads its table (flink/builder.py `streamed_join`). The planner's own verdicts on these shapes are judged in
PyFlink by the corpus fixtures `left_join_of_a_topic_into_upsert_sink`, `dimension_derived_column`,
`remainder_by_zero` and `reserved_measure_columns` (tests/specgen/test_drawn_specs_run.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipegen.generators.flink.connectors import sink_options
from pipegen.pipeline import prepare, render_tree
from pipegen.plan.flink_changes import UPSERT_SINKS
from pipegen.spec.model import SinkMode, Target, TargetType
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "corpus" / "left_join_of_a_topic_into_upsert_sink.yaml"
UPDATES = REPO / "tests" / "invalid" / "fixtures" / "stream_updates_into_append_sink.yaml"
UPSERT_CONNECTORS = {"upsert-kafka", "iceberg", "jdbc"}  # the sinks that take updates by key


def _connection(kind: TargetType) -> dict[str, str]:
    if kind in (TargetType.FILES, TargetType.DELTA, TargetType.ICEBERG):
        return {"bucket": "lake"}
    return {"host": "db", "database": "d", "user": "u", "password": "${secret:P}"}


@pytest.mark.parametrize("kind", list(TargetType), ids=lambda k: k.value)
def test_the_plans_upsert_sinks_are_the_ones_flink_writes_by_key(kind: TargetType) -> None:
    target = Target.model_validate({"name": "t", "type": kind.value, "connection": _connection(kind)})
    job = prepare(FIXTURE).plan.names.stream("orders_of_visits")
    connector = sink_options(target, "t", SinkMode.UPSERT, True, job, "p")["connector"]
    assert (connector in UPSERT_CONNECTORS) == (kind in UPSERT_SINKS), connector


def _files(path: Path) -> dict[str, str]:
    ready = prepare(path)
    return dict(render_tree(ready.spec, ready.plan))


def _create(sql: str, table: str) -> str:
    match = re.search(rf"CREATE TABLE `{table}` \((?:.|\n)*?\n\);", sql)
    assert match, table
    return match.group(0)


def test_a_regular_join_of_a_topic_reads_the_topic_not_jdbc() -> None:
    sql = _files(FIXTURE)["flink/sql/corpus_left_join_topic__orders_of_visits.sql"]
    joined = _create(sql, "undo__visits")
    assert "'connector' = 'kafka'" in joined and "'topic' = 'visits'" in joined
    assert "jdbc" not in joined
    assert "SET 'table.exec.sink.require-on-conflict' = 'false';" in sql  # the latest row per key, every version


def test_a_regular_join_of_a_cdc_table_reads_its_changelog(tmp_path: Path) -> None:
    text = UPDATES.read_text(encoding="utf-8")
    head, _, rest = text.partition("transforms:\n")
    jobs, _, targets = rest.partition("targets:\n")
    last = jobs[jobs.index("    - name: visits_left_by_key") :]  # visits LEFT JOIN orders (CDC), upsert by key
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(f"{head}transforms:\n  streams:\n{last}targets:\n{targets}", encoding="utf-8")
    ready = prepare(spec)
    sql = dict(render_tree(ready.spec, ready.plan))["flink/sql/shop_updates__visits_left_by_key.sql"]
    changes = _create(sql, str(ready.plan.names.dataset("shop", "orders").flink_changes))
    assert "'format' = 'debezium-json'" in changes and "'connector' = 'kafka'" in changes
    assert sql.count("'connector' = 'jdbc'") == 1  # the sink's only: the joined table is not read through JDBC
