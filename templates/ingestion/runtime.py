"""Runtime helpers of the ingestion package (written by pipegen, the same in every project).

Every resource built in `pipeline.sources` goes through `conform`, added to the dlt
resource as a step, so it runs inside dlt's extract step on whole batches and pages:

1. contract: a column of the spec missing from a batch (dropped at the source) or a typed
   column whose type changed (the source now sends text where the spec says bigint) stops
   the load with a `ContractViolation` naming the table, the column, the old and the new
   type and the offending record;
2. hard rules: a row whose primary key is null, or with a value that cannot be cast to its
   column's type, goes to `<table>__dead_letter` with the reason and the raw record; the
   rest of the batch goes on;
3. personal data (ETL only): columns marked `pii` are masked, hashed (keyed HMAC-SHA256) or
   dropped before the row leaves the extract step, so they never land in clear;
4. metadata on every row: `_extracted_at` (start of this run, UTC), `_source` (the spec's
   source name) and `_batch_id` (dlt's load id of the package the row is in).

SQL tables and files reach it as Arrow tables (JSON lines too: `pipeline.columnar` reads
them in blocks), API pages as lists of records; either way the spec's columns are cast a
column at a time (pyarrow.compute, rules in `pipeline.columnar`), the rows that fail are
found without looking at the others, and each batch or page yields one Arrow table of good
rows (dlt writes it as Parquet) and one list of dead letters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.columnar import arrow_type, cast_text, other_columns, read_json_lines, records_table, try_cast

METADATA_COLUMNS = ("_extracted_at", "_source", "_batch_id")
PII_KEY_ENV = "PIPEGEN_PII_KEY"
# Only for --local runs over synthetic data: production refuses to hash without a key.
LOCAL_PII_KEY = "pipegen-local-only-not-a-secret"


@dataclass(frozen=True)
class Column:
    """A column of the spec: its name at the source, its landed name, its portable type."""

    name: str
    landed: str
    type: str
    precision: int | None = None
    scale: int | None = None
    pii: str = "none"  # mask | hash | drop | none


@dataclass(frozen=True)
class Table:
    """A table of the spec and the names it lands under (from pipegen's naming layer)."""

    source: str
    name: str
    landed: str
    dead_letter: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    watermark: str | None = None
    lag_seconds: float = 0.0
    typed: bool = True  # the source declares column types (databases, parquet); csv/json do not
    options: Mapping[str, Any] = field(default_factory=dict)  # files and APIs: path, format, endpoint...
    where: str | None = None  # the spec's `filter`, in the source's SQL dialect (the extract query's WHERE)
    where_local: str | None = None  # the same condition in SQLite's dialect (the local stand-in)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.source}.{self.name} has no column {name}")


class IngestError(Exception):
    """A load that stopped: the message says what happened and what to do."""


class LandingError(IngestError):
    """A load committed, and landing its rows for the Spark job's bronze failed: a retry lands them first."""


@dataclass(frozen=True)
class Settings:
    """Where this run reads from: local stand-ins or the real systems."""

    local: bool
    root: Path  # the project root: relative locations are relative to it
    data_dir: Path  # --local: data/<source>.sqlite
    locations: Mapping[str, str] = field(default_factory=dict)  # source -> URL or folder, overriding the spec

    def sqlite_url(self, source: str) -> str:
        """The SQLite stand-in of a SQL or synthetic source: data/<source>.sqlite, else the one
        file the synthetic generator writes for every source (data/synthetic.sqlite)."""
        folder = (self.root / self.data_dir).resolve()
        for path in (folder / f"{source}.sqlite", folder / "synthetic.sqlite"):
            if path.exists():
                return f"sqlite:///{path}"
        raise IngestError(
            f"{source}: neither {folder / (source + '.sqlite')} nor {folder / 'synthetic.sqlite'} exists; "
            "write the local stand-in first (make run does, or the synthetic step)"
        )

    def stand_in(self, source: str) -> str | None:
        """--local: the folder of a source's JSON lines stand-in, data/<source>/ (REST APIs,
        MongoDB, streams), unless `locations` points the source elsewhere; None otherwise."""
        if not self.local or source in self.locations:
            return None
        return (self.root / self.data_dir / source).resolve().as_uri()

    def local_only(self, source: str, system: str) -> str:
        """The folder of the JSON lines files of a source this version reads only in --local
        runs: data/<source>/, unless `locations` points the source elsewhere."""
        if not self.local:
            raise IngestError(
                f"{source}: this version has no production batch reader for {system}; it loads it into the "
                f"batch layer only in --local runs, from data/{source}/<dataset>.jsonl. A stream reaches the "
                f"warehouse through the speed layer; otherwise land it with your own job into raw_{source} "
                "(the dbt models read it as generated), or run with --local"
            )
        return self.location(source, str(self.data_dir / source))

    def location(self, source: str, default: str) -> str:
        """A URL, a bucket or a folder; a relative folder is relative to the project root."""
        value = self.locations.get(source, default)
        if "://" in value:
            return value
        return (self.root / value).resolve().as_uri()


def env(name: str) -> str:
    """A value the spec names as `${secret:NAME}` or `${env:NAME}`, read when the pipeline runs."""
    value = os.environ.get(name)
    if value is None:
        raise IngestError(f"environment variable {name} is not set (see .env.example)")
    return value


def sql_url(drivername: str, query: Mapping[str, str] | None = None, **parts: Any) -> str:
    """A SQLAlchemy URL with every part escaped (a password may hold '@' or '/'); `query`: the
    driver settings of the spec's `connection.options`."""
    from sqlalchemy.engine import URL

    url = URL.create(drivername, query=dict(query or {}), **{k: v for k, v in parts.items() if v is not None})
    return url.render_as_string(hide_password=False)


def with_query(url: str, query: Mapping[str, str]) -> str:
    """A full connection string with the spec's `connection.options` added as query parameters."""
    from sqlalchemy.engine import make_url

    return make_url(url).update_query_dict(dict(query)).render_as_string(hide_password=False)


AUTH_TYPES = {
    "bearer_auth": "bearer",
    "api_key_auth": "api_key",
    "basic_auth": "http_basic",
    "oauth2_client_credentials": "oauth2_client_credentials",
}


def auth(
    helper: str,
    variable: str,
    settings: Settings,
    username: str | None = None,
    client_id: str | None = None,
    token_url: str | None = None,
) -> Any:
    """dlt rest_api auth from a secret; a --local run against a stand-in without the secret
    set runs without auth. OAuth2 client credentials (the secret is the client secret) are
    exchanged for an access token at `token_url` by dlt's OAuth2ClientCredentials, again when
    the token expires."""
    secret = os.environ.get(variable)
    if secret is None and settings.local:
        return None
    if secret is None:
        raise IngestError(f"environment variable {variable} is not set (see .env.example)")
    kind = AUTH_TYPES[helper]
    if kind == "bearer":
        return {"type": "bearer", "token": secret}
    if kind == "api_key":
        return {"type": "api_key", "api_key": secret}
    if kind == "oauth2_client_credentials":
        return {"type": kind, "access_token_url": token_url, "client_id": client_id, "client_secret": secret}
    return {"type": "http_basic", "username": username or "", "password": secret}


class ContractViolation(Exception):
    """A batch broke the table's contract: a dropped column or a changed type."""


# ---------------------------------------------------------------- types

# dlt column hints per portable type
DLT_TYPES: dict[str, dict[str, Any]] = {
    "string": {"data_type": "text"},
    "uuid": {"data_type": "text"},
    "json": {"data_type": "json"},
    "int": {"data_type": "bigint", "precision": 32},
    "bigint": {"data_type": "bigint"},
    "smallint": {"data_type": "bigint", "precision": 16},
    "float": {"data_type": "double"},
    "double": {"data_type": "double"},
    "decimal": {"data_type": "decimal"},
    "boolean": {"data_type": "bool"},
    "date": {"data_type": "date"},
    "time": {"data_type": "time"},
    "timestamp": {"data_type": "timestamp", "timezone": False},
    "timestamp_tz": {"data_type": "timestamp", "timezone": True},
    "binary": {"data_type": "binary"},
}

_INTEGER, _FLOAT, _DECIMAL = pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _is_temporal(t: pa.DataType) -> bool:
    return bool(pa.types.is_timestamp(t) or pa.types.is_date(t))


# Which Arrow types a typed source may send for each portable type. Anything else is a type
# change (`pa.null()` - a column that is all null in this batch - always fits).
COMPATIBLE: dict[str, Any] = {
    "string": lambda t: _is_text(t) or pa.types.is_dictionary(t),
    "uuid": lambda t: _is_text(t) or pa.types.is_fixed_size_binary(t) or pa.types.is_binary(t),
    "json": lambda t: True,
    "int": lambda t: _INTEGER(t) or (_DECIMAL(t) and t.scale == 0),
    "bigint": lambda t: _INTEGER(t) or (_DECIMAL(t) and t.scale == 0),
    "smallint": lambda t: _INTEGER(t) or (_DECIMAL(t) and t.scale == 0),
    "float": lambda t: _FLOAT(t) or _INTEGER(t) or _DECIMAL(t),
    "double": lambda t: _FLOAT(t) or _INTEGER(t) or _DECIMAL(t),
    "decimal": lambda t: _DECIMAL(t) or _INTEGER(t) or _FLOAT(t),
    "boolean": lambda t: pa.types.is_boolean(t) or _INTEGER(t),
    "date": _is_temporal,
    "time": pa.types.is_time,
    "timestamp": _is_temporal,
    "timestamp_tz": _is_temporal,
    "binary": lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t),
}


