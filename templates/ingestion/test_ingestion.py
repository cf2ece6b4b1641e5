"""Tests of the ingestion package (written by pipegen; `python -m pytest tests/test_ingestion.py`).

They read the tables from pipeline/sources.py, build their own inputs in a temporary folder
(a SQLite file per SQL or synthetic source, files for file sources, a local HTTP server for
APIs), load them with the real dlt pipelines into a temporary DuckDB file, and check what
landed: watermarks advance, reruns add nothing, bad rows reach the dead-letter table, a type
change stops the load with a message that shows the record, APIs are retried after a
transient error, metadata columns carry dlt's load id, personal data never lands in clear.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from pipeline import ingest, sources
from pipeline.runtime import METADATA_COLUMNS, IngestError, Table

BASE_TIME = dt.datetime(2024, 1, 1, 8, 0, 0)

SQLITE_TYPES = {
    "string": "TEXT", "uuid": "TEXT", "json": "TEXT", "int": "INTEGER", "bigint": "INTEGER",
    "smallint": "INTEGER", "float": "REAL", "double": "REAL", "decimal": "REAL", "boolean": "BOOLEAN",
    "date": "DATE", "time": "TEXT", "timestamp": "DATETIME", "timestamp_tz": "DATETIME", "binary": "BLOB",
}  # fmt: skip


def kind(table: Table) -> str:
    """How a table's source is read: 'sql' (SQLite stand-in), 'files' or 'api'."""
    if "format" in table.options:
        return "files"
    if "pagination" in table.options:
        return "api"
    return "sql"


def tables_of(kinds: set[str], need: tuple[str, ...] = ()) -> list[Table]:
    found = [t for t in sources.TABLES if kind(t) in kinds and all(getattr(t, attr) for attr in need)]
    return found


def ids(tables: list[Table]) -> list[str]:
    return [f"{t.source}.{t.name}" for t in tables]


# ---------------------------------------------------------------- values per portable type


def value(table: Table, column: Any, i: int, version: int = 0) -> Any:
    """Row `i`'s value of `column` (version > 0: an updated row)."""
    if column.name == table.watermark and column.type not in ("date", "timestamp", "timestamp_tz"):
        return i + 1000 * version
    if column.name == table.watermark:
        moment = BASE_TIME + dt.timedelta(hours=i) + dt.timedelta(days=30 * version)
        return moment.date().isoformat() if column.type == "date" else moment.isoformat(sep=" ")
    key = column.name in table.primary_key
    values = {
        "string": f"k{i}" if key else f"{column.name}-{i}-v{version}",
        "uuid": f"00000000-0000-0000-0000-{i:012d}",
        "json": json.dumps({"i": i, "v": version}),
        "int": i if key else i * 10 + version,
        "bigint": i if key else i * 10 + version,
        "smallint": i if key else i + version,
        "float": i + 0.5 + version,
        "double": i + 0.25 + version,
        "decimal": float(Decimal(i) + Decimal("0.5") + version),
        "boolean": (i + version) % 2 == 0,
        "date": (BASE_TIME.date() + dt.timedelta(days=i + version)).isoformat(),
        "time": f"{(8 + i) % 24:02d}:00:00",
        "timestamp": (BASE_TIME + dt.timedelta(minutes=i + version)).isoformat(sep=" "),
        "timestamp_tz": (BASE_TIME + dt.timedelta(minutes=i + version)).isoformat(sep=" "),
        "binary": f"b{i}".encode(),
    }
    return values[column.type]


def row(table: Table, i: int, version: int = 0) -> dict[str, Any]:
    return {c.name: value(table, c, i, version) for c in table.columns}


# ---------------------------------------------------------------- inputs


