"""dbt family: a dbt project over the landed raw tables — sources with freshness, one
staging model per source table (typed, deduplicated by primary key and watermark), data
tests from the spec's column rules, project-local generic tests for what dbt lacks
(range, regex, a `mostly` threshold), profiles for the local DuckDB warehouse and the spec's
warehouse target, and `pipeline/transform.py`, which runs `dbt build` (dbtRunner)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipegen.common.lake_catalog import dbt_registers_silver, layer_dirs, silver_schema, silver_target
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget, RunStep
from pipegen.generators.dbt import sql as dbt_sql
from pipegen.generators.dbt.thrift import thrift_env, thrift_files
from pipegen.plan.components import Kind
from pipegen.plan.envtargets import DBT_PROFILE_KEYS, environment_targets
from pipegen.plan.freshness import dbt_period, freshness_bounds
from pipegen.plan.names import ENV, DatasetNames, snake
from pipegen.plan.reach import extract_drops_rows
from pipegen.render.env import render, static
from pipegen.render.filters import needs_quotes, sql_ident
from pipegen.render.sqltypes import sql_type
from pipegen.render.yamldoc import DbtJinja
from pipegen.safe import Ident, trusted
from pipegen.spec import catalog, rulekinds
from pipegen.spec.catalog import TARGET_SYSTEMS
from pipegen.spec.index import index_of, mart_outputs
from pipegen.spec.model import ColumnRules, Dataset, Materialization, OnFailure, Severity, Source, Spec, Target
from pipegen.spec.pii import landed_column
from pipegen.spec.rulekinds import DbtSite
from pipegen.spec.types import format_duration, parse_secret_ref

DBT_DIR = "dbt"
LOCAL_TARGET = "local"
REQUIREMENTS = ("dbt-core==1.11.16", "dbt-duckdb==1.11.1")
# Production adapters: the package to install for a warehouse target's dbt adapter.
# Pinned where a judge env parses a project with it (requirements/judges/dbt_warehouses.txt,
# dbt_databricks.txt: dbt-databricks 1.11.x needs dbt-core<1.11.9, so it cannot share an env).
ADAPTER_PACKAGES = {
    "postgres": "dbt-postgres==1.11.0",
    "snowflake": "dbt-snowflake==1.11.6",
    "bigquery": "dbt-bigquery==1.11.3",
    "redshift": "dbt-redshift==1.11.2",
    # its last release (1.8.5) resolves with dbt-core 1.11.16 through dbt-fabric 1.9.10; no judge env
    # parses with it yet (docs/corpus.md)
    "synapse": "dbt-synapse==1.8.5",
    "databricks": "dbt-databricks==1.11.8",
    "spark": "dbt-spark[PyHive]==1.11.0",
    "clickhouse": "dbt-clickhouse==1.10.3",
}
# dbt-core for an adapter whose releases cap it below REQUIREMENTS' pin.
DBT_CORE_FOR_ADAPTER = {"databricks": "dbt-core==1.11.8"}
REGISTER_MACRO = "macros/pipegen_register_silver.sql"
REGISTER_HOOK = "{{ pipegen_register_silver() }}"  # the macro of REGISTER_MACRO, dbt's on-run-start hook
STATIC = (
    "macros/generate_schema_name.sql",
    "macros/pipegen_regex.sql",
    "macros/pipegen_string_literal.sql",
    "tests/generic/pipegen_accepted_values.sql",
    "tests/generic/pipegen_range.sql",
    "tests/generic/pipegen_regex.sql",
    "tests/generic/pipegen_not_null.sql",
    "tests/generic/pipegen_unique.sql",
)


class DbtGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        return Contribution(
            requirements=REQUIREMENTS,
            env=(
                EnvVar(
                    "DBT_SEND_ANONYMOUS_USAGE_STATS", ("dbt: no usage statistics over the network",), default="false"
                ),
                *_profile_env(ctx.spec),
                *thrift_env(ctx),
            ),
            make_targets=(
                MakeTarget("transform", "dbt build: staging and mart models and their tests", (_transform_argv(),)),
            ),
            run_steps=(
                *_stage_step(ctx),
                RunStep(40, "transform", "dbt build on the local DuckDB warehouse", ("-m", "pipeline.transform")),
            ),
        )

    def render(self, ctx: GenContext) -> Files:
        """One file at a time, each from the part of the context it reads: the whole-spec documents
        (sources, staging) are built just before their file and dropped after it, and each staging
        model's context just before its model (peak memory: one document, not all of them)."""
        context = dbt_context(ctx)
        spec, tables = ctx.spec, batch_tables(ctx)
        files = {
            f"{DBT_DIR}/dbt_project.yml": render("dbt/dbt_project.yml.j2", context),
            f"{DBT_DIR}/profiles.yml": render("dbt/profiles.yml.j2", context),
            f"{DBT_DIR}/macros/pipegen_types.sql": render("dbt/pipegen_types.sql.j2", context),
            f"{DBT_DIR}/models/staging/_sources.yml": render(
                "dbt/sources.yml.j2", {**context, "sources": sources_doc(tables, spec)}
            ),
            f"{DBT_DIR}/models/staging/_staging.yml": render(
                "dbt/staging.yml.j2", {**context, "staging_doc": staging_doc(tables, spec, ctx.plan.masks_pii)}
            ),
            "pipeline/transform.py": render("dbt/transform.py.j2", context),
        }
        for model in staging_models(ctx, tables):
            files[f"{DBT_DIR}/models/staging/{model['name']}.sql"] = render("dbt/staging_model.sql.j2", model)
        for model in context["marts"]:
            files[f"{DBT_DIR}/models/marts/{model['name']}.sql"] = render("dbt/mart_model.sql.j2", model)
        if context["marts"]:
            files[f"{DBT_DIR}/models/marts/_marts.yml"] = render("dbt/marts.yml.j2", context)
        if context["registration"]:
            files[f"{DBT_DIR}/{REGISTER_MACRO}"] = render("dbt/pipegen_register_silver.sql.j2", context)
        for path in STATIC:
            files[f"{DBT_DIR}/{path}"] = static(f"dbt/static/{path}")
        files.update(thrift_files(ctx))  # an Iceberg silver: the Thrift server's catalog (thrift.py)
        for target in warehouse_targets(ctx.spec):
            files[f"{DBT_DIR}/requirements-{snake(target.name)}.txt"] = render(
                "dbt/requirements-target.txt.j2", {"target": target.name, "pins": warehouse_requirements(target)}
            )
        return files


