"""Synthetic family: local stand-in source data, so a project runs with no data to bring.

Asks for `pipeline/synthetic.py` (the generator, templates/runtime/synthetic.py: a shared runtime
module the project family writes once, which the flink family's change events use too: seeded
Faker value pools, rules, foreign keys, recorded bad rows) and writes `pipeline/synthetic.json`
(its config: the table model of common/synthetic_tables.py over the batch sources' tables, with
the spec's columns, rules and `faker:` hints) and `pipeline/synthesize.py`, the first step of the
local run: for every source the batch layer loads, it writes what the ingestion step reads with
`--local` — a SQLite file `data/<source>.sqlite` standing in for a database (and for Faker
sources), the files of a files source where they are missing (existing files are the user's data
and are kept), and JSON lines files `data/<source>/<dataset>.jsonl` standing in for a REST API,
MongoDB or the topics of a stream (Lambda and Lakehouse load streams into the batch layer too). A
source with no stand-in would be listed, not faked. Those are the plan's `Kind.SYNTHETIC_DATA` (a batch layer).

Where a Faker source streams (`Kind.STREAM_GENERATORS`, any architecture: Kappa alone too), the family also writes
the generator of its events (common/faker_streams.py): `pipeline/stream_generator.py`, its config and its image's
requirements. A plan with generators and no batch layer gets only those (and the modules they import): no
stand-ins, no `synthesize` step (the local stream run's change events stand in for the topics there)."""

from __future__ import annotations

from typing import Any

from pipegen.common.faker_streams import faker_streams, generator_config, generator_requirements
from pipegen.common.synthetic_tables import START, config_name, rows, seed_and_locale, table_config
from pipegen.generators.base import Contribution, Files, GenContext, MakeTarget, RunStep
from pipegen.plan.components import Kind
from pipegen.plan.reach import extract_drops_rows
from pipegen.render.env import render, static
from pipegen.render.jsondoc import json_doc
from pipegen.render.sqlexpr import to_sql
from pipegen.safe import trusted
from pipegen.spec.catalog import LOCAL_STAND_IN
from pipegen.spec.expr import columns_of, flag_of
from pipegen.spec.index import SpecIndex, TableRef, index_of
from pipegen.spec.model import Column, Dataset, JoinType, Mart, Source, Spec
from pipegen.spec.types import parse_column_type

REQUIREMENTS = ("Faker==40.63.0", "pyarrow==26.0.1")


def stands_in(ctx: GenContext) -> bool:
    """The plan has a batch layer with local stand-ins to write (not only stream generators)."""
    return Kind.SYNTHETIC_DATA in ctx.plan.graph.kinds


class SyntheticGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        streams = faker_streams(ctx.spec, ctx.plan)
        # the generator (shared: the flink family's change events and the stream generators use its model
        # too) and the rule kinds it reads (their bad-value strategies); a deployed stream generator's sign-in
        runtime = ("rules.json", "synthetic.py", *(("kafka_sign_in.py",) if streams else ()))
        if not stands_in(ctx):  # stream generators only: their own image's requirements, no local step
            return Contribution(runtime=runtime)
        return Contribution(
            requirements=REQUIREMENTS,
            runtime=runtime,
            make_targets=(
                MakeTarget(
                    "synthesize",
                    "write local stand-in source data (ROWS=N, BAD_ROW_RATE=R)",
                    (("$(PROJECT_PYTHON)", "-m", "pipeline.synthesize", "--force"),),
                    options=(("ROWS", "--rows"), ("BAD_ROW_RATE", "--bad-row-rate")),
                ),
            ),
            run_steps=(
                RunStep(
                    10,
                    "synthesize",
                    "local stand-in source data",
                    ("-m", "pipeline.synthesize"),
                    options=(("rows", "--rows"), ("bad_row_rate", "--bad-row-rate")),
                ),
            ),
        )

    def render(self, ctx: GenContext) -> Files:
        out: Files = {}
        if stands_in(ctx):
            config, layout, skipped = synthetic_config(ctx)
            context = {"version": trusted(ctx.version), "pipeline": ctx.plan.names.pipeline}
            out["pipeline/synthetic.json"] = _json(config)
            out["pipeline/stand_ins.json"] = _json({"sources": layout, "none": skipped})
            out["pipeline/synthesize.py"] = render("synthetic/synthesize.py.j2", context)
        if faker_streams(ctx.spec, ctx.plan):  # the deployed generators of Faker streams (common/faker_streams.py)
            out["pipeline/stream_generator.py"] = static("synthetic/stream_generator.py")
            out["pipeline/stream_generator.json"] = _json(generator_config(ctx.spec, ctx.plan))
            pins = "\n".join(generator_requirements(ctx.spec))
            out["requirements-generator.txt"] = (
                f"# The stream generators' image (pipeline/stream_generator.py).\n{pins}\n"
            )
        return out


