"""`quality.on_failure: quarantine` on warehouse targets, and the children of quarantined rows,
judged on real servers (a throwaway PostgreSQL and MariaDB) and on the local DuckDB warehouse.

One project (customers <- orders <- payments by foreign key, a keyless `notes` table, a
`regions` table over its row-count limit), its
synthetic data with injected bad rows (the generator's manifest says which rule each bad row
breaks), landed in DuckDB and copied to the server (the landed table, and the staged relation
as a view over it). The quarantine gate (`--stage staging`) then, on every warehouse alike:
- moves exactly the bad rows to `<table>__quarantine`, each with the expectations it broke,
  and deletes them from the landed table (the clean rows stay);
- cascades: a row whose foreign key points at a moved row moves too, naming the parent and
  the foreign key's spec path, through the chain (payments of orders of bad customers);
- blocks (exit 1) on the keyless table and on a table-level failure (row count), saying why,
  and moves none of that table's rows;
- moves nothing more on a rerun (no duplicate quarantine rows).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.generators.gx import sql as gx_sql
from tests.conftest import generate
from tests.families.test_gx_quality import NOW, in_one_process, landed
from tests.judges import offline_env
from tests.servers import DatabaseServer

SPEC = """
version: 1
pipeline: {name: shopq, description: Quarantine on warehouse targets., owner: data-team@example.com}
latency: 1h
volume: {rows_per_day: 50000, avg_row_bytes: 120}
orchestrator: airflow
cloud: local
quality: {on_failure: quarantine}
sources:
  - name: shop
    type: postgres
    ingestion: batch
    connection: {host: "${env:SHOP_DB_HOST}", port: 5432, database: shop, user: loader,
                 password: "${secret:SHOP_DB_PASSWORD}"}
    tables:
      - name: customers
        primary_key: customer_id
        columns:
          - {name: customer_id, type: bigint, not_null: true, unique: true}
          - {name: tier, type: string, accepted_values: [gold, silver, bronze]}
      - name: orders
        primary_key: order_id
        watermark: updated_at
        columns:
          - {name: order_id, type: bigint, not_null: true, unique: true}
          - {name: customer_id, type: bigint, not_null: true, foreign_key: customers.customer_id}
          - {name: status, type: string, accepted_values: [placed, shipped, delivered, returned]}
          - {name: amount, type: "decimal(12,2)", range: {min: 0}}
          - {name: updated_at, type: timestamp, not_null: true}
      - name: payments
        primary_key: payment_id
        columns:
          - {name: payment_id, type: bigint, not_null: true, unique: true}
          - {name: order_id, type: bigint, not_null: true, foreign_key: orders.order_id}
          - {name: amount, type: "decimal(12,2)", range: {min: 0}}
      - name: notes
        columns:
          - {name: note, type: string, not_null: true}
      - name: regions
        primary_key: region_id
        quality: {row_count: {max: 10}}
        columns:
          - {name: region_id, type: bigint, not_null: true}
          - {name: name, type: string, accepted_values: [north, south]}
targets:
  - {name: warehouse, type: duckdb, connection: {path: warehouse.duckdb}}
"""
TABLES = ("customers", "orders", "payments")
KEYS = {"customers": "customer_id", "orders": "order_id", "payments": "payment_id"}
PARENT = {"orders": ("customers", "customer_id", 1), "payments": ("orders", "order_id", 2)}
COLUMNS = {
    "customers": ["customer_id", "tier"],
    "orders": ["order_id", "customer_id", "status", "amount", "updated_at"],
    "payments": ["payment_id", "order_id", "amount"],
}
VIEW = "create view {q}{s}{q}.{q}{v}{q} as select * from {q}{r}{q}.{q}{t}{q}"
SERVERS = {
    # warehouse target type -> (fixture, schema statement, view statement, drop statement)
    "postgres": ("postgres_server", 'create schema if not exists "{s}"', VIEW.replace("{q}", '"'),
                 'drop schema if exists "{s}" cascade'),
    "mysql": ("mariadb_server", "create database if not exists `{s}`", VIEW.replace("{q}", "`"),
              "drop database if exists `{s}`"),
}  # fmt: skip
COPY = """
import json, sys, duckdb, sqlalchemy
schema_sql, view_sql, drop_sql = json.loads(sys.argv[2])
checks = json.load(open("gx/checks.json"))["suites"]
engine = sqlalchemy.create_engine(sys.argv[1])
con = duckdb.connect("warehouse.duckdb", read_only=True)
# the server is the session's (one per worker): another module may have left these schemas behind
with engine.begin() as db:
    for s in sorted({(c["quarantine"] or {"source": {"schema": "raw_keyless"}})["source"]["schema"] for c in checks}
                    | {c["schema"] for c in checks}):
        db.exec_driver_sql(drop_sql.format(s=s))