def column_hints(table: Table, mask_pii: bool) -> dict[str, dict[str, Any]]:
    """dlt column hints of the landed table: the spec's types, primary key, not-null key."""
    hints: dict[str, dict[str, Any]] = {}
    for column in table.columns:
        if mask_pii and column.pii == "drop":
            continue
        # nullable said outright: dlt stores it for every landed column, and a table declared
        # before its first row (empty_tables) must not differ from one made by rows
        hint: dict[str, Any] = {"name": column.landed, "nullable": True, **DLT_TYPES[column.type]}
        if mask_pii and column.pii in ("mask", "hash"):
            hint = {"name": column.landed, "nullable": True, "data_type": "text"}
        if column.type == "decimal":
            hint.update(precision=column.precision, scale=column.scale)
        if column.name in table.primary_key:
            hint.update(nullable=False, primary_key=True)
        if column.name == table.watermark:
            hint["dedup_sort"] = "desc"  # two versions of a key in one batch: the latest wins
        hints[column.landed] = hint
    return hints  # metadata columns take their types from the Arrow batch / records


# The metadata columns as dlt stores them when rows make the table (types from the batch).
METADATA_HINTS: dict[str, dict[str, Any]] = {
    "_extracted_at": {"name": "_extracted_at", "data_type": "timestamp", "nullable": True},
    "_source": {"name": "_source", "data_type": "text", "nullable": True},
    "_batch_id": {"name": "_batch_id", "data_type": "text", "nullable": True},
}
DEAD_LETTER_COLUMNS: dict[str, dict[str, Any]] = {
    "_record_hash": {"name": "_record_hash", "data_type": "text", "nullable": False, "primary_key": True},
    "reason": {"name": "reason", "data_type": "text", "nullable": False},
    "record": {"name": "record", "data_type": "text", "nullable": False},
    "_extracted_at": {"name": "_extracted_at", "data_type": "timestamp", "timezone": True},
    "_source": {"name": "_source", "data_type": "text"},
    "_batch_id": {"name": "_batch_id", "data_type": "text"},
}