def _json(data: Any) -> str:
    return json_doc(data, sort_keys=True) + "\n"


def stand_in(source: Source) -> str | None:
    """What stands in for a source locally: 'sqlite', 'files', 'jsonl', or None (not possible)."""
    return LOCAL_STAND_IN[source.type]


def datasets(source: Source) -> tuple[Dataset, ...]:
    """A source's tables, or the topics of a stream."""
    return (*source.tables, *source.topics)


def synthetic_config(ctx: GenContext) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(generator config, where each table is written, sources with no local stand-in)."""
    spec = ctx.spec
    index = index_of(spec)
    sources = [spec.sources[i] for i in ctx.plan.graph.batch_sources]
    tables, layout, skipped = [], {}, []
    included = {config_name(s, d) for s in sources if stand_in(s) for d in datasets(s)}
    covering = covering_keys(spec, index)
    held = held_conditions(spec, index)
    for source in sources:
        kind = stand_in(source)
        if kind is None:
            skipped.append(
                f"{source.name} ({source.type.value}): no local stand-in; the local run needs the real system"
            )
            continue
        entries = {}
        for dataset in datasets(source):
            tables.append(table_config(source, dataset, index, included, covering, held=held))
            if extract_drops_rows(source, dataset) and dataset.filter:
                tables[-1]["keeps"] = local_where(dataset.filter)
            entries[config_name(source, dataset)] = _placement(source, dataset, kind)
        layout[source.name] = {"kind": kind, "tables": entries}
    seed, locale = seed_and_locale(sources)
    config = {"seed": seed, "locale": locale, "start": START, "bad_row_rate": 0.0, "tables": tables}
    return config, layout, skipped


def local_where(condition: str) -> str:
    """A table's `filter` as the local extract runs it on the SQLite stand-in (the ingestion
    family's `where_local`): the synthetic foreign keys name only parent rows it keeps."""
    return to_sql(condition, "sqlite", lambda _qualifier, column: (None, column), identify=True)


def _placement(source: Source, dataset: Dataset, kind: str) -> dict[str, Any]:
    if kind == "sqlite":
        return {"table": dataset.name, "path": f"data/{source.name}.sqlite"}
    if kind == "jsonl":
        return {"table": dataset.name, "path": f"data/{source.name}/{dataset.name}.jsonl", "format": "jsonl"}
    base = (source.connection.url or source.connection.path or "data").rstrip("/")
    fmt = dataset.file_format.value if dataset.file_format else "csv"
    return {"table": dataset.name, "path": f"{base}/{dataset.path or dataset.name + '.' + fmt}", "format": fmt}


# ---------------------------------------------------------------- foreign keys the marts need covered


