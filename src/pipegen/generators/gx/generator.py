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
from pipegen.common.kafka_clients import SIGN_IN_PINS, managed_events_publisher, sign_in_env
from pipegen.common.lake_catalog import silver_schema
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget, RunStep
from pipegen.generators.gx import events as gx_events
from pipegen.generators.gx import matrix as gx_matrix
from pipegen.generators.gx import sql as gx_sql
from pipegen.plan.names import EnvNames, MartNames, gx_parameter, snake
from pipegen.plan.reach import loose_foreign_key
from pipegen.render.env import static
from pipegen.render.jsondoc import json_doc
from pipegen.spec import rulekinds
from pipegen.spec.index import SpecIndex, TableRef, index_of, mart_outputs
from pipegen.spec.model import (
    ColumnRules,
    EventSink,
    Mart,
    Materialization,
    Notification,
    OnFailure,
    Severity,
    Spec,
    TableQuality,
)
from pipegen.spec.pii import landed_column
from pipegen.spec.rulekinds import GxSite, RuleKind, Scope
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
            tls = "pipeline/quality_events.py: mutual TLS to the project's cluster, unset locally (plaintext); "
            env.extend([
                EnvVar(names.kafka_ca_pem, (tls + "the cluster CA (ca.crt; the Kubernetes workload mounts it)",)),
                EnvVar(names.kafka_cert_pem, (tls + "the quality KafkaUser's user.crt (mounted the same way)",)),
                EnvVar(names.kafka_key_pem, (tls + "the quality KafkaUser's user.key (mounted the same way)",)),
            ])  # fmt: skip
        env.extend(_notification_env(ctx.spec, names))
        env.extend(EnvVar(name, (use,), secret=secret) for name, use, secret in gx_sql.env_vars(ctx.spec))
        cloud = managed_events_publisher(ctx)  # the publisher signs in to the managed cluster (kafka_sign_in.py)
        if kafka:
            env.extend(EnvVar(name, (use,)) for name, use in sign_in_env())
        kafka_pins = (*KAFKA_REQUIREMENTS, *((SIGN_IN_PINS[cloud],) if cloud else ())) if kafka else ()
        return Contribution(
            requirements=(*REQUIREMENTS, *kafka_pins),
            # quality_events.py reads the row-level kinds, and its Kafka sink signs in with kafka_sign_in.py
            runtime=(*SHARED_RUNTIME, "rules.json", *(("kafka_sign_in.py",) if kafka else ())),
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


def events_config(ctx: GenContext) -> dict[str, Any]:
    """Where the events go: the sink, the naming layer's events topic and, for a Kafka sink, the managed cloud
    whose cluster the publisher signs in to with its workload's identity (`sign_in`; null: mutual TLS files
    or a plaintext local broker, pipeline/kafka_sign_in.py)."""
    sink = ctx.spec.quality.events.sink
    cloud = managed_events_publisher(ctx)
    signs_in = {"sign_in": cloud.value if cloud else None} if sink == EventSink.KAFKA else {}
    return {"sink": sink.value, "topic": str(ctx.plan.names.events_topic), **signs_in}


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
    return json_doc(data) + "\n"


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


def rule_expectations(
    ctx: GenContext, suite: Suite, holder: Any, where: str, site: Callable[[RuleKind, str], GxSite], scope: Scope
) -> list[dict[str, Any]]:
    """The expectations of the rules a column (scope `column`) or a table's `quality:` states, in the
    registry's order (spec/rulekinds.py); a kind's run-time parameters are added to the suite. A
    column rule has its `mostly` and severity; a table rule the table's severity."""
    spec = ctx.spec
    out = []
    for kind in rulekinds.stated(holder, scope):
        if kind.gx is None:
            continue
        rule = kind.rule(holder)
        path = f"{where}.{kind.field}"
        stated = rule.severity if scope == "column" else holder.severity
        if kind.name == "foreign_key" and loose_foreign_key(rule, index_of(spec), ctx.plan.graph.batch_sources):
            stated = Severity.WARN  # the parent's extract drops rows: orphans are reported (R480)
        severity = _severity(stated, spec)
        for check in kind.gx.checks(rule, site(kind, path)):
            if check.parameter is not None:
                suite.parameters[check.parameter[0]] = check.parameter[1]
            kwargs = {"column": check.column, **check.kwargs} if check.column is not None else check.kwargs
            if scope == "column":
                kwargs = _with_mostly(kwargs, _mostly(rule.mostly, spec))
            out.append(expectation(check.expectation, kwargs, check.severity or severity, path + check.path,
                                   kind.name))  # fmt: skip
    return out


def _site(
    ctx: GenContext, suite: Suite, index: SpecIndex, column: str | None, ref: TableRef | None = None
) -> Callable[[RuleKind, str], GxSite]:
    """What a rule kind's GX function knows about where the rule sits (its parameters named by plan.names)."""

    def column_named(name: str | None) -> str | None:
        if ref is None or not name:
            return None
        found = ref.column(name)
        return snake(found.staged_name) if found else (snake(name) if snake(name) in suite.types else None)

    def make(kind: RuleKind, path: str) -> GxSite:
        return GxSite(
            suite=suite.name, path=path, column=column, columns=tuple(suite.columns), types=suite.types,
            watermark=ref.dataset.watermark if ref is not None else None, column_named=column_named,
            parent=lambda references: _fk_parent(references, index, ctx),
            parameter=lambda qualifier: str(gx_parameter(kind.name, suite.name, qualifier)),
        )  # fmt: skip

    return make


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


def quarantine_source(ctx: GenContext, ref: TableRef) -> dict[str, str]:
    """The table staging reads, where quarantined rows are deleted from: the raw table, or in a
    Lakehouse silver's copy in the warehouse (common/lake_catalog.silver_schema), landed names both."""
    dn = ctx.plan.names.dataset(ref.source.name, ref.dataset.name)
    silver = silver_schema(ctx.spec, list(ref.dataset.columns))
    return (
        {"schema": silver, "table": str(dn.lake_table)}
        if silver
        else {"schema": str(dn.raw_schema), "table": str(dn.raw_table)}
    )


def staged_suite(ctx: GenContext, ref: TableRef, index: SpecIndex) -> Suite:
    names = ctx.plan.names
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
                    "source": quarantine_source(ctx, ref), "key": raw_key}
        if raw_key else None,
        quarantine_off=None if raw_key else f"the table has no primary key ({where}.primary_key): its rows cannot "
        "be matched",
    )  # fmt: skip
    derived = {d.name.lower() for d in ref.dataset.derived}
    landed = landed_column if ctx.plan.masks_pii else (lambda c: c)  # etl: the columns as they land
    rules: list[tuple[str, ColumnRules, str]] = [
        (snake(c.staged_name), landed(c), f"{where}.columns[{i}]")
        for i, c in enumerate(ref.dataset.columns)
        if c.staged_name.lower() not in derived
    ]
    rules += [(snake(d.name), d, f"{where}.derived[{i}]") for i, d in enumerate(ref.dataset.derived)]
    _add_column_rules(ctx, suite, rules, index)
    if ref.dataset.quality:
        site = _site(ctx, suite, index, None, ref)
        suite.expectations += rule_expectations(ctx, suite, ref.dataset.quality, f"{where}.quality", site, "table")
    return suite