def write_sqlite(path: Path, table: Table, rows: list[dict[str, Any]], types: dict[str, str] | None = None) -> None:
    """(Re)create `table` in the SQLite stand-in with `rows` (no constraints: a test may need a null key)."""
    con = sqlite3.connect(path)
    columns = ", ".join(f'"{c.name}" {(types or {}).get(c.name, SQLITE_TYPES[c.type])}' for c in table.columns)
    con.execute(f'DROP TABLE IF EXISTS "{table.name}"')
    con.execute(f'CREATE TABLE "{table.name}" ({columns})')
    marks = ", ".join("?" for _ in table.columns)
    con.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', [[r[c.name] for c in table.columns] for r in rows])
    con.commit()
    con.close()


def seed_source(data_dir: Path, source: str, rows: int = 3) -> None:
    """Every table of a SQL source, so loading the source reads them all."""
    for table in sources.TABLES:
        if table.source == source and kind(table) == "sql":
            write_sqlite(data_dir / f"{source}.sqlite", table, [row(table, i) for i in range(1, rows + 1)])


class Warehouse:
    """A throwaway project state: SQLite stand-ins, a DuckDB warehouse, dlt pipelines dir."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.data.mkdir()
        self.path = root / "warehouse.duckdb"
        self.locations: dict[str, str] = {}

    def load(self, source: str) -> Any:
        return ingest.load_sources(
            [source],
            local=True,
            warehouse=self.path,
            data_dir=self.data,
            pipelines_dir=self.root / "pipelines",
            locations=self.locations,
            say=lambda message: None,
        )[source]

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def rows(self, table: Table, dead: bool = False) -> list[dict[str, Any]]:
        name = table.dead_letter if dead else table.landed
        with duckdb.connect(str(self.path), read_only=True) as con:
            exists = con.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [dataset(table), name],
            ).fetchone()
            if not exists or not exists[0]:
                return []
            cursor = con.execute(f'select * from "{dataset(table)}"."{name}"')
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def dataset(table: Table) -> str:
    return sources.SOURCES[table.source][1]


def data_columns(table: Table) -> list[str]:
    return [c.landed for c in table.columns if not (ingest.MASK_PII and c.pii == "drop")]


def keyed(table: Table, rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    keys = [table.column(k).landed for k in table.primary_key]
    return {tuple(r[k] for k in keys): {c: r[c] for c in data_columns(table)} for r in rows}


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)


# ---------------------------------------------------------------- SQL sources

INCREMENTAL_SQL = tables_of({"sql"}, need=("primary_key", "watermark"))
KEYED_SQL = tables_of({"sql"}, need=("primary_key",))
TYPED_SQL = [t for t in KEYED_SQL if any(c.type not in ("string", "uuid", "json") for c in t.columns)]
FILTERED_SQL = [t for t in tables_of({"sql"}) if t.where_local]


@pytest.fixture(autouse=True)
def _without_extraction_filters(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests seed rows of their own and count what lands: a table's `filter` would drop some of
    them, so it is off here except in the test of the filter itself."""
    if "extraction_filter" not in request.node.name:
        unfiltered = tuple(dataclasses.replace(t, where=None, where_local=None) for t in sources.TABLES)
        monkeypatch.setattr(sources, "TABLES", unfiltered)


@pytest.mark.skipif(not FILTERED_SQL, reason="no SQL table of this project has a `filter`")
@pytest.mark.parametrize("table", FILTERED_SQL, ids=ids(FILTERED_SQL))
def test_the_extraction_filter_lands_exactly_the_rows_it_selects(wh: Warehouse, table: Table) -> None:
    seed_source(wh.data, table.source, rows=6)
    with sqlite3.connect(wh.data / f"{table.source}.sqlite") as con:
        total = con.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
        selected = con.execute(f'SELECT count(*) FROM "{table.name}" WHERE {table.where_local}').fetchone()[0]
    assert total == 6, "the stand-in must hold the seeded rows"
    wh.load(table.source)
    assert len(wh.rows(table)) == selected, f"the filter {table.where_local} selects {selected} of {total} rows"


SQL_TABLES = tables_of({"sql"})


