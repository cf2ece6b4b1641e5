"""Dead-letter reprocessing RUNS (`python -m pipeline.dead_letters`, the batch judge env): dead
letters a real local load rejected are re-validated against the table's contract, the ones that
pass now are loaded into their table and leave the dead-letter table, the rest stay with their
reason, and a second replay changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SPECS
from tests.generators.test_ingestion_runs import ORDERS_DDL, ingest, orders, query, run, sqlite_table, write_project

# A record fixed by hand the way an operator would (the source sent no key; the key is found and
# written into the held record), and one fixed with a key that has landed since.
FIX = """
import duckdb, json, sys
from pipeline import dead_letters
con = duckdb.connect("warehouse.duckdb")
held = con.execute("select _record_hash, record from raw_shop.orders__dead_letter order by record").fetchall()
for (h, record), key in zip(held, (10, 2)):
    fixed = dict(json.loads(record), order_id=key)
    con.execute("update raw_shop.orders__dead_letter set record = ? where _record_hash = ?", [json.dumps(fixed), h])
con.close()
sys.exit(dead_letters.main(["--local"]))
"""
REPLAY = "import sys; from pipeline import dead_letters; sys.exit(dead_letters.main(['--local', '--replay']))"
LANDED = "key already landed (a newer version of the row)"


def summary(stdout: str) -> dict[str, dict[str, object]]:
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def test_dead_letters_that_pass_the_contract_now_are_replayed_once_and_the_rest_stay(tmp_path: Path) -> None:
    project = write_project(SPECS / "hello.yaml", tmp_path / "p")
    rejected = [(None, 7, "placed", 2.0, "2024-01-01 05:00:00"), (None, 8, "shipped", 3.0, "2024-01-01 06:00:00")]
    sqlite_table(project / "data" / "shop.sqlite", ORDERS_DDL, [*orders(3), *rejected], "orders")
    assert ingest(project).returncode == 0
    assert "dead-letters-replay:" in (project / "pipegen.mk").read_text()

    dry = run(project, "-c", FIX)
    assert dry.returncode == 0, dry.stderr
    assert summary(dry.stdout) == {
        "raw_shop.orders": {"held": 2, "passing": 1, "replayed": 0, "left": 2, "reasons": {LANDED: 1}}
    }
    assert "raw_shop.orders: 2 held, would replay 1, 2 left" in dry.stdout

    replay = run(project, "-m", "pipeline.dead_letters", "--local", "--replay")
    assert replay.returncode == 0, replay.stderr
    assert summary(replay.stdout)["raw_shop.orders"] == {
        "held": 2, "passing": 1, "replayed": 1, "left": 1, "reasons": {LANDED: 1}
    }  # fmt: skip

    again = run(project, "-c", REPLAY)
    assert again.returncode == 0, again.stderr
    assert summary(again.stdout)["raw_shop.orders"]["replayed"] == 0
    landed = query(project, "select order_id, customer_id, status, amount, updated_at from raw_shop.orders order by 1")
    assert landed == [
        [1, 101, "placed", "1.25", "2024-01-01 01:00:00"],
        [2, 102, "placed", "2.50", "2024-01-01 02:00:00"],  # not overwritten by the held record with key 2
        [3, 103, "placed", "3.75", "2024-01-01 03:00:00"],
        [10, 7, "placed", "2.00", "2024-01-01 05:00:00"],  # the replayed record, once
    ]
    left = query(project, "select reason, record from raw_shop.orders__dead_letter")
    assert [(r, json.loads(rec)["order_id"]) for r, rec in left] == [("primary key order_id is null", 2)]
    loads = query(project, "select load_id from raw_shop._dlt_loads order by 1")
    assert query(project, "select _batch_id from raw_shop.orders where order_id = 10") == [loads[-1]]
