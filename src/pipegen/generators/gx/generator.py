"""gx family: Great Expectations Core 1.x suites over the staged tables and marts, the
quality step of the local run, validation events and their read model.

Writes, without importing GX:
- `gx/expectations/<suite>.json`: one expectation suite per staged table and per
  non-ephemeral mart, from the column rules (not null, unique, range, accepted values,
  regex, foreign key) and the table rules (`quality:` on a table: expected columns, row
  count, freshness), each expectation with the rule's `mostly`, its severity and
  `meta.spec_path` naming the rule in pipegen.yaml. A foreign key is
  `expect_column_values_to_be_in_set` whose `value_set` is a suite parameter the runner
  fills with the parent's keys, read at run time; freshness is `expect_column_max_to_be_between`
  whose `min_value` is a parameter (now minus the threshold);
- `gx/checks.json`: what the runner needs beside the suites (where each table is, its key,
  quarantine table, run-time parameters, drift thresholds, the failure policy and the sink);
- `schemas/events/<Event>.v1.json`: a JSON Schema per validation event type (events.py);
- `pipeline/quality.py`, `pipeline/quality_events.py`, `pipeline/quality_notify.py`,
  `pipeline/quality_warehouse.py`: the runner (ephemeral GX context, one checkpoint per run
  with a custom action that stores the results and publishes events), event building and the
  Kafka sink, the notification actions and the warehouse connections, copied verbatim; and
  the shared runtime modules it imports (`Contribution.runtime`, written once by the project
  family): `quality_log.py` (the validation event log and its read-model updates),
  `quality_model.py` (the read model, a projection into DuckDB rebuildable from the log),
  `notify.py` (SMTP settings and webhook POST of the notifications), `envsubst.py` (`${VAR}`
  in a warehouse's connection URL);
- `docs/quality.md`: which engine checks which rule (gx_matrix.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pipegen.common import notifications
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget, RunStep
from pipegen.generators.gx import events as gx_events
from pipegen.generators.gx import matrix as gx_matrix
from pipegen.generators.gx import sql as gx_sql
from pipegen.plan.names import EnvNames, MartNames, snake
from pipegen.render.env import static
from pipegen.spec.index import SpecIndex, TableRef, mart_outputs
from pipegen.spec.model import (
    ColumnRules,
    EventSink,
    ExpectedColumns,
    Mart,
    Materialization,
    Notification,
    NotificationType,
    OnFailure,
    Severity,
    Spec,
    TableQuality,
)
from pipegen.spec.types import NUMERIC_TYPES, parse_column_type, parse_secret_ref

GX_VERSION = "1.24.1"
REQUIREMENTS = ("great_expectations==1.24.1", "pandas==3.1.1")
KAFKA_REQUIREMENTS = ("confluent-kafka==2.16.1",)  # requirements/judges/kafka.txt
METADATA_COLUMNS = ("_extracted_at", "_source", "_batch_id")  # stamped by ingestion, kept by staging
SEVERITY = {Severity.ERROR: "critical", Severity.WARN: "warning"}
RUNTIME = ("quality.py", "quality_events.py", "quality_notify.py", "quality_warehouse.py")
# shared runtime modules the runner imports (templates/runtime/, written once by the project family)
SHARED_RUNTIME = ("envsubst.py", notifications.RUNTIME_MODULE, "quality_log.py", "quality_model.py")


class GxGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        kafka = ctx.spec.quality.events.sink == EventSink.KAFKA
        names = ctx.plan.names.env
        env = [
            EnvVar(
                "GX_ANALYTICS_ENABLED", ("Great Expectations: no usage statistics over the network",), default="false"
            ),
        ]
        if kafka:
            env.append(EnvVar(names.kafka_bootstrap, ("pipeline/quality_events.py: Kafka brokers for events",)))
        env.extend(_notification_env(ctx.spec, names))
        env.extend(EnvVar(name, (use,), secret=secret) for name, use, secret in gx_sql.env_vars(ctx.spec))
        return Contribution(
            requirements=(*REQUIREMENTS, *(KAFKA_REQUIREMENTS if kafka else ())),
            runtime=SHARED_RUNTIME,
            env=tuple(env),
            make_targets=(
                MakeTarget(
                    "quality",
                    "Great Expectations checkpoint over staged tables and marts",
                    (("$(PROJECT_PYTHON)", "-m", "pipeline.quality", "--stage", "all"),),
                ),
                MakeTarget(
                    "quality-report",
                    "print the quality read model (last status, pass rate, breaches, drift)",
                    (("$(PROJECT_PYTHON)", "-m", "pipeline.quality", "--report"),),
                ),
            ),
            run_steps=run_steps(ctx),
        )

    def render(self, ctx: GenContext) -> Files:
        suites = build_suites(ctx)
        files: Files = {f"gx/expectations/{s.name}.json": _json(s.document()) for s in suites}
        files["gx/checks.json"] = _json(checks_config(ctx, suites))
        files[CHANGES] = _json(suite_changes(ctx.previous, suites))
        for name, schema in gx_events.schemas().items():
            files[f"schemas/events/{name}.v{gx_events.SCHEMA_VERSION}.json"] = _json(schema)
        for module in RUNTIME:
            files[f"pipeline/{module}"] = static(f"gx/{module}")
        files["docs/quality.md"] = gx_matrix.render_matrix(ctx)
        return files


def quarantine_gate(ctx: GenContext) -> bool:
    """`quarantine` with dbt: the staged tables are validated before `dbt build` (the dbt family's
    `stage` step builds the staging views first), so bad rows move aside before dbt tests them
    and the marts are built from the clean rows only."""
    return ctx.spec.quality.on_failure == OnFailure.QUARANTINE and "dbt" in ctx.families


def run_steps(ctx: GenContext) -> tuple[RunStep, ...]:
    checkpoint = RunStep(50, "quality", "Great Expectations checkpoint, validation events", ("-m", "pipeline.quality"))
    if not quarantine_gate(ctx):
        return (checkpoint,)
    gate = RunStep(35, "quarantine", "GX on the staged tables: failing rows to their quarantine tables",
                   ("-m", "pipeline.quality", "--stage", "staging"))  # fmt: skip
    return (gate, replace(checkpoint, help="GX on the marts (the staged tables passed the quarantine gate)"))


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- suites


@dataclass
class Suite:
    name: str
    kind: str  # "staging" or "mart"
    schema: str
    table: str
    spec_path: str
    columns: list[str]  # the relation's columns, in order (what expected_columns checks)
    types: dict[str, str]  # column -> portable type
    key: list[str]
    expectations: list[dict[str, Any]]
    parameters: dict[str, dict[str, Any]]
    quality: TableQuality | None
    quarantine: dict[str, Any] | None  # where failing rows go and the relation they are removed from (by key)
    quarantine_off: str | None = None  # why there is no quarantine table (a critical failure blocks)

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expectations": self.expectations,
            "meta": {"great_expectations_version": GX_VERSION, "generated_by": "pipegen", "spec_path": self.spec_path},
            "notes": None,
        }


def expectation(kind: str, kwargs: dict[str, Any], severity: str, where: str, rule: str) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"spec_path": where, "rule": rule}, "severity": severity}


def _severity(rule: Severity | None, spec: Spec, table: Severity | None = None) -> str:
    return SEVERITY[rule or table or spec.quality.severity]


def _mostly(rule_mostly: float | None, spec: Spec) -> float:
    return rule_mostly if rule_mostly is not None else 1.0 - spec.quality.fail_threshold


def _with_mostly(kwargs: dict[str, Any], mostly: float) -> dict[str, Any]:
    return {**kwargs, "mostly": mostly} if mostly < 1 else kwargs


# column rule -> (GX expectation, its arguments from the rule)
COLUMN_EXPECTATIONS: dict[str, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    "not_null": ("expect_column_values_to_not_be_null", lambda r: {}),
    "unique": ("expect_column_values_to_be_unique", lambda r: {}),
    "range": (
        "expect_column_values_to_be_between",
        lambda r: {k: v for k, v in (("min_value", r.min), ("max_value", r.max)) if v is not None},
    ),
    "accepted_values": ("expect_column_values_to_be_in_set", lambda r: {"value_set": list(r.values)}),
    "regex": ("expect_column_values_to_match_regex", lambda r: {"regex": r.pattern}),
}


def column_expectations(
    column: str, rules: ColumnRules, where: str, spec: Spec, fk_param: str | None
) -> list[dict[str, Any]]:
    """GX expectations for one column's rules (the same rules dbt tests, one to one). A
    foreign key is a value-set check whose set is a parameter: the parent's keys at run time."""
    found: list[tuple[str, str, Any, dict[str, Any]]] = [
        (rule, kind, getattr(rules, rule), args(getattr(rules, rule)))
        for rule, (kind, args) in COLUMN_EXPECTATIONS.items()
        if getattr(rules, rule)
    ]
    if rules.foreign_key and fk_param:
        found.append(("foreign_key", "expect_column_values_to_be_in_set", rules.foreign_key,
                      {"value_set": {"$PARAMETER": fk_param}}))  # fmt: skip
    return [
        expectation(
            kind,
            _with_mostly({"column": column, **args}, _mostly(rule.mostly, spec)),
            _severity(rule.severity, spec),
            f"{where}.{name}",
            name,
        )
        for name, kind, rule, args in found
    ]