@pytest.mark.skipif(not SQL_TABLES, reason="no SQL table in this project")
@pytest.mark.parametrize("table", SQL_TABLES, ids=ids(SQL_TABLES))
def test_an_extract_of_no_row_lands_an_empty_table_with_the_contract_columns(wh: Warehouse, table: Table) -> None:
    """A `filter` that keeps nothing, or an empty source table: the models reading the raw table
    must find it (empty, with the spec's columns and the metadata columns), not a missing relation."""
    seed_source(wh.data, table.source, rows=0)
    wh.load(table.source)
    found = wh.query(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [dataset(table), table.landed],
    )
    landed = {name for (name,) in found}
    assert {*data_columns(table), *METADATA_COLUMNS} <= landed, sorted(landed)
    assert wh.rows(table) == []


def changed_column(table: Table) -> Any:
    for column in table.columns:
        if column.name not in table.primary_key and column.name != table.watermark:
            return column
    return None


@pytest.mark.parametrize("table", INCREMENTAL_SQL, ids=ids(INCREMENTAL_SQL))
def test_watermark_advances_and_a_rerun_changes_nothing(wh: Warehouse, table: Table) -> None:
    seed_source(wh.data, table.source)
    wh.load(table.source)
    assert len(wh.rows(table)) == 3

    rows = [row(table, i) for i in range(1, 4)] + [row(table, 4)]
    rows[0] = row(table, 1, version=1)  # row 1 updated: its watermark moves past the last load
    write_sqlite(wh.data / f"{table.source}.sqlite", table, rows)
    info = wh.load(table.source)
    normalized = info_rows(info, table)
    assert 2 <= normalized < 4, f"the second run should read only new and updated rows (and the lag), read {normalized}"
    landed = keyed(table, wh.rows(table))
    assert len(landed) == len(wh.rows(table)) == 4, "a key landed twice"
    column = changed_column(table)
    if column is not None and column.pii == "none":
        first_key = next(iter(keyed(table, [as_landed(table, rows[0])])))
        assert str(landed[first_key][column.landed]) == str(as_landed(table, rows[0])[column.landed])

    before = keyed(table, wh.rows(table))
    wh.load(table.source)  # the same batch again
    after = wh.rows(table)
    assert len(after) == 4 and keyed(table, after) == before


def as_landed(table: Table, source_row: dict[str, Any]) -> dict[str, Any]:
    return {table.column(name).landed: v for name, v in source_row.items()}


def info_rows(info: Any, table: Table) -> int:
    import dlt

    trace = dlt.current.pipeline().last_trace
    return int(trace.last_normalize_info.row_counts.get(table.landed, 0))


@pytest.mark.parametrize("table", KEYED_SQL, ids=ids(KEYED_SQL))
def test_a_null_primary_key_goes_to_the_dead_letter_table(wh: Warehouse, table: Table) -> None:
    seed_source(wh.data, table.source)
    bad = row(table, 9)
    bad[table.primary_key[0]] = None
    write_sqlite(wh.data / f"{table.source}.sqlite", table, [row(table, 1), row(table, 2), bad])
    wh.load(table.source)
    assert len(wh.rows(table)) == 2, "the good rows of the batch must land"
    (dead,) = wh.rows(table, dead=True)
    assert dead["reason"] == f"primary key {table.primary_key[0]} is null"
    record = json.loads(dead["record"])
    assert record[table.primary_key[0]] is None
    assert set(record) == {c.name for c in table.columns if not (ingest.MASK_PII and c.pii == "drop")}
    wh.load(table.source)
    assert len(wh.rows(table, dead=True)) == 1, "a rerun must not add the dead letter again"


def type_changed_column(table: Table) -> Any:
    return next(c for c in table.columns if c.type not in ("string", "uuid", "json"))


