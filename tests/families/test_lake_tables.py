"""The lakehouse family's judge: the generated lake job (pipeline/lake.py) runs in the `lake`
judge environment over synthetic raw batches with duplicates, late updates, late (older)
rows, deletes and rows that break a rule or do not cast, on Delta (deltalake) and on Iceberg
(pyiceberg, SQL catalog in a SQLite file); DuckDB's delta_scan / iceberg_scan reads every
table back (tests/families/lake_driver.py). The expected tables are computed here in plain
Python from the same batches, never from the generated code: silver holds one row per key,
the latest by watermark then arrival, deletes applied, bad rows rejected; bronze holds every
landed row once (a re-run lands nothing); time travel reads the first version; maintenance
keeps the rows, and with the retention past, vacuum (Delta) removes the old files so the old
version is gone, snapshot expiry (Iceberg) drops the old snapshots."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import generate
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("lake_driver.py")
SPEC = """\
version: 1
pipeline: {{name: lake_judge}}
latency: 1h
quality: {{on_failure: quarantine}}
sources:
  - name: shop
    type: faker
    ingestion: batch
    tables:
      - name: orders
        primary_key: order_id
        watermark: updated_at
        synthetic: {{rows: 10}}
        columns:
          - {{name: order_id, type: bigint, not_null: true}}
          - {{name: customer, type: string}}
          - {{name: amount, type: "decimal(10,2)", range: {{min: 0, severity: error}}}}
          - {{name: updated_at, type: timestamp, not_null: true}}
targets:
  - name: lake
    type: {fmt}
    connection: {{bucket: lake}}
    layers:
      bronze: {{bucket: raw}}
      silver: {{bucket: curated}}
      gold: {{bucket: serving}}
    lake: {{time_travel: 1h, retention: 1h}}
"""
COLUMNS = ("order_id", "customer", "amount", "updated_at")


def ts(minute: int) -> str:
    return f"2026-01-01 00:{minute:02d}:00"


def scenario(seed: int = 7) -> list[list[list[dict[str, object]]]]:
    """Three steps of landed batches (each step one job run): inserts with in-batch
    duplicates, then updates, late older rows, deletes, a negative amount and an amount that
    is not a number, then a second wave in two batches of one step."""
    rnd = random.Random(seed)

    def row(key: int, minute: int, op: str = "u", amount: object = None) -> dict[str, object]:
        value = amount if amount is not None else f"{rnd.randint(1, 9999) / 100:.2f}"
        return {"order_id": key, "customer": f"c{rnd.randint(1, 5)}", "amount": value, "updated_at": ts(minute),
                "_op": op}  # fmt: skip

    step0 = [[row(k, 1) for k in range(1, 21)] + [row(3, 2), row(3, 1)]]
    batch1 = [row(k, 10) for k in range(1, 8)]  # updates
    batch1 += [row(8, 0), row(9, 0)]  # late rows older than silver's: ignored
    batch1 += [row(10, 11, "d"), row(11, 11, "d")]  # deletes
    batch1 += [row(12, 12, amount="-5.00"), row(13, 12, amount="lots")]  # rejected: range, cast
    step1 = [batch1]
    step2 = [[row(2, 20), row(14, 20, "d"), row(21, 20)], [row(2, 21), row(21, 19), row(22, 5)]]
    return [step0, step1, step2]


def bad(r: dict[str, object]) -> bool:
    if r["_op"] == "d":
        return False
    try:
        return float(str(r["amount"])) < 0
    except ValueError:
        return True


# GX quarantines these keys from silver's warehouse copy after step 1's lake run (the driver runs the
# generated move): 4 gets no later row, so it stays out; 2 gets newer rows in step 2 (fixed at the source)
QUARANTINE: dict[str, Any] = {"after_step": 1, "keys": [2, 4]}
# the steps whose changes a run with another warehouse file merges first: the project's copy is then
# made from an older silver version than the one before the step's own run
ELSEWHERE = [3]


def expected_silver(steps: list[list[list[dict[str, object]]]], held: dict[str, Any] | None = None) -> list[list[str]]:
    """Per key, the latest valid row by (updated_at, arrival); absent when that is a delete, or
    when GX quarantined the key (`held`) and no row of it arrived since (then the next one is in)."""
    latest: dict[object, tuple[tuple[str, int], dict[str, object]]] = {}
    arrival = 0
    for i, batches in enumerate(steps):
        if held and i == held["after_step"] + 1:  # the next lake run deletes them first
            for key in held["keys"]:
                latest.pop(key, None)
        for batch in batches:
            for r in batch:
                arrival += 1
                if bad(r):
                    continue
                rank = (str(r["updated_at"]), arrival)
                if r["order_id"] not in latest or rank >= latest[r["order_id"]][0]:
                    latest[r["order_id"]] = (rank, r)
    rows = [r for _, r in latest.values() if r["_op"] != "d"]
    return sorted([[str(r[c]) for c in COLUMNS] for r in rows], key=lambda r: int(r[0]))


def normalized(rows: list[list[object]]) -> list[list[str]]:
    """DuckDB's values as the raw text: timestamps without a T, decimals with two places."""
    return sorted([[str(v) for v in r] for r in rows], key=lambda r: int(r[0]))