def table_expectations(suite: Suite, quality: TableQuality, where: str, spec: Spec) -> list[dict[str, Any]]:
    sev = _severity(quality.severity, spec)
    out = []
    if quality.expected_columns == ExpectedColumns.ORDERED:
        out.append(expectation("expect_table_columns_to_match_ordered_list", {"column_list": suite.columns}, sev,
                               f"{where}.expected_columns", "expected_columns"))  # fmt: skip
    elif quality.expected_columns == ExpectedColumns.UNORDERED:
        out.append(expectation("expect_table_columns_to_match_set", {"column_set": suite.columns, "exact_match": True},
                               sev, f"{where}.expected_columns", "expected_columns"))  # fmt: skip
    if quality.row_count and (quality.row_count.min is not None or quality.row_count.max is not None):
        rc = quality.row_count
        bounds = {k: v for k, v in (("min_value", rc.min), ("max_value", rc.max)) if v is not None}
        out.append(expectation("expect_table_row_count_to_be_between", bounds, sev, f"{where}.row_count", "row_count"))
    return out


def freshness_expectations(suite: Suite, quality: TableQuality, where: str, column: str | None) -> list[dict[str, Any]]:
    """Newest row no older than warn_after (warning) / error_after (critical): the threshold is
    a parameter the runner computes from the clock (`now - age`)."""
    fresh = quality.freshness
    if fresh is None or column is None:
        return []
    out = []
    for level, age, sev in (("warn", fresh.warn_after, "warning"), ("error", fresh.error_after, "critical")):
        if age is None:
            continue
        param = f"freshness__{suite.name}__{level}"
        tz = parse_column_type(suite.types.get(column, "timestamp")).name == "timestamp_tz"
        suite.parameters[param] = {"kind": "freshness", "max_age_seconds": age, "tz": tz}
        kwargs = {"column": column, "min_value": {"$PARAMETER": param}}
        out.append(expectation("expect_column_max_to_be_between", kwargs, sev, f"{where}.freshness.{level}_after",
                               "freshness"))  # fmt: skip
    return out