def warehouse_requirements(target: Target) -> tuple[str, ...]:
    """What `dbt build --target <target>` needs installed: dbt-core and the target's adapter, as
    the warehouse parse judge installs them (requirements/judges/dbt_*.txt). One file per target:
    adapters can disagree on dbt-core (databricks), so they do not share one environment."""
    adapter = TARGET_SYSTEMS[target.type].dbt_adapter or "duckdb"
    return (DBT_CORE_FOR_ADAPTER.get(adapter, REQUIREMENTS[0]), ADAPTER_PACKAGES[adapter])


def quarantine_gate(ctx: GenContext) -> bool:
    """`quality.on_failure: quarantine` with GX: the staging views are built first (`stage`), GX
    moves bad rows aside (the gx family's `quarantine` step), then `dbt build` runs on the clean
    rows; the marts' row-level tests warn, since GX quarantines the marts' failing rows after."""
    return ctx.spec.quality.on_failure == OnFailure.QUARANTINE and "gx" in ctx.families


def _stage_step(ctx: GenContext) -> tuple[RunStep, ...]:
    if not quarantine_gate(ctx):
        return ()
    return (RunStep(30, "stage", "dbt run: the staging views only (for the quarantine gate)",
                    ("-m", "pipeline.transform", "--staging-only")),)  # fmt: skip


def _transform_argv() -> tuple[str, ...]:
    return ("$(PROJECT_PYTHON)", "-m", "pipeline.transform")


