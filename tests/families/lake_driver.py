"""Runs inside the `lake` judge environment, in a generated project: lands the synthetic raw
batches of a scenario one step at a time as Parquet files, runs the generated lake job
(`python -m pipeline.lake ...`) after each, and reads every table back with DuckDB's
delta_scan / iceberg_scan (the independent reader). Prints what it read as JSON.

Usage: python lake_driver.py PROJECT SCENARIO.json | --empty"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import duckdb_extensions
import pyarrow as pa
import pyarrow.parquet as pq


def job(project: Path, *args: str, summary: Path | None = None, warehouse: Path | None = None) -> str:
    argv = [sys.executable, "-m", "pipeline.lake", *args]
    env = {**os.environ, **({"PIPEGEN_STEP_SUMMARY": str(summary)} if summary else {})}
    env.update({"PIPEGEN_WAREHOUSE": str(warehouse)} if warehouse else {})
    proc = subprocess.run(argv, cwd=project, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"pipeline.lake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def counted_without_reading(run: object) -> list:
    """The local run's lake counts again with every way the job reads rows disabled (its stores'
    `read`, pyiceberg's `DataScan.to_arrow`): they come from the tables' metadata (a failing count
    is None in count_results)."""
    from pipeline import lake
    from pyiceberg.table import DataScan

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the count read the table's rows")

    saved = [(cls, "read", cls.read) for cls in lake.FORMATS.values()] + [(DataScan, "to_arrow", DataScan.to_arrow)]
    for owner, attr, _ in saved:
        setattr(owner, attr, refuse)
    try:
        return run.count_results([r for r in run.RESULTS if r.get("counter") == "lake"])  # type: ignore[attr-defined]
    finally:
        for owner, attr, method in saved:
            setattr(owner, attr, method)


class Reader:
    def __init__(self, project: Path, target: dict) -> None:
        self.project, self.target = project, target
        self.con = duckdb.connect()
        for ext in ("delta", "iceberg", "avro"):
            duckdb_extensions.import_extension(ext, con=self.con)

    def path(self, layer: str, table: str) -> Path:
        return self.project / "lake" / self.target["layers"][layer] / table

    def metadata(self, layer: str, table: str) -> str:
        return str(sorted((self.path(layer, table) / "metadata").glob("*.metadata.json"))[-1])

    def scan(self, layer: str, table: str, version: int | None = None) -> str:
        if self.target["format"] == "delta":
            at = f", version => {version}" if version is not None else ""
            return f"delta_scan('{self.path(layer, table)}'{at})"
        at = f", snapshot_from_id => {version}" if version is not None else ""
        return f"iceberg_scan('{self.metadata(layer, table)}'{at})"

    def rows(self, layer: str, table: str, columns: str, version: int | None = None) -> list[list]:
        sql = f"SELECT {columns} FROM {self.scan(layer, table, version)} ORDER BY ALL"
        return [list(r) for r in self.con.execute(sql).fetchall()]

    def versions(self, layer: str, table: str) -> list[int]:
        """Readable versions, oldest first: Delta log versions, Iceberg snapshot ids."""
        if self.target["format"] == "delta":
            logs = sorted(self.path(layer, table).glob("_delta_log/*.json"))
            return [int(p.stem) for p in logs]
        sql = f"SELECT snapshot_id FROM iceberg_snapshots('{self.metadata(layer, table)}') ORDER BY timestamp_ms"
        return [r[0] for r in self.con.execute(sql).fetchall()]

    def data_files(self, layer: str, table: str) -> int:
        return len(list(self.path(layer, table).rglob("*.parquet")))


def land(project: Path, landing: str, name: str, batch: list[dict], columns: list[str]) -> None:
    folder = project / landing
    folder.mkdir(parents=True, exist_ok=True)
    data = {c: pa.array([None if r.get(c) is None else str(r[c]) for r in batch], pa.string()) for c in columns}
    data["_op"] = pa.array([r.get("_op", "u") for r in batch], pa.string())
    pq.write_table(pa.table(data), folder / f"{name}.parquet")


def warehouse_rows(project: Path, table: dict, payload: str) -> dict:
    """silver's copy in the local warehouse (dbt's staging source): its rows (payload columns) and
    its metadata columns' distinct values; {} when there is none."""
    if not table["warehouse_schema"]:
        return {}
    relation = f'"{table["warehouse_schema"]}"."{table["name"]}"'
    with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(f"SELECT {payload} FROM {relation} ORDER BY ALL").fetchall()
        sql = f"SELECT DISTINCT _source, typeof(_extracted_at), _batch_id IS NOT NULL FROM {relation}"
        meta = con.execute(sql).fetchall()
        types = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {relation})").fetchall()
        return {"rows": [list(r) for r in rows], "meta": [list(r) for r in meta], "types": [list(r) for r in types]}