def _fk_parent(ref: str, index: SpecIndex, ctx: GenContext) -> dict[str, Any] | None:
    """Where the referenced keys are: the parent's staged table or mart and column."""
    names = ctx.plan.names
    table, col, _ = index.resolve_column(ref)
    if table is not None and col is not None:
        if table.source_index not in ctx.plan.graph.batch_sources:
            return None
        dn = names.dataset(table.source.name, table.dataset.name)
        return {"schema": str(names.staging_schema), "table": str(dn.staging_model), "column": snake(col.staged_name)}
    mart_name, _, column = ref.rpartition(".")
    mart = index.marts.get(mart_name.lower())
    if mart is not None and column in mart_outputs(mart) and mart.materialized != Materialization.EPHEMERAL:
        return {"schema": str(names.marts_schema), "table": str(names.mart(mart.name).model), "column": snake(column)}
    return None


def staged_suite(ctx: GenContext, ref: TableRef, index: SpecIndex) -> Suite:
    spec, names = ctx.spec, ctx.plan.names
    dn = names.dataset(ref.source.name, ref.dataset.name)
    where = f"sources[{ref.source_index}].{ref.kind}[{ref.index}]"
    staged = {snake(k): v for k, v in ref.staged_columns.items()}
    key = [snake(c.staged_name) for k in ref.dataset.primary_key if (c := ref.column(k))]
    raw_key = {snake(c.staged_name): str(dn.column(c.name)) for k in ref.dataset.primary_key if (c := ref.column(k))}
    suite = Suite(
        name=str(dn.staging_model), kind="staging", schema=str(names.staging_schema), table=str(dn.staging_model),
        spec_path=where, columns=[*staged, *METADATA_COLUMNS], types=staged, key=key, expectations=[],
        parameters={}, quality=ref.dataset.quality,
        quarantine={"schema": str(dn.raw_schema), "table": str(dn.quarantine_table),
                    "source": {"schema": str(dn.raw_schema), "table": str(dn.raw_table)}, "key": raw_key}
        if raw_key else None,
        quarantine_off=None if raw_key else f"the table has no primary key ({where}.primary_key): its rows cannot "
        "be matched",
    )  # fmt: skip
    derived = {d.name.lower() for d in ref.dataset.derived}
    rules: list[tuple[str, ColumnRules, str]] = [
        (snake(c.staged_name), c, f"{where}.columns[{i}]")
        for i, c in enumerate(ref.dataset.columns)
        if c.staged_name.lower() not in derived
    ]
    rules += [(snake(d.name), d, f"{where}.derived[{i}]") for i, d in enumerate(ref.dataset.derived)]
    _add_column_rules(ctx, suite, rules, index)
    if ref.dataset.quality:
        q = ref.dataset.quality
        suite.expectations += table_expectations(suite, q, f"{where}.quality", spec)
        col = (q.freshness.column if q.freshness else None) or ref.dataset.watermark
        found = ref.column(col) if col else None
        staged_col = snake(found.staged_name) if found else (snake(col) if col and snake(col) in staged else None)
        suite.expectations += freshness_expectations(suite, q, f"{where}.quality", staged_col)
    return suite


