"""Runs inside the `lake` judge environment, in a generated project: lands the scenario's batches
one step at a time as Parquet files, runs the generated lake job (`python -m pipeline.lake bronze
silver`) after each, then maintenance with the retention past. Reads back, independently of the
job: the tables' partitioning from their own metadata (deltalake's `metadata().partition_columns`,
pyiceberg's `spec()` of the table's current metadata file), every data file's partition directory
beside the rows the file holds (pyarrow), the target file size the table records, and silver's
rows through DuckDB's delta_scan / iceberg_scan. Prints what it read as JSON.

Usage: python lake_partition_driver.py PROJECT SCENARIO.json"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import duckdb_extensions
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from lake_driver import job, land


def partitioning(fmt: str, path: Path) -> dict:
    """The table's partition fields and target file size, from its own metadata."""
    if fmt == "delta":
        from deltalake import DeltaTable

        meta = DeltaTable(str(path)).metadata()
        return {"fields": [[c, "stored"] for c in meta.partition_columns],
                "file_bytes": meta.configuration.get("delta.targetFileSize")}  # fmt: skip
    from pyiceberg.table import StaticTable

    table = StaticTable.from_metadata(str(sorted((path / "metadata").glob("*.metadata.json"))[-1]))
    schema = table.schema()
    fields = [[schema.find_field(f.source_id).name, str(f.transform)] for f in table.spec().fields]
    return {"fields": fields, "file_bytes": table.properties.get("write.target-file-size-bytes")}


def live_files(fmt: str, path: Path) -> list[str]:
    """The table's current data files (absolute paths)."""
    if fmt == "delta":
        from deltalake import DeltaTable

        return sorted(str(path / f.removeprefix("file://")) for f in DeltaTable(str(path)).file_uris())
    from pyiceberg.table import StaticTable

    table = StaticTable.from_metadata(str(sorted((path / "metadata").glob("*.metadata.json"))[-1]))
    return sorted(t.file.file_path.removeprefix("file://") for t in table.scan().plan_files())


def files_by_partition(fmt: str, path: Path, column: str) -> dict[str, list[list[str]]]:
    """Per partition directory (`<name>=<value>`) of the table's live files: the distinct days of
    `column` in the rows each file holds (pyarrow reads the file itself)."""
    out: dict[str, list[list[str]]] = {}
    for f in live_files(fmt, path):
        found = Path(f.removeprefix("file://"))
        part = next((p for p in found.relative_to(path).parts if "=" in p), "")
        rows = pq.read_table(found, columns=[column]).column(column)
        days = sorted({str(v)[:10] for v in rows.to_pylist() if v is not None})
        out.setdefault(part, []).append(days)
    return out


def main() -> None:
    project, scenario = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    config = json.loads((project / "pipeline" / "lake.json").read_text())
    table, target = config["tables"][0], config["targets"][0]
    fmt, name = target["format"], table["name"]
    columns = [c["name"] for c in table["columns"]]
    lake = project / "lake"
    con = duckdb.connect()
    for ext in ("delta", "iceberg", "avro"):
        duckdb_extensions.import_extension(ext, con=con)

    def scan(layer: str) -> str:
        path = lake / target["layers"][layer] / name
        if fmt == "delta":
            return f"delta_scan('{path}')"
        return f"iceberg_scan('{sorted((path / 'metadata').glob('*.metadata.json'))[-1]}')"

    def silver_rows() -> list[list[str]]:
        sql = f"SELECT {', '.join(columns)} FROM {scan('silver')} ORDER BY ALL"
        return [[str(v) for v in r] for r in con.execute(sql).fetchall()]

    out: dict = {"partition": table["partition"], "steps": []}
    lake_json = project / "pipeline" / "lake.json"
    planned = lake_json.read_text()
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            land(project, table["landing"], f"step{step}_batch{b}", batch, columns)
        if step == 0 and "made_with" in scenario:  # the tables made by a job of another plan: its layouts
            earlier = json.loads(planned)
            for t in earlier["tables"]:
                for layer in ("bronze", "silver"):
                    made_with = scenario["made_with"]
                    t["partition"][layer] = None if made_with is None else {**t["partition"][layer], **made_with}
            lake_json.write_text(json.dumps(earlier))
        job(project, "bronze", "silver")
        lake_json.write_text(planned)
        out["steps"].append(silver_rows())
    silver_path, bronze_path = (lake / target["layers"][layer] / name for layer in ("silver", "bronze"))
    out["silver_meta"], out["bronze_meta"] = partitioning(fmt, silver_path), partitioning(fmt, bronze_path)
    watermark = (table["partition"]["silver"] or {}).get("source") or table["watermark"]
    out["silver_files"] = files_by_partition(fmt, silver_path, watermark)
    out["bronze_files"] = files_by_partition(fmt, bronze_path, "_ingested_at")
    # the retention has passed: maintenance compacts within partitions and vacuums / expires
    config["targets"][0]["retention_hours"] = 0
    lake_json.write_text(json.dumps(config))
    out["files_before"] = len(list(silver_path.rglob("*.parquet")))
    out["maintain"] = json.loads(job(project, "maintain", "--force"))[target["name"]]
    out["files_after"] = len(list(silver_path.rglob("*.parquet")))
    out["silver_after_maintenance"] = silver_rows()
    out["silver_files_after"] = files_by_partition(fmt, silver_path, watermark)
    out["silver_meta_after"] = partitioning(fmt, silver_path)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
