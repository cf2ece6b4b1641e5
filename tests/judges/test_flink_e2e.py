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

The project, its change events and the live run are tests/judges/ecommerce_stream.py's, shared with
the replay judge (tests/judges/test_flink_replay.py): one generation and one JVM per session.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.judges.ecommerce_stream import LIVE, ROWS, shared_run
from tests.judges.stream_reference import FLOATING, comparable

JOBS = LIVE


@pytest.fixture(scope="module")
def e2e(flink_shared: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, list]], Path]:
    """The live run of every job over the change events (tests/judges/ecommerce_stream.py: shared
    with the replay judge, made once per session), beside the DuckDB reference (flink_e2e_driver.py),
    and the change files; "run": when the live run started and ended."""
    shared = shared_run(flink_shared, tmp_path_factory)
    return shared["e2e"], Path(shared["cdc"])


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