def quarantine(project: Path, table: dict, keys: list[int]) -> dict:
    """GX's quarantine of these keys from silver's warehouse copy, by the generated code that moves
    rows (pipeline/quality_warehouse.move) with the check gx/checks.json holds for the table: which
    rows fail is GX's to find (judged in test_gx_warehouse_quarantine); here every key fails. The
    staged relation GX validated is dbt's staging view over the copy, stood in for by a view (the
    staged names are the landed ones in this spec)."""
    sys.path.insert(0, str(project))
    from pipeline import quality_warehouse

    suites = json.loads((project / "gx" / "checks.json").read_text())["suites"]
    check = next(c for c in suites if c["quarantine"] and c["quarantine"]["source"]["table"] == table["name"])
    spot, source = check["quarantine"], check["quarantine"]["source"]
    wh = quality_warehouse.Local(project / "warehouse.duckdb")
    try:
        # the staging schema (dbt's) and the raw one (dlt's, where the quarantine table goes), as a run has them
        for schema in (check["schema"], spot["schema"]):
            wh.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        wh.con.execute(f'CREATE OR REPLACE VIEW "{check["schema"]}"."{check["table"]}" AS '
                       f'SELECT * FROM "{source["schema"]}"."{source["table"]}"')  # fmt: skip
        failed = {(k,): [{"expectation": "expect_column_values_to_be_in_set", "spec_path": "judge"}] for k in keys}
        moved = quality_warehouse.move(wh, check, failed, "judge-run")
    finally:
        wh.con.close()
    return {
        "moved": moved,
        "source": source,
        # where GX puts the rows (gx/checks.json) and where the lake step looks for them (lake.json)
        "checks_json": {
            "schema": spot["schema"],
            "table": spot["table"],
            "key": {v: k for k, v in spot["key"].items()},
        },
        "lake_json": table["quarantine"],
    }


def quarantined_rows(project: Path, table: dict) -> list[list]:
    spot = table["quarantine"]
    with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as con:
        sql = f'SELECT {", ".join(spot["key"].values())}, _quarantine_run_id FROM "{spot["schema"]}"."{spot["table"]}"'
        return [list(r) for r in con.execute(sql + " ORDER BY ALL").fetchall()]


def empty(project: Path) -> None:
    """Nothing landed (a filter that keeps no row): one job run, then every table of lake.json's
    bronze and silver read back, {layer.table: [columns, rows]}."""
    config = json.loads((project / "pipeline" / "lake.json").read_text())
    reader = Reader(project, config["targets"][0])
    job(project, "bronze", "silver")
    out = {}
    for table in config["tables"]:
        for layer in ("bronze", "silver"):
            rel = reader.con.execute(f"SELECT * FROM {reader.scan(layer, table['name'])}")
            out[f"{layer}.{table['name']}"] = [[d[0] for d in rel.description], len(rel.fetchall())]
    print(json.dumps(out))


