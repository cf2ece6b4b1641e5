"""The generated ingestion code RUNS: projects generated from specs, inputs made here (SQLite
stand-ins, the jaffle-shop CSVs, a local HTTP server), `python -m pipeline.ingest --local`
and the project's own tests run in the "batch" judge environment (dlt, connectorx, DuckDB),
and what landed in DuckDB is checked from outside.

The module's ingest commands and warehouse reads run in one batch-env process (`Session`,
ingest_session.py: each as `python -m` or `python -c` would run it, with the same exit code and
output; dlt imported once, not once a command); the API retry test's ingest is a process of its own,
and the projects' own tests run one after another in another batch-env process (`own_tests`,
project_pytest.py: each as `python -m pytest` runs it in its folder)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from pipegen.generators.ingestion.generator import warehouse_target
from pipegen.pipeline import prepare, render_tree
from pipegen.spec.types import parse_secret_ref
from tests.conftest import REPO, SPECS
from tests.generators.ingest_commands import (
    Session,
    in_session,
    ingest,
    production_ingest,
    queries,
    query,
    run,
    start_session,
    stop_session,
)
from tests.judges.crds import shared_path

JAFFLE = shared_path("oracles", "jaffle", "seeds")


def write_project(spec_path: Path, root: Path) -> Path:
    ready = prepare(spec_path)
    for rel, text in render_tree(ready.spec, ready.plan).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def project_from(data: dict[str, Any], root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    spec = root / "pipegen.yaml"
    spec.write_text(json.dumps(data), encoding="utf-8")
    return write_project(spec, root)


@pytest.fixture(scope="module", autouse=True)
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The module's one batch-env session for its ingest commands and warehouse reads."""
    started = start_session(tmp_path_factory.mktemp("ingest_session"))
    try:
        yield started
    finally:
        stop_session(started)


def sqlite_table(path: Path, ddl: str, rows: list[tuple[Any, ...]], table: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(ddl)
    con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in rows[0])})", rows)
    con.commit()
    con.close()


ORDERS_DDL = (
    "CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, status TEXT, amount REAL, updated_at DATETIME)"
)


def orders(n: int, day: int = 1) -> list[tuple[Any, ...]]:
    return [(i, 100 + i, "placed", i * 1.25, f"2024-01-{day:02d} {i % 24:02d}:00:00") for i in range(1, n + 1)]


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    """A fresh quick-start project per test: no test reads what another one loaded."""
    return write_project(SPECS / "hello.yaml", tmp_path / "hello")


# ---------------------------------------------------------------- SQL source, CLI


def test_watermark_advances_updates_merge_each_row_carries_its_load_id_and_a_rerun_changes_nothing(
    hello: Path,
) -> None:
    # one project, two loads then a rerun: the watermark's, the merge's and the batch id's checks on
    # the same loads (each `ingest` is a dlt process, ~4 s of CPU)
    db = hello / "data" / "shop.sqlite"
    sqlite_table(db, ORDERS_DDL, orders(20), "orders")
    first = ingest(hello)
    assert first.returncode == 0, first.stderr
    assert "shop -> raw_shop: orders 20" in first.stdout

    rows = orders(20)
    rows[4] = (5, 105, "shipped", 99.5, "2024-02-01 00:00:00")  # updated after the first load
    rows.append((21, 121, "placed", 1.0, "2024-02-01 01:00:00"))  # inserted
    sqlite_table(db, ORDERS_DDL, rows, "orders")
    second = ingest(hello)  # a second load: the updated and the new row carry the second load's id
    assert second.returncode == 0, second.stderr
    read = int(second.stdout.split("orders ")[1].split(" ")[0].rstrip(","))
    assert read == 3, f"only the updated row, the new row and the last row within the 5-minute lag: {second.stdout}"
    counts, updated, load_rows, batch_rows, meta = queries(
        hello,
        "select count(*), count(distinct order_id) from raw_shop.orders",
        "select status, amount from raw_shop.orders where order_id = 5",
        "select load_id from raw_shop._dlt_loads",
        "select distinct _batch_id from raw_shop.orders",
        "select count(*) from raw_shop.orders where _source = 'shop' and _extracted_at is not null",
    )
    assert counts == [[21, 21]]
    assert updated == [["shipped", "99.50"]]
    # the batch id is the dlt load id of each row
    loads = {r[0] for r in load_rows}
    batch_ids = {r[0] for r in batch_rows}
    assert batch_ids and batch_ids <= loads
    assert meta == [[21]]
    assert max(loads) in batch_ids  # some row carries the latest load's id

    before = query(hello, "select order_id, customer_id, status, amount, updated_at from raw_shop.orders order by 1")
    third = ingest(hello)
    assert third.returncode == 0, third.stderr
    after = query(hello, "select order_id, customer_id, status, amount, updated_at from raw_shop.orders order by 1")
    assert after == before


