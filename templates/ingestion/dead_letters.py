"""Dead-letter reprocessing (written by pipegen, the same in every project).

    python -m pipeline.dead_letters [--local] [--source NAME] [--replay]

Reads every `<table>__dead_letter` table of the loaded sources (the local DuckDB warehouse with
--local, else the spec's warehouse target, as `pipeline.ingest`), and re-validates each held
record against the table's contract as `pipeline/sources.py` states it now (types, primary key:
the same conform step the load runs; regenerate after changing `pipegen.yaml` to change it). A
record passes when it now casts and has its key; then:

- without --replay (a dry run) nothing changes: it prints, per table, how many are held and how
  many would be replayed;
- with --replay the passing records are loaded into their table through the same dlt pipeline
  as `pipeline.ingest` (stamped with this load's `_batch_id`; where the Spark job's bronze reads the
  source, landed as its batches are: pipeline/landing.py), and only then deleted from the
  dead-letter table. A record whose key is already in the table stays (a newer version of the
  row landed since: replaying the old one would overwrite it), and so does every record that
  still fails: run it again after the next fix. A second replay changes nothing.

Records are replayed as held: personal data was masked or hashed before the record became a dead
letter (ETL), and it is not protected a second time. Prints one JSON summary line at the end:
{"<dataset>.<table>": {"held", "passing", "replayed", "left", "reasons"}}.
Exit status: 0, or 1 when the load failed (the dead letters are then untouched).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")  # before dlt is imported

import dlt
import pyarrow as pa

from pipeline import ingest, sources
from pipeline.runtime import IngestError, RunContext, Table, _conform_records, finish, load, pipeline_for, run_context

CHECK_LOAD_ID = "dead-letter-check"


@dataclasses.dataclass
class Held:
    """One dead letter: its id in the dead-letter table, why it was rejected, the raw record."""

    record_hash: str
    reason: str
    record: dict[str, Any]


def as_held(table: Table, mask_pii: bool) -> Table:
    """The table as its dead letters hold it: a masked or hashed column is already text (protect
    it again and a hash would be hashed twice), a dropped one is already gone."""
    if not mask_pii:
        return table
    columns = tuple(
        dataclasses.replace(c, type="string", precision=None, scale=None, pii="none")
        if c.pii in ("mask", "hash")
        else c
        for c in table.columns
    )
    return dataclasses.replace(table, columns=columns)


def check(table: Table, record: dict[str, Any], ctx: RunContext) -> tuple[str | None, pa.Table | None]:
    """(why `record` fails the contract now, or None; its conformed row when it passes)."""
    dead, rows = _conform_records(table, [record], ctx, CHECK_LOAD_ID)
    if dead or rows is None:
        return (dead[0]["reason"] if dead else "no row"), None
    return None, rows


def read_held(client: Any, table: Table) -> list[Held]:
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    name = client.make_qualified_table_name(table.dead_letter)
    try:
        rows = client.execute_sql(f"SELECT _record_hash, reason, record FROM {name} ORDER BY _record_hash")
    except DatabaseUndefinedRelation:
        return []  # never rejected a row: dlt made no table
    return [Held(h, r, json.loads(rec)) for h, r, rec in rows or []]


def key_landed(client: Any, table: Table, row: pa.Table) -> bool:
    """Whether the row's primary key is already in the landed table."""
    if not table.primary_key:
        return False
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    where = " AND ".join(f"{client.escape_column_name(table.column(k).landed)} = %s" for k in table.primary_key)
    values = [row.column(k)[0].as_py() for k in table.primary_key]
    name = client.make_qualified_table_name(table.landed)
    try:
        return bool(client.execute_sql(f"SELECT 1 FROM {name} WHERE {where}", *values))
    except DatabaseUndefinedRelation:
        return False  # no landed table yet: nothing to overwrite


def replay_resource(table: Table, records: list[dict[str, Any]], ctx: RunContext) -> Any:
    """The passing records as one page, through the conform step the load runs (which carries the hints)."""

    @dlt.resource(name=f"{table.landed}__replay")
    def page() -> Iterator[list[dict[str, Any]]]:
        yield records

    return finish(page(), table, ctx)


