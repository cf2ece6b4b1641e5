"""spark/medallion.py, part 5 of 5: maintenance and the command line. The generated job is one file, these parts
joined in order (pipegen.generators.spark.job); only the text below the marker line reaches it."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

from formats import FORMATS
from job import CONFIG, TARGET, session, table_format
from layers import bronze, gold, registered, silver
from stream import stream

# pipegen: spark/medallion.py continues below this line (the lines above only let this part be linted alone)


def maintain(store: Any) -> dict[str, Any]:
    tables = [("bronze", t["name"], []) for t in CONFIG["tables"]]
    tables += [("silver", t["name"], t["key"]) for t in CONFIG["tables"]]
    tables += [("gold", m["table"], []) for m in CONFIG["marts"] if m["sql"] is not None]
    return {
        f"{layer}.{name}": store.maintain(layer, name, zorder)
        for layer, name, zorder in tables
        if layer in TARGET["layers"] and store.exists(layer, name)
    }


def run(spark: Any, layers: tuple[str, ...]) -> dict[str, Any]:
    """Run the given layers ("stream", "bronze", "silver", "gold", "maintain") in order."""
    store = FORMATS[table_format()](spark)
    out: dict[str, Any] = {}
    ingested = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    streamed = [t for t in CONFIG["tables"] if t.get("stream")]  # it lands through its stream, never as files too
    if "stream" in layers and streamed and "bronze" in TARGET["layers"]:
        out.update({f"stream.{name}": counts for name, counts in stream(spark, store, streamed).items()})
    for table in CONFIG["tables"]:
        if "bronze" in layers and "bronze" in TARGET["layers"] and not table.get("stream"):
            out[f"bronze.{table['name']}"] = bronze(spark, store, table, ingested)
    for table in CONFIG["tables"]:
        if "silver" in layers and "silver" in TARGET["layers"]:
            out[f"silver.{table['name']}"] = silver(spark, store, table)
    if "silver" in layers or "stream" in layers:  # where dbt's staging reads silver
        out.update(registered(store, [t["name"] for t in CONFIG["tables"]]))
    if "gold" in layers and "gold" in TARGET["layers"]:
        out.update({f"gold.{k}": v for k, v in gold(spark, store).items()})
    if "maintain" in layers:
        out.update(maintain(store))
    return out


def main(argv: list[str]) -> int:
    """Layers to run, in order; `--lake-root URI` / `--landing-root URI` / `--checkpoint-root URI` set
    PIPEGEN_LAKE_ROOT / PIPEGEN_LANDING_ROOT / PIPEGEN_SPARK_CHECKPOINT_ROOT (how the EMR and Dataproc
    submissions pass them)."""
    args = list(argv)
    flags = (("--lake-root", "PIPEGEN_LAKE_ROOT"), ("--landing-root", "PIPEGEN_LANDING_ROOT"),
             ("--checkpoint-root", "PIPEGEN_SPARK_CHECKPOINT_ROOT"))  # fmt: skip
    for flag, var in flags:
        if flag in args[:-1]:
            at = args.index(flag)
            os.environ[var] = args[at + 1]
            del args[at : at + 2]
    layers = tuple(args) or ("bronze", "silver", "gold")
    unknown = sorted(set(layers) - {"stream", "bronze", "silver", "gold", "maintain"})
    if unknown:
        print(f"unknown layer(s) {', '.join(unknown)}: stream, bronze, silver, gold, maintain", file=sys.stderr)
        return 2
    print(json.dumps(run(session(), layers), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