for c in checks:
    q = c["quarantine"] or {"source": {"schema": "raw_keyless", "table": c["table"]}}
    src = q["source"]
    with engine.begin() as db:
        for s in (src["schema"], c["schema"]):
            db.exec_driver_sql(schema_sql.format(s=s))
    # the landed table holds the staged rows (one per key): the staged relation is a view over it
    frame = con.execute(f'select * from "{c["schema"]}"."{c["table"]}"').df()
    frame.to_sql(src["table"], engine, schema=src["schema"], if_exists="replace", index=False)
    with engine.begin() as db:
        db.exec_driver_sql(view_sql.format(s=c["schema"], v=c["table"], r=src["schema"], t=src["table"]))
print("[]")
"""
# The rows of each query of the JSON list in argv[1], in one process (one import of the driver)
READ_LOCAL = """
import duckdb, json, sys
c = duckdb.connect("warehouse.duckdb", read_only=True)
print(json.dumps([[list(r) for r in c.execute(q).fetchall()] for q in json.loads(sys.argv[1])], default=str))
"""
READ_SERVER = """
import json, sys, sqlalchemy
with sqlalchemy.create_engine(sys.argv[2]).connect() as c:
    print(json.dumps([[list(r) for r in c.exec_driver_sql(q).fetchall()] for q in json.loads(sys.argv[1])],
                     default=str))