def _add_column_rules(
    ctx: GenContext, suite: Suite, rules: list[tuple[str, ColumnRules, str]], index: SpecIndex
) -> None:
    for column, rule, where in rules:
        param = None
        if rule.foreign_key and (parent := _fk_parent(rule.foreign_key.references, index, ctx)):
            param = f"fk__{suite.name}__{column}"
            suite.parameters[param] = {"kind": "foreign_key", **parent, "fk_column": column,
                                       "spec_path": f"{where}.foreign_key"}  # fmt: skip
        suite.expectations += column_expectations(column, rule, where, ctx.spec, param)


def mart_suite(ctx: GenContext, mi: int, mart: Mart, index: SpecIndex) -> Suite:
    names = ctx.plan.names
    mn = names.mart(mart.name)
    where = f"transforms.marts[{mi}]"
    outputs: list[tuple[str, ColumnRules, str]] = (
        [(snake(c.output_name), c, f"{where}.columns[{i}]") for i, c in enumerate(mart.columns)]
        if mart.columns
        else [(snake(g.output_name), g, f"{where}.group_by[{i}]") for i, g in enumerate(mart.group_by)]
        + [(snake(m.name), m, f"{where}.measures[{i}]") for i, m in enumerate(mart.measures)]
    )
    columns = [o[0] for o in outputs]
    key = [snake(k) for k in mart.unique_key] or [snake(g.output_name) for g in mart.group_by] or columns
    suite = Suite(
        name=str(mn.model), kind="mart", schema=str(mn.schema), table=str(mn.model), spec_path=where,
        columns=columns, types={}, key=key, expectations=[], parameters={}, quality=None,
        quarantine=_mart_quarantine(mn, mart, key),
        quarantine_off=None if mart.materialized in QUARANTINABLE else f"the {mart.materialized.value} mart has no "
        f"rows of its own to move ({where}.materialized)",
    )  # fmt: skip
    _add_column_rules(ctx, suite, outputs, index)
    return suite


