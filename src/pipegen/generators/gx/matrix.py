"""docs/quality.md of a generated project: every rule of the spec × every engine that checks
data (dbt data test, GX expectation, ingestion contract / dead letter, Flink filter for
streamed tables), which cell checks it and which cannot, and why. The cells are data
(`CELLS`); spec text reaches the page only through md_code/md_text."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.common.stream_rules import FLINK_PER_EVENT, streamed_tables
from pipegen.generators.base import Family, GenContext
from pipegen.generators.gx import sql as gx_sql
from pipegen.plan.names import ENV
from pipegen.render.filters import md_code, md_text
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import ColumnRules, Materialization, OnFailure, TableQuality

ENGINES = ("dbt test", "GX expectation", "ingestion (dlt contract / dead letter)", "Flink filter (stream)")
COLUMN_RULES = ("not_null", "unique", "range", "accepted_values", "regex", "foreign_key")
TABLE_RULES = ("expected_columns", "row_count", "freshness", "drift")


@dataclass(frozen=True)
class Cell:
    text: str  # what checks it, or "—"
    why: str = ""  # a reason code when the engine cannot (see REASONS)


# rule -> (dbt, GX, ingestion) for a batch table. Flink cells depend on whether the table streams.
CELLS: dict[str, tuple[Cell, Cell, Cell]] = {
    "not_null": (Cell("`not_null` / `pipegen_not_null`"), Cell("`expect_column_values_to_not_be_null`"),
                 Cell("primary-key columns only: null key → dead letter", "ingest-keys")),
    "unique": (Cell("`unique` / `pipegen_unique`"), Cell("`expect_column_values_to_be_unique`"),
               Cell("—", "ingest-rows")),
    "range": (Cell("`pipegen_range`"), Cell("`expect_column_values_to_be_between`"), Cell("—", "ingest-rows")),
    "accepted_values": (Cell("`accepted_values`"), Cell("`expect_column_values_to_be_in_set`"),
                        Cell("—", "ingest-rows")),
    "regex": (Cell("`pipegen_regex`"), Cell("`expect_column_values_to_match_regex`"), Cell("—", "ingest-rows")),
    "foreign_key": (Cell("`relationships`"), Cell("`expect_column_values_to_be_in_set` (parent keys read at run time)"),
                    Cell("—", "ingest-fk")),
    "expected_columns": (Cell("—", "dbt-columns"), Cell("`expect_table_columns_to_match_ordered_list` / `_set`"),
                         Cell("contract: a dropped column or changed type stops the load")),
    "row_count": (Cell("—", "dbt-rowcount"), Cell("`expect_table_row_count_to_be_between`"), Cell("—", "ingest-rows")),
    "freshness": (Cell("source freshness (`monitoring.freshness_sla`, not per table)", "dbt-freshness"),
                  Cell("`expect_column_max_to_be_between` (bound = now − age)"), Cell("—", "ingest-rows")),
    "drift": (Cell("—", "dbt-drift"), Cell("quality runner beside GX: `DataDriftDetected`", "gx-drift"),
              Cell("—", "ingest-rows")),
}  # fmt: skip

REASONS: dict[str, str] = {
    "ingest-keys": "The extract routes rows it cannot land (null keys, uncastable values) to the dead-letter "
    "table; every other rule is checked after landing, so a bad row stays visible and traceable.",
    "ingest-rows": "A load sees one page of one table at a time: rules over the whole table (uniqueness, row "
    "count, freshness, drift) cannot be decided there, and value rules are left to dbt and GX so bad rows are "
    "kept, reported and (with `quarantine`) moved rather than silently dropped.",
    "ingest-fk": "The parent table may not be loaded yet when a child page arrives: referential checks need "
    "both tables landed.",
    "dbt-columns": "A staging model selects the declared columns itself, so a column-set test on it could "
    "never fail; GX checks the staged relation's columns instead (and the ingestion contract the source's).",
    "dbt-rowcount": "dbt-core has no row-count test and dbt_utils cannot be installed offline (`dbt deps`).",
    "dbt-freshness": "dbt source freshness is set per source from `monitoring.freshness_sla`; the per-table "
    "bound is checked by GX.",
    "dbt-drift": "A data test is stateless: it cannot compare this run with the previous one.",
    "gx-drift": "GX has no expectation that compares two runs; the generated runner keeps the previous "
    "statistics and emits the event.",
    "flink-table": "A stream filter sees one event at a time: uniqueness, foreign keys and rules over the whole "
    "table (row count, columns, freshness, drift) cannot be decided per event; dbt and GX check them on the "
    "landed table where there is one.",
    "batch-only": "The table is not streamed: no Flink stream job reads it from a CDC or stream source.",
    "not-batch": "The table is streamed only: dbt and GX check the batch layer's tables.",
}


def _column_rules(rules: ColumnRules) -> list[str]:
    return [r for r in COLUMN_RULES if getattr(rules, r)]


def _table_rules(quality: TableQuality | None) -> list[str]:
    if quality is None:
        return []
    present = {
        "expected_columns": quality.expected_columns.value != "none",
        "row_count": quality.row_count is not None,
        "freshness": quality.freshness is not None,
        "drift": quality.drift is not None,
    }
    return [r for r in TABLE_RULES if present[r]]


def cells(rule: str, batch: bool, streamed: str | None, families: frozenset[Family]) -> list[Cell]:
    """The row of one rule; `streamed`: the table's dead-letter topic when a Flink job reads it."""
    dbt, gx, ingest = CELLS[rule]
    if not batch:
        dbt = gx = ingest = Cell("—", "not-batch")
    else:
        dbt = dbt if "dbt" in families else Cell("—", "not-batch")
        gx = gx if "gx" in families else Cell("—", "not-batch")
    if not streamed:
        flink = Cell("n/a", "batch-only")
    elif rule not in FLINK_PER_EVENT:
        flink = Cell("—", "flink-table")
    else:
        flink = Cell(f"Flink filter → `{streamed}`")
    return [dbt, gx, ingest, flink]


