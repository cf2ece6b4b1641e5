"""Runs inside the `lake` judge environment, after a local run of tests/judges/flink_lake_bronze.yaml
(tests/families/test_lake_stream_bronze.py): reads the change events the stream step ran over
(data/cdc/<topic>/part-*.json, Debezium envelopes) and computes, in plain Python and independently
of the generated code, what silver and gold must hold; reads every lake target's bronze, silver,
silver's rejected rows and gold back with DuckDB's delta_scan / iceberg_scan. Prints JSON.

    python lake_stream_driver.py PROJECT

The reference follows the spec (the table's key `order_id` and watermark `updated_at`; its
error-severity rules not_null order_id and updated_at, range amount 0..10000, accepted_values status)
and docs/families.md (lakehouse): per key the latest valid event by watermark, then arrival (the
log's order), absent when that is a delete; an event breaking a rule is rejected. Gold is the mart
`orders_by_status` over that: orders (count of order_id) and amount (sum) per status. The clicks (a
Kafka topic, no key): silver appends every record once."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from lake_driver import Reader

TOPIC = "stream_lake.shop.orders"
TABLE = "shop__orders"
CLICKS_TOPIC, CLICKS = "stream_lake.web.clicks", "web__clicks"  # a Kafka topic's records: no key, appended
MART = "orders_by_status"
STATUSES = {"new", "paid", "shipped"}
CENT = Decimal("0.01")
LAYERS = (("bronze", TABLE), ("silver", TABLE), ("gold", MART))


def events(project: Path, topic: str = TOPIC) -> list[dict[str, Any]]:
    """The envelopes (records) in the log's order (part files in name order, lines in order)."""
    out = []
    for part in sorted((project / "data" / "cdc" / topic).glob("part-*.json")):
        out += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def when(text: Any) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(str(text).replace("T", " ").rstrip("Z"))


def money(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(CENT))


def valid(op: str, image: dict[str, Any]) -> bool:
    if op == "d":
        return True
    amount = None if image.get("amount") is None else Decimal(str(image["amount"]))
    return (
        image.get("order_id") is not None
        and image.get("updated_at") is not None
        and (amount is None or Decimal(0) <= amount <= Decimal(10000))
        and (image.get("status") is None or image["status"] in STATUSES)
    )


def reference(log: list[dict[str, Any]]) -> dict[str, Any]:
    latest: dict[int, tuple[tuple[dt.datetime, int], str, dict[str, Any]]] = {}
    rejected = 0
    for position, event in enumerate(log):
        op, image = event["op"], event["after"] if event["after"] is not None else event["before"]
        if op not in ("c", "r", "u", "d"):
            continue
        if not valid(op, image):
            rejected += 1
            continue
        rank = (when(image["updated_at"]) or dt.datetime.min, position)
        key = int(image["order_id"])
        if key not in latest or rank >= latest[key][0]:
            latest[key] = (rank, op, image)
    silver = sorted(
        [key, money(image.get("amount")), image.get("status"), str(when(image["updated_at"]))]
        for key, (_, op, image) in latest.items()
        if op != "d"
    )
    gold: dict[Any, list[Any]] = {}
    for _, amount, status, _ in silver:
        row = gold.setdefault(status, [status, 0, Decimal(0)])
        row[1] += 1
        row[2] += Decimal(amount) if amount is not None else 0
    gold_rows = sorted(([s, n, money(a)] for s, n, a in gold.values()), key=repr)
    return {"silver": silver, "gold": gold_rows, "rejected": rejected, "events": len(log)}


def read(project: Path, target: dict[str, Any]) -> dict[str, Any]:
    reader = Reader(project, target)
    silver = [[int(k), money(a), s, str(when(u))] for k, a, s, u in
              reader.rows("silver", TABLE, "order_id, amount, status, CAST(updated_at AS VARCHAR)")]  # fmt: skip
    gold = sorted(([s, int(n), money(a)] for s, n, a in reader.rows("gold", MART, "status, orders, amount")), key=repr)
    count = f"SELECT count(*), count(DISTINCT _batch_id) FROM {reader.scan('bronze', TABLE)}"
    bronze, batches = reader.con.execute(count).fetchone() or (0, 0)
    keys = reader.con.execute(f"SELECT count(DISTINCT order_id) FROM {reader.scan('silver', TABLE)}").fetchone()
    rejected = reader.con.execute(f"SELECT count(*) FROM {reader.scan('silver', TABLE + '__rejected')}").fetchone()
    clicks = reader.rows("silver", CLICKS, "click_id, page, CAST(clicked_at AS VARCHAR)")
    clicks_bronze = reader.con.execute(f"SELECT count(*) FROM {reader.scan('bronze', CLICKS)}").fetchone()
    return {
        "silver": silver,
        "gold": gold,
        "clicks": sorted(([int(c), p, str(when(t))] for c, p, t in clicks), key=repr),
        "clicks_bronze": clicks_bronze[0] if clicks_bronze else None,
        "bronze": bronze,
        "bronze_batches": batches,
        "silver_keys": keys[0] if keys else None,
        "rejected": rejected[0] if rejected else None,
        "versions": {layer: len(reader.versions(layer, name)) for layer, name in LAYERS},
    }


def main(project: Path) -> None:
    config = json.loads((project / "pipeline" / "lake.json").read_text(encoding="utf-8"))
    records = events(project, CLICKS_TOPIC)  # its rules: not_null click_id and clicked_at (error)
    kept = [r for r in records if r.get("click_id") is not None and r.get("clicked_at") is not None]
    clicks = sorted(([int(r["click_id"]), r.get("page"), str(when(r["clicked_at"]))] for r in kept), key=repr)
    expected = {**reference(events(project)), "clicks": clicks, "clicks_records": len(records)}
    out = {"reference": expected, "targets": {t["name"]: read(project, t) for t in config["targets"]}}
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