# materializations whose rows the quality step can delete (a view's rows are its query's)
QUARANTINABLE = {Materialization.TABLE, Materialization.INCREMENTAL}


def _mart_quarantine(mn: MartNames, mart: Mart, key: list[str]) -> dict[str, Any] | None:
    """A table mart's failing rows move to `<mart>__quarantine` beside it, matched on the
    mart's key (unique_key, else its group-by columns, else every column)."""
    if mart.materialized not in QUARANTINABLE:
        return None
    return {"schema": str(mn.schema), "table": str(mn.quarantine_table),
            "source": {"schema": str(mn.schema), "table": str(mn.model)}, "key": {k: k for k in key}}  # fmt: skip


def build_suites(ctx: GenContext) -> list[Suite]:
    index = SpecIndex(ctx.spec)
    batch = set(ctx.plan.graph.batch_sources)
    suites = [staged_suite(ctx, ref, index) for ref in index.tables if ref.source_index in batch]
    suites += [
        mart_suite(ctx, mi, mart, index)
        for mi, mart in enumerate(ctx.spec.transforms.marts)
        if mart.materialized != Materialization.EPHEMERAL
    ]
    return suites


# ---------------------------------------------------------------- suite changes between generates

CHANGES = "gx/suite_changes.json"
KEEP_CHANGE_SETS = 20  # the ledger keeps the last generates that changed a suite


def _expectation_key(e: dict[str, Any]) -> str:
    """An expectation's identity: its type, arguments (but `mostly`) and spec path."""
    kwargs = {k: v for k, v in e["kwargs"].items() if k != "mostly"}
    return json.dumps([e["type"], kwargs, (e.get("meta") or {}).get("spec_path")], sort_keys=True)