def test_null_keys_go_to_the_dead_letter_table_a_type_change_stops_the_load_with_table_column_types_and_record(
    tmp_path: Path,
) -> None:
    project = write_project(SPECS / "hello.yaml", tmp_path / "p")
    db = project / "data" / "shop.sqlite"
    # the first load: a row with a null key goes to the dead-letter table and the batch goes on
    sqlite_table(db, ORDERS_DDL, [*orders(3), (None, 7, "placed", 2.0, "2024-01-01 05:00:00")], "orders")
    proc = ingest(project)
    assert proc.returncode == 0, proc.stderr
    landed, dead_rows, load_ids = queries(
        project,
        "select count(*) from raw_shop.orders",
        "select reason, record, _batch_id from raw_shop.orders__dead_letter",
        "select load_id from raw_shop._dlt_loads",
    )
    assert landed == [[3]]
    (dead,) = dead_rows
    assert dead[0] == "primary key order_id is null"
    assert json.loads(dead[1]) == {
        "order_id": None, "customer_id": 7, "status": "placed", "amount": 2.0, "updated_at": "2024-01-01T05:00:00"
    }  # fmt: skip
    assert [[dead[2]]] == load_ids
    # then a type change (the same project, its 3 rows landed) stops the next load
    changed = ORDERS_DDL.replace("amount REAL", "amount TEXT")
    sqlite_table(db, changed, [(4, 104, "placed", "twelve", "2024-03-01 00:00:00")], "orders")
    stopped = ingest(project)
    assert stopped.returncode == 1
    message = stopped.stderr
    assert "table shop.orders, column amount: type changed from decimal(12,2) to string" in message
    assert '"amount": "twelve"' in message and '"order_id": 4' in message
    assert "Traceback" not in message
    assert query(project, "select count(*) from raw_shop.orders") == [[3]]
    sqlite_table(db, ORDERS_DDL, [(4, 104, "placed", 12.0, "2024-03-01 00:00:00")], "orders")
    fixed = ingest(project)
    assert fixed.returncode == 0, fixed.stderr
    assert query(project, "select amount from raw_shop.orders where order_id = 4") == [["12.00"]]


# ---------------------------------------------------------------- ETL: personal data