# ---------------------------------------------------------------- what the project reads


Loose = frozenset[str]  # staging models whose extract drops rows (loose_models)


@dataclass(frozen=True)
class Table:
    source: Source
    dataset: Dataset
    names: DatasetNames
    key: tuple[int, int, str]  # (source index, index in its list, "tables" or "topics"): where it is in the spec


def batch_tables(ctx: GenContext) -> list[Table]:
    """Source tables the batch layer lands in the warehouse (the plan decides which)."""
    spec, names = ctx.spec, ctx.plan.names
    return [
        Table(source, d, names.dataset(source.name, d.name), (i, di, kind))
        for i in ctx.plan.graph.batch_sources
        for source in (spec.sources[i],)
        for kind in ("tables", "topics")
        for di, d in enumerate(getattr(source, kind))
    ]


def warehouse_targets(spec: Spec) -> list[Target]:
    """Targets dbt builds in besides the local DuckDB file (those with a dbt adapter)."""
    return [t for t in spec.targets if (TARGET_SYSTEMS[t.type].dbt_adapter or "duckdb") != "duckdb"]


def adapters(spec: Spec) -> list[str]:
    found = {"duckdb", *(TARGET_SYSTEMS[t.type].dbt_adapter or "duckdb" for t in warehouse_targets(spec))}
    return sorted(found)


# ---------------------------------------------------------------- identifiers and types


def needs_quote(name: str, spec: Spec) -> bool:
    """A column name some adapter in play must quote (a reserved word such as `order`): its dbt
    properties get `quote: true`, so dbt's and pipegen's generic tests receive it quoted."""
    return any(needs_quotes(name, TARGET_SYSTEMS_BY_ADAPTER[a]) for a in adapters(spec))


TARGET_SYSTEMS_BY_ADAPTER = {s.dbt_adapter: s.dialect for s in TARGET_SYSTEMS.values() if s.dbt_adapter}


def type_table(spec: Spec) -> dict[str, dict[str, str]]:
    """portable type -> type name per adapter, for every column type the spec uses."""
    used = sorted(
        {c.type for _, d in _all_datasets(spec) for c in d.columns}
        | {x.type for _, d in _all_datasets(spec) for x in d.derived}
    )
    return {a: {t: sql_type(t, TARGET_SYSTEMS_BY_ADAPTER[a]) for t in used} for a in adapters(spec)}


def _all_datasets(spec: Spec) -> list[tuple[Source, Dataset]]:
    return [(s, d) for s in spec.sources for d in (*s.tables, *s.topics)]


# ---------------------------------------------------------------- tests from column rules


def _severity(rule_severity: Severity | None, spec: Spec) -> str:
    return (rule_severity or spec.quality.severity).value


def _mostly(rule_mostly: float | None, spec: Spec) -> float:
    return rule_mostly if rule_mostly is not None else 1.0 - spec.quality.fail_threshold


