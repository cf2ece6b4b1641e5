"""Schema drift under reserved names cannot switch the ingestion's contract off: the generated
ingestion (dlt, `pipeline.ingest`, in the batch judge environment) of a table named `order` whose
columns are named `select`, `group`, `user` and `where` lands rows; when the source then changes
a declared column's type (`group`: decimal to text) the load stops with the table, the column and
the offending record named, and nothing of it lands; a column the spec does not declare, named
`Order` (reserved, mixed case), evolves into the landed table (as dlt names it, `order`), and a
later change of its type stops the load too, the message giving the new type and the offending
record although the batch still calls the column `Order`. Each state is read back from the DuckDB
warehouse by DuckDB, and the expected rows and messages are written here from the rows served,
never from pipegen."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from tests.generators.test_ingestion_runs import ingest, production_ingest, project_from, query, sqlite_table

COLUMNS = [
    {"name": "select", "type": "bigint", "not_null": True},
    {"name": "group", "type": "decimal(12,2)"},
    {"name": "user", "type": "string"},
    {"name": "where", "type": "timestamp"},
]
DDL = 'CREATE TABLE "order" ("select" INTEGER, "group" REAL, "user" TEXT, "where" DATETIME)'
ROWS = [(1, 1.5, "it's", "2024-01-01 00:00:00"), (2, 2.25, "x') and 1=0 and ('a' = 'a", "2024-01-01 01:00:00")]


def spec(source: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "pipeline": {"name": "drift"}, "latency": "1h", "sources": [source],
            "targets": [{"name": "wh", "type": "duckdb"}]}  # fmt: skip


def test_a_type_change_of_a_reserved_column_stops_the_load_naming_it(tmp_path: Path) -> None:
    source = {"name": "select", "type": "postgres", "ingestion": "batch",
              "connection": {"host": "db", "password": "${secret:APP_PASSWORD}"},
              "tables": [{"name": "order", "primary_key": "select", "columns": COLUMNS}]}  # fmt: skip
    project = project_from(spec(source), tmp_path / "sql")
    db = project / "data" / "select.sqlite"
    sqlite_table(db, DDL, ROWS, '"order"')
    first = ingest(project)
    assert first.returncode == 0, first.stdout + first.stderr
    landed = 'select "select", "group", "user" from raw_select."order" order by 1'
    assert query(project, landed) == [[1, "1.50", "it's"], [2, "2.25", "x') and 1=0 and ('a' = 'a"]]
    changed = DDL.replace('"group" REAL', '"group" TEXT')
    sqlite_table(db, changed, [(3, "twelve", "-- x", "2024-01-02 00:00:00")], '"order"')
    stopped = ingest(project)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert "column group: type changed from decimal(12,2) to string" in stopped.stderr, stopped.stderr
    assert '"group": "twelve"' in stopped.stderr and '"select": 3' in stopped.stderr
    assert query(project, 'select count(*) from raw_select."order"') == [[2]]  # nothing of it landed


class Drifting(BaseHTTPRequestHandler):
    """Records with the declared reserved columns and an undeclared `Order`; its value is set by the test."""

    extra: ClassVar[list[Any]] = [1]

    def do_GET(self) -> None:
        body = json.dumps([{"select": 1, "group": 2.5, "user": "it's", "Order": Drifting.extra[0]}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_an_undeclared_reserved_column_evolves_and_its_type_change_stops_the_load(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drifting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = {"name": "select", "type": "api", "connection": {"url": f"http://127.0.0.1:{server.server_address[1]}"},
                  "tables": [{"name": "order", "endpoint": "/order", "primary_key": "select",
                              "columns": COLUMNS[:3]}]}  # fmt: skip
        project = project_from(spec(source), tmp_path / "api")
        Drifting.extra = [7]
        first = production_ingest(project)
        assert first.returncode == 0, first.stdout + first.stderr
        read = 'select "select", "user", "order" from raw_select."order"'
        assert query(project, read) == [[1, "it's", 7]], "the undeclared column evolves"
        Drifting.extra = ["x') and 1=0 and ('a' = 'a"]
        stopped = production_ingest(project)
        assert stopped.returncode == 1, stopped.stdout + stopped.stderr
        assert "column order: type changed from bigint to text" in stopped.stderr, stopped.stderr
        assert """offending record: {"Order": "x') and 1=0 and ('a' = 'a",""" in stopped.stderr, stopped.stderr
        assert query(project, read) == [[1, "it's", 7]]  # nothing of it landed
    finally:
        server.shutdown()
        server.server_close()