# ---------------------------------------------------------------- metadata and PII


@dataclass(frozen=True)
class RunContext:
    """What every row of this run is stamped with."""

    source: str
    extracted_at: dt.datetime
    mask_pii: bool
    pii_key: bytes
    # An orchestrator's schedule window [start, end): Airflow's data interval, a Prefect
    # run's window. Tables with a timestamp/date watermark load exactly the rows in it.
    window: tuple[dt.datetime, dt.datetime] | None = None
    # Where the rows this run keeps also land for the Spark job's bronze (pipeline/landing.py's Landing:
    # the conform step hands it every batch of rows), None where they land nowhere.
    landing: Any = None


def run_context(
    source: str, mask_pii: bool, local: bool, window: tuple[str, str] | None = None, landing: Any = None
) -> RunContext:
    key = os.environ.get(PII_KEY_ENV)
    if mask_pii and not key and not local:
        raise SystemExit(f"set {PII_KEY_ENV}: personal data is hashed with this key before it lands")
    bounds = parse_window(window) if window else None
    return RunContext(source, dt.datetime.now(dt.UTC), mask_pii, (key or LOCAL_PII_KEY).encode(), bounds, landing)


def parse_window(window: tuple[str, str]) -> tuple[dt.datetime, dt.datetime]:
    """ISO 8601 instants (a naive one is UTC); the start must be before the end."""
    start, end = (dt.datetime.fromisoformat(str(v).replace("Z", "+00:00")) for v in window)
    start, end = (v if v.tzinfo else v.replace(tzinfo=dt.UTC) for v in (start, end))
    if start >= end:
        raise IngestError(f"the window {window[0]} .. {window[1]} is empty: its start must be before its end")
    return start, end


def batch_id() -> str:
    """dlt's load id of the package being extracted: `_batch_id` is that id, not a second one."""
    return str(dlt.current.load_package_state()["load_id"])


def mask_text(value: str) -> str:
    """Keep the last two characters, hide the rest: enough to recognise, not to read."""
    return "***" + value[-2:] if len(value) > 4 else "***"


