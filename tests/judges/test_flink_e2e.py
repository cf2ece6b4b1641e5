"""End to end, locally: seeded synthetic Debezium change events (inserts, updates, deletes) ->
the e-commerce example's generated Flink jobs in PyFlink's mini-cluster (pipeline/stream.py,
sources swapped to files, lookups as event-time temporal joins) -> results in DuckDB, equal to a
DuckDB reference over the final table state for the per-minute GMV (tumble), the top categories
(hop + window top-N over the product lookup) and the user sessions (session windows), and over
every order as first written for the suspicious orders (the user's average over their previous
100 orders, the filter, the computed columns; `alert_time`, CURRENT_TIMESTAMP, is checked to be a
time within the run).

Exact match, except the double columns (stream_reference.FLOATING): Flink's AVG of DECIMAL(10, 2)
is DECIMAL(38, 6), DuckDB's a double, and sums of doubles may run in another order: to 1e-6.
Sessions follow Flink's semantics (tests/judges/stream_reference.py): a session window spans
every order image the filtered stream added (an update that un-deletes an order adds it), never
shrinks when one is deleted, and orders exactly one gap apart share a session.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO, generate
from tests.judges import offline_env
from tests.judges.stream_reference import FLOATING, comparable

DRIVER = Path(__file__).with_name("flink_e2e_driver.py")
JOBS = ("gmv_per_minute", "category_top_sales", "user_sessions", "suspicious_orders")
ROWS = 300


def _run(python: Path, args: list[str], cwd: Path, home: Path) -> str:
    proc = subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, env=offline_env(home), timeout=900, check=False
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def e2e(flink_python: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, list]], Path]:
    tmp = tmp_path_factory.mktemp("flink_e2e")
    project = tmp / "project"
    code, output = generate(REPO / "specs" / "ecommerce_realtime.yaml", project)
    assert code == 0, output
    cdc = tmp / "cdc"
    home = tmp / "home"
    _run(flink_python, ["-m", "pipeline.change_events", "--rows", str(ROWS), "--out", str(cdc)], project, home)
    jobs = [arg for job in JOBS for arg in ("--job", f"ecommerce_realtime__{job}")]
    started = datetime.now(UTC).replace(tzinfo=None)  # the session time zone is the machine's: UTC here
    _run(flink_python, ["-m", "pipeline.stream", "--data", str(cdc), *jobs], project, home)
    ended = datetime.now(UTC).replace(tzinfo=None)
    out = _run(flink_python, [str(DRIVER), str(project), str(cdc)], project, home)
    results = json.loads(out.strip().splitlines()[-1])
    results["run"] = {"started": started.isoformat(sep=" "), "ended": ended.isoformat(sep=" ")}
    return results, cdc


def test_the_change_events_include_updates_and_deletes(e2e: tuple[dict[str, dict[str, list]], Path]) -> None:
    _, cdc = e2e
    lines = (cdc / "ecommerce_realtime.shop.orders" / "part-0.json").read_text().splitlines()
    ops = Counter(json.loads(line)["op"] for line in lines)
    assert ops["c"] == ROWS and ops["u"] > 0 and ops["d"] > 0


def test_some_update_brings_a_filtered_out_order_into_the_stream(e2e: tuple[dict[str, dict[str, list]], Path]) -> None:
    """The case user_sessions' reference must follow (an un-deleted order joins a session at its
    update, not at its insert, which the extraction filter `is_deleted = 0` drops) occurs in the data."""
    _, cdc = e2e
    lines = (cdc / "ecommerce_realtime.shop.orders" / "part-0.json").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert any(e["op"] == "u" and e["before"]["is_deleted"] == 1 and e["after"]["is_deleted"] == 0 for e in events)


@pytest.mark.parametrize("job", JOBS)
def test_flink_results_equal_the_duckdb_reference_over_the_final_state(
    job: str, e2e: tuple[dict[str, dict[str, list]], Path]
) -> None:
    result = e2e[0][job]
    tolerant = {i for i, column in enumerate(result["columns"]) if column in FLOATING}
    want = comparable(result["want"], tolerant)
    assert want, "the reference is empty: the test would prove nothing"
    assert comparable(result["got"], tolerant) == want


def test_suspicious_orders_cover_both_reasons_and_first_orders(e2e: tuple[dict[str, dict[str, list]], Path]) -> None:
    """The reference is not vacuous: both branches of the filter, and first orders (no average)."""
    result = e2e[0]["suspicious_orders"]
    reason, average = result["columns"].index("alert_reason"), result["columns"].index("user_avg_spending")
    assert {row[reason] for row in result["want"]} == {"amount above 5x the user average", "unusual quantity"}
    assert any(row[average] is None for row in result["want"])


def test_suspicious_orders_alert_time_is_a_time_within_the_run(e2e: tuple[dict[str, dict[str, list]], Path]) -> None:
    results = e2e[0]
    times = [datetime.fromisoformat(t) for t in results["suspicious_orders"]["apart"]["alert_time"]]
    assert len(times) == len(results["suspicious_orders"]["got"])
    started, ended = (datetime.fromisoformat(results["run"][k]) for k in ("started", "ended"))
    slack = timedelta(seconds=1)  # CURRENT_TIMESTAMP has millisecond precision
    assert all(started - slack <= t <= ended + slack for t in times), (min(times), max(times), started, ended)
