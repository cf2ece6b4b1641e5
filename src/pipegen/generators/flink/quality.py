"""The flink family's quality jobs: per streamed table with per-event rules (stream_rules.py),
two Flink SQL jobs over the table's events, each its own script and FlinkDeployment.

- `<pipeline>__<table>__dead_letters`: every event (insert, snapshot read or update image) that
  breaks a rule, with its columns, `_event_time` and `_failed_rules` (the rules' spec paths, as
  GX's `meta.spec_path`), to the table's dead-letter topic `<topic>.dlq` (Kafka, json, keyed by
  the primary key).
- `<pipeline>__<table>__validation`: per tumbling event-time window of `WINDOW` (processing time
  when the table has no event time), the validation events of schemas/events/*.json as one JSON
  text each (Kafka `raw` value, key = the table) to the events topic: ValidationPassed when no
  rule failed in the window, else ValidationFailed naming each failed rule and a
  ThresholdBreached per failed rule. A rule fails in a window when its failure ratio exceeds
  1 - mostly (GX's `mostly`: with mostly 1, one bad event fails it).

Two jobs, not one with two sinks: the SQL runner submits one `CREATE TABLE ... AS SELECT` per
script, and an application-mode deployment with high availability runs one job.

Events are read append-only, as the OVER-window history jobs read them (columns.append_columns:
the Debezium envelope as plain JSON, the columns from `after`): op c, r and u, each image once. A
delete carries no new value to check. The event JSON is assembled with CONCAT from literals
pipegen writes (json.dumps, then a SQL literal) and numbers Flink computes: JSON_OBJECT inserts a
nested JSON_OBJECT raw only when it is a direct argument, and a failed-expectations list needs
each item conditionally (checked on PyFlink 2.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipegen.common.stream_rules import EventRule, checked_tables, event_rules, text_literal
from pipegen.generators.flink.builder import JobSql
from pipegen.generators.flink.columns import append_columns, source_columns
from pipegen.generators.flink.connectors import source_options
from pipegen.generators.flink.options import KAFKA_BOOTSTRAP, Settings, cluster_tls, duration, settings_script
from pipegen.generators.flink.relations import PROC_TIME, Relation, relation
from pipegen.generators.flink.tables import (
    APPEND_OPS,
    append_options,
    append_view,
    create_table,
    create_table_as,
    source_manifest,
)
from pipegen.plan.names import Names, StreamJobNames, StreamQualityNames
from pipegen.render.flinksql import quote
from pipegen.spec.index import SpecIndex, index_of
from pipegen.spec.model import Spec

# The validation window: one minute, the finest `latency` a streaming spec asks for ("1m" in the
# e-commerce example) and its GMV window, so a bad minute shows up as one failed run.
WINDOW_SECONDS = 60
UPDATE_OP = "u"
DEAD_LETTERS = "dead_letters"  # the manifest's `quality.kind` of each job
VALIDATION = "validation_events"
RULE_COLUMN = "__rule_{i}"  # the spec path of rule i when the event breaks it, else NULL
FAILED_COLUMN = "__failed_{i}"  # events in the window that broke rule i
EVENT_TIME = "_event_time"
FAILED_RULES = "_failed_rules"
EVENT_KEY, EVENT = "event_key", "event"
ISO_SECONDS = "yyyy-MM-dd''T''HH:mm:ss''Z''"  # DATE_FORMAT pattern inside a SQL literal


@dataclass(frozen=True)
class QualityTable:
    rel: Relation
    rules: list[EventRule]
    time: str  # the window's time attribute: the event time, or proc_time
    table: str  # the events' `table`: <source>.<table>
    suite: str  # the GX family's suite name for the table
    names: StreamQualityNames  # the jobs' and views' names (naming layer)


def quality_tables(spec: Spec, index: SpecIndex, names: Names) -> list[QualityTable]:
    out = []
    for ref in checked_tables(spec, index):
        rules = event_rules(spec, ref)
        rel = relation(ref, names)
        et = ref.dataset.event_time
        time = rel.column(et) if et else PROC_TIME
        jobs = names.quality_jobs(ref.source.name, ref.dataset.name)
        out.append(QualityTable(rel, rules, time, str(rel.names.ref), str(rel.names.staging_model), jobs))
    return out


# ---------------------------------------------------------------- shared: source and checks


def source(q: QualityTable, jn: StreamJobNames) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The table's events, append-only, under a view of the table's name (CDC: c/r/u images)."""
    rel = q.rel
    with_proc = q.time == PROC_TIME
    options = source_options(rel, jn)
    manifest = source_manifest(rel, append_only=True)  # read locally as JSON lines, as the stream jobs' topics are
    if not rel.cdc:
        table = create_table(rel.names.flink_table, source_columns(rel, with_proc_time=with_proc), options)
        return [table], {rel.names.flink_table: manifest}
    raw = rel.names.flink_changes
    table = create_table(raw, append_columns(rel, with_proc_time=with_proc), append_options(options))
    view = append_view(raw, rel.names.flink_table, rel, with_proc_time=with_proc, ops=(*APPEND_OPS, UPDATE_OP))
    return [table, view], {raw: manifest}