def main() -> None:
    if sys.argv[2] == "--empty":
        return empty(Path(sys.argv[1]))
    project, scenario = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    config = json.loads((project / "pipeline" / "lake.json").read_text())
    table = config["tables"][0]
    target = config["targets"][0]
    columns = [c["name"] for c in table["columns"]]
    reader = Reader(project, target)
    name, payload = table["name"], ", ".join(columns)
    out: dict = {"format": target["format"], "layers": target["layers"], "steps": []}
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            land(project, table["landing"], scenario["names"][step][b], batch, columns)
        if step in scenario.get("elsewhere", []):
            # this step's changes merged by a run whose warehouse is another file: the copy in the
            # project's warehouse is then one silver version behind, and the next run must notice
            job(project, "bronze", "silver", warehouse=project / "elsewhere.duckdb")
        printed = json.loads(job(project, "bronze", "silver"))
        copied = f"warehouse.{table['warehouse_schema']}.{name}"
        out["steps"].append(
            {
                "silver": reader.rows("silver", name, payload),
                "silver_versions": reader.versions("silver", name),
                "warehouse_silver": warehouse_rows(project, table, payload),
                "job": printed[target["name"]][f"silver.{name}"],
                "copy": printed[target["name"]].get(copied),
            }
        )
        held = scenario.get("quarantine", {})
        if held.get("after_step") == step:  # GX moves rows out of silver's copy after this step's lake run
            out["quarantine"] = quarantine(project, table, held["keys"])
            out["quarantine"]["copy_after_move"] = warehouse_rows(project, table, payload)
    step = project / "lake_step.json"  # the lake step's summary, as the local run reads it
    job(project, "bronze", "silver", summary=step)  # nothing new: bronze and silver unchanged
    out["rerun_silver_versions"] = reader.versions("silver", name)
    out["bronze"] = reader.rows("bronze", name, f"{payload}, _op, _batch_id")
    out["rejected"] = reader.rows("silver", f"{name}__rejected", f"{columns[0]}, _failures")
    if "quarantine" in out:
        out["quarantine"]["rows_at_end"] = quarantined_rows(project, table)
    sys.path.insert(0, str(project))  # the local run's summary of the lake tables: pipeline/run.py's count
    from pipeline import run

    out["summary"] = run.count_results([r for r in run.RESULTS if r.get("counter") == "lake"])
    lake_step = {"name": "lake", "status": "ok", "code": 0, "seconds": 0.0, "rows": None, "text": "",
                 "summary": json.loads(step.read_text())}  # fmt: skip
    recorded = run.record([lake_step], argparse.Namespace(), time.time())  # what run.json and the summary show
    out["run_results"], out["run_failures"] = recorded["results"], recorded["failures"]
    # counting read every lake table in this process: an Iceberg reader never loads the SQL catalog
    out["reader_loaded_sqlalchemy"] = "sqlalchemy" in sys.modules
    out["counted_without_reading"] = counted_without_reading(run)
    out["read_back"] = {f"{layer}.{name}": len(reader.rows(layer, name, columns[0])) for layer in ("bronze", "silver")}
    first = out["steps"][0]["silver_versions"][-1]
    out["time_travel"] = reader.rows("silver", name, payload, first)
    out["files_before"] = reader.data_files("silver", name)
    # the retention has passed: the judge sets it to 0 in the job's config (data the job reads)
    lake_json = project / "pipeline" / "lake.json"
    config["targets"][0]["retention_hours"] = 0
    lake_json.write_text(json.dumps(config))
    job(project, "maintain", "--force")
    out["silver_after_maintenance"] = reader.rows("silver", name, payload)
    out["files_after"] = reader.data_files("silver", name)
    out["versions_after"] = reader.versions("silver", name)
    try:
        reader.rows("silver", name, payload, first)
        out["time_travel_after_vacuum"] = "readable"
    except duckdb.Error as exc:
        out["time_travel_after_vacuum"] = f"gone: {type(exc).__name__}"
    out["lake_dirs"] = sorted(str(p.relative_to(project / "lake")) for p in (project / "lake").glob("*/*"))
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