def _previous_suites(previous: Callable[[str], str | None]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """suite -> (table, expectations) as the last generate wrote them; empty on a first generate."""
    checks = previous("gx/checks.json")
    out = {}
    for c in json.loads(checks)["suites"] if checks else []:
        text = previous(f"gx/expectations/{c['suite']}.json")
        if text is not None:
            out[c["suite"]] = (f"{c['schema']}.{c['table']}", json.loads(text)["expectations"])
    return out


def _change(kind: str, suite: str, table: str, e: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": kind, "suite": suite, "table": table, "key": _expectation_key(e), "expectation": e["type"],
            "column": e["kwargs"].get("column"), "spec_path": (e.get("meta") or {}).get("spec_path", ""),
            "kwargs": e["kwargs"]}  # fmt: skip


def suite_changes(previous: Callable[[str], str | None], suites: list[Suite]) -> dict[str, Any]:
    """The ledger of suite changes between generates (`ExpectationAdded` / `ExpectationRemoved`):
    this generate's suites against the last generated ones (`.pipegen/base/`). A generate that
    changes no suite keeps the ledger as it was (nothing is rewritten); the first generate
    records none. The runner publishes each change set once (its id is stable)."""
    before_text = previous(CHANGES)
    ledger: dict[str, Any] = json.loads(before_text) if before_text else {"change_sets": []}
    old = _previous_suites(previous)
    if not old:
        return ledger
    new = {s.name: (f"{s.schema}.{s.table}", s.expectations) for s in suites}
    changes = []
    for name in sorted(old.keys() | new.keys()):
        table = (new.get(name) or old[name])[0]
        before = {_expectation_key(e): e for e in (old.get(name) or ("", []))[1]}
        now = {_expectation_key(e): e for e in (new.get(name) or ("", []))[1]}
        changes += [_change("ExpectationAdded", name, table, now[k]) for k in sorted(now.keys() - before.keys())]
        changes += [_change("ExpectationRemoved", name, table, before[k]) for k in sorted(before.keys() - now.keys())]
    if not changes:
        return ledger
    digest = hashlib.sha256(json.dumps([ledger["change_sets"][-1:], changes], sort_keys=True).encode()).hexdigest()
    entry = {"id": digest[:16], "changes": changes}
    return {"change_sets": [*ledger["change_sets"], entry][-KEEP_CHANGE_SETS:]}


# ---------------------------------------------------------------- the runner's configuration


def _profile_columns(suite: Suite) -> list[dict[str, Any]]:
    """Columns whose statistics are kept for drift: the drift's `columns`, or every column."""
    drift = suite.quality.drift if suite.quality else None
    wanted = {snake(c) for c in drift.columns} if drift and drift.columns else None
    cols = [c for c in suite.columns if c not in METADATA_COLUMNS and (wanted is None or c in wanted)]
    return [{"name": c, "numeric": _numeric(suite.types.get(c))} for c in cols]


def _numeric(portable: str | None) -> bool:
    return portable is not None and parse_column_type(portable).name in NUMERIC_TYPES


def checks_config(ctx: GenContext, suites: list[Suite]) -> dict[str, Any]:
    spec = ctx.spec
    out = []
    for s in suites:
        drift = s.quality.drift if s.quality else None
        out.append(
            {
                "suite": s.name,
                "kind": s.kind,
                "schema": s.schema,
                "table": s.table,
                "spec_path": s.spec_path,
                "key": s.key,
                "quarantine": s.quarantine,
                "quarantine_off": s.quarantine_off,
                "parameters": s.parameters,
                "profile_columns": _profile_columns(s),
                "drift": None
                if drift is None
                else {
                    "row_count": drift.row_count,
                    "null_rate": drift.null_rate,
                    "mean": drift.mean,
                    "distinct_count": drift.distinct_count,
                },
            }
        )
    return {
        "pipeline": str(ctx.plan.names.pipeline),
        "generated_by": f"pipegen {ctx.version}",
        "on_failure": spec.quality.on_failure.value,
        "gate": quarantine_gate(ctx),
        "events": {"sink": spec.quality.events.sink.value, "topic": str(ctx.plan.names.events_topic)},
        "notifications": [_notification(n) for n in spec.quality.notifications],
        "warehouses": gx_sql.warehouses(spec),
        "pass_rate_runs": 10,
        "suites": out,
    }


def _notification(n: Notification) -> dict[str, Any]:
    secret = next((parse_secret_ref(v) for v in (n.webhook, n.routing_key) if isinstance(v, str)), None)
    return {
        "type": n.type.value,
        "channel": n.channel,
        "to": list(n.to or ()),
        "env": secret.name if secret else None,
        "on": [SEVERITY[s] for s in n.on],
    }


def _notification_env(spec: Spec, names: EnvNames) -> list[EnvVar]:
    """Email: the project's one SMTP set (pipeline/notify.py); the rest: the secret the spec names."""
    out: list[EnvVar] = []
    if any(n.type == NotificationType.EMAIL for n in spec.quality.notifications):
        out += notifications.smtp_env(names)
    for n in spec.quality.notifications:
        for value in (n.webhook, n.routing_key):
            if isinstance(value, str) and (ref := parse_secret_ref(value)):
                out.append(EnvVar(ref.name, (f"pipeline/quality.py: {n.type.value} notification",), secret=True))
    return out


GENERATOR = GxGenerator()