def columns(q: QualityTable) -> list[str]:
    ds = q.rel.ref.dataset
    return [c.name for c in ds.columns] + [d.name for d in ds.derived]


def checks_view(q: QualityTable) -> tuple[str, str]:
    """`<table>__checks`: every event, its rules' outcomes (`__rule_<i>`: the spec path when
    broken) and the failed rules as an array."""
    name = q.names.checks_view
    cases = [
        f"CAST(CASE WHEN {r.broken()} THEN {text_literal(r.spec_path)} END AS STRING)"
        f" AS {quote(RULE_COLUMN.format(i=i))}"
        for i, r in enumerate(q.rules)
    ]
    listed = ", ".join(quote(RULE_COLUMN.format(i=i)) for i in range(len(q.rules)))
    time = quote(q.time)
    body = [*(quote(c) for c in columns(q)), *([time] if q.time == PROC_TIME else []), *cases]
    inner = "SELECT\n  " + ",\n  ".join(body) + f"\nFROM {quote(q.rel.names.flink_table)}"
    sql = (
        f"CREATE TEMPORARY VIEW {quote(name)} AS\nSELECT\n  *,\n"
        f"  CAST({time} AS TIMESTAMP(3)) AS {quote(EVENT_TIME)},\n"
        f"  ARRAY_REMOVE(ARRAY[{listed}], CAST(NULL AS STRING)) AS {quote(FAILED_RULES)}\n"
        f"FROM (\n{inner}\n);"
    )
    return sql, name


# ---------------------------------------------------------------- sinks


def _tx_prefix(jn: StreamJobNames) -> str:
    return str(jn.flink_job)  # under the Flink user's transactional-id ACL prefix (KafkaNames.flink_clients)


def dead_letter_options(q: QualityTable, jn: StreamJobNames) -> dict[str, str]:
    key = [q.rel.columns.get(k.lower(), k) for k in q.rel.ref.dataset.primary_key]
    options = {
        "connector": "kafka",
        "topic": str(q.rel.names.dead_letter_topic),
        "properties.bootstrap.servers": KAFKA_BOOTSTRAP,
        **cluster_tls(KAFKA_BOOTSTRAP),
    }
    if key:
        options.update({"key.format": "json", "key.fields": ";".join(key), "value.format": "json"})
    else:
        options["format"] = "json"
    options.update({"sink.delivery-guarantee": "exactly-once", "sink.transactional-id-prefix": _tx_prefix(jn)})
    return options


def event_options(names: Names, jn: StreamJobNames) -> dict[str, str]:
    return {
        "connector": "kafka",
        "topic": str(names.events_topic),
        "properties.bootstrap.servers": KAFKA_BOOTSTRAP,
        **cluster_tls(KAFKA_BOOTSTRAP),
        "key.format": "raw",
        "key.fields": EVENT_KEY,
        "value.format": "raw",
        "value.fields-include": "EXCEPT_KEY",
        "sink.delivery-guarantee": "exactly-once",
        "sink.transactional-id-prefix": _tx_prefix(jn),
    }


# ---------------------------------------------------------------- JSON as SQL


