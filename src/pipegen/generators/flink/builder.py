"""The Flink SQL of the flink family, computed as data: one script per stream job.

A script is: SET statements (checkpointing exactly-once, RocksDB state; options.py), a CREATE
TABLE per input (the job's topic or CDC table, with its event-time watermark — a CDC table as its
raw changelog reading Debezium's isostring temporals as strings, under a view of the spec's names
and types, append-only for history jobs; each lookup dimension with the JDBC lookup cache;
tables.py, columns.py, connectors.py), an optional history view (per-key statistics over the
previous events; windows.py), the input view (joins and the job's filter; inputs.py), and one
`CREATE TABLE <sink> ... AS SELECT` — the window TVF aggregation, the window top-N, or the
per-event selection. The sink's connector follows its target and mode (upsert: a primary key).
Every name comes from the naming layer (`plan.names`: `StreamJobNames`, `DatasetNames`).

Every spec value is rendered through `render.flinksql` (identifiers quoted, strings escaped,
expressions through sqlglot); the template only prints these statements. `manifest` describes
each table's role for the project's local rewrite (pipeline/flink_local.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipegen.common.stream_rules import EventRule
from pipegen.generators.flink.connectors import sink_options
from pipegen.generators.flink.inputs import input_view, quarantine_condition
from pipegen.generators.flink.options import Settings, settings_script
from pipegen.generators.flink.relations import PROC_TIME, Relation, output_resolver, relation
from pipegen.generators.flink.tables import Manifest, create_table_as, dimension_table, source_tables
from pipegen.generators.flink.windows import (
    as_output,
    history_view,
    output_name,
    top_n_query,
    window_query,
)
from pipegen.plan.flink_changes import joined_as_stream, sink_target
from pipegen.plan.flinkjars import RELAYED_SINKS
from pipegen.plan.names import Names, StreamJobNames, snake
from pipegen.render.flinksql import flink_expr, quote
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Join, JoinType, OutputColumn, SinkMode, Spec, StreamJob, Target


@dataclass(frozen=True)
class JobSql:
    job: StreamJobNames
    script: str
    manifest: dict[str, Any]
    outputs: list[str]
    sink_target: str
    sink_connector: str


@dataclass(frozen=True)
class Sink:
    statement: str
    manifest: dict[str, Any]
    target: str
    connector: str


class JobBuilder:
    """The statements of one stream job."""

    def __init__(
        self,
        spec: Spec,
        index: SpecIndex,
        names: Names,
        settings: Settings,
        quarantined: dict[str, list[EventRule]] | None = None,
    ) -> None:
        self.spec, self.index, self.names, self.settings = spec, index, names, settings
        self.quarantined = quarantined or {}  # table (qualified) -> rules whose critical breaks are excluded

    def build(self, job: StreamJob) -> JobSql:
        jn = self.names.stream(job.name)
        base, dims = self._base(job), self._dimensions(job)
        lookups = any(j.type == JoinType.LOOKUP for _, j in dims)
        reads, tables = self._reads(job, jn, base, dims, with_proc_time=lookups)
        view_from = quote(jn.history_view if job.history else base.names.flink_table)
        quarantine = quarantine_condition(base, self.quarantined.get(base.ref.qualified, []))
        view, columns = input_view(jn.input_view, view_from, base, dims, job, quarantine)
        query, outputs = job_query(job, quote(jn.input_view), columns, base)
        sink = self._sink(job, jn, query)
        tables[jn.sink_table] = sink.manifest
        script = "\n\n".join([*reads, view, sink.statement]) + "\n"
        manifest = {**job_manifest(jn, outputs, tables, base, lookups), "result": self._result(job)}
        return JobSql(jn, script, manifest, outputs, sink.target, sink.connector)

    # ------------------------------------------------------------ pieces

    def _relation(self, table: str, error: str) -> Relation:
        ref = self.index.resolve(table, allow_marts=False).table
        if ref is None:  # validation refuses this
            raise ValueError(error)
        return relation(ref, self.names)

    def _base(self, job: StreamJob) -> Relation:
        return self._relation(job.from_, f"stream job {job.name}: '{job.from_}' is not a table or topic")

    def _dimensions(self, job: StreamJob) -> list[tuple[Relation, Join]]:
        error = "stream job {job}: join '{table}' is not a table"
        return [(self._relation(j.table, error.format(job=job.name, table=j.table)), j) for j in job.joins]

    def _reads(
        self,
        job: StreamJob,
        jn: StreamJobNames,
        base: Relation,
        dims: list[tuple[Relation, Join]],
        *,
        with_proc_time: bool,
    ) -> tuple[list[str], Manifest]:
        """Settings, the source, the dimensions (each table once) and the history view, if any."""
        source, tables = source_tables(base, jn, history=bool(job.history), with_proc_time=with_proc_time)
        statements = [settings_script(self.settings, jn, base.cdc), *source]
        for rel, join in dims:
            if rel.names.flink_table in tables or rel.names.flink_changes in tables:
                continue
            if streamed_join(rel, join):  # a topic joined as a stream: read like a job's source
                joined, entry = source_tables(rel, jn, history=False, with_proc_time=False)
                statements.extend(joined)
                tables.update(entry)
                continue
            statement, entry = dimension_table(rel)
            statements.append(statement)
            tables[rel.names.flink_table] = entry
        if job.history:
            event_time = quote(base.event_time() or PROC_TIME)
            statements.extend(history_view(jn.history_views, base, job.history, event_time))
        return statements, tables

    def _sink(self, job: StreamJob, jn: StreamJobNames, query: str) -> Sink:
        target = self._target(job)
        table = job.sink.table if job.sink and job.sink.table else jn.sink_table
        mode = job.sink.mode if job.sink else SinkMode.APPEND
        key = [snake(k) for k in job.sink.key] if job.sink else []
        relay = self.names.relay(job.name, table, target.type.value).topic if target.type in RELAYED_SINKS else ""
        options = sink_options(target, table, mode, bool(key), jn, self.spec.pipeline.name, self.spec.cloud, relay)
        statement = create_table_as(jn.sink_table, key if mode == SinkMode.UPSERT else [], options, query)
        manifest = {"role": "sink", "key": key, "mode": mode.value}
        return Sink(statement, manifest, target.name, options["connector"])

    def _result(self, job: StreamJob) -> dict[str, str]:
        """Where the spec says the job's rows go (`<target>.<table>`) and the spec path that says
        it: the local stream run leaves its rows under that name too."""
        # by identity: tuple.index would compare the job with each one before it field by field (pydantic)
        at = f"transforms.streams[{next(i for i, j in enumerate(self.spec.transforms.streams) if j is job)}]"
        table = job.sink.table if job.sink and job.sink.table else self.names.stream(job.name).sink_table
        return {"schema": self._target(job).name, "table": table, "spec_path": at + (".sink" if job.sink else "")}

    def _target(self, job: StreamJob) -> Target:
        target = sink_target(self.spec, job)
        if target is None:
            raise ValueError(f"stream job {job.name}: no target")  # validation refuses this
        return target


def job_query(job: StreamJob, view: str, columns: dict[str, str], base: Relation) -> tuple[str, list[str]]:
    """The job's query over its input view and its output columns: per event, or per window
    (and the window's top N)."""
    if job.window is None:
        return event_query(job.columns, view, columns)
    groups = [columns[g.output_name.lower()] for g in job.group_by]
    event_time = quote(base.event_time() or "")
    resolve = output_resolver(columns)
    query, outputs = window_query(job.window, view, event_time, groups, list(job.measures), resolve)
    return top_n_query(job.top_n, query, outputs) if job.top_n is not None else (query, outputs)


def event_query(outputs: tuple[OutputColumn, ...], view: str, columns: dict[str, str]) -> tuple[str, list[str]]:
    """Per event: the job's output columns, or every column of the view."""
    if outputs:
        resolve = output_resolver(columns)
        outs = [(flink_expr(c.expr, resolve), snake(c.output_name)) for c in outputs]
        body = ",\n  ".join(f"{e} AS {quote(n)}" for e, n in outs)
        return f"SELECT\n  {body}\nFROM {view}", [n for _, n in outs]
    names = [c for c in dict.fromkeys(columns.values()) if c != PROC_TIME]
    # a name with capitals under its snake-case name (`Varcharacter_id` as `varcharacter_id`), as the sink key
    return f"SELECT\n  {', '.join(as_output(n) for n in names)}\nFROM {view}", [output_name(n) for n in names]


def job_manifest(
    jn: StreamJobNames, outputs: list[str], tables: Manifest, base: Relation, lookups: bool
) -> dict[str, Any]:
    """The job's flink/jobs.json entry."""
    return {
        "job": jn.flink_job,
        "sink_table": jn.sink_table,
        "outputs": outputs,
        "tables": tables,
        "lookups": [f"{quote(base.alias)}.{quote(PROC_TIME)}"] if lookups else [],
        "event_time": base.event_time(),
    }


def streamed_join(rel: Relation, join: Join) -> bool:
    """A regular join of a topic or a CDC table's changelog: read as the job reads its own source
    (plan/flink_changes.joined_as_stream)."""
    return joined_as_stream(rel.ref, join.type)