def test_etl_never_lands_personal_data_in_clear(tmp_path: Path) -> None:
    project = write_project(SPECS / "pii_etl.yaml", tmp_path / "p")
    db = project / "data" / "crm_db.sqlite"
    customers = [
        (i, f"person{i}@example.com", f"+49 170 55500{i}", f"ID-SECRET-{i}", 1980 + i, "DE", f"2024-01-0{i} 10:00:00")
        for i in range(1, 6)
    ]
    sqlite_table(
        db,
        "CREATE TABLE customers (customer_id INTEGER, email TEXT, phone TEXT, national_id TEXT, birth_year INTEGER,"
        " country TEXT, updated_at DATETIME)",
        customers,
        "customers",
    )
    tickets = [(i, i, f"Refund for person{i}@example.com", "low", "2024-01-01 00:00:00", "2024-01-01 00:00:00")
               for i in range(1, 4)]  # fmt: skip
    sqlite_table(
        db,
        "CREATE TABLE tickets (ticket_id INTEGER, customer_id INTEGER, subject TEXT, priority TEXT, opened_at DATETIME,"
        " updated_at DATETIME)",
        tickets,
        "tickets",
    )
    proc = ingest(project)
    assert proc.returncode == 0, proc.stderr
    landed_customers, landed_tickets, column_rows, first_email = queries(
        project,
        "select * from raw_crm_db.customers",
        "select * from raw_crm_db.tickets",
        "select column_name from information_schema.columns "
        "where table_schema = 'raw_crm_db' and table_name = 'customers'",
        "select email from raw_crm_db.customers order by customer_id limit 1",
    )
    dump = json.dumps(landed_customers + landed_tickets)
    for clear in (
        [c[1] for c in customers] + [c[2] for c in customers] + [c[3] for c in customers] + [t[2] for t in tickets]
    ):
        assert clear not in dump, f"{clear} landed in clear"
    columns = {r[0] for r in column_rows}
    assert "national_id" not in columns and {"email", "phone"} <= columns
    hashed = first_email[0][0]
    assert len(hashed) == 64 and all(ch in "0123456789abcdef" for ch in hashed)


# ---------------------------------------------------------------- files: the jaffle shop CSVs


def jaffle_spec() -> dict[str, Any]:
    def table(name: str, columns: list[tuple[str, str]]) -> dict[str, Any]:
        return {"name": name, "path": f"{name}.csv", "format": "csv", "primary_key": "id",
                "columns": [{"name": n, "type": t} for n, t in columns]}  # fmt: skip

    return {
        "version": 1,
        "pipeline": {"name": "jaffle"},
        "latency": "1d",
        "sources": [
            {
                "name": "jaffle",
                "type": "files",
                "connection": {"url": str(JAFFLE)},
                "tables": [
                    table("raw_customers", [("id", "bigint"), ("first_name", "string"), ("last_name", "string")]),
                    table("raw_orders", [("id", "bigint"), ("user_id", "bigint"), ("order_date", "date"),
                                         ("status", "string")]),
                    table("raw_payments", [("id", "bigint"), ("order_id", "bigint"), ("payment_method", "string"),
                                           ("amount", "bigint")]),
                ],
            }
        ],
        "targets": [{"name": "warehouse", "type": "duckdb", "connection": {"path": "warehouse.duckdb"}}],
    }  # fmt: skip


@pytest.mark.skipif(
    not JAFFLE.is_dir(), reason="the jaffle-shop oracle (../shared/oracles/jaffle) is not on this machine"
)
def test_jaffle_csvs_load_through_the_files_source_with_the_spec_types(tmp_path: Path) -> None:
    project = project_from(jaffle_spec(), tmp_path / "jaffle")
    proc = ingest(project)
    assert proc.returncode == 0, proc.stderr
    names = ("raw_customers", "raw_orders", "raw_payments")
    *counts, type_rows, amount, first_date = queries(
        project,
        *(f"select count(*) from raw_jaffle.{name}" for name in names),
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw_jaffle' and table_name = 'raw_orders'",
        "select data_type from information_schema.columns "
        "where table_schema = 'raw_jaffle' and table_name = 'raw_payments' and column_name = 'amount'",
        "select order_date from raw_jaffle.raw_orders where id = 1",
    )
    for name, count in zip(names, counts, strict=True):
        lines = (JAFFLE / f"{name}.csv").read_text(encoding="utf-8").strip().splitlines()
        assert count == [[len(lines) - 1]], name
    types = dict((r[0], r[1]) for r in type_rows)
    assert types["id"] == "BIGINT" and types["user_id"] == "BIGINT" and types["order_date"] == "DATE"
    assert amount == [["BIGINT"]]
    assert first_date == [["2018-01-01"]]