def _test(name: str, arguments: dict[str, Any], severity: str, where: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if arguments:
        body["arguments"] = arguments
    body["config"] = {"severity": severity, "meta": {"spec_path": where}}
    return {name: body}


def column_tests(
    column: ColumnRules, where: str, spec: Spec, relations: dict[str, tuple[str, str]], loose: Loose = frozenset()
) -> list[Any]:
    """dbt data tests for one column's rules, each kind's test from spec/rulekinds.py (builtins
    where they express the rule exactly; pipegen's generic tests for ranges, patterns and
    `mostly` thresholds), in `Dbt.order`. A foreign key into a model in `loose` (its extract
    drops rows, R480) warns unless the rule sets its own severity."""
    tests: list[Any] = []
    for kind in sorted(rulekinds.stated(column), key=lambda k: k.dbt.order if k.dbt else 0):
        rule = kind.rule(column)
        made = kind.dbt.test(rule, DbtSite(_mostly(rule.mostly, spec), relations.get)) if kind.dbt else None
        if made is not None:
            severity = rule.severity
            if kind.name == "foreign_key" and severity is None and relations.get(rule.references, ("",))[0] in loose:
                severity = Severity.WARN
            tests.append(_test(made[0], made[1], _severity(severity, spec), f"{where}.{kind.field}"))
    return tests


def loose_models(tables: list[Table]) -> Loose:
    """Staging models of the tables whose batch extract drops rows (their `filter`): a foreign
    key into one defaults to severity warn (plan/reach.py, R480)."""
    return frozenset(t.names.staging_model for t in tables if extract_drops_rows(t.source, t.dataset))


def relation_index(tables: list[Table], spec: Spec) -> dict[str, tuple[str, str]]:
    """'table.column', 'source.table.column' (source column names) and 'mart.column' ->
    (dbt model, SQL column name) for relationships tests."""
    index: dict[str, tuple[str, str]] = {}
    dialects = dialects_of(spec)

    def field(name: str) -> str:  # dbt's relationships test writes `field` as is: quoted per adapter
        quoted = dbt_sql.q(name, dialects)
        return DbtJinja(quoted) if "{%" in quoted else quoted  # a validated name, an adapter chain

    for t in tables:
        for c in t.dataset.columns:
            target = (t.names.staging_model, field(snake(c.staged_name)))
            index.setdefault(f"{t.dataset.name}.{c.name}", target)
            index[f"{t.source.name}.{t.dataset.name}.{c.name}"] = target
    for mart in spec.transforms.marts:
        for out in mart_outputs(mart):
            index[f"{mart.name}.{out}"] = (snake(mart.name), field(snake(out)))
    return index


# ---------------------------------------------------------------- the context


def source_of(t: Table, spec: Spec) -> tuple[str, str]:
    """(schema, table) staging reads a source table from: the lake's silver table the `lake` step
    publishes into the warehouse when the table is in a lake target with silver
    (common/lake_catalog.silver_schema, the one place that decides), else the raw table dlt loads."""
    silver = silver_schema(spec, list(t.dataset.columns))
    return (silver, str(t.names.lake_table)) if silver else (str(t.names.raw_schema), str(t.names.raw_table))


def registration_doc(ctx: GenContext, tables: list[Table]) -> dict[str, Any] | None:
    """What dbt's on-run-start hook registers on its Spark / Databricks targets (macros/pipegen_register_silver.sql):
    the silver schema and each silver table `_sources.yml` reads (`source_of`, the same names), quoted for Spark,
    with its directory below the lake root (common/lake_catalog.layer_dirs, where the lake step writes it). None:
    nothing to register (common/lake_catalog.dbt_registers_silver: Iceberg silver, dbt/spark-thrift/ or R464; the
    Spark job's silver step registers a Delta silver it writes; or staging reads no silver table)."""
    spec = ctx.spec
    target = silver_target(spec)
    if target is None or not dbt_registers_silver(spec, Kind.SPARK_BATCH in ctx.plan.graph.kinds):
        return None
    read = [source_of(t, spec) for t in tables if silver_schema(spec, list(t.dataset.columns))]
    if not read:
        return None
    silver = layer_dirs(target)["silver"]
    schema = read[0][0]
    return {
        "schema": sql_ident(schema, "spark"),
        "tables": [
            {"ident": f"{sql_ident(schema, 'spark')}.{sql_ident(name, 'spark')}", "path": f"{silver}/{name}"}
            for _, name in sorted(set(read))
        ],
    }


def sources_doc(tables: list[Table], spec: Spec) -> dict[str, Any]:
    by_schema: dict[str, list[Table]] = {}
    for t in tables:
        by_schema.setdefault(source_of(t, spec)[0], []).append(t)
    warn, error = _freshness(spec)
    sources = []
    for schema, members in sorted(by_schema.items()):
        sources.append(
            {
                "name": schema,
                "schema": schema,
                "description": members[0].source.description or f"{members[0].source.name}, landed by dlt"
                if schema == str(members[0].names.raw_schema)
                else "the lake's silver tables (typed, deduplicated, quality-gated), published by the lake step",
                "config": {
                    "freshness": {"warn_after": warn, "error_after": error},
                    "loaded_at_field": "_extracted_at",
                },
                "tables": [_raw_table_doc(t, source_of(t, spec)[1]) for t in members],
            }
        )
    return {"version": 2, "sources": sources}


def _raw_table_doc(t: Table, name: str) -> dict[str, Any]:
    """A landed table and the descriptions of its columns as they land (before staging renames or
    replaces them: a derived column named like a column documents the staged one)."""
    doc: dict[str, Any] = {"name": trusted(name), "description": t.dataset.description or ""}
    columns = [
        {"name": t.names.column(c.name), "description": c.description} for c in t.dataset.columns if c.description
    ]
    if columns:
        doc["columns"] = columns
    return doc


def _freshness(spec: Spec) -> tuple[dict[str, Any], dict[str, Any]]:
    """warn and error bounds of the landed sources (pipegen.plan.freshness), in dbt's periods."""
    warn, error = freshness_bounds(spec)
    return _period(warn.seconds), _period(error.seconds)


def _period(seconds: float) -> dict[str, Any]:
    count, period = dbt_period(seconds)
    return {"count": count, "period": period}


def staging_doc(tables: list[Table], spec: Spec, masked: bool = False) -> dict[str, Any]:
    """Staging models' columns and tests; with `masked` (etl), the columns as they land (pipegen.spec.pii)."""
    relations, loose = relation_index(tables, spec), loose_models(tables)
    models = []
    for t in tables:
        columns = []
        for i, c in enumerate(t.dataset.columns):
            landed = landed_column(c) if masked else c
            where = f"{_spec_path(t)}.columns[{i}]"
            columns.append(_column_doc(snake(c.staged_name), landed, where, spec, relations, loose=loose))
        for i, d in enumerate(t.dataset.derived):
            path = f"{_spec_path(t)}.derived[{i}]"
            columns.append(_column_doc(snake(d.name), d, path, spec, relations, loose=loose))
        models.append(
            {
                "name": t.names.staging_model,
                "description": t.dataset.description or f"{t.source.name}.{t.dataset.name}, typed and deduplicated",
                "columns": _merge_same_name(columns),
            }
        )
    return {"version": 2, "models": models}


def _merge_same_name(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A derived column that replaces a column documents and tests the result (its own entry)."""
    out: dict[str, dict[str, Any]] = {}
    for col in columns:
        out[col["name"]] = col
    return list(out.values())


def _column_doc(
    name: str,
    rules: ColumnRules,
    where: str,
    spec: Spec,
    relations: dict[str, tuple[str, str]],
    warn: bool = False,
    loose: Loose = frozenset(),
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name}
    if needs_quote(name, spec):
        entry["quote"] = True
    if rules.description:
        entry["description"] = rules.description
    tests = column_tests(rules, where, spec, relations, loose)
    if warn:  # the quarantine gate moves these rows after dbt: dbt reports them, GX acts
        tests = [{k: {**v, "config": {**v["config"], "severity": "warn"}} for k, v in t.items()} for t in tests]
    if tests:
        entry["data_tests"] = tests
    return entry


def marts_doc(ctx: GenContext, tables: list[Table]) -> dict[str, Any]:
    spec = ctx.spec
    relations, loose = relation_index(tables, spec), loose_models(tables)
    models = []
    for mi, mart in enumerate(spec.transforms.marts):
        ephemeral = mart.materialized == Materialization.EPHEMERAL
        outputs: list[tuple[str, ColumnRules, str]] = (
            [(c.output_name, c, f"columns[{i}]") for i, c in enumerate(mart.columns)]
            if mart.columns
            else [(g.output_name, g, f"group_by[{i}]") for i, g in enumerate(mart.group_by)]
            + [(m.name, m, f"measures[{i}]") for i, m in enumerate(mart.measures)]
        )
        warn = quarantine_gate(ctx) and mart.materialized in (Materialization.TABLE, Materialization.INCREMENTAL)
        columns = [
            _column_doc(snake(name), rules, f"transforms.marts[{mi}].{where}", spec, relations, warn, loose)
            for name, rules, where in outputs
        ]
        if ephemeral:  # inlined where used: documented (dbt docs), tested nowhere (validate says so, R262)
            columns = [{k: v for k, v in c.items() if k != "data_tests"} for c in columns]
        model: dict[str, Any] = {"name": ctx.plan.names.mart(mart.name).model}
        if mart.description:
            model["description"] = mart.description
        model["columns"] = columns
        models.append(model)
    return {"version": 2, "models": models}


def _spec_path(t: Table) -> str:
    si, di, kind = t.key
    return f"sources[{si}].{kind}[{di}]"


def profiles_doc(ctx: GenContext) -> dict[str, Any]:
    outputs: dict[str, Any] = {
        LOCAL_TARGET: {
            "type": "duckdb",
            "path": DbtJinja("{{ env_var('" + ENV.warehouse + "', 'warehouse.duckdb') }}"),
            "schema": "main",
            "threads": 2,
        }
    }
    for target in warehouse_targets(ctx.spec):
        outputs[str(Ident(target.name.lower()))] = target_profile(target)
        for env in environment_targets(ctx.spec, target):  # the environment's overrides merged in
            outputs[str(env.output)] = target_profile(env.target)
    return {str(ctx.plan.names.dbt_project): {"target": LOCAL_TARGET, "outputs": outputs}}


PROFILE_KEYS = DBT_PROFILE_KEYS  # spec connection field -> profile key, per adapter (plan/envtargets.py)
PROFILE_DEFAULTS: dict[str, dict[str, Any]] = {
    "bigquery": {"method": "oauth"},
    "synapse": {"driver": "ODBC Driver 18 for SQL Server", "authentication": "sql"},
    "spark": {"method": "thrift"},
}


# Profile keys an adapter cannot connect without that the spec's target may not hold (a Delta
# target names a bucket, not the Spark Thrift server that builds on it; a Databricks target
# names no SQL warehouse path): read from `<TARGET>_<KEY>` when dbt runs, listed in .env.example.
REQUIRED_FROM_ENV: dict[str, tuple[str, ...]] = {"spark": ("host",), "databricks": ("http_path",)}


def env_defaults(target: Target) -> list[tuple[str, str]]:
    """(profile key, environment variable) for each required key the spec's target leaves out."""
    adapter = TARGET_SYSTEMS[target.type].dbt_adapter or "duckdb"
    given = {key for field, key in PROFILE_KEYS.get(adapter, {}).items() if getattr(target.connection, field)}
    return [(key, ENV.connection(target.name, key)) for key in REQUIRED_FROM_ENV.get(adapter, ()) if key not in given]


def target_profile(target: Target) -> dict[str, Any]:
    adapter = TARGET_SYSTEMS[target.type].dbt_adapter or "duckdb"
    profile: dict[str, Any] = {"type": adapter, **PROFILE_DEFAULTS.get(adapter, {})}
    for field, key in PROFILE_KEYS.get(adapter, {}).items():
        value = getattr(target.connection, field)
        if value is not None:
            profile[key] = _profile_value(value)
    for key, name in env_defaults(target):
        profile[key] = DbtJinja("{{ env_var('" + name + "') }}")  # NAME: snake_case name upper-cased
    if "port" in PROFILE_KEYS.get(adapter, {}).values() and adapter in catalog.DEFAULT_PORTS:
        profile.setdefault("port", catalog.DEFAULT_PORTS[adapter])  # the adapters' profile schemas require it
    profile.setdefault("schema" if adapter != "bigquery" else "dataset", "analytics")
    profile["threads"] = 4
    return profile


def _profile_value(value: Any) -> Any:
    """Literals as themselves; ${secret:X}/${env:X} as dbt's env_var('X')."""
    if isinstance(value, str) and (ref := parse_secret_ref(value)):
        return DbtJinja("{{ env_var('" + ref.name + "') }}")  # NAME: letters, digits, _ (parse_secret_ref)
    return value


def _profile_env(spec: Spec) -> tuple[EnvVar, ...]:
    out = []
    for base in warehouse_targets(spec):
        variants = [(base, base.name), *((e.target, str(e.output)) for e in environment_targets(spec, base))]
        for target, output in variants:
            for field in PROFILE_KEYS.get(TARGET_SYSTEMS[target.type].dbt_adapter or "", {}):
                value = getattr(target.connection, field)
                if isinstance(value, str) and (ref := parse_secret_ref(value)):
                    out.append(
                        EnvVar(ref.name, (f"dbt profile, target {output}: {field}",), secret=ref.kind == "secret")
                    )
        out += [EnvVar(name, (f"dbt profile, target {base.name}: {key}",)) for key, name in env_defaults(base)]
    return tuple(out)


def environment_outputs(spec: Spec) -> dict[str, dict[str, str]]:
    """target -> {environment: dbt output}: what `pipeline.transform` builds in when
    PIPEGEN_ENVIRONMENT names an environment that overrides the target's connection."""
    out = {}
    for target in warehouse_targets(spec):
        if found := environment_targets(spec, target):
            out[str(Ident(target.name.lower()))] = {e.environment: str(e.output) for e in found}
    return out


def dbt_context(ctx: GenContext) -> dict[str, Any]:
    """What the project-wide files read; the per-table documents and models are built one by one
    in `DbtGenerator.render` (`sources_doc`, `staging_doc`, `staging_models`)."""
    spec, names = ctx.spec, ctx.plan.names
    tables = batch_tables(ctx)
    dialects = dialects_of(spec)
    index = index_of(spec)
    marts = [dbt_sql.mart_model(m, index, names, dialects) for m in spec.transforms.marts]
    registration = registration_doc(ctx, tables)
    return {
        "version": trusted(ctx.version),
        "project": names.dbt_project,
        "staging_schema": names.staging_schema,
        "marts_schema": names.marts_schema,
        "model_configs": model_configs(str(names.dbt_project), names.staging_schema, names.marts_schema, bool(marts)),
        "registration": {"doc": registration} if registration else None,
        "hooks": {"on-run-start": [DbtJinja(REGISTER_HOOK)]} if registration else {},
        "latency": trusted(format_duration(spec.latency)),
        "types": type_table(spec),
        "marts": marts,
        "marts_doc": marts_doc(ctx, tables),
        "profiles": profiles_doc(ctx),
        "targets": [str(Ident(t.name.lower())) for t in warehouse_targets(spec)],
        "environment_outputs": environment_outputs(spec),
        "environment_variable": trusted(ENV.environment),
    }


def staging_models(ctx: GenContext, tables: list[Table]) -> Iterator[dict[str, Any]]:
    """Each batch table's staging model context, built when its model is rendered."""
    spec, names = ctx.spec, ctx.plan.names
    dialects = dialects_of(spec)
    refs = {(t.source_index, t.index, t.kind): t for t in index_of(spec).tables}
    masked = ctx.plan.masks_pii
    for t in tables:
        silver = silver_schema(spec, list(t.dataset.columns))
        yield dbt_sql.staging_model(refs[t.key], names, dialects, masked, silver)


def model_configs(project: str, staging: str, marts: str, has_marts: bool) -> dict[str, Any]:
    """dbt_project.yml's `models:` block: a config path for marts only when there are marts (dbt
    warns about a path that applies to no model, and the parse judge treats warnings as errors)."""
    folders: dict[str, Any] = {"staging": {"+materialized": "view", "+schema": staging}}
    if has_marts:
        folders["marts"] = {"+materialized": "table", "+schema": marts}
    return {project: folders}


def dialects_of(spec: Spec) -> dbt_sql.Dialects:
    ordered = ["duckdb", *(a for a in adapters(spec) if a != "duckdb")]
    return dbt_sql.Dialects(tuple(ordered), {a: TARGET_SYSTEMS_BY_ADAPTER[a] for a in ordered})


GENERATOR = DbtGenerator()