def hash_text(value: str, key: bytes) -> str:
    """Keyed HMAC-SHA256: joinable across tables, not reversible by guessing common values."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def protect_value(value: Any, action: str, key: bytes) -> Any:
    if value is None or action == "none":
        return value
    text = value if isinstance(value, str) else str(value)
    return mask_text(text) if action == "mask" else hash_text(text, key)


def protect_record(table: Table, record: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """A raw record with its personal data masked, hashed or dropped (dead letters too)."""
    if not ctx.mask_pii:
        return record
    out = {}
    for name, value in record.items():
        action = _pii_action(table, name)
        if action != "drop":
            out[name] = protect_value(value, action, ctx.pii_key)
    return out


def _pii_action(table: Table, name: str) -> str:
    for column in table.columns:
        if column.name == name:
            return column.pii
    return "none"


def _protect_arrow(table: Table, batch: pa.Table, ctx: RunContext) -> pa.Table:
    if not ctx.mask_pii:
        return batch
    for column in table.columns:
        if column.pii == "none" or column.name not in batch.column_names:
            continue
        index = batch.column_names.index(column.name)
        if column.pii == "drop":
            batch = batch.remove_column(index)
            continue
        values = [protect_value(v, column.pii, ctx.pii_key) for v in batch.column(index).to_pylist()]
        batch = batch.set_column(index, column.name, pa.array(values, pa.string()))
    return batch


def _stamp_arrow(batch: pa.Table, ctx: RunContext, load_id: str) -> pa.Table:
    n = batch.num_rows
    batch = batch.append_column("_extracted_at", pa.repeat(pa.scalar(ctx.extracted_at, pa.timestamp("us", "UTC")), n))
    batch = batch.append_column("_source", pa.repeat(pa.scalar(ctx.source, pa.string()), n))
    return batch.append_column("_batch_id", pa.repeat(pa.scalar(load_id, pa.string()), n))


# ---------------------------------------------------------------- dead letters


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def dead_letter(table: Table, record: dict[str, Any], reason: str, ctx: RunContext, load_id: str) -> dict[str, Any]:
    """A row for `<table>__dead_letter`: why, and the raw record (personal data protected)."""
    raw = json.dumps(protect_record(table, record, ctx), default=_json_default, sort_keys=True, ensure_ascii=False)
    row = {
        "_record_hash": hashlib.sha256(f"{reason}\x00{raw}".encode()).hexdigest(),
        "reason": reason,
        "record": raw,
        "_extracted_at": ctx.extracted_at,
        "_source": ctx.source,
        "_batch_id": load_id,
    }
    return row


def empty_tables(source: str, tables: tuple[Table, ...], ctx: RunContext) -> Any:
    """A resource that only declares the landed tables of `source` (dlt's materialize_table_schema
    item, one per table, with the table's hints and the metadata columns): dlt creates a table
    for rows only, so an extract that keeps no row (a `filter` that matches nothing, an empty
    file or endpoint) still lands an empty table with the contract's columns, and the models
    reading it run on zero rows instead of failing on a missing relation. No row is written: a
    merge or append table keeps its rows, a replace table (no key, no watermark) is emptied as
    its source is."""
    declared = [t for t in tables if t.source == source]

    @dlt.resource(name=f"{source}__empty_tables")
    def declare() -> Iterator[Any]:
        for table in declared:
            hints = table_hints(table, ctx.mask_pii, metadata=True)
            yield dlt.mark.with_hints(dlt.mark.materialize_table_schema(), hints, create_table_variant=True)

    return declare


def dead_letter_hints(table: Table) -> Any:
    """`<table>__dead_letter`: merged on a hash of reason and record, so a rerun adds nothing."""
    return dlt.mark.make_hints(
        table_name=table.dead_letter, write_disposition="merge", primary_key="_record_hash", columns=DEAD_LETTER_COLUMNS
    )


def table_hints(table: Table, mask_pii: bool, metadata: bool = False) -> Any:
    """The landed table: merged on its primary key, columns typed as the spec says (and, with
    `metadata`, the metadata columns every row is stamped with). Rows and dead letters come out
    of one resource, so each carries its own table's hints (a dlt table variant); the resource
    itself only holds the incremental cursor."""
    landed_key = [table.column(k).landed for k in table.primary_key]
    columns = column_hints(table, mask_pii)
    if metadata:
        columns.update(METADATA_HINTS)
    return dlt.mark.make_hints(
        table_name=table.landed,
        write_disposition=write_disposition(table),
        primary_key=landed_key or None,
        columns=columns,
    )


# ---------------------------------------------------------------- conform: contract, casts, dead letters


def conform(table: Table, ctx: RunContext) -> Any:
    """The step every resource of `table` ends with (see the module docstring). It takes what
    the reader yields whole: an Arrow table, or a list of records (an API page), never a row
    at a time."""

    hints = table_hints(table, ctx.mask_pii)

    def step(item: Any, meta: Any = None) -> Iterator[Any]:
        load_id = batch_id()
        if isinstance(item, pa.RecordBatch):
            item = pa.Table.from_batches([item])
        if isinstance(item, dict):
            item = [item]
        if isinstance(item, pa.Table):
            dead, rows = _conform_arrow(table, item, ctx, load_id)
        elif isinstance(item, list):
            dead, rows = _conform_records(table, item, ctx, load_id)
        else:
            raise TypeError(f"{table.source}.{table.name}: cannot conform a {type(item).__name__}")
        if dead:
            yield dlt.mark.with_hints(dead, dead_letter_hints(table), create_table_variant=True)
        if rows is not None:
            if ctx.landing is not None:  # the same rows, for the Spark job's bronze once the load commits
                ctx.landing.keep(table.landed, rows)
            yield dlt.mark.with_hints(rows, hints, create_table_variant=True)

    return step


def _first_record(batch: pa.Table, mask: Any = None) -> dict[str, Any]:
    rows = batch.filter(mask) if mask is not None else batch
    return rows.slice(0, 1).to_pylist()[0] if rows.num_rows else {}


def _violation(table: Table, column: Column, new_type: str, record: dict[str, Any], ctx: RunContext) -> str:
    shown = json.dumps(protect_record(table, record, ctx), default=_json_default, sort_keys=True, ensure_ascii=False)
    old = column.type if column.type != "decimal" else f"decimal({column.precision},{column.scale})"
    return (
        f"contract violation in table {table.source}.{table.name}, column {column.name}: "
        f"type changed from {old} to {new_type}; offending record: {shown}. "
        "Nothing of this batch was loaded. Fix the source, or change the column's type in pipegen.yaml "
        "and regenerate."
    )


def _check_columns(table: Table, batch: pa.Table, ctx: RunContext) -> None:
    for column in table.columns:
        if column.name not in batch.column_names:
            shown = json.dumps(protect_record(table, _first_record(batch), ctx), default=_json_default, sort_keys=True)
            raise ContractViolation(
                f"contract violation in table {table.source}.{table.name}, column {column.name}: "
                f"the column was dropped at the source (type changed from {column.type} to missing); "
                f"offending record: {shown}. Nothing of this batch was loaded."
            )
        arrow = batch.column(column.name).type
        # an empty batch has no value to break the contract: its types are the driver's guess
        # (connectorx reads a column of an empty SQLite result as text)
        if table.typed and batch.num_rows and not pa.types.is_null(arrow) and not COMPATIBLE[column.type](arrow):
            bad = pc.invert(pc.is_null(batch.column(column.name)))
            if pc.any(bad).as_py():  # only nulls: no value, no type to object to
                raise ContractViolation(_violation(table, column, str(arrow), _first_record(batch, bad), ctx))


def _is_text_column(values: Any) -> bool:
    return _is_text(values.type)


def _cast_columns(
    table: Table, batch: pa.Table, records: list[dict[str, Any]] | None = None
) -> tuple[pa.Table, dict[int, str]]:
    """Every spec column cast to its type, a column at a time; the rows that do not cast or
    have a null key, each with its reason (the first failing column, then the key). A
    reason shows the value as sent: from `records` when the batch was built from them."""
    reasons: dict[int, str] = {}
    for column in table.columns:
        index = batch.column_names.index(column.name)
        values = batch.column(index)
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        target = arrow_type(column)
        if values.type == target:
            continue
        if not table.typed and _is_text_column(values):
            cast, failed = cast_text(values, column)
            bad = pc.indices_nonzero(failed).to_pylist() if pc.any(failed).as_py() else []
        else:
            cast, bad = try_cast(values, target)
        for i in bad:
            value = records[i].get(column.name) if records is not None else batch.column(index)[i].as_py()
            reasons.setdefault(i, f"type not castable: column {column.name} value {value!r} is not {column.type}")
        batch = batch.set_column(index, column.name, cast)
    for key in table.primary_key:
        nulls = pc.is_null(batch.column(key))
        if pc.any(nulls).as_py():
            for i in pc.indices_nonzero(nulls).to_pylist():
                reasons.setdefault(i, f"primary key {key} is null")
    return batch, reasons


def _dead_letters(
    table: Table, records: list[dict[str, Any]], reasons: list[str], ctx: RunContext, load_id: str
) -> list[dict[str, Any]]:
    return [dead_letter(table, record, reason, ctx, load_id) for record, reason in zip(records, reasons, strict=True)]


def _without(batch: pa.Table, reasons: dict[int, str]) -> pa.Table:
    keep = _keep_mask(batch.num_rows, reasons)
    return batch.filter(keep)


def _keep_mask(length: int, reasons: dict[int, str]) -> pa.Array:
    flags = [True] * length
    for i in reasons:
        flags[i] = False
    return pa.array(flags, pa.bool_())


def _conform_arrow(
    table: Table, batch: pa.Table, ctx: RunContext, load_id: str
) -> tuple[list[dict[str, Any]], pa.Table | None]:
    _check_columns(table, batch, ctx)
    raw = batch
    batch, reasons = _cast_columns(table, batch)
    dead: list[dict[str, Any]] = []
    if reasons:
        bad = sorted(reasons)
        records = raw.take(pa.array(bad, pa.int64())).to_pylist()
        dead = _dead_letters(table, records, [reasons[i] for i in bad], ctx, load_id)
        batch = _without(batch, reasons)
    if not batch.num_rows:
        return dead, None
    return dead, _stamp_arrow(_protect_arrow(table, _key_not_null(table, batch), ctx), ctx, load_id)


def _conform_records(
    table: Table, records: list[dict[str, Any]], ctx: RunContext, load_id: str
) -> tuple[list[dict[str, Any]], pa.Table | None]:
    """Records (an API page, a block of JSON lines pyarrow refused, a JSON document): the
    spec's columns cast as an Arrow batch, the records' other keys as Arrow infers them, so
    an API lands as its JSON lines stand-in does (and dlt writes Parquet, not SQL inserts)."""
    if not records:
        return [], None
    cast, reasons = _cast_columns(dataclasses.replace(table, typed=False), records_table(table.columns, records), records)
    bad = sorted(reasons)
    dead = _dead_letters(table, [records[i] for i in bad], [reasons[i] for i in bad], ctx, load_id)
    if reasons:
        cast = _without(cast, reasons)
        records = [r for i, r in enumerate(records) if i not in reasons]
    if not records:
        return dead, None
    for name, values in other_columns(table.columns, records):
        cast = cast.append_column(name, values)
    return dead, _stamp_arrow(_protect_arrow(table, _key_not_null(table, cast), ctx), ctx, load_id)


def _key_not_null(table: Table, batch: pa.Table) -> pa.Table:
    """Rows with a null key went to the dead letters: say so in the schema, as dlt's hint does."""
    fields = [f.with_nullable(False) if f.name in table.primary_key else f for f in batch.schema]
    return batch.cast(pa.schema(fields, metadata=batch.schema.metadata))


# ---------------------------------------------------------------- resources


def write_disposition(table: Table) -> str:
    """merge on the primary key (a rerun changes nothing); append when only a watermark says
    what is new; replace when neither exists."""
    if table.primary_key:
        return "merge"
    return "append" if table.watermark else "replace"


# Watermark types a schedule window bounds (other cursors keep dlt's state only).
WINDOWED_TYPES = {"timestamp": "naive", "timestamp_tz": "aware", "date": "date"}


WINDOW_BOUND = {
    "naive": lambda v: v.astimezone(dt.UTC).replace(tzinfo=None),  # naive timestamps are UTC
    "aware": lambda v: v.astimezone(dt.UTC),
    "date": lambda v: v.astimezone(dt.UTC).date(),
}


def cursor_path(column: str) -> str:
    """The watermark as a JSONPath naming one field: quoted, so a column named like a JSONPath
    keyword (`where`, `and`, `or`) is still that column (dlt reads `"where"` as the field where)."""
    return '"' + column.replace("\\", "\\\\").replace('"', '\\"') + '"'


def incremental(table: Table, window: tuple[dt.datetime, dt.datetime] | None = None) -> Any:
    """dlt's cursor on the watermark: past the last loaded value (dlt's state), or, given a
    schedule window, exactly the rows whose watermark is in [start, end) (dlt does not move
    its state for a bounded window, so a rerun of the window loads it again: merge makes
    that harmless)."""
    if table.watermark is None:
        return None
    kind = WINDOWED_TYPES.get(table.column(table.watermark).type) if window else None
    if window and kind:
        start, end = (WINDOW_BOUND[kind](v) for v in window)
        return dlt.sources.incremental(
            cursor_path(table.watermark), initial_value=start, end_value=end, range_start="closed", range_end="open"
        )
    return dlt.sources.incremental(
        cursor_path(table.watermark),
        lag=table.lag_seconds or None,  # re-read late updates; merge makes the re-read harmless
        on_cursor_value_missing="include",  # a null watermark is not a reason to lose the row
        range_start="closed",
    )


def finish(resource: Any, table: Table, ctx: RunContext) -> Any:
    """The resource named as the landed table, with the conform step (which carries the hints)."""
    resource.apply_hints(table_name=table.landed, write_disposition=write_disposition(table))
    resource.add_step(conform(table, ctx))  # a step, not a yield map: it takes a page or a batch whole
    return resource


def sql_resource(
    table: Table, credentials: str, backend: str, ctx: RunContext, schema: str | None = None, local: bool = False
) -> Any:
    """One table of a SQL database, read in Arrow batches (connectorx or pyarrow, never row by row);
    the table's `filter` is the extract query's WHERE (rows it excludes never leave the source)."""
    from dlt.sources.sql_database import sql_table

    kwargs: dict[str, Any] = {}
    if backend == "connectorx":
        kwargs["backend_kwargs"] = {"return_type": "arrow_stream"}
    where = table.where_local if local else table.where
    if where:
        kwargs["query_adapter_callback"] = extract_filter(where)
    source: Any = credentials
    if local and where and "REGEXP" in where.upper():  # SQLite's REGEXP calls a function it does not ship
        source, backend = sqlite_with_regexp(credentials), "pyarrow"
        kwargs.pop("backend_kwargs", None)
    resource = sql_table(
        credentials=source,
        table=table.name,
        schema=schema,
        backend=backend,
        chunk_size=CHUNK_SIZE,
        incremental=incremental(table, ctx.window),
        reflection_level="minimal",  # the spec, not the database, says what the types are
        **kwargs,
    )
    return finish(resource, table, ctx)


CHUNK_SIZE = 100_000


def sqlite_with_regexp(url: str) -> Any:
    """An engine on the SQLite stand-in whose connections define regexp(pattern, value), the
    function SQLite's `value REGEXP pattern` calls (Python's re.search, as the spec's regexp_like)."""
    import re

    import sqlalchemy as sa

    engine = sa.create_engine(url)

    def define(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function(
            "regexp", 2, lambda pattern, value: value is not None and re.search(pattern, str(value)) is not None
        )

    sa.event.listen(engine, "connect", define)
    return engine


def extract_filter(where: str) -> Any:
    """dlt's query adapter adding the spec's `filter` to the extract query (beside the watermark's condition)."""
    import sqlalchemy as sa

    def adapt(query: Any, _table: Any) -> Any:
        return query.where(sa.text(f"({where})"))

    return adapt


def jsonl_stand_in(table: Table) -> Table:
    """The table as read from its JSON lines stand-in, data/<source>/<table>.jsonl (untyped:
    the conform step casts every value and routes what does not cast to dead letters)."""
    return dataclasses.replace(table, typed=False, options={"path": f"{table.name}.jsonl", "format": "jsonl"})


def read_files(table: Table) -> Any:
    """A dlt transformer over dlt's filesystem source: every file as Arrow tables. CSV is read
    as text and JSON lines in blocks of whole lines by pyarrow's JSON reader (the conform
    step casts them to the spec's types, a column at a time, and routes what does not cast to
    the dead-letter table); Parquet keeps its own types; a JSON document becomes one table."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    fmt = str(table.options["format"])

    @dlt.transformer(name=table.landed + "_reader")
    def reader(files: Any) -> Iterator[Any]:
        for item in files:
            with item.open() as handle:
                if fmt == "csv":
                    header = pacsv.open_csv(handle).schema.names
                    handle.seek(0)
                    options = pacsv.ConvertOptions(  # only an empty cell is null: "n/a" is a value to check
                        column_types={name: pa.string() for name in header}, strings_can_be_null=True, null_values=[""]
                    )
                    yield from pacsv.open_csv(handle, convert_options=options)
                elif fmt == "parquet":
                    for batch in pq.ParquetFile(handle).iter_batches(batch_size=CHUNK_SIZE):
                        yield pa.Table.from_batches([batch])
                elif fmt == "json":
                    data = json.loads(handle.read())
                    yield data if isinstance(data, list) else [data]
                else:
                    yield from read_json_lines(handle, table.columns)

    return reader


def file_resource(table: Table, bucket_url: str, ctx: RunContext) -> Any:
    """Files matching the table's `path` under the source's location (a folder or a bucket)."""
    from dlt.sources.filesystem import filesystem

    files = filesystem(bucket_url=bucket_url, file_glob=str(table.options["path"]))
    # only files new or changed since the last run (merge makes a re-read harmless anyway)
    files.apply_hints(incremental=dlt.sources.incremental("modification_date", range_start="closed"))
    resource = files | read_files(table)
    return finish(resource, table, ctx)


# rest_api paginator per spec pagination type: a function of the table's options
PAGINATORS: dict[str, Any] = {
    "none": lambda o: {"type": "single_page"},
    "page": lambda o: {"type": "page_number", "page_param": o["param"], "base_page": 1, "total_path": None,
                       "stop_after_empty_page": True},
    "offset": lambda o: {"type": "offset", "offset_param": o["param"], "limit": o["page_size"],
                         "limit_param": "limit", "total_path": None, "stop_after_empty_page": True},
    "cursor": lambda o: {"type": "cursor", "cursor_param": o["param"], "cursor_path": o["cursor_path"]},
    "link_header": lambda o: {"type": "header_link"},
}  # fmt: skip
# query parameter carrying the page size, per pagination type (offset sends `limit` itself)
PAGE_SIZE_PARAMS = {"page": "per_page", "cursor": "limit", "link_header": "per_page"}


# Records handed to dlt at a time: pages are gathered up to this many, as dlt's cost per item
# (its schema for the batch) does not grow with the item's rows.
API_BATCH = 10_000


def api_resource(table: Table, base_url: str, auth_config: Any, ctx: RunContext) -> Any:
    """One endpoint of a REST API through dlt's REST client with rest_api's paginators: path,
    records path and pagination from the table's options (the spec), auth from a secret,
    retries with exponential backoff on 429/5xx from dlt's runtime settings (.dlt/config.toml).
    Pages are gathered into batches of API_BATCH records, each conformed into one Arrow table.
    The spec names no request parameter for the watermark, so every run reads the endpoint
    and the merge on the primary key keeps the table free of duplicates."""
    from dlt.sources.helpers.rest_client import RESTClient
    from dlt.sources.rest_api.config_setup import create_auth, create_paginator

    options = table.options
    client = RESTClient(
        base_url=base_url,
        auth=create_auth(auth_config),
        paginator=create_paginator(PAGINATORS[options["pagination"]](options)),
    )
    params: dict[str, Any] = {}
    size_param = PAGE_SIZE_PARAMS.get(options["pagination"])
    if size_param:
        params[size_param] = options["page_size"]
    selector = options.get("records_path") or None

    @dlt.resource(name=table.landed)
    def pages() -> Iterator[list[Any]]:
        batch: list[Any] = []
        for page in client.paginate(str(options["path"]), params=params, data_selector=selector):
            batch.extend(page)
            if len(batch) >= API_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    return finish(pages(), table, ctx)


# ---------------------------------------------------------------- running a source


def pipeline_for(pipeline_name: str, dataset: str, destination: Any, pipelines_dir: str) -> Any:
    return dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=pipelines_dir,  # state stays in the project, never in ~/.dlt
        progress=progress_collector(),
    )


def progress_collector() -> Any:
    """dlt's progress: its log with PIPEGEN_PROGRESS; else, when the local run names a progress file
    (PIPEGEN_STEP_PROGRESS), the rows extracted, counted for its live display and reports/run.json."""
    if os.environ.get("PIPEGEN_PROGRESS"):
        return "log"
    if not os.environ.get("PIPEGEN_STEP_PROGRESS"):
        return None
    if not _EXTRACTED:
        _EXTRACTED.append(_extract_counter())
    return _EXTRACTED[0]


_EXTRACTED: list[Any] = []  # one counter for every source of this step: its total goes on across them


def _extract_counter() -> Any:
    from dlt.common.runtime.collector import Collector
    from pipeline import progress

    class ExtractCounter(Collector):  # type: ignore[misc]
        """Sums the rows dlt's extract step writes per table (its `update(table, inc)` calls)."""

        rows = 0

        def update(self, name: str, inc: int = 1, total: Any = None, inc_total: Any = None, message: Any = None,
                   label: Any = None) -> None:  # fmt: skip
            if self.step.startswith("Extract") and name != "Resources" and not label and inc:
                self.rows += inc
                progress("rows extracted", self.rows)

        def _start(self, step: str) -> None:
            pass

        def _stop(self) -> None:
            pass

    return ExtractCounter()


def abort_pending(pipeline: Any, say: Any) -> None:
    """A failed run leaves its load package pending and dlt's next run would load only that
    package: abort it (dlt restores the watermarks to before it) and say so."""
    if not pipeline.has_pending_data:
        return
    pending = list(pipeline.list_extracted_load_packages()) + list(pipeline.list_normalized_load_packages())
    pipeline.abort_packages()
    say(
        f"{pipeline.pipeline_name}: aborted load package(s) {', '.join(pending) or '(partial)'} left by a failed "
        "run; their rows are read again from the source by this run"
    )


def explain(exc: BaseException) -> str:
    """The reason a load stopped, with the offending record where dlt does not show it."""
    from dlt.common.schema.exceptions import DataValidationError

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (ContractViolation, IngestError)):  # raised inside a resource: dlt wraps it
            return str(cause)
        if isinstance(cause, DataValidationError):
            return _frozen_type(cause)
        cause = cause.__cause__ or cause.__context__
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {' '.join(first[:3])}"


def _arrow_column(table: Any, column: str) -> str | None:
    """The Arrow column that lands as `column`: dlt's snake_case naming makes a source's `Order`
    the landed `order`, so the error names `order` while the batch still holds `Order`."""
    if column in table.column_names:
        return column
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    naming = NamingConvention()
    return next((name for name in table.column_names if naming.normalize_identifier(name) == column), None)


def _frozen_type(error: Any) -> str:
    """dlt's frozen-data-type error, with the column's old and new type and the record. In a
    record a value of another type shows up as a variant column `<column>__v_<new type>`; in
    an Arrow batch the column has another Arrow type (its first row with a value is shown)."""
    column, _, new_type = (error.column_name or "").partition("__v_")
    columns = (error.table_schema or {}).get("columns") or {}
    old_type = (columns.get(column) or {}).get("data_type", "unknown")
    item = error.data_item
    if isinstance(item, list) and item and isinstance(item[0], pa.Table | pa.RecordBatch):
        item = item[0]  # dlt hands the batches of the failing item as a list
    if isinstance(item, pa.RecordBatch):
        item = pa.Table.from_batches([item])
    source_column = _arrow_column(item, column) if isinstance(item, pa.Table) else None
    if source_column is not None:
        from dlt.common.libs.pyarrow import get_column_type_from_py_arrow

        arrow_type = item.schema.field(source_column).type
        new_type = new_type or get_column_type_from_py_arrow(arrow_type).get("data_type", "")
        item = _first_record(item, pc.is_valid(item.column(source_column)))
    record = json.dumps(item, default=_json_default, sort_keys=True) if item else "(not shown)"
    return (
        f"contract violation in table {error.table_name}, column {column}: type changed from {old_type} "
        f"to {new_type or 'another type'}; offending record: {record}"
    )


def row_counts(info: Any) -> dict[str, int]:
    """Rows loaded per table by the run that returned `info` (dlt's own tables left out). Read
    from that run's own pipeline: each source has one, and `dlt.current.pipeline()` is only the
    last one run, which made every source report the last source's counts."""
    trace = info.pipeline.last_trace
    normalized = trace.last_normalize_info if trace else None
    counts = normalized.row_counts if normalized else {}
    return {t: n for t, n in counts.items() if not t.startswith("_dlt")}


SCHEMA_CONTRACT = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}