"""


def spec_with(tmp: Path, server: DatabaseServer | None, kind: str) -> Path:
    yaml = YAML()
    spec = yaml.load(SPEC)
    if server is not None:
        spec["targets"].append({"name": "wh", "type": kind, "connection": {
            "host": "${env:WH_HOST}", "port": server.port, "database": server.database, "user": server.user,
            "password": "${secret:WH_PASSWORD}"}})  # fmt: skip
    path = tmp / "pipegen.yaml"
    yaml.dump(spec, path)
    return path


def bad_rows(project: Path) -> dict[str, dict[int, set[str]]]:
    """Per table: bad key -> the spec paths of the rules it breaks once staged (the manifest;
    a key column's null/duplicate never reaches staging)."""
    manifest = json.loads((project / "data" / "_bad_rows.json").read_text())
    bad: dict[str, dict[int, set[str]]] = {t: {} for t in TABLES}
    for v in manifest["violations"]:
        table = v["table"].rpartition("__")[2]
        if table not in bad or v["column"] == KEYS[table]:
            continue
        i = TABLES.index(table)
        for rule in (v["rule"], *v["also_breaks"]):
            path = f"sources[0].tables[{i}].columns[{COLUMNS[table].index(v['column'])}].{rule}"
            bad[table].setdefault(int(v["key"][KEYS[table]]), set()).add(path)
    return bad


def expected(project: Path, python: Path, home: Path) -> tuple[dict[str, dict[int, set[str]]], dict[str, set[int]]]:
    """`bad_rows`, and the keys the cascade must move: clean rows whose parent key moved, through
    the chain (the staged children read from the project's DuckDB warehouse)."""
    bad = bad_rows(project)
    cascade: dict[str, set[int]] = {"customers": set()}
    children = ("orders", "payments")
    sql = [f"select {KEYS[child]}, {PARENT[child][1]} from staging.stg_shop__{child}" for child in children]
    staged = _query(project, python, home, READ_LOCAL, json.dumps(sql))
    for child, rows in zip(children, staged, strict=True):
        gone = set(bad[PARENT[child][0]]) | cascade[PARENT[child][0]]
        cascade[child] = {int(k) for k, p in rows if p is not None and int(p) in gone and int(k) not in bad[child]}
    return bad, cascade


INJECT = """
import duckdb, json, sys
bad = json.loads(sys.argv[1])
c = duckdb.connect("warehouse.duckdb")
def clean(table, key, n):
    rows = c.execute(f"select {key} from staging.stg_shop__{table} order by {key}").fetchall()
    return [r[0] for r in rows if str(r[0]) not in bad[table]][:n]
customer, order = min(int(k) for k in bad["customers"]), min(int(k) for k in bad["orders"])
orders = clean("orders", "order_id", 3)
for o in orders:
    c.execute("update raw_shop.orders set customer_id = ? where order_id = ?", [customer, o])
for p, o in zip(clean("payments", "payment_id", 3), [orders[0], orders[1], order]):
    c.execute("update raw_shop.payments set order_id = ? where payment_id = ?", [o, p])
print("[]")
"""


def orphan(project: Path, python: Path, home: Path, bad: dict[str, dict[int, set[str]]]) -> None:
    """The synthetic generator draws foreign keys from clean parents only: point three clean
    orders at a bad customer, and three clean payments at two of those orders and a bad order."""
    _query(project, python, home, INJECT, json.dumps({t: [str(k) for k in bad[t]] for t in TABLES}))


def _query(project: Path, python: Path, home: Path, script: str, *args: str) -> list[list[Any]]:
    done = subprocess.run([str(python), "-c", script, *args], cwd=project, capture_output=True, text=True,
                          check=False, env=offline_env(home))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def moved_sql(quote: str) -> list[str]:
    """The quarantine tables' rows (`moved` reads them)."""
    return [f"select {KEYS[t]}, _failed_expectations, _quarantine_run_id, _quarantined_at "
            f"from {quote}raw_shop{quote}.{quote}{t}__quarantine{quote}" for t in TABLES]  # fmt: skip


def moved(every: list[list[list[Any]]]) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Per table: quarantined key -> its failed expectations, from the rows of `moved_sql`."""
    out = {}
    for t, rows in zip(TABLES, every, strict=True):
        assert all(r[2] and r[3] for r in rows)  # the run id and the time of every move
        keys = [int(r[0]) for r in rows]
        assert len(keys) == len(set(keys)), f"{t}: a key quarantined twice"
        out[t] = {int(r[0]): json.loads(r[1]) if isinstance(r[1], str) else r[1] for r in rows}
    return out


def judge_moves(got: dict[str, dict[int, list[dict[str, Any]]]], bad: dict[str, dict[int, set[str]]],
                cascade: dict[str, set[int]]) -> None:  # fmt: skip
    for t in TABLES:
        assert set(got[t]) == set(bad[t]) | cascade[t], t
        for key, failures in got[t].items():
            if key in bad[t]:
                assert {f["spec_path"] for f in failures} == bad[t][key], (t, key)
            else:
                parent, _, i = PARENT[t]
                entry = {"expectation": "parent_quarantined", "parent": f"staging.stg_shop__{parent}",
                         "spec_path": f"sources[0].tables[{i}].columns[1].foreign_key"}  # fmt: skip
                assert failures == [entry], (t, key)


def quality_step(state: Path, *args: str, **extra: str) -> dict[str, Any]:
    """`python -m pipeline.quality --stage staging ARGS` as a step of `session`."""
    env = {"PIPEGEN_QUALITY_NOW": NOW, "PIPEGEN_QUALITY_DIR": str(state),
           "PIPEGEN_STEP_SUMMARY": str(state / "summary.json"), **extra}  # fmt: skip
    return {"module": "quality", "argv": ["--stage", "staging", *args], "env": env}


def read_step(script: str, quote: str, *sql: str, url: str = "") -> dict[str, Any]:
    """A read of the warehouse (READ_LOCAL or READ_SERVER) as a step of `session`."""
    return {"script": script, "argv": [json.dumps([q.replace("`", quote) for q in sql]), *([url] if url else [])]}


def session(project: Path, python: Path, home: Path, steps: list[dict[str, Any]]) -> list[Any]:
    """The steps in one batch-env process (`in_one_process`: one GX import for both gate runs);
    each read's rows, each quality run's {"code", "out", "err"}."""
    results = in_one_process(project, python, home, steps)
    for entry, result in zip(steps, results, strict=True):
        if "script" in entry:
            assert result["code"] == 0, result["err"][-3000:]
    return [json.loads(r["out"]) if "script" in e else r for e, r in zip(steps, results, strict=True)]


def judge_run(done: dict[str, Any], state: Path) -> dict[str, Any]:
    """The keyless table blocks (exit 1) with the reason; the summary counts the moves."""
    assert done["code"] == 1, done["out"][-3000:] + done["err"][-3000:]
    assert "stg_shop__notes: quarantine cannot move its rows (the table has no primary key " \
           "(sources[0].tables[3].primary_key)" in done["err"]  # fmt: skip
    assert "stg_shop__regions: quarantine cannot move its rows (expect_table_row_count_to_be_between is a " \
           "table-level check: there are no rows to move): it blocks" in done["err"]  # fmt: skip
    summary: dict[str, Any] = json.loads((state / "summary.json").read_text())
    return summary


UNTOUCHED = ("select count(*) from `raw_shop`.`regions`",
             "select count(*) from information_schema.tables where table_name = 'regions__quarantine'")  # fmt: skip


def judge_untouched(rows: list[list[list[Any]]], count: int) -> None:
    """The blocked table with a key kept all its rows, and no quarantine table was made for it
    (`rows`: UNTOUCHED's)."""
    assert rows == [[[count]], [[0]]]


def test_every_gx_sql_target_has_a_quarantine_dialect() -> None:
    """The runner's per-dialect SQL covers every system GX reads with SQL, and DuckDB."""
    import importlib.util

    path = Path(__file__).parents[2] / "templates" / "gx" / "quality_warehouse.py"
    spec = importlib.util.spec_from_file_location("quality_warehouse", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    assert set(module.DIALECTS) == {"duckdb", *(t.value for t in gx_sql.GX_SQL)}
    for kind, g in gx_sql.GX_SQL.items():
        assert module.DIALECTS[kind.value].quote == g.quote, kind
    for d in module.DIALECTS.values():
        assert {k for k, _ in d.types} == {kind for _, kind in module.QUARANTINE_COLUMNS}


Landed = tuple[Path, tuple[dict[str, dict[int, set[str]]], dict[str, set[int]]]]


@pytest.fixture(scope="module")
def landed_and_expected(batch_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Landed:
    """The project generated for the local warehouse, its synthetic data with bad rows landed in
    DuckDB (synthesize, dlt, dbt run: three tool starts) and three orphans injected, once for
    the module: each test gates a copy of it (`landed_copy`), regenerated for its own target.
    With it, what every test expects moved (`expected`, read once: the copies hold the same rows)."""
    tmp = tmp_path_factory.mktemp("landed")
    project = landed(spec_with(tmp, None, ""), tmp, batch_python, "--rows", "300", "--bad-row-rate", "0.05")
    orphan(project, batch_python, tmp / "home", bad_rows(project))
    return project, expected(project, batch_python, tmp / "home")


def landed_copy(source: Path, tmp_path: Path, server: DatabaseServer | None = None, kind: str = "") -> Path:
    """A copy of the landed project; with a server, generated again with that warehouse target
    added (the landed data and the warehouse file are not generated: they stay as landed)."""
    project = tmp_path / "p"
    shutil.copytree(source, project)
    if server is not None:
        code, output = generate(spec_with(tmp_path, server, kind), project)
        assert code == 0, output
        assert '"wh": {' in (project / "gx" / "checks.json").read_text()  # the quality step knows the target
    return project


@pytest.mark.judge
def test_the_local_gate_moves_the_bad_rows_and_their_orphaned_children_and_blocks_on_a_keyless_table(
    tmp_path: Path, batch_python: Path, landed_and_expected: Landed
) -> None:
    project = landed_copy(landed_and_expected[0], tmp_path)
    home = tmp_path / "home"
    bad, cascade = landed_and_expected[1]
    assert all(bad.values()) and len(cascade["orders"]) >= 3 and len(cascade["payments"]) >= 3  # all three cases
    landed_sql = [f"select {KEYS[t]} from raw_shop.{t}" for t in TABLES]
    counted, first, after, second, again = session(project, batch_python, home, [
        read_step(READ_LOCAL, '"', *(f"select count(*) from raw_shop.{t}" for t in (*TABLES, "regions"))),
        quality_step(tmp_path / "q1"),
        read_step(READ_LOCAL, '"', *moved_sql('"'), *UNTOUCHED, *landed_sql),
        quality_step(tmp_path / "q2"),
        read_step(READ_LOCAL, '"', *moved_sql('"')),
    ])  # fmt: skip
    before = {t: rows[0][0] for t, rows in zip((*TABLES, "regions"), counted, strict=True)}
    summary = judge_run(first, tmp_path / "q1")
    got = moved(after[: len(TABLES)])
    judge_moves(got, bad, cascade)
    judge_untouched(after[len(TABLES) : len(TABLES) + 2], before["regions"])
    assert summary["quarantined"] == {f"raw_shop.{t}__quarantine": len(got[t]) for t in TABLES}
    for t, rows in zip(TABLES, after[len(TABLES) + 2 :], strict=True):  # the clean rows stay, the moved ones are gone
        left = {int(r[0]) for r in rows}
        assert len(left) == before[t] - len(got[t]) and not left & set(got[t])
    judge_run(second, tmp_path / "q2")
    assert moved(again) == got  # a rerun moves nothing more


@pytest.mark.judge
@pytest.mark.parametrize("kind", sorted(SERVERS))
def test_a_warehouse_target_moves_exactly_what_the_local_gate_moves(
    kind: str, tmp_path: Path, batch_python: Path, landed_and_expected: Landed, request: pytest.FixtureRequest
) -> None:
    fixture, schema_sql, view_sql, drop_sql = SERVERS[kind]
    server: DatabaseServer = request.getfixturevalue(fixture)
    project = landed_copy(landed_and_expected[0], tmp_path, server, kind)
    home = tmp_path / "home"
    bad, cascade = landed_and_expected[1]
    creds = {"WH_HOST": server.host, "WH_PASSWORD": server.password or "unused"}
    quote = gx_sql.GX_SQL[gx_sql.TargetType(kind)].quote
    rows_sql = [f"select {KEYS[t]} from `{schema}`.`{table}`" for t in TABLES
                for schema, table in (("raw_shop", t), ("staging", f"stg_shop__{t}"))]  # fmt: skip
    copy = {"script": COPY, "argv": [server.url, json.dumps([schema_sql, view_sql, drop_sql])]}
    _, regions, first, after, second, again = session(project, batch_python, home, [
        copy,
        read_step(READ_SERVER, quote, UNTOUCHED[0], url=server.url),
        quality_step(tmp_path / "w1", "--target", "wh", **creds),
        read_step(READ_SERVER, quote, *moved_sql(quote), *UNTOUCHED, *rows_sql, url=server.url),
        quality_step(tmp_path / "w2", "--target", "wh", **creds),
        read_step(READ_SERVER, quote, *moved_sql(quote), url=server.url),
    ])  # fmt: skip
    summary = judge_run(first, tmp_path / "w1")
    assert summary["target"] == "wh"
    got = moved(after[: len(TABLES)])
    judge_moves(got, bad, cascade)
    judge_untouched(after[len(TABLES) : len(TABLES) + 2], regions[0][0][0])
    rows = after[len(TABLES) + 2 :]
    for i, t in enumerate(TABLES):
        left, staged = ({int(r[0]) for r in got_rows} for got_rows in rows[2 * i : 2 * i + 2])
        assert staged == left and not left & set(got[t])
    judge_run(second, tmp_path / "w2")
    assert moved(again) == got  # a rerun moves nothing more
