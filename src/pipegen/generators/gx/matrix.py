"""docs/quality.md of a generated project: every rule of the spec × every engine that checks
data (dbt data test, GX expectation, ingestion contract / dead letter, Flink filter for
streamed tables), which cell checks it and which cannot, and why. The cells and the reasons
are data of the rule kinds (spec/rulekinds.py: `RuleKind.matrix`, `REASONS`); spec text reaches
the page only through md_code/md_text."""

from __future__ import annotations

from pipegen.common.stream_rules import streamed_tables
from pipegen.generators.base import Family, GenContext
from pipegen.generators.gx import sql as gx_sql
from pipegen.plan.names import ENV
from pipegen.render.filters import md_code, md_text
from pipegen.spec import rulekinds
from pipegen.spec.index import TableRef, index_of
from pipegen.spec.model import Materialization, OnFailure
from pipegen.spec.rulekinds import REASONS, Cell

ENGINES = ("dbt test", "GX expectation", "ingestion (dlt contract / dead letter)", "Flink filter (stream)")


def cells(rule: str, batch: bool, streamed: str | None, families: frozenset[Family]) -> list[Cell]:
    """The row of one rule kind (its cells: spec/rulekinds.py); `streamed`: the table's dead-letter
    topic when a Flink job reads it."""
    kind = rulekinds.kind(rule)
    dbt, gx, ingest = kind.matrix.dbt, kind.matrix.gx, kind.matrix.ingestion
    if not batch:
        dbt = gx = ingest = Cell("—", "not-batch")
    else:
        dbt = dbt if "dbt" in families else Cell("—", "not-batch")
        gx = gx if "gx" in families else Cell("—", "not-batch")
    if not streamed:
        flink = Cell("n/a", "batch-only")
    elif not kind.per_event:
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
        for kind in rulekinds.stated(c):
            row_cells = cells(kind.name, batch, streamed, families)
            off_key = kind.matrix.ingestion_off_key
            if off_key is not None and c.name.lower() not in keys and batch:
                row_cells[2] = off_key  # e.g. only a null key is dead-lettered
            lines.append(_row(md_code(c.staged_name), kind.name, row_cells))
            rows += 1
    for d in ref.dataset.derived:
        for kind in rulekinds.stated(d):
            lines.append(_row(md_code(d.name), kind.name, cells(kind.name, batch, streamed, families)))
            rows += 1
    for kind in rulekinds.stated(ref.dataset.quality, "table"):
        lines.append(_row("(table)", kind.name, cells(kind.name, batch, streamed, families)))
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
    variants = {o: (t, e) for t, outputs in gx_sql.environment_outputs(spec).items() for e, o in outputs.items()}
    for name, target in sorted(gx_sql.warehouses(spec).items()):
        if name in variants:
            base, env = variants[name]
            lines.append(f"- {md_code(name)}: {md_code(base)} with the overrides of environment {md_code(env)}, "
                         f"read by `--target {md_text(base)}` with `PIPEGEN_ENVIRONMENT={md_text(env)}`.")  # fmt: skip
            continue
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
    index = index_of(ctx.spec)
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
                for kind in rulekinds.stated(o):
                    rule, dbt, gx = kind.name, kind.matrix.dbt, kind.matrix.gx
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