def load(
    source: str,
    resources: list[Any],
    *,
    pipeline_name: str,
    dataset: str,
    destination: Any,
    pipelines_dir: str,
    table_format: str | None = None,
    loader_file_format: str | None = None,
    landing: Any = None,
    say: Any = print,
) -> Any:
    """Run one source into its dataset; a failure aborts the pending package and raises
    IngestError with a message naming the table, the column and the offending record. With a
    `landing` (pipeline/landing.py), what an earlier load committed and did not land yet lands first,
    the rows this load keeps are spooled while dlt extracts them and land once it has committed."""
    pipeline = pipeline_for(pipeline_name, dataset, destination, pipelines_dir)
    abort_pending(pipeline, say)
    if landing is not None:
        land(source, landing, say)
        landing.open()
    try:
        info = pipeline.run(
            resources,
            schema_contract=SCHEMA_CONTRACT,
            table_format=table_format,
            loader_file_format=loader_file_format,
        )
    except Exception as exc:  # dlt wraps every step failure in PipelineStepFailed
        message = explain(exc)
        if pipeline.has_pending_data:
            pipeline.abort_packages()
            message += " (the failed load package was aborted; fix the cause and run again)"
        raise IngestError(f"{source}: {message}") from exc
    if landing is not None:
        landing.commit()  # the rows are in the target: they must land, now or on the next run
        land(source, landing, say)
    return info


def land(source: str, landing: Any, say: Any) -> None:
    """Land what the loads of `source` committed; a failure raises LandingError (what failed to land stays)."""
    try:
        landed = landing.flush(say)
    except Exception as exc:
        raise LandingError(
            f"{source}: landing the batches the Spark job's bronze reads in {landing.where()} failed: {explain(exc)}. "
            f"The loaded rows stay in {landing.spool} (or dlt's pending landing package) and the next run lands "
            "them before it loads anything"
        ) from exc
    if landed:
        counts = ", ".join(f"{table} {rows}" for table, rows in sorted(landed.items()))
        say(f"{source} -> {landing.where()}: {counts} (landed for the Spark job's bronze)")