def _add_column_rules(
    ctx: GenContext, suite: Suite, rules: list[tuple[str, ColumnRules, str]], index: SpecIndex
) -> None:
    for column, holder, where in rules:
        site = _site(ctx, suite, index, column)
        suite.expectations += rule_expectations(ctx, suite, holder, where, site, "column")


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
    index = index_of(ctx.spec)
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


def _previous_tables(previous: Callable[[str], str | None]) -> dict[str, str]:
    """suite -> its table as the last generate wrote them (gx/checks.json); empty on a first generate."""
    checks = previous("gx/checks.json")
    return {c["suite"]: f"{c['schema']}.{c['table']}" for c in json.loads(checks)["suites"]} if checks else {}


def _previous_expectations(previous: Callable[[str], str | None], suite: str) -> list[dict[str, Any]] | None:
    """The suite's expectations as the last generate wrote them; None without its file."""
    text = previous(f"gx/expectations/{suite}.json")
    return None if text is None else list(json.loads(text)["expectations"])


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
    old_tables = _previous_tables(previous)
    if not old_tables:  # no suite was generated before (a first generate): none can have changed
        return ledger
    new = {s.name: (f"{s.schema}.{s.table}", s.expectations) for s in suites}
    changes: list[dict[str, Any]] = []
    any_old = False
    for name in sorted(old_tables.keys() | new.keys()):  # one previous suite read and held at a time
        old = _previous_expectations(previous, name) if name in old_tables else None
        any_old = any_old or old is not None
        if old is None and name not in new:
            continue
        table = new[name][0] if name in new else old_tables[name]
        before = {_expectation_key(e): e for e in old or []}
        now = {_expectation_key(e): e for e in (new.get(name) or ("", []))[1]}
        changes += [_change("ExpectationAdded", name, table, now[k]) for k in sorted(now.keys() - before.keys())]
        changes += [_change("ExpectationRemoved", name, table, before[k]) for k in sorted(before.keys() - now.keys())]
    if not any_old:  # a first generate records none
        return ledger
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
        "events": events_config(ctx),
        "notifications": [_notification(n) for n in spec.quality.notifications],
        "warehouses": gx_sql.warehouses(spec),
        # target -> {environment: warehouse}, read with PIPEGEN_ENVIRONMENT (only when an environment overrides one)
        **({"environment_outputs": found} if (found := gx_sql.environment_outputs(spec)) else {}),
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
    out = list(notifications.email_env(spec.quality.notifications, names))
    for n in spec.quality.notifications:
        for value in (n.webhook, n.routing_key):
            if isinstance(value, str) and (ref := parse_secret_ref(value)):
                out.append(EnvVar(ref.name, (f"pipeline/quality.py: {n.type.value} notification",), secret=True))
    return out


GENERATOR = GxGenerator()
