"""The lake step's silver over a Delta bronze the Delta loader wrote (issue 20, session 45).

In production a Lakehouse's streamed table reaches its Delta bronze through the Flink bronze job, its relay topic
and the generated loader (pipeline/delta_relay.py, typing the columns as the relay lists them), and the orchestrator's
lake step (`python -m pipeline.lake bronze silver`) then merges that bronze into silver. The local run never does
this (its stream step drops the job's rows in the landing directory, and the lake step writes bronze itself), so this
judge does: tests/judges/flink_lake_bronze.yaml (orders captured from PostgreSQL, keyed and watermarked, with
per-row rules; clicks from a Kafka topic, no key; here with a timestamptz column too, and its own pipeline name) is
generated; its bronze jobs' relay records are made as the
generated Flink SQL writes them (the sink's columns, in its order, each value as its SELECT expression renders it and
as Flink's `json` format writes it: `_ingested_at` a TIMESTAMP_LTZ(3) in UTC with a `Z`); on the session's tansu
broker the loader lands them in the Delta bronze under PIPEGEN_LAKE_ROOT, round by round, and the generated lake step
runs after each round in the `batch` env (probe tests/judges/probes/delta_relay_silver.py), in a time zone other than
UTC. silver, its rejected rows and bronze, read back by DuckDB's delta_scan (the `lake` env), equal a plain-Python
reference computed here from the change events: per key the latest valid event by watermark, then by arrival (a
newer or equal watermark replaces, an older one is ignored, a delete removes; a delete's `before` holding only the
key, as PostgreSQL's default replica identity sends it, deletes too), every rule-breaking event rejected, the
topic's valid records each once; silver's copy in the local warehouse (what dbt's staging reads) equals silver.
silver's state holds per Kafka partition the highest offset taken, not one id per event, and an older state (a list
of every id) is read as the same batches and saved as marks (no event taken twice). Gold is not run: it is dbt's
marts over that copy, judged by tests/families/test_lake_stream_bronze.py."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.conftest import REPO, generate
from tests.families.test_delta_relay import delta_rows
from tests.judges import offline_env
from tests.servers import KafkaBroker

SPEC = REPO / "tests" / "judges" / "flink_lake_bronze.yaml"
PIPELINE = "relay_silver"  # its own relay topics on the session's broker
PROBE = REPO / "tests" / "judges" / "probes" / "delta_relay_silver.py"
ORDERS, CLICKS = "shop__orders__bronze", "web__clicks__bronze"
ZONE = "Asia/Kolkata"  # the lake step's time zone: +05:30, no daylight saving
T0 = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)  # the CDC topic's first record timestamp
META = ("_batch_id", "_ingested_at", "_row", "_op")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("relay_silver")
    text = SPEC.read_text().replace("name: stream_lake", f"name: {PIPELINE}")
    seen = "          - {name: clicked_at, type: timestamp, not_null: true}\n"
    (where / "spec.yaml").write_text(text.replace(seen, seen + "          - {name: seen_at, type: timestamptz}\n"))
    code, output = generate(where / "spec.yaml", where / "project")
    assert code == 0, output
    return where / "project"


# ---------------------------------------------------------------- the bronze job's records, from its SQL


class Sink(NamedTuple):
    columns: list[tuple[str, str]]  # (name, its SELECT expression), in the sink's order
    types: dict[str, str]  # a source column's Flink type
    zone: str | None  # the session's time zone (`table.local-time-zone`), None: the JVM's


def sink_of(project: Path, job: str) -> Sink:
    """The bronze job's sink columns (`CREATE TABLE ... AS SELECT`) and its source's column types."""
    sql = (project / "flink" / "sql" / f"{PIPELINE}__{job}.sql").read_text()
    select = sql[sql.index("AS SELECT\n") + len("AS SELECT\n") : sql.index("\nFROM ")]
    columns = [(m[2], m[1]) for m in re.finditer(r"^  (.*) AS `([^`]+)`,?$", select, re.M)]
    source = sql[sql.index("CREATE TABLE") : sql.index(") WITH (")]
    row = re.search(r"`after` ROW<(.*)>,", source)
    fields = row[1] if row else ",".join(source.splitlines()[1:])
    types = {m[1]: m[2].strip() for m in re.finditer(r"`([^`]+)` ([A-Z_]+(?:\(\d+(?:, \d+)?\))?)", fields)}
    zone = re.search(r"^SET 'table.local-time-zone' = '([^']+)';$", sql, re.M)
    return Sink(columns, types, zone[1] if zone else None)


def flink_text(value: Any, flink_type: str, zone: str | None) -> str | None:
    """`CAST(value AS STRING)` as Flink renders a value of the column's type (the types of this spec); a
    TIMESTAMP_LTZ in the session's time zone, which the job must set (else the JVM's: nothing to derive it from)."""
    if value is None:
        return None
    if flink_type in ("BIGINT", "STRING"):
        return str(value)
    if flink_type.startswith("DECIMAL("):
        scale = int(flink_type.split(",")[1].rstrip(")"))
        return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-scale)))
    if flink_type == "TIMESTAMP(3)":  # the cast pads the fraction to the type's precision
        return dt.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if flink_type == "TIMESTAMP_LTZ(3)":
        assert zone == "UTC", f"the bronze job renders a TIMESTAMP_LTZ in the JVM's time zone ({zone})"
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    raise AssertionError(f"flink_text: no rendering of {flink_type} yet")


def ltz_json(at: dt.datetime) -> str:
    """A TIMESTAMP_LTZ as Flink's `json` format writes it: UTC, the fraction without trailing zeros, `Z`."""
    fraction = f"{at.microsecond:06d}".rstrip("0")
    return at.strftime("%Y-%m-%d %H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def rendered(sink: Sink, name: str, expression: str, image: dict[str, Any]) -> Any:
    """A payload column's value as the job's expression makes it: a Debezium temporal's text (REPLACE), else a
    CAST to STRING of the source column (a CDC table's `after`, a delete's `before`)."""
    cdc = re.fullmatch(r"CAST\(COALESCE\(`after`\.`(\w+)`, `before`\.`\w+`\) AS STRING\)", expression)
    temporal = re.fullmatch(r"REPLACE\(REPLACE\(COALESCE\(`after`\.`(\w+)`, .*\), 'T', ' '\), 'Z', ''\)", expression)
    plain = re.fullmatch(r"CAST\(`(\w+)` AS STRING\)", expression)
    if temporal:
        raw = image.get(temporal[1])
        return None if raw is None else raw.replace("T", " ").replace("Z", "")
    found = cdc or plain
    assert found and found[1] == name, f"{name}: an expression this judge does not render: {expression}"
    return flink_text(image.get(name), sink.types[name], sink.zone)


def record(sink: Sink, image: dict[str, Any], op: str, offset: int, partition: int) -> str:
    """The relay record's JSON text of one source record (CDC partition and offset; its timestamp from them)."""
    at = T0 + dt.timedelta(milliseconds=offset * 100 + partition)  # whole seconds, .1, .2 ...: Flink trims zeros
    meta = {"_batch_id": f"kafka:{partition}:{offset:020d}", "_ingested_at": ltz_json(at), "_row": offset,
            "_op": "d" if op == "d" else "u"}  # fmt: skip
    value = {name: meta[name] if name in META else rendered(sink, name, expr, image) for name, expr in sink.columns}
    return json.dumps(value, separators=(",", ":"))


# ---------------------------------------------------------------- the change events and the reference


class Event(NamedTuple):
    op: str  # Debezium's: c, r, u, d
    image: dict[str, Any]  # `after`, a delete's `before`


def order(key: int, amount: str | None, status: str | None, at: str | None) -> dict[str, Any]:
    return {"order_id": key, "amount": amount, "status": status, "updated_at": at}


def order_rounds() -> list[list[Event]]:
    """Two rounds of order changes, each merged by one lake step run."""
    first = [
        Event("c", order(1, "10.50", "new", "2026-03-01T09:00:00.123456Z")),
        Event("c", order(2, "20.00", "new", "2026-03-01T09:00:01Z")),
        Event("u", order(1, "11.25", "paid", "2026-03-01T09:01:00Z")),
        Event("c", order(3, "5.00", "new", "2026-03-01T09:00:02Z")),
        Event("d", order(2, None, None, None)),  # the default replica identity: the key only
        Event("u", order(3, "-1.00", "new", "2026-03-01T09:02:00Z")),  # breaks the range: rejected
        Event("c", order(4, "3.00", "lost", "2026-03-01T09:00:03Z")),  # not an accepted value: rejected
        Event("u", order(1, "99.00", "paid", "2026-03-01T09:00:30Z")),  # older than silver's: ignored
        Event("r", order(5, "9999.99", "shipped", "2026-03-01T08:00:00Z")),
        Event("c", order(6, "0.01", None, "2026-03-01T09:00:00.000001Z")),
        Event("c", order(8, "1.00", "new", "2026-03-01T09:00:00Z")),
        Event("d", order(8, None, None, None)),  # deleted by the key alone, then made again in the same round
        Event("c", order(8, "2.00", "paid", "2026-03-01T09:20:00Z")),
        Event("c", order(9, "1.00", "new", "2026-03-01T09:00:00Z")),
        Event("u", order(9, "3.00", "paid", "2026-03-01T09:05:00Z")),
        Event("d", order(9, None, None, None)),  # deleted by the key alone after its update
    ]
    later = [
        Event("u", order(1, "12.00", "shipped", "2026-03-01T09:05:00Z")),
        Event("d", order(3, "5.00", "new", "2026-03-01T09:00:02Z")),  # a full `before`: the equal watermark deletes
        Event("c", order(2, "7.77", "paid", "2026-03-01T09:10:00Z")),  # made again after its delete
        Event("u", order(5, "1.00", "new", "2026-03-01T08:00:00Z")),  # the same watermark, later: replaces
        Event("u", order(6, "0.02", "paid", "2026-03-01T08:59:59Z")),  # older: ignored
        Event("u", order(7, None, None, "2026-03-01T09:00:00Z")),  # updated_at not null only
    ]
    return [first, later]


def click(key: int | None, page: str, at: str | None, seen: str | None = None) -> dict[str, Any]:
    return {"click_id": key, "page": page, "clicked_at": at, "seen_at": seen}


def click_rounds() -> list[list[Event]]:
    """The topic's records (`seen_at`: a TIMESTAMP_LTZ, an instant)."""
    first = [Event("c", click(1, "/a", "2026-03-01 09:00:00.5", "2026-03-01T09:00:00.250Z")),
             Event("c", click(1, "/a", "2026-03-01 09:00:00.5", "2026-03-01T09:00:00.250Z")),
             Event("c", click(2, "/b", None, "2026-03-01T23:59:59.999Z"))]  # fmt: skip
    return [first, [Event("c", click(3, "/c", "2026-03-01 09:00:01", "2026-03-01T20:00:00+05:30"))]]


def valid_order(e: Event) -> bool:
    """lake.json's rules of the orders (error severity): order_id and updated_at not null, amount 0..10000, status
    new/paid/shipped; a delete is never checked."""
    if e.op == "d":
        return True
    amount, status = e.image["amount"], e.image["status"]
    return (e.image["updated_at"] is not None and (amount is None or 0 <= Decimal(amount) <= 10000)
            and status in (None, "new", "paid", "shipped"))  # fmt: skip


def when(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", ""))


def silver_reference(rounds: list[list[Event]]) -> tuple[list[tuple[Any, ...]], int]:
    """(silver's rows, the rejected count): per key the latest valid event by watermark then arrival."""
    state: dict[int, Event] = {}
    for e in (e for r in rounds for e in r if valid_order(e)):
        held = state.get(e.image["order_id"])
        ours, theirs = when(e.image["updated_at"]), held and when(held.image["updated_at"])
        if held is None or ours is None or theirs is None or ours >= theirs:
            state[e.image["order_id"]] = e
    rows = sorted((k, e.image["amount"], e.image["status"], stamp(when(e.image["updated_at"])))
                  for k, e in state.items() if e.op != "d")  # fmt: skip
    return rows, sum(1 for r in rounds for e in r if not valid_order(e))


def stamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


# ---------------------------------------------------------------- the judge


def warehouse_rows(batch_python: Path, warehouse: Path, relation: str, home: Path) -> list[tuple[Any, ...]]:
    """silver's copy in the local warehouse (dbt's staging reads it), read with the project's DuckDB (the file's)."""
    code = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
sql = ("SELECT order_id, CAST(amount AS VARCHAR), status, strftime(updated_at, '%Y-%m-%d %H:%M:%S.%f') "
       f"FROM {sys.argv[2]} ORDER BY ALL")
print(json.dumps(con.execute(sql).fetchall()))
"""
    done = subprocess.run([str(batch_python), "-c", code, str(warehouse), relation], capture_output=True, text=True,
                          env=offline_env(home), timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return [tuple(r) for r in json.loads(done.stdout.strip().splitlines()[-1])]


def test_the_relay_lists_the_bronze_jobs_sink_columns_in_order(project: Path) -> None:
    """The loader's columns (delta_relays.json) are the bronze job's sink columns, in its order, and the lake step's
    bronze has them too (lake.json: the payload columns, then bronze's metadata columns)."""
    relays = {r["job"]: r for r in json.loads((project / "flink" / "delta_relays.json").read_text())["relays"]}
    lake = {t["name"]: t for t in json.loads((project / "pipeline" / "lake.json").read_text())["tables"]}
    for job, table in ((ORDERS, "shop__orders"), (CLICKS, "web__clicks")):
        names = [n for n, _ in sink_of(project, job).columns]
        assert [c["name"] for c in relays[job]["columns"]] == names, job
        assert names == [c["name"] for c in lake[table]["columns"]] + list(META), job
        assert relays[job]["table"] == table and lake[table]["stream"] is True


@pytest.mark.judge
def test_silver_over_the_loaders_bronze_equals_the_reference_from_the_change_events(
    batch_python: Path, lake_python: Path, kafka_broker: KafkaBroker, project: Path, tmp_path: Path
) -> None:
    orders, clicks = sink_of(project, ORDERS), sink_of(project, CLICKS)
    rounds: list[dict[str, list[dict[str, Any]]]] = []
    offsets = {0: 0, 1: 0}  # the CDC topic's next offset per partition (a key's partition: its parity)
    for number, (changes, topic) in enumerate(zip(order_rounds(), click_rounds(), strict=True)):
        ours, theirs = [], []
        for e in changes:
            part = e.image["order_id"] % 2
            # the job's `fixed` partitioner: a source partition (one subtask's) in one relay partition, here the other
            ours.append({"partition": 1 - part, "value": record(orders, e.image, e.op, offsets[part], part)})
            offsets[part] += 1
        for i, e in enumerate(topic):  # the topic's partition 0, in relay partition 1
            theirs.append({"partition": 1, "value": record(clicks, e.image, e.op, 10 * number + i, 0)})
        rounds.append({ORDERS: ours, CLICKS: theirs})
    records = tmp_path / "records.json"
    records.write_text(json.dumps({"rounds": rounds}))
    lake, home = tmp_path / "lake", tmp_path / "home"
    env = {**offline_env(home), "PIPEGEN_LAKE_ROOT": str(lake), "PIPEGEN_WAREHOUSE": str(tmp_path / "wh.duckdb")}
    argv = [str(batch_python), str(PROBE), kafka_broker.bootstrap, str(project), str(records), ZONE]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(done.stdout.strip().splitlines()[-1])["runs"]
    assert [(r["job"], r["code"]) for r in runs] == [("lake", 0), *([(ORDERS, 0), (CLICKS, 0), ("lake", 0)] * 2)], runs

    layers = lake / "shop_lake"
    want, rejected = silver_reference(order_rounds())
    at = "strftime(updated_at, '%Y-%m-%d %H:%M:%S.%f')"
    got = delta_rows(lake_python, layers / "silver" / "shop__orders", home,
                     f"order_id, CAST(amount AS VARCHAR), status, {at}")  # fmt: skip
    assert got == want
    schema = json.loads((project / "pipeline" / "lake.json").read_text())["tables"][0]["warehouse_schema"]
    assert warehouse_rows(batch_python, tmp_path / "wh.duckdb", f"{schema}.shop__orders", home) == want  # dbt's source
    (count,) = delta_rows(lake_python, layers / "silver" / "shop__orders__rejected", home, "count(*)")
    assert count == (rejected,)
    bronze = delta_rows(lake_python, layers / "bronze" / "shop__orders", home, "_batch_id")
    assert len(bronze) == sum(len(r) for r in order_rounds()) == len(set(bronze))  # each event once
    # silver's state: per partition the highest offset it took, not one id per event
    state = json.loads((layers / "silver" / "_pipegen_state.json").read_text())
    marks = {str(p): f"{n - 1:020d}" for p, n in offsets.items()}
    assert state[ORDERS.removesuffix("__bronze")] == {"marks": marks, "batches": []}
    assert state[CLICKS.removesuffix("__bronze")] == {"marks": {"0": f"{10 + len(click_rounds()[1]) - 1:020d}"},
                                                      "batches": []}  # fmt: skip

    # an older lake step's state, every id taken in a list, is read as the same batches and saved as marks
    clicked = [r[0] for r in delta_rows(lake_python, layers / "bronze" / "web__clicks", home, "_batch_id")]
    stale = {**state, "shop__orders": [r[0] for r in bronze], "web__clicks": clicked}
    (layers / "silver" / "_pipegen_state.json").write_text(json.dumps(stale))
    argv = [str(batch_python), "-m", "pipeline.lake", "silver"]
    again = subprocess.run(argv, cwd=project, capture_output=True, text=True, env={**env, "TZ": ZONE}, timeout=300,
                           check=False)  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads((layers / "silver" / "_pipegen_state.json").read_text()) == state
    assert delta_rows(lake_python, layers / "silver" / "shop__orders", home, "count(*)") == [(len(want),)]
    (count,) = delta_rows(lake_python, layers / "silver" / "shop__orders__rejected", home, "count(*)")
    assert count == (rejected,)  # no event taken twice

    kept = [e.image for r in click_rounds() for e in r if e.image["clicked_at"] is not None]
    want_clicks = sorted((c["click_id"], c["page"], stamp(dt.datetime.fromisoformat(c["clicked_at"])),
                          stamp(dt.datetime.fromisoformat(c["seen_at"]).astimezone(dt.UTC))) for c in kept)  # fmt: skip
    got_clicks = delta_rows(lake_python, layers / "silver" / "web__clicks", home,  # DuckDB's session: UTC
                            "click_id, page, strftime(clicked_at, '%Y-%m-%d %H:%M:%S.%f'), "
                            "strftime(seen_at, '%Y-%m-%d %H:%M:%S.%f')")  # fmt: skip
    assert got_clicks == want_clicks