@pytest.mark.parametrize("table", TYPED_SQL, ids=ids(TYPED_SQL))
def test_a_type_change_stops_the_load_and_names_table_column_types_and_record(wh: Warehouse, table: Table) -> None:
    seed_source(wh.data, table.source)
    wh.load(table.source)
    column = type_changed_column(table)
    rows = [row(table, i, version=1) for i in range(1, 4)]
    for r in rows:
        r[column.name] = "n/a"
    write_sqlite(wh.data / f"{table.source}.sqlite", table, rows, types={column.name: "TEXT"})
    with pytest.raises(IngestError) as stopped:
        wh.load(table.source)
    message = str(stopped.value)
    assert f"table {table.source}.{table.name}" in message
    assert f"column {column.name}" in message
    assert f"type changed from {column.type}" in message and "to string" in message
    assert '"n/a"' in message, "the offending record must be shown"
    assert all(str(r[column.landed]) != "n/a" for r in wh.rows(table)), "nothing of the bad batch may land"
    seed_source(wh.data, table.source)  # the source is fixed: the next run loads again
    wh.load(table.source)


@pytest.mark.parametrize("table", KEYED_SQL, ids=ids(KEYED_SQL))
def test_every_row_carries_metadata_and_the_batch_id_is_dlts_load_id(wh: Warehouse, table: Table) -> None:
    seed_source(wh.data, table.source)
    info = wh.load(table.source)
    (load_id,) = info.loads_ids
    rows = wh.rows(table)
    assert rows and {"_extracted_at", "_source", "_batch_id"} <= set(rows[0])
    assert {r["_batch_id"] for r in rows} == {load_id}
    assert {r["_source"] for r in rows} == {table.source}
    loads = {r[0] for r in wh.query(f'select load_id from "{dataset(table)}"._dlt_loads')}
    assert load_id in loads


PII_TABLES = [t for t in tables_of({"sql"}, need=("primary_key",)) if any(c.pii != "none" for c in t.columns)]


@pytest.mark.skipif(not ingest.MASK_PII, reason="personal data is protected in the extract step only under ETL")
@pytest.mark.parametrize("table", PII_TABLES, ids=ids(PII_TABLES))
def test_personal_data_never_lands_in_clear(wh: Warehouse, table: Table) -> None:
    seed_source(wh.data, table.source)
    rows = [row(table, i) for i in range(1, 4)]
    bad = row(table, 8)
    bad[table.primary_key[0]] = None  # a dead letter keeps its record: protected too
    write_sqlite(wh.data / f"{table.source}.sqlite", table, [*rows, bad])
    wh.load(table.source)
    clear = {str(r[c.name]) for r in [*rows, bad] for c in table.columns if c.pii != "none"}
    landed = json.dumps(wh.rows(table) + wh.rows(table, dead=True), default=str)
    leaked = sorted(v for v in clear if v in landed)
    assert not leaked, f"personal data landed in clear: {leaked}"
    names = set(wh.rows(table)[0])
    for column in table.columns:
        if column.pii == "drop":
            assert column.landed not in names


# ---------------------------------------------------------------- files

FILE_TABLES = tables_of({"files"})


def write_file(folder: Path, table: Table, rows: list[dict[str, Any]]) -> None:
    name = str(table.options["path"]).replace("**/", "").replace("*", table.name)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = table.options["format"]
    if fmt == "csv":
        header = [c.name for c in table.columns]
        lines = [",".join(header)] + [",".join("" if r[h] is None else str(r[h]) for h in header) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    elif fmt == "json":
        path.write_text(json.dumps(rows, default=str), encoding="utf-8")
    else:
        path.write_text("\n".join(json.dumps(r, default=str) for r in rows) + "\n", encoding="utf-8")


@pytest.mark.parametrize("table", FILE_TABLES, ids=ids(FILE_TABLES))
def test_files_land_with_the_spec_types_and_bad_values_become_dead_letters(wh: Warehouse, table: Table) -> None:
    folder = wh.root / "files"
    for other in sources.TABLES:
        if other.source == table.source:
            write_file(folder, other, [row(other, i) for i in range(1, 4)])
    rows = [row(table, i) for i in range(1, 4)]
    numeric = next((c for c in table.columns if c.type in ("int", "bigint", "smallint", "decimal", "double")), None)
    if numeric is not None and table.options["format"] != "parquet":
        rows.append({**row(table, 7), numeric.name: "not-a-number"})
    write_file(folder, table, rows)
    wh.locations = {table.source: str(folder)}
    wh.load(table.source)
    assert len(wh.rows(table)) == 3
    types = dict(
        wh.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{dataset(table)}' and table_name = '{table.landed}'"
        )
    )
    expected = {"bigint": "BIGINT", "int": "INTEGER", "decimal": "DECIMAL", "date": "DATE", "string": "VARCHAR",
                "timestamp": "TIMESTAMP", "boolean": "BOOLEAN", "double": "DOUBLE"}  # fmt: skip
    for column in table.columns:
        want = expected.get(column.type)
        if want and column.pii == "none":
            assert types[column.landed].startswith(want), (column.name, types[column.landed], want)
    if numeric is not None and table.options["format"] != "parquet":
        (dead,) = wh.rows(table, dead=True)
        assert dead["reason"].startswith(f"type not castable: column {numeric.name} value 'not-a-number'")