@pytest.mark.judge
@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_the_lake_job_builds_bronze_and_silver_read_back_by_duckdb(fmt: str, tmp_path: Path, lake_python: Path) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(SPEC.format(fmt=fmt))
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    # then a step of new keys only: appended, no key range rewritten (Iceberg's merge)
    new_keys = [{"order_id": k, "customer": "c1", "amount": "1.00", "updated_at": ts(30), "_op": "u"} for k in (30, 31)]
    steps = [*scenario(), [new_keys]]
    # the landed files' names become bronze's `_batch_id` values; one is SQL-hostile (quotes, a
    # statement, a comment), which must reach bronze as data
    names = [[f"step{i}_batch{b}" for b in range(len(batches))] for i, batches in enumerate(steps)]
    names[2][-1] += " o'k\"); DROP TABLE batch; --"
    # step 3's changes are merged by a run with another warehouse file first (ELSEWHERE)
    scenario_ = {"steps": steps, "names": names, "quarantine": QUARANTINE, "elsewhere": ELSEWHERE}
    (tmp_path / "scenario.json").write_text(json.dumps(scenario_))
    run = subprocess.run(
        [str(lake_python), str(DRIVER), str(project), str(tmp_path / "scenario.json")],
        capture_output=True, text=True, timeout=600, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)

    # layers in their own buckets (local directories)
    assert got["layers"] == {"bronze": "raw/bronze", "silver": "curated/silver", "gold": "serving/gold"}
    assert {d.split("/")[0] for d in got["lake_dirs"]} >= {"raw", "curated"}
    # silver after each step equals the reference over the batches landed so far
    for i, step in enumerate(got["steps"]):
        assert normalized(step["silver"]) == expected_silver(steps[: i + 1], QUARANTINE), f"silver after step {i}"
        # ... and so does its copy in the warehouse, where dbt's staging reads silver (lake_silver.<table>)
        copy = step["warehouse_silver"]
        assert normalized(copy["rows"]) == expected_silver(steps[: i + 1], QUARANTINE), f"warehouse silver after {i}"
        assert copy["meta"] == [["silver.shop__orders", "TIMESTAMP WITH TIME ZONE", True]], copy["meta"]
        # ... which is silver as DuckDB's delta_scan / iceberg_scan reads it back, row for row
        assert copy["rows"] == step["silver"], f"warehouse silver after {i} is not silver"
    # the copy was made from silver's changes (the merges' own batches, replayed on an empty table the
    # first time) while it held the version silver had before the run; when another run had changed
    # silver since the copy was made (ELSEWHERE: the copy records the version it was made from) it was
    # copied whole, and the types are the same either way
    assert [s["copy"]["copy"] for s in got["steps"]] == ["changes", "changes", "changes", "whole"], got["steps"]
    assert got["steps"][1]["copy"]["rows"] < len(got["steps"][1]["silver"]), got["steps"][1]["copy"]
    assert all(s["warehouse_silver"]["types"] == got["steps"][-1]["warehouse_silver"]["types"] for s in got["steps"])
    # GX's quarantine (on_failure: quarantine) moved keys 2 and 4 from silver's copy to the table lake.json
    # names (gx/checks.json's, from the same naming layer); the next lake run deleted them from silver
    # itself before its merge, so the copy (dbt's source, hence gold) did not get them back: 4 stays out,
    # 2 is in again with the newer row that arrived; the quarantine table keeps both rows, once each
    moved = got["quarantine"]
    assert moved["lake_json"] == moved["checks_json"] and moved["moved"] == 2, moved
    assert moved["source"] == {"schema": "lake_judge_silver", "table": "shop__orders"}
    assert normalized(moved["copy_after_move"]["rows"]) == [
        r for r in expected_silver(steps[:2]) if r[0] not in {"2", "4"}]  # fmt: skip
    assert [s["job"].get("quarantined", 0) for s in got["steps"]] == [0, 0, 2, 0]
    assert "4" not in {r[0] for r in normalized(got["steps"][-1]["warehouse_silver"]["rows"])}
    fixed = [r for r in normalized(got["steps"][2]["silver"]) if r[0] == "2"]
    assert len(fixed) == 1 and fixed[0][3] == ts(21), fixed
    assert moved["rows_at_end"] == [[2, "judge-run"], [4, "judge-run"]]
    final = expected_silver(steps, QUARANTINE)
    assert len({r[0] for r in final}) == len(final) and len(final) >= 15  # one row per key, judged something
    # bronze keeps every landed row exactly once, deletes and rejected rows included
    landed = [r for batches in steps for batch in batches for r in batch]
    assert len(got["bronze"]) == len(landed)
    assert sorted(r[4] for r in got["bronze"]) == sorted(str(r["_op"]) for r in landed)
    assert sorted(r[5] for r in got["bronze"]) == sorted(
        f"file:{name}.parquet" for names_, batches in zip(names, steps, strict=True)
        for name, batch in zip(names_, batches, strict=True) for _ in batch)  # fmt: skip
    # the local run's summary lists bronze and silver under the lake's names, rows counted from the tables
    summary = {r["table"]: r for r in got["summary"]}
    assert {t: r["rows"] for t, r in summary.items()} == got["read_back"] == {
        "bronze.shop__orders": len(landed), "silver.shop__orders": len(final)}  # fmt: skip
    assert {r["where"] for r in summary.values()} == {
        "lake/raw/bronze/shop__orders",
        "lake/curated/silver/shop__orders",
    }
    assert {r["spec_path"] for r in summary.values()} == {"sources[0].tables[0]"}
    # the re-run with nothing new wrote no silver version
    assert got["rerun_silver_versions"] == got["steps"][-1]["silver_versions"]
    # rows breaking the error rule or not casting are rejected, with the reason
    rejected = {int(r[0]): r[1] for r in got["rejected"]}
    assert set(rejected) == {12, 13}
    assert "range" in rejected[12] and "not a DECIMAL" in rejected[13]
    # ... and the local run's results list the rejected table with its rows and the spec paths of
    # what rejected them (amount is the spec's columns[2]: its range rule, its decimal type)
    range_rule, amount_type = "sources[0].tables[0].columns[2].range", "sources[0].tables[0].columns[2].type"
    listed = {r["table"]: r for r in got["run_results"]}
    assert listed["silver.shop__orders__rejected"] == {
        "table": "silver.shop__orders__rejected", "where": "lake/curated/silver/shop__orders__rejected", "rows": 2,
        "spec_path": f"{range_rule}, {amount_type}"}  # fmt: skip
    assert got["run_failures"] == [
        {"step": "lake", "severity": "warning", "message": f"silver.shop__orders__rejected: 1 row(s) rejected "
         f"(pipegen.yaml {path})"} for path in (range_rule, amount_type)]  # fmt: skip
    assert {"bronze.shop__orders", "silver.shop__orders"} <= set(listed)
    # those counts read the tables without the catalog: no SQLAlchemy import in a reader (lake.py's `current`)
    assert got["reader_loaded_sqlalchemy"] is False
    # ... nor their rows: the same counts with the job's row reads disabled (metadata: Parquet footers, manifests)
    assert got["counted_without_reading"] == got["summary"]
    # time travel: the first version is still readable and is step 0's silver
    assert normalized(got["time_travel"]) == expected_silver(steps[:1])
    # maintenance keeps the rows; past the retention the old version is gone
    assert normalized(got["silver_after_maintenance"]) == final
    assert got["time_travel_after_vacuum"].startswith("gone")
    if fmt == "delta":
        assert got["files_after"] < got["files_before"], (got["files_before"], got["files_after"])
    else:
        assert len(got["versions_after"]) < len(got["steps"][-1]["silver_versions"])


@pytest.mark.judge
@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_a_table_nothing_landed_for_still_has_its_empty_bronze_and_silver(
    fmt: str, tmp_path: Path, lake_python: Path
) -> None:
    # the long run's class 31 (docs/corpus.md): a source filter that keeps no row landed an empty
    # raw table, and the lake job then wrote no bronze or silver table for it, which lake.json names
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(SPEC.format(fmt=fmt))
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    run = subprocess.run(
        [str(lake_python), str(DRIVER), str(project), "--empty"],
        capture_output=True, text=True, timeout=600, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)
    assert set(got) == {"bronze.shop__orders", "silver.shop__orders"}
    for name, (columns, rows) in got.items():
        assert rows == 0, name
        assert set(COLUMNS) <= set(columns), (name, columns)
    assert {"_batch_id", "_ingested_at", "_op"} <= set(got["bronze.shop__orders"][0])