# ---------------------------------------------------------------- API: retries


class Flaky(BaseHTTPRequestHandler):
    """Pages of two records at `?page=N`; the very first request gets a 503."""

    hits: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        Flaky.hits.append(1)
        if len(Flaky.hits) == 1:
            self.send_response(503)
            self.end_headers()
            return
        page = int(parse_qs(urlparse(self.path).query).get("page", ["1"])[0])
        items = [{"id": i, "name": f"n{i}"} for i in range((page - 1) * 2 + 1, min(page * 2, 5) + 1)]
        body = json.dumps({"result": {"items": items}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def flaky_api() -> Iterator[str]:
    Flaky.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_api_source_is_retried_after_a_transient_503_then_loads_every_page(tmp_path: Path, flaky_api: str) -> None:
    data = {
        "version": 1,
        "pipeline": {"name": "apis"},
        "latency": "1h",
        "sources": [
            {
                "name": "crm",
                "type": "api",
                "connection": {"url": flaky_api},
                "tables": [
                    {
                        "name": "items",
                        "endpoint": "/items",
                        "records_path": "result.items",
                        "pagination": {"type": "page", "page_size": 2},
                        "primary_key": "id",
                        "columns": [{"name": "id", "type": "bigint"}, {"name": "name", "type": "string"}],
                    }
                ],
            }
        ],
        "targets": [{"name": "warehouse", "type": "duckdb"}],
    }
    project = project_from(data, tmp_path / "apis")
    # a process of its own, as the user's `python -m pipeline.ingest` (the module's other commands share one); the
    # default timeout of 300 s: at load ~27 (s49) the process took more than the 60 s it had, a failure of the machine
    proc = production_ingest(project, process=True)
    assert proc.returncode == 0, proc.stderr
    assert Flaky.hits[:1] == [1] and len(Flaky.hits) >= 5, "one 503, then pages 1-4 (the last one empty)"
    assert query(project, "select count(*), count(distinct id) from raw_crm.items") == [[5, 5]]


# ---------------------------------------------------------------- the projects' own tests


PROJECT_PYTEST = Path(__file__).with_name("project_pytest.py")
OWN_TESTS = ["-q", "-p", "no:cacheprovider", "tests/test_ingestion.py"]  # `python -m pytest OWN_TESTS`


@pytest.fixture(scope="module")
def own_tests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """{project: its own tests/test_ingestion.py run by pytest}: the three examples', the jaffle files project's
    (where the oracle is here) and the API project's of every pagination type, in one batch-env process
    (project_pytest.py: each as `python -m pytest` runs it in its folder, the previous project forgotten;
    dlt, DuckDB and pytest imported once, not five times)."""
    tmp = tmp_path_factory.mktemp("own_tests")
    projects = {name: write_project(SPECS / f"{name}.yaml", tmp / name) for name in ("hello", "pii_etl", "saas_elt")}
    if JAFFLE.is_dir():
        projects["jaffle"] = project_from(jaffle_spec(), tmp / "jaffle")
    projects["apis"] = project_from(every_pagination_spec(), tmp / "apis")
    runs = tmp / "runs.json"
    runs.write_text(json.dumps([{"project": str(p), "argv": OWN_TESTS} for p in projects.values()]))
    proc = run(tmp, str(PROJECT_PYTEST), str(runs), timeout=1800)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(got) == len(projects), got
    return {
        name: subprocess.CompletedProcess(OWN_TESTS, r["code"], r["out"], r["err"])
        for name, r in zip(projects, got, strict=True)
    }


@pytest.mark.parametrize("name", ["hello", "pii_etl", "saas_elt"])
def test_the_generated_projects_own_ingestion_tests_pass(
    name: str, own_tests: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    proc = own_tests[name]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout


@pytest.mark.skipif(
    not JAFFLE.is_dir(), reason="the jaffle-shop oracle (../shared/oracles/jaffle) is not on this machine"
)
def test_the_generated_tests_of_a_files_project_pass(own_tests: dict[str, subprocess.CompletedProcess[str]]) -> None:
    proc = own_tests["jaffle"]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


class Evolving(BaseHTTPRequestHandler):
    """One record with a column the spec does not declare; its type is set by the test."""

    extra: ClassVar[list[Any]] = [1]

    def do_GET(self) -> None:
        body = json.dumps([{"id": 1, "name": "n1", "extra": Evolving.extra[0]}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_new_column_evolves_its_type_change_stops_and_the_next_run_is_not_stuck(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Evolving)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        data = {
            "version": 1,
            "pipeline": {"name": "apis"},
            "latency": "1h",
            "sources": [
                {
                    "name": "crm",
                    "type": "api",
                    "connection": {"url": f"http://127.0.0.1:{server.server_address[1]}"},
                    "tables": [
                        {
                            "name": "items",
                            "endpoint": "/items",
                            "primary_key": "id",
                            "columns": [{"name": "id", "type": "bigint"}, {"name": "name", "type": "string"}],
                        }
                    ],
                }
            ],
            "targets": [{"name": "warehouse", "type": "duckdb"}],
        }
        project = project_from(data, tmp_path / "apis")
        Evolving.extra = [1]
        assert production_ingest(project).returncode == 0
        assert query(project, "select extra from raw_crm.items") == [[1]], "a new column evolves"
        Evolving.extra = ["abc"]
        stopped = production_ingest(project)
        assert stopped.returncode == 1
        assert "table items, column extra: type changed from bigint to text" in stopped.stderr
        assert '"extra": "abc"' in stopped.stderr, "the offending record is shown"
        # an Arrow page fails in dlt's extract step, before any load package exists (a failure in a
        # later step leaves one, and the message then says it was aborted): nothing of it landed
        assert query(project, "select extra from raw_crm.items") == [[1]]
        Evolving.extra = [2]
        again = production_ingest(project)
        assert again.returncode == 0, again.stderr  # not stuck on the failed package
        assert query(project, "select extra from raw_crm.items") == [[2]]
    finally:
        server.shutdown()
        server.server_close()


PRODUCTION = {"hello": "duckdb", "saas_elt": "snowflake", "pii_etl": "filesystem", "iot_lambda": "clickhouse"}
# Each project's production_destination() without its credentials, then with each set (to "x"), in one
# batch-env process (a dlt import each: ~3 s of CPU here): each project's `pipeline` package, settings
# and working directory forgotten before the next (tests/specgen/project_modules.py, as the Airflow and
# Prefect drivers run many projects), and the environment as it was after each.
DESTINATIONS = """
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from project_modules import enter, leave
out = {}
for project, refs in json.loads(sys.argv[2]):
    added, saved, lines = enter(Path(project)), dict(os.environ), []
    try:
        from pipeline import ingest
        from pipeline.runtime import IngestError
        try:
            ingest.production_destination()
        except IngestError as e:
            lines.append(f"missing: {e}")
        os.environ.update({k: "x" for k in refs})
        lines.append(ingest.production_destination().destination_name)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        leave(added)
    out[project] = lines
print(json.dumps(out))
"""


def credential_refs(name: str) -> list[str]:
    """The environment variables the example's warehouse target's connection names."""
    ready = prepare(SPECS / f"{name}.yaml")
    target = warehouse_target(ready.spec)
    assert target is not None
    values = [v for v in target.connection.model_dump().values() if isinstance(v, str)]
    return sorted({ref.name for ref in map(parse_secret_ref, values) if ref is not None})


@pytest.fixture(scope="module")
def production_destinations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """{example in PRODUCTION: what its project's production_destination() printed (DESTINATIONS)}."""
    tmp = tmp_path_factory.mktemp("production")
    projects = {name: write_project(SPECS / f"{name}.yaml", tmp / name) for name in PRODUCTION}
    jobs = [[str(project), credential_refs(name)] for name, project in projects.items()]
    proc = run(tmp, "-c", DESTINATIONS, str(REPO / "tests" / "specgen"), json.dumps(jobs))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {name: out[str(project)] for name, project in projects.items()}


@pytest.mark.parametrize(("name", "destination"), sorted(PRODUCTION.items()))
def test_production_runs_use_the_warehouse_targets_dlt_destination_with_credentials_from_the_environment(
    name: str, destination: str, production_destinations: dict[str, list[str]]
) -> None:
    lines = production_destinations[name]
    refs = credential_refs(name)
    assert lines[-1] == destination
    assert len(lines) == (2 if refs else 1), lines
    if refs:
        assert lines[0] == f"missing: environment variable {refs[0]} is not set (see .env.example)"


def every_pagination_spec() -> dict[str, Any]:
    def table(name: str, pagination: dict[str, Any], records_path: str | None = None) -> dict[str, Any]:
        extra = {"records_path": records_path} if records_path else {}
        return {"name": name, "endpoint": f"/v1/{name}", "pagination": pagination, "primary_key": "id", **extra,
                "columns": [{"name": "id", "type": "bigint"}, {"name": "label", "type": "string"},
                            {"name": "amount", "type": "decimal(10,2)"}]}  # fmt: skip

    return {
        "version": 1,
        "pipeline": {"name": "apis"},
        "latency": "1h",
        "sources": [
            {
                "name": "shop_api",
                "type": "api",
                "connection": {"url": "https://api.example.com", "auth": "bearer", "token": "${secret:SHOP_API_TOKEN}"},
                "tables": [
                    table("pages", {"type": "page", "page_size": 4}),
                    table("offsets", {"type": "offset", "page_size": 3, "param": "skip"}),
                    table("cursors", {"type": "cursor", "page_size": 5, "cursor_path": "meta.next"}, "result.rows"),
                    table("links", {"type": "link_header", "page_size": 2}),
                    table("single", {"type": "none"}),
                ],
            }
        ],
        "targets": [{"name": "warehouse", "type": "duckdb"}],
    }


def test_the_generated_tests_of_an_api_project_pass_for_every_pagination_type(
    own_tests: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    proc = own_tests["apis"]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "5 passed" in proc.stdout, proc.stdout[-2000:]


def test_a_stream_is_loaded_into_the_batch_layer_only_locally_and_production_says_so(tmp_path: Path) -> None:
    project = write_project(SPECS / "iot_lambda.yaml", tmp_path / "iot")
    folder = project / "data" / "sensors"
    folder.mkdir(parents=True)
    (folder / "readings.jsonl").write_text(
        '{"device_id": "d1", "temperature_c": 21.5, "vibration_mm_s": 1.0, "measured_at": "2026-01-01T00:00:00"}\n'
        '{"device_id": "d2", "temperature_c": "hot", "vibration_mm_s": 2.0, "measured_at": "2026-01-01T00:00:01"}\n',
        encoding="utf-8",
    )
    local = ingest(project, "--source", "sensors")
    assert local.returncode == 0, local.stderr
    readings, dead = queries(
        project,
        "select device_id, temperature_c from raw_sensors.readings",
        "select count(*) from raw_sensors.readings__dead_letter",
    )
    assert readings == [["d1", 21.5]]
    assert dead == [[1]], "'hot' is no double"
    production = in_session(project, "-m", "pipeline.ingest", "--source", "sensors", timeout=60)
    assert production.returncode == 1
    stopped = "sensors: this version has no production batch reader for Kafka topics that are not JSON"
    assert stopped in production.stderr
    assert "only in --local runs, from data/sensors/<dataset>.jsonl" in production.stderr
