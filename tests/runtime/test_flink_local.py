"""The generated project's Flink helpers (templates/flink/*.py, copied as-is): statement
splitting, SET and ${VAR} handling, the legacy-window lint, and the local connector rewrite."""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

import pytest

from pipegen.resources import data_dir

SCRIPT = """SET 'pipeline.name' = 'p';
-- a comment; with a semicolon
CREATE TABLE `src` (
  `id` BIGINT NOT NULL,
  `_meta_ts` TIMESTAMP_LTZ(3) METADATA FROM 'value.source.timestamp' VIRTUAL,
  `ts` TIMESTAMP(3),
  `proc_time` AS PROCTIME(),
  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND,
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP_SERVERS}',
  'format' = 'debezium-json'
);
CREATE TABLE `dim` (
  `id` BIGINT NOT NULL,
  `updated_at` TIMESTAMP(3),
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'lookup.cache' = 'PARTIAL'
);
CREATE TEMPORARY VIEW `v` AS SELECT `src`.*, `dim`.`updated_at` AS `u`
FROM `src` JOIN `dim` FOR SYSTEM_TIME AS OF `src`.`proc_time` AS `dim` ON `src`.`id` = `dim`.`id`
WHERE `note` <> 'a;b';
CREATE TABLE `out` (
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'jdbc'
)
AS SELECT `id` FROM `v`;
"""
JOB = {
    "job": "p",
    "event_time": "ts",
    "lookups": ["`src`.`proc_time`"],
    "tables": {
        "src": {"role": "source", "topic": "p.s.src", "format": "debezium-json"},
        "dim": {
            "role": "dimension",
            "topic": "p.s.dim",
            "format": "debezium-json",
            "version_time": "updated_at",
            "local_version": "_pipegen_version",
        },
        "out": {"role": "sink"},
    },
}


@pytest.fixture(scope="module")
def runtime() -> types.SimpleNamespace:
    """pipeline.flink_sql and pipeline.flink_local as a generated project imports them (with the
    shared runtime modules of templates/runtime/ beside them)."""
    package = types.ModuleType("pipeline")
    package.__path__ = [str(data_dir("templates") / "flink"), str(data_dir("templates") / "runtime")]
    sys.modules["pipeline"] = package
    try:
        sql = importlib.import_module("pipeline.flink_sql")
        local = importlib.import_module("pipeline.flink_local")
    finally:
        for name in ("pipeline", "pipeline.flink_sql", "pipeline.flink_local", "pipeline.envsubst"):
            sys.modules.pop(name, None)
    return types.SimpleNamespace(sql=sql, local=local)


def test_statements_split_outside_strings_and_comments(runtime: types.SimpleNamespace) -> None:
    stmts = runtime.sql.statements(SCRIPT)
    assert len(stmts) == 5
    assert "'a;b'" in stmts[3]
    assert runtime.sql.setting(stmts[0]) == ("pipeline.name", "p")


def test_runner_variables_are_filled_only_inside_literals(runtime: types.SimpleNamespace) -> None:
    stmt = runtime.sql.statements(SCRIPT)[1]
    filled = runtime.sql.substitute(stmt, {"KAFKA_BOOTSTRAP_SERVERS": "k:9092"})
    assert "'k:9092'" in filled
    with pytest.raises(KeyError, match="KAFKA_BOOTSTRAP_SERVERS"):
        runtime.sql.substitute(stmt, {})
    lower = stmt.replace("KAFKA_BOOTSTRAP_SERVERS", "kafka_servers")  # a spec's reference may be lower case
    assert "'k:9092'" in runtime.sql.substitute(lower, {"kafka_servers": "k:9092"})
    quoted = runtime.sql.substitute(stmt, {"KAFKA_BOOTSTRAP_SERVERS": "it's"})
    assert "'it''s'" in quoted  # a value is a SQL string literal's text


def test_generated_lint_refuses_legacy_group_windows(runtime: types.SimpleNamespace) -> None:
    assert runtime.sql.legacy_windows("SELECT 1 FROM t GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)")
    assert not runtime.sql.legacy_windows("SELECT 1 FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))")


def test_local_rewrite_swaps_connectors_and_turns_lookups_into_temporal_joins(
    runtime: types.SimpleNamespace, tmp_path: Path
) -> None:
    stmts = runtime.local.rewrite(SCRIPT, JOB, tmp_path, "run")
    kinds = [s.kind for s in stmts]
    assert kinds == ["set", "ddl", "ddl", "ddl", "sink"]
    source, dim, view, sink = (s.sql for s in stmts[1:])
    assert f"'path' = '{tmp_path / 'p.s.src'}'" in source
    assert "'connector' = 'filesystem'" in source and "'kafka'" not in source
    assert "'format' = 'debezium-json'" in source
    assert "METADATA" not in source and "`_meta_ts` TIMESTAMP_LTZ(3)," in source
    # the version time's copy has the watermark: the dimension's own column stays a plain TIMESTAMP (one rowtime)
    assert "`_pipegen_version` AS `updated_at`,\n  WATERMARK FOR `_pipegen_version` AS `_pipegen_version`" in dim
    assert "WATERMARK FOR `updated_at`" not in dim and "jdbc" not in dim
    assert "FOR SYSTEM_TIME AS OF `src`.`ts`" in view and "proc_time` AS `dim`" not in view
    assert "'connector' = 'blackhole'" in sink
    assert stmts[-1].query == "SELECT `id` FROM `v`"


def test_changelog_state_applies_updates_and_retractions(runtime: types.SimpleNamespace) -> None:
    rows = [("+I", (1, "a")), ("+I", (2, "b")), ("-U", (1, "a")), ("+U", (1, "c")), ("-D", (2, "b"))]
    assert runtime.local.changelog_state(rows) == [(1, "c")]
    with pytest.raises(ValueError, match="never emitted"):
        runtime.local.changelog_state([("-D", (9,))])
