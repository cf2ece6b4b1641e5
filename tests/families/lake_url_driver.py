"""Runs inside the `lake` judge environment: the generated lake job over the same landed batches
in two copies of a generated project, one with its lake in the project's `lake/` directory (the
local run), one with PIPEGEN_LAKE_ROOT an object-store URL (`s3://bucket/lake` on a local S3
endpoint, or a `file://` URL), or each layer its own root (PIPEGEN_LAKE_ROOT_<LAYER>, as Azure's
container per layer: ROOT_URL a JSON object of the variables). Reads silver back after each step:
the local copy with DuckDB's delta_scan / iceberg_scan (the independent reader test_lake_tables
judges), the URL copy at that URL with deltalake / pyiceberg's StaticTable (DuckDB's httpfs
downloads its extension), files found by pyarrow's file system of the URL. Prints what it read as JSON.

Usage: python lake_url_driver.py LOCAL_PROJECT URL_PROJECT SCENARIO.json ROOT_URL|ROOTS_JSON"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyarrow.fs as pafs

sys.path.insert(0, str(Path(__file__).parent))
from lake_driver import Reader, job, land


def fileio() -> dict[str, str]:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    return {"s3.endpoint": endpoint, "s3.region": os.environ.get("AWS_REGION", "us-east-1")} if endpoint else {}


def files_under(url: str) -> list[str]:
    """Every file below `url`, relative to it (an empty list: nothing there)."""
    fs, base = pafs.FileSystem.from_uri(url)
    found = fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    return sorted(i.path[len(base) + 1 :] for i in found if i.type == pafs.FileType.File)


def layer_root(roots: dict[str, str], layer: str) -> str:
    """Where the deployment put `layer`: its own root, else the lake root (the reference of lake.py's)."""
    return roots.get(f"PIPEGEN_LAKE_ROOT_{layer.upper()}", roots["PIPEGEN_LAKE_ROOT"])


def url_rows(target: dict, roots: dict[str, str], layer: str, table: str, columns: list[str]) -> list[list]:
    """The table at `<layer root>/<layer dir>/<table>`, read at that URL."""
    where = f"{layer_root(roots, layer)}/{target['layers'][layer]}/{table}"
    if target["format"] == "delta":
        from deltalake import DeltaTable

        data = DeltaTable(where).to_pyarrow_dataset().to_table(columns=columns, use_threads=False)  # arrow#34314
    else:
        from pyiceberg.table import StaticTable

        newest = [f for f in files_under(f"{where}/metadata") if f.endswith(".metadata.json")][-1]
        data = StaticTable.from_metadata(f"{where}/metadata/{newest}", properties=fileio()).scan().to_arrow()
        data = data.select(columns)
    return sorted([[data.column(c)[i].as_py() for c in columns] for i in range(data.num_rows)], key=str)


def main() -> None:
    local, remote, arg = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[4]
    roots = json.loads(arg) if arg.startswith("{") else {"PIPEGEN_LAKE_ROOT": arg}
    scenario = json.loads(Path(sys.argv[3]).read_text())
    for root in roots.values():
        if root.startswith("s3://"):  # the bucket, as Terraform creates it in production
            fs = pafs.S3FileSystem(endpoint_override=os.environ["AWS_ENDPOINT_URL"], allow_bucket_creation=True)
            fs.create_dir(root[len("s3://") :].split("/")[0])
    config = json.loads((local / "pipeline" / "lake.json").read_text())
    table, target = config["tables"][0], config["targets"][0]
    columns = [c["name"] for c in table["columns"]]
    reader = Reader(local, target)
    out: dict = {"steps": []}
    catalog = {"PIPEGEN_ICEBERG_CATALOG_URI": f"sqlite:///{remote / 'catalog.db'}"}  # production's SQL catalog
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            for project in (local, remote):
                land(project, table["landing"], scenario["names"][step][b], batch, columns)
        job(local, "bronze", "silver")
        os.environ.update({**roots, **catalog})
        try:
            printed = json.loads(job(remote, "bronze", "silver"))
        finally:
            for name in (*roots, *catalog):
                os.environ.pop(name)
        out["steps"].append({
            "local": reader.rows("silver", table["name"], ", ".join(columns)),
            "url": url_rows(target, roots, "silver", table["name"], columns),
            "job": printed[target["name"]][f"silver.{table['name']}"],
        })  # fmt: skip
    os.environ.update({**roots, **catalog})
    job(remote, "maintain", "--force")
    out["url_after_maintenance"] = url_rows(target, roots, "silver", table["name"], columns)
    out["bronze_rows"] = len(url_rows(target, roots, "bronze", table["name"], ["_batch_id"]))
    out["files"] = {name: files_under(root) for name, root in roots.items()}  # below each root
    # nothing of the lake in the project: no `s3:` / `file:` directory, no `lake/` beside it
    out["project_dirs"] = sorted(p.name for p in remote.iterdir() if p.is_dir())
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