def _row(subject: str, rule: str, row_cells: list[Cell]) -> str:
    shown = [
        c.text + (f" [{c.why}]" if c.why and c.text != "—" else (f" [{c.why}]" if c.why else "")) for c in row_cells
    ]
    return "| " + " | ".join([subject, md_code(rule), *shown]) + " |"


def table_section(ref: TableRef, batch: bool, families: frozenset[Family], streamed: str | None = None) -> list[str]:
    lines = [f"### {md_text(ref.qualified)}", "", "| column | rule | " + " | ".join(ENGINES) + " |",
             "|---|---|" + "---|" * len(ENGINES)]  # fmt: skip
    rows = 0
    keys = {k.lower() for k in ref.dataset.primary_key}
    for c in ref.dataset.columns:
        for rule in _column_rules(c):
            row_cells = cells(rule, batch, streamed, families)
            if rule == "not_null" and c.name.lower() not in keys and batch:
                row_cells[2] = Cell("—", "ingest-rows")  # only a null key is dead-lettered
            lines.append(_row(md_code(c.staged_name), rule, row_cells))
            rows += 1
    for d in ref.dataset.derived:
        for rule in _column_rules(d):
            lines.append(_row(md_code(d.name), rule, cells(rule, batch, streamed, families)))
            rows += 1
    for rule in _table_rules(ref.dataset.quality):
        lines.append(_row("(table)", rule, cells(rule, batch, streamed, families)))
        rows += 1
    if not rows:
        return [f"### {md_text(ref.qualified)}", "", "No rules.", ""]
    return [*lines, ""]


POLICY: dict[OnFailure, str] = {
    OnFailure.BLOCK: "A failed critical expectation (severity `error`) fails the step: the run, DAG task or flow "
    "stops, and nothing downstream runs. Warnings are recorded.",
    OnFailure.WARN: "Failures are recorded (events, read model) and the run goes on.",
    OnFailure.QUARANTINE: "Rows that break a critical row-level expectation move to a quarantine table "
    "(`<table>__quarantine`: the table's columns plus `_failed_expectations` JSON, `_quarantine_run_id` and "
    "`_quarantined_at`) and are deleted where they came from, matched on the primary key, in one transaction per "
    "table; the clean rows go on. The same on the local warehouse and on a warehouse target (`--target`). Rows "
    "whose foreign key points at a row that moved follow it to their own quarantine table (`parent_quarantined`, "
    "naming the parent and the foreign key's spec path), down the chain, so the clean rows keep their references. "
    "A critical failure with no rows to move still blocks, and the summary says why: a table without a primary "
    "key, a view mart, a table-level failure (row count, columns, freshness).",
}
STREAM_POLICY: dict[OnFailure, str] = {
    OnFailure.QUARANTINE: "Each streamed table with per-event rules has two Flink quality jobs (docs/flink.md): every "
    "event that breaks a rule goes to the table's dead-letter topic with the rules it broke, and validation events "
    "per one-minute window go to the events topic. The stream jobs exclude events that break a critical rule, so "
    "their aggregates are computed on clean events.",
    OnFailure.WARN: "Each streamed table with per-event rules has two Flink quality jobs (docs/flink.md): bad "
    "events go to the dead-letter topic and are reported in validation events; the stream jobs still count them.",
    OnFailure.BLOCK: "A stream cannot stop on a bad event (validate warns, R267): the Flink quality jobs send bad "
    "events to the dead-letter topic and report them in validation events, and the stream jobs still count them; "
    "`quarantine` keeps them out of the aggregates.",
}
GATE = (
    "Order of the steps: `stage` (dbt builds the staging views only) → `quarantine` (GX validates the staged "
    "tables; bad rows and the rows that referenced them leave the landed tables for `<table>__quarantine`) → "
    "`transform` (`dbt build` on the clean "
    "rows: staging tests still fail the build on anything left; marts are built from clean rows only, their row "
    "tests warn) → `quality` (GX validates the marts; a table mart's failing rows move to `<mart>__quarantine`). "
    "Running GX after `dbt build` only would be too late: dbt's tests fail the build on the bad rows first, and the "
    "marts would already hold them."
)


