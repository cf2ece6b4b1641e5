"""The serving family's judge: a Lambda project's generated `pipeline.serving` merges the batch
layer (events landed in the warehouse) and the speed layer (the stream job's results) without
counting an event twice. The scenario: every event reaches the speed layer; the batch layer has
landed the first part of them (so those events are in both layers), then catches up, with one
late event the speed layer never saw. The expected windows are computed here in plain Python
from the events (never from the generated SQL): before and after the catch-up, every event is
counted exactly once, each window from one layer, the batch layer serving every window that
ends at or before its high-water mark."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import generate
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("serving_driver.py")
SPEC = """\
version: 1
pipeline: {name: lambda_judge}
latency: 1m
architecture: lambda
sources:
  - name: web
    type: kafka
    ingestion: stream
    connection: {bootstrap_servers: "broker:9092"}
    topics:
      - name: clicks
        event_time: clicked_at
        columns:
          - {name: user_id, type: int, not_null: true}
          - {name: amount, type: int}
          - {name: clicked_at, type: timestamp, not_null: true}
  - name: crm
    type: postgres
    ingestion: batch
    connection: {host: db, database: crm, user: reader, password: "${secret:CRM_PASSWORD}"}
    tables:
      - name: users
        primary_key: user_id
        watermark: updated_at
        columns:
          - {name: user_id, type: int, not_null: true}
          - {name: country, type: string}
          - {name: updated_at, type: timestamp}
transforms:
  streams:
    - name: clicks_per_country
      from: clicks
      joins: [{table: users, on: user_id, type: lookup}]
      window: {type: tumble, size: 1m}
      group_by: [country]
      measures:
        - {name: clicks, agg: count}
        - {name: spent, agg: sum, column: amount}
targets:
  - name: serving
    type: postgres
    connection: {host: pg, database: analytics, user: writer, password: "${secret:PG_PASSWORD}"}
"""
USERS = {1: "cz", 2: "cz", 3: "de", 4: "at"}
T0 = datetime(2026, 1, 1, 10, 0, 0)


def events() -> list[tuple[int, int, datetime]]:
    """(user, amount, time) every 7 seconds for five minutes."""
    return [(1 + i % 4, i, T0 + timedelta(seconds=7 * i)) for i in range(43)]


def windows(evs: list[tuple[int, int, datetime]]) -> dict[tuple[str, str], list[int]]:
    """The stream job by hand: tumbling minutes per country -> [count, sum]."""
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for user, amount, at in evs:
        start = at.replace(second=0)
        cell = out[(str(start), USERS[user])]
        cell[0] += 1
        cell[1] += amount
    return dict(out)


def phase(batch_events: list[tuple[int, int, datetime]], speed_events: list[tuple[int, int, datetime]]) -> dict:
    speed_rows = [
        [start, str(datetime.fromisoformat(start) + timedelta(minutes=1)), country, n, s]
        for (start, country), (n, s) in sorted(windows(speed_events).items())
    ]
    return {
        "table": "clicks_per_country",
        "batch": {
            "raw_web.clicks": {
                "columns": [["user_id", "INTEGER"], ["amount", "INTEGER"], ["clicked_at", "TIMESTAMP"]],
                "rows": [[u, a, str(t)] for u, a, t in batch_events],
            },
            "raw_crm.users": {
                "columns": [["user_id", "INTEGER"], ["country", "VARCHAR"], ["updated_at", "TIMESTAMP"]],
                "rows": [[u, c, str(T0)] for u, c in USERS.items()],
            },
        },
        "speed": {
            "results.clicks_per_country": {
                "columns": [
                    ["window_start", "TIMESTAMP(3)"],
                    ["window_end", "TIMESTAMP(3)"],
                    ["country", "VARCHAR"],
                    ["clicks", "BIGINT"],
                    ["spent", "BIGINT"],
                ],
                "rows": speed_rows,
            }
        },
    }


SUMMARY: list[dict] = []  # the local run's summary of the serving views, after each serve()


def serve(project: Path, tmp_path: Path, python: Path, data: dict) -> list[dict]:
    path = tmp_path / "phase.json"
    path.write_text(json.dumps(data))
    run = subprocess.run(
        [str(python), str(DRIVER), str(project), str(path)],
        capture_output=True, text=True, timeout=300, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)
    SUMMARY[:] = got["summary"]
    return [dict(zip(got["columns"], r, strict=True)) for r in got["rows"]]


def as_windows(rows: list[dict]) -> dict[tuple[str, str], list[int]]:
    out = {(str(r["window_start"]), r["country"]): [int(r["clicks"]), int(r["spent"])] for r in rows}
    assert len(out) == len(rows), "a window served twice"
    return out


@pytest.mark.judge
def test_an_event_in_both_layers_is_counted_once_before_and_after_the_batch_catches_up(
    tmp_path: Path, lake_python: Path
) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(SPEC)
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    assert json.loads((project / "pipeline" / "serving.json").read_text())["not_served"] == []
    evs = events()
    landed = [e for e in evs if e[2] < T0 + timedelta(minutes=2, seconds=30)]  # in both layers
    mark = max(t for _, _, t in landed)

    before = serve(project, tmp_path, lake_python, phase(landed, evs))
    assert as_windows(before) == windows(evs)
    assert sum(r["clicks"] for r in before) == len(evs)  # every event once
    for r in before:
        ends = datetime.fromisoformat(str(r["window_end"]))
        assert r["_layer"] == ("batch" if ends <= mark else "speed"), r
    assert {r["_layer"] for r in before} == {"batch", "speed"}  # judged both layers

    late = (3, 1000, T0 + timedelta(seconds=30))  # reached only the batch layer
    after = serve(project, tmp_path, lake_python, phase([*evs, late], evs))
    assert as_windows(after) == windows([*evs, late])
    assert sum(r["clicks"] for r in after) == len(evs) + 1
    last_end = max(datetime.fromisoformat(str(r["window_end"])) for r in after)
    assert {r["_layer"] for r in after if datetime.fromisoformat(str(r["window_end"])) < last_end} == {"batch"}
    # the local run's summary lists the serving view under the stream job's sink name, its rows counted
    table = json.loads((project / "pipeline" / "serving.json").read_text())["jobs"][0]["table"]
    expected = {"table": f"serving.{table}", "where": "warehouse.duckdb", "spec_path": "transforms.streams[0]"}
    assert [{**expected, "rows": len(after)}] == SUMMARY