def covering_keys(spec: Spec, index: SpecIndex) -> dict[tuple[str, str], int]:
    """Foreign keys whose every parent key must have a child row, as the spec implies them:
    a mart over a parent table left-joins its children (directly, or through a mart grouped by
    the foreign key) and says a column read from that join is `not_null`. The jaffle shop's
    `orders.amount` (every order has a payment) is one. -> {(child table, fk column): parent rows}."""
    out: dict[tuple[str, str], int] = {}
    for mart in spec.transforms.marts:
        base = index.resolve(mart.from_).table
        if base is None:
            continue
        read = {q.lower() for c in mart.columns if c.not_null for q, _ in columns_of(c.expr) if q}
        for join in mart.joins:
            if join.type != JoinType.LEFT or join.table.lower().rsplit(".", 1)[-1] not in read:
                continue
            child = _joined_child(index, join.table, [right for _, right in join.on])
            if child is None:
                continue
            table, column = child
            fk = column.foreign_key
            parent = index.resolve_column(fk.references)[0] if fk else None
            if parent is not None and parent == base:
                out[(config_name(table.source, table.dataset), column.name)] = rows(base.dataset)
    return out


def _joined_child(index: SpecIndex, ref: str, keys: list[str]) -> tuple[TableRef, Column] | None:
    """The source table and column a left join's single key comes from: the joined table's
    own column, or the group key of a joined mart that groups a source table by it."""
    resolved = index.resolve(ref)
    if resolved.mart is not None:
        return _grouped_child(index, resolved.mart)
    if resolved.table is None or len(keys) != 1:
        return None
    return _staged_column(resolved.table, keys[0])


def _grouped_child(index: SpecIndex, mart: Mart) -> tuple[TableRef, Column] | None:
    table = index.resolve(mart.from_).table
    if table is None or mart.joins or len(mart.group_by) != 1:
        return None
    _, name = (columns_of(mart.group_by[0].expr) or [("", "")])[0]
    return _staged_column(table, name) if name and not mart.filter else None


def _staged_column(table: TableRef, staged: str) -> tuple[TableRef, Column] | None:
    column = next((c for c in table.dataset.columns if c.staged_name.lower() == staged.lower()), None)
    return (table, column) if column is not None else None


# ---------------------------------------------------------------- join filters the marts rely on


def held_conditions(spec: Spec, index: SpecIndex) -> frozenset[tuple[str, str]]:
    """Boolean columns that must be true on every clean row, as the spec implies them: a mart
    left-joins a source table on a filter that is one boolean column (`is_active`, `is_active =
    true`) and says a column read from that join is `not_null`. Random flags would leave about
    half the mart's rows without the joined values (the e-commerce example's `fact_orders.user_name`,
    not null for 99 % of orders). -> {(config table, column)}."""
    out: set[tuple[str, str]] = set()
    for mart in spec.transforms.marts:
        base = index.resolve(mart.from_).table
        for join in mart.joins:
            joined = index.resolve(join.table).table
            if join.type != JoinType.LEFT or not join.filter or joined is None:
                continue
            flag = _flag_column(joined, join.filter)
            if flag is not None and any(
                _reads_joined(c.expr, join.table, joined, base) for c in mart.columns if c.not_null
            ):
                out.add((config_name(joined.source, joined.dataset), flag.name))
    return frozenset(out)


def _flag_column(table: TableRef, condition: str) -> Column | None:
    """The boolean column a condition is (`flag`, `t.flag`, `flag = true`, `flag is true`), or None."""
    name = flag_of(condition)
    found = _staged_column(table, name) if name else None
    return found[1] if found is not None and parse_column_type(found[1].type).name == "boolean" else None


def _reads_joined(expr: str, ref: str, joined: TableRef, base: TableRef | None) -> bool:
    """Whether an output expression reads a column of the joined table: qualified by its name, or
    unqualified and not a column of the mart's base table."""
    alias = ref.lower().rsplit(".", 1)[-1]
    for qualifier, name in columns_of(expr):
        if qualifier:
            if qualifier.lower().rsplit(".", 1)[-1] == alias:
                return True
        elif _staged_column(joined, name) is not None and (base is None or _staged_column(base, name) is None):
            return True
    return False


GENERATOR = SyntheticGenerator()