def operations(ctx: GenContext) -> list[str]:
    """How a failure is handled, where the checks run, who is notified."""
    spec = ctx.spec
    lines = ["## When a check fails", "", POLICY[spec.quality.on_failure], ""]
    if spec.quality.on_failure == OnFailure.QUARANTINE and "dbt" in ctx.families:
        lines += [GATE, ""]
    lines += ["## Where the checks run", "",
              "- `local`: the local run's DuckDB warehouse (`python -m pipeline.quality`)."]  # fmt: skip
    for name, target in sorted(gx_sql.warehouses(spec).items()):
        lines.append(f"- {md_code(name)} ({md_text(target['type'])}): GX data source `{target['datasource']}`, "
                     f"`python -m pipeline.quality --target {md_text(name)}` (the DAG/flow in production); "
                     f"driver package {md_code(target['driver'])}; credentials from the environment.")  # fmt: skip
    others = [t for t in spec.targets if t.type not in gx_sql.GX_SQL and t.type.value != "duckdb"]
    for t in others:
        lines.append(f"- {md_code(t.name)} ({md_text(t.type.value)}): no GX SQL data source; checked locally only.")
    lines.append("")
    if spec.quality.notifications:
        lines += ["## Notifications", ""]
        for n in spec.quality.notifications:
            on = ", ".join(s.value for s in n.on)
            lines.append(f"- {md_text(n.type.value)} on {md_text(on)}: {NOTIFY[n.type.value]}")
        lines.append("")
    return lines


NOTIFY = {
    "slack": "GX `SlackNotificationAction`, webhook from the variable the spec names.",
    "teams": "GX `MicrosoftTeamsNotificationAction`, webhook from the variable the spec names.",
    "pagerduty": "GX `PagerdutyAlertAction`, routing key from the variable the spec names.",
    "email": f"GX `EmailAction` through the project's SMTP server (`{ENV.smtp.host}` and the other "
    f"`PIPEGEN_SMTP_*` of `.env.example`, shared with the run notifications; off while `{ENV.smtp.host}` is unset).",
    "webhook": "pipegen's action: POSTs the run's validation events as JSON to the URL in the variable "
    "(`pipeline/notify.py`).",
}


def render_matrix(ctx: GenContext) -> str:
    index = SpecIndex(ctx.spec)
    batch = set(ctx.plan.graph.batch_sources)
    streamed = {r.qualified for r in streamed_tables(ctx.spec, index)} if "flink" in ctx.families else set()
    out = [
        "# Data quality: which engine checks which rule",
        "",
        "Generated by pipegen from pipegen.yaml; regenerate rather than edit.",
        "",
        "Each rule of the spec, per engine that checks data. A cell names the check that runs; `—` means the "
        "engine does not check it, with the reason in brackets (below). GX suites are in `gx/expectations/`, "
        "their run in `pipeline/quality.py` (`make quality`, step `quality` of the local run); dbt tests in "
        "`dbt/models/*/_*.yml`; every check's `meta.spec_path` names the rule in pipegen.yaml.",
        "",
        f"On failure: `{ctx.spec.quality.on_failure.value}`. Validation events: "
        f"`{ctx.spec.quality.events.sink.value}` (topic `{ctx.plan.names.events_topic}`), "
        "schemas in `schemas/events/`.",
        "",
        *operations(ctx),
        "## Source tables",
        "",
    ]
    for ref in index.tables:
        dlq = ctx.plan.names.dataset(ref.source.name, ref.dataset.name).dead_letter_topic
        out += table_section(
            ref, ref.source_index in batch, ctx.families, str(dlq) if ref.qualified in streamed else None
        )
    marts = [(mi, m) for mi, m in enumerate(ctx.spec.transforms.marts)]
    if marts:
        out += ["## Marts", "", "| mart | column | rule | dbt test | GX expectation |", "|---|---|---|---|---|"]
        for _, mart in marts:
            outputs = [*mart.columns, *mart.group_by, *mart.measures]
            for o in outputs:
                name = getattr(o, "output_name", None) or getattr(o, "name", "") or ""
                for rule in _column_rules(o):
                    dbt, gx, _ = CELLS[rule]
                    ephemeral = mart.materialized == Materialization.EPHEMERAL
                    gx_text = "— [ephemeral]" if ephemeral else gx.text
                    dbt_text = "— [ephemeral]" if ephemeral else dbt.text
                    out.append(
                        "| " + " | ".join([md_code(mart.name), md_code(name), md_code(rule), dbt_text, gx_text]) + " |"
                    )
        out.append("")
    if streamed:
        out += ["## Streamed tables", "", STREAM_POLICY[ctx.spec.quality.on_failure], ""]
    out += ["## Why a cell is empty", ""]
    out += [f"- `{code}`: {text}" for code, text in REASONS.items()]
    out += ["- `ephemeral`: an ephemeral mart is inlined where it is used; there is no relation to test.", ""]
    return "\n".join(out)