def delete_held(client: Any, table: Table, hashes: list[str]) -> None:
    if hashes:
        marks = ", ".join("%s" for _ in hashes)
        name = client.make_qualified_table_name(table.dead_letter)
        client.execute_sql(f"DELETE FROM {name} WHERE _record_hash IN ({marks})", *hashes)


LANDED = "key already landed (a newer version of the row)"


def triage(client: Any, table: Table, held: list[Held], ctx: RunContext) -> tuple[list[Held], dict[str, int]]:
    """The held records to replay, and how many stay for each reason."""
    chosen: list[Held] = []
    reasons: dict[str, int] = {}
    for item in held:
        why, row = check(table, item.record, ctx)
        if why is None and row is not None and key_landed(client, table, row):
            why = LANDED
        if why is None:
            chosen.append(item)
        else:
            reasons[why] = reasons.get(why, 0) + 1
    return chosen, reasons


def reprocess_source(name: str, *, local: bool, replay: bool, warehouse: Path, state: Path) -> dict[str, Any]:
    dataset = sources.SOURCES[name][1]
    destination = ingest.local_destination(warehouse) if local else ingest.production_destination()
    pipeline = pipeline_for(f"{ingest.PIPELINE}__{dataset}", dataset, destination, str(state))
    # the replayed rows land as loaded ones do, where the Spark job's bronze reads the source (ingest.LANDED)
    landing = ingest.landing_for(name, local, state) if replay and name in ingest.LANDED else None
    ctx = run_context(name, mask_pii=ingest.MASK_PII, local=local, landing=landing)
    report: dict[str, Any] = {}
    plans: list[tuple[Table, list[Held]]] = []
    with pipeline.sql_client() as client:
        for table in (t for t in sources.TABLES if t.source == name):
            held = read_held(client, table)
            if not held:
                continue
            contract = as_held(table, ingest.MASK_PII)
            chosen, reasons = triage(client, contract, held, ctx)
            report[f"{dataset}.{table.landed}"] = {"held": len(held), "passing": len(chosen), "replayed": 0,
                                                  "left": len(held), "reasons": reasons}  # fmt: skip
            if chosen:
                plans.append((contract, chosen))
    if not replay or not plans:
        return report
    resources = [replay_resource(t, [h.record for h in chosen], ctx) for t, chosen in plans]
    load(name, resources, pipeline_name=pipeline.pipeline_name, dataset=dataset, destination=destination,
         pipelines_dir=str(state), table_format=ingest.TABLE_FORMAT, landing=landing)  # fmt: skip
    with pipeline.sql_client() as client:
        for table, chosen in plans:
            delete_held(client, table, [h.record_hash for h in chosen])
            entry = report[f"{dataset}.{table.landed}"]
            entry["replayed"], entry["left"] = len(chosen), entry["held"] - len(chosen)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.dead_letters", description=__doc__.split("\n\n")[0])
    parser.add_argument("--local", action="store_true", help="the local DuckDB warehouse of `pipeline.ingest --local`")
    parser.add_argument("--source", action="append", choices=sorted(sources.SOURCES), help="only this source")
    parser.add_argument("--replay", action="store_true", help="load the records that pass now and delete them")
    args = parser.parse_args(argv)
    warehouse = ingest.PROJECT_ROOT / os.environ.get("PIPEGEN_WAREHOUSE", "warehouse.duckdb")
    state = ingest.PROJECT_ROOT / ".dlt" / "pipelines"
    report: dict[str, Any] = {}
    try:
        for name in args.source or list(sources.SOURCES):
            found = reprocess_source(name, local=args.local, replay=args.replay, warehouse=warehouse, state=state)
            report.update(found)
    except IngestError as exc:
        print(f"dead-letter replay stopped, nothing deleted: {exc}", file=sys.stderr)
        return 1
    for table, entry in report.items():
        done = f"replayed {entry['replayed']}" if args.replay else f"would replay {entry['passing']}"
        print(f"{table}: {entry['held']} held, {done}, {entry['left']} left")
    if not report:
        print("no dead letters held")
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