# ---------------------------------------------------------------- APIs

API_TABLES = tables_of({"api"})


def nest(path: str | None, value: Any) -> Any:
    for part in reversed((path or "").split(".")) if path else []:
        value = {part: value}
    return value


class FlakyApi(BaseHTTPRequestHandler):
    """Serves every table's rows with the table's pagination; the first request gets a 503."""

    tables: ClassVar[dict[str, tuple[Table, list[dict[str, Any]]]]] = {}
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        FlakyApi.requests.append(self.path)
        if len(FlakyApi.requests) == 1:
            self.send_response(503)
            self.end_headers()
            return
        url = urlparse(self.path)
        table, rows = FlakyApi.tables[url.path]
        options, query = table.options, parse_qs(url.query)
        size = int(options["page_size"])
        param = str(options.get("param") or "")
        kind_ = options["pagination"]
        start = {
            "page": lambda: (int(query.get(param, ["1"])[0]) - 1) * size,
            "offset": lambda: int(query.get(param, ["0"])[0]),
            "cursor": lambda: int(query.get(param, ["0"])[0]),
            "link_header": lambda: int(query.get("start", ["0"])[0]),
        }.get(kind_, lambda: 0)()
        page = rows[start : start + size] if kind_ != "none" else rows
        body = nest(options.get("records_path"), page)
        more = start + size < len(rows) and kind_ != "none"
        if kind_ == "cursor":
            cursor_path = str(options["cursor_path"])
            parent, _, leaf = cursor_path.rpartition(".")
            target = body
            for part in parent.split(".") if parent else []:
                target = target.setdefault(part, {}) if isinstance(target, dict) else target
            if not isinstance(body, dict):
                body = {"items": page}
            target[leaf] = start + size if more else None
        payload = json.dumps(body, default=str).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if kind_ == "link_header" and more:
            self.send_header("Link", f'<http://{self.headers["Host"]}{url.path}?start={start + size}>; rel="next"')
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("table", API_TABLES, ids=ids(API_TABLES))
def test_an_api_is_retried_after_a_transient_503_and_every_page_lands(
    wh: Warehouse, table: Table, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.1")
    FlakyApi.requests = []
    FlakyApi.tables = {}
    for other in sources.TABLES:
        if other.source == table.source:
            count = 2 * int(other.options["page_size"]) + 3 if other.options["pagination"] != "none" else 5
            FlakyApi.tables[str(other.options["path"])] = (other, [row(other, i) for i in range(1, count + 1)])
    wh.locations = {table.source: api}
    wh.load(table.source)
    expected = len(FlakyApi.tables[str(table.options["path"])][1])
    assert len(wh.rows(table)) == expected
    assert len(FlakyApi.requests) >= 2, "the 503 must have been retried"
    wh.load(table.source)
    assert len(wh.rows(table)) == expected, "a rerun must not duplicate rows"