def _lit(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def json_object(fields: list[tuple[str, str | None, Any]]) -> list[str]:
    """A JSON object as CONCAT pieces: (key, SQL expression giving JSON text, or None and a
    literal value)."""
    pieces: list[str] = []
    text = "{"
    for i, (key, sql, value) in enumerate(fields):
        text += ("," if i else "") + _lit(key) + ":"
        if sql is None:
            text += _lit(value)
            continue
        pieces += [text_literal(text), sql]
        text = ""
    return [*pieces, text_literal(text + "}")]


def concat(pieces: list[str]) -> str:
    return "CONCAT(" + ", ".join(pieces) + ")"


def _json_text(sql: str) -> str:
    return f"JSON_STRING({sql})"


def _number(sql: str) -> str:
    return f"CAST({sql} AS STRING)"


def _ratio(i: int) -> str:
    return f"CAST({quote(FAILED_COLUMN.format(i=i))} AS DOUBLE) / `events`"


def _breached(i: int, r: EventRule) -> str:
    failed = quote(FAILED_COLUMN.format(i=i))
    if r.threshold <= 0:
        return f"{failed} > 0"
    return f"CAST({failed} AS DOUBLE) > CAST({r.threshold!r} AS DOUBLE) * `events`"


@dataclass(frozen=True)
class EventContext:
    pipeline: str
    table: str
    suite: str
    action: str


def envelope(ctx: EventContext, event_type: str, subject: str) -> list[tuple[str, str | None, Any]]:
    eid = f"SUBSTRING(SHA256(CONCAT(`run_id`, {text_literal(f'|{event_type}|{ctx.table}|{subject}')})) FROM 1 FOR 32)"
    return [
        ("event_id", _json_text(eid), None),
        ("event_type", None, event_type),
        ("schema_version", None, 1),
        ("pipeline", None, ctx.pipeline),
        ("table", None, ctx.table),
        ("suite", None, ctx.suite),
        ("run_id", _json_text("`run_id`"), None),
        ("occurred_at", _json_text("`occurred_at`"), None),
    ]


def statistics(rules: list[EventRule]) -> str:
    n = len(rules)
    return concat(
        json_object(
            [
                ("evaluated", None, n),
                ("successful", _number(f"{n} - `failed`"), None),
                ("failed", _number("`failed`"), None),
                ("success_percent", _number(f"CAST({n} - `failed` AS DOUBLE) * 100 / {n}"), None),
            ]
        )
    )


def failed_item(i: int, r: EventRule) -> str:
    count = _number(quote(FAILED_COLUMN.format(i=i)))
    item = concat(
        json_object(
            [
                ("expectation", None, r.expectation),
                ("column", None, r.staged),
                ("spec_path", None, r.spec_path),
                ("severity", None, r.severity),
                ("observed", count, None),
                ("unexpected_count", count, None),
                ("unexpected_ratio", _number(_ratio(i)), None),
            ]
        )
    )
    return f"CASE WHEN {_breached(i, r)} THEN {item} END"


def event_selects(ctx: EventContext, rules: list[EventRule], outcomes: str) -> list[str]:
    """One SELECT per event kind over the windows' outcomes, each giving (event_key, event)."""
    key = text_literal(ctx.table)
    stats = statistics(rules)
    passed = concat(
        json_object(
            [
                *envelope(ctx, "ValidationPassed", ""),
                ("statistics", stats, None),
                ("row_count", _number("`events`"), None),
            ]
        )
    )
    items = "CONCAT('[', CONCAT_WS(',', " + ", ".join(failed_item(i, r) for i, r in enumerate(rules)) + "), ']')"
    failed = concat(
        json_object(
            [
                *envelope(ctx, "ValidationFailed", ""),
                ("statistics", stats, None),
                ("row_count", _number("`events`"), None),
                ("failed_expectations", items, None),
                ("action", None, ctx.action),
            ]
        )
    )
    selects = [
        f"SELECT {key} AS {quote(EVENT_KEY)}, {passed} AS {quote(EVENT)}\nFROM {quote(outcomes)}\nWHERE `failed` = 0",
        f"SELECT {key}, {failed}\nFROM {quote(outcomes)}\nWHERE `failed` > 0",
    ]
    for i, r in enumerate(rules):
        breach = concat(
            json_object(
                [
                    *envelope(ctx, "ThresholdBreached", r.spec_path),
                    ("expectation", None, r.expectation),
                    ("column", None, r.staged),
                    ("spec_path", None, r.spec_path),
                    ("severity", None, r.severity),
                    ("observed", _number(_ratio(i)), None),
                    ("threshold", None, r.threshold),
                ]
            )
        )
        selects.append(f"SELECT {key}, {breach}\nFROM {quote(outcomes)}\nWHERE {_breached(i, r)}")
    return selects


def windows_views(q: QualityTable, checks: str, jn: StreamJobNames) -> tuple[list[str], str]:
    """`<table>__windows` (events and failures per rule per window) and `<table>__outcomes`
    (with the run id, the window end as ISO-8601 and how many rules failed)."""
    windows, outcomes = q.names.windows_view, q.names.outcomes_view
    counts = [f"COUNT({quote(RULE_COLUMN.format(i=i))}) AS {quote(FAILED_COLUMN.format(i=i))}"
              for i in range(len(q.rules))]  # fmt: skip
    tvf = f"TUMBLE(TABLE {quote(checks)}, DESCRIPTOR({quote(q.time)}), {duration(WINDOW_SECONDS)})"
    first = (
        f"CREATE TEMPORARY VIEW {quote(windows)} AS\nSELECT\n  `window_start`,\n  `window_end`,\n"
        f"  COUNT(*) AS `events`,\n  " + ",\n  ".join(counts)
        + f"\nFROM TABLE(\n  {tvf})\nGROUP BY `window_start`, `window_end`;"
    )  # fmt: skip
    failed = " + ".join(f"CASE WHEN {_breached(i, r)} THEN 1 ELSE 0 END" for i, r in enumerate(q.rules))
    run_prefix = text_literal(f"stream:{jn.flink_job}:")
    second = (
        f"CREATE TEMPORARY VIEW {quote(outcomes)} AS\nSELECT\n  *,\n"
        f"  CONCAT({run_prefix}, DATE_FORMAT(`window_start`, '{ISO_SECONDS}')) AS `run_id`,\n"
        f"  DATE_FORMAT(`window_end`, '{ISO_SECONDS}') AS `occurred_at`,\n"
        f"  {failed} AS `failed`\nFROM {quote(windows)};"
    )
    return [first, second], outcomes


# ---------------------------------------------------------------- the jobs


def _manifest(
    jn: StreamJobNames, q: QualityTable, kind: str, outputs: list[str], tables: dict[str, Any]
) -> dict[str, Any]:
    return {
        "job": jn.flink_job,
        "sink_table": jn.sink_table,
        "outputs": outputs,
        "tables": {**tables, str(jn.sink_table): {"role": "sink", "key": [], "mode": "append"}},
        "lookups": [],
        "event_time": q.time if q.time != PROC_TIME else None,
        "quality": {"kind": kind, "table": q.table, "suite": q.suite, "dataset": str(q.rel.names.flink_table),
                    "rules": [{"rule": r.rule, "column": r.column, "spec_path": r.spec_path,
                               "severity": r.severity, "mostly": r.mostly} for r in q.rules]},
    }  # fmt: skip


def dead_letter_job(settings: Settings, q: QualityTable) -> JobSql:
    jn = q.names.dead_letters
    src, tables = source(q, jn)
    checks, checks_name = checks_view(q)
    outputs = [*columns(q), EVENT_TIME, FAILED_RULES]
    query = (
        f"SELECT\n  {', '.join(quote(c) for c in outputs)}\nFROM {quote(checks_name)}\n"
        f"WHERE CARDINALITY({quote(FAILED_RULES)}) > 0"
    )
    sink = create_table_as(jn.sink_table, [], dead_letter_options(q, jn), query)
    script = "\n\n".join([settings_script(settings, jn, False), *src, checks, sink]) + "\n"
    manifest = _manifest(jn, q, DEAD_LETTERS, outputs, tables)
    return JobSql(jn, script, manifest, outputs, "kafka", "kafka")


def validation_job(names: Names, settings: Settings, q: QualityTable, action: str) -> JobSql:
    jn = q.names.validation
    src, tables = source(q, jn)
    checks, checks_name = checks_view(q)
    views, outcomes = windows_views(q, checks_name, jn)
    ctx = EventContext(str(names.pipeline), q.table, q.suite, action)
    query = "\nUNION ALL\n".join(event_selects(ctx, q.rules, outcomes))
    sink = create_table_as(jn.sink_table, [], event_options(names, jn), query)
    script = "\n\n".join([settings_script(settings, jn, False), *src, checks, *views, sink]) + "\n"
    outputs = [EVENT_KEY, EVENT]
    return JobSql(jn, script, _manifest(jn, q, VALIDATION, outputs, tables), outputs, "kafka", "kafka")


def build_quality_jobs(spec: Spec, names: Names, settings: Settings) -> list[JobSql]:
    """Per streamed table with per-event rules: its dead-letter job, then its validation job."""
    out = []
    for q in quality_tables(spec, index_of(spec), names):
        out += [dead_letter_job(settings, q), validation_job(names, settings, q, spec.quality.on_failure.value)]
    return out
