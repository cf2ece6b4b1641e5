"""Runs inside the `lake` judge environment: the generated lake job over the same landed batches
in copies of a generated project, one with its lake in the project's `lake/` directory (the local
run), each other one with PIPEGEN_LAKE_ROOT an object-store URL (`s3://bucket/lake` on a local S3
endpoint, or a `file://` URL), or each layer its own root (PIPEGEN_LAKE_ROOT_<LAYER>, as Azure's
container per layer). Reads silver back after each step: the local copy with DuckDB's delta_scan /
iceberg_scan (the independent reader test_lake_tables judges), each URL copy at its URL with
deltalake / pyiceberg's StaticTable (DuckDB's httpfs downloads its extension), files found by
pyarrow's file system of the URL. Prints what it read as JSON.

The local copy is run once for all the cases (its job takes the same batches whatever the URL
copies do): each case is a copy of the same project with its own roots and its own environment
(AWS_ENDPOINT_URL and credentials for moto's S3), set for that case's job runs and reads only.
Each job run is `python -m pipeline.lake ARGS` run in this process as `-m` runs it (`job_here`:
tests/specgen/local_runs.run_here, the project's modules imported afresh, its exit code and output
its own), so deltalake, pyiceberg and pyarrow are imported once, not once a run; that the job runs
as a process of its own is judged by test_lake_tables (lake_driver.job).

Usage: python lake_url_driver.py LOCAL_PROJECT SCENARIO.json CASES.json
    CASES.json: [{"remote": URL_PROJECT, "roots": {PIPEGEN_LAKE_ROOT[_<LAYER>]: URL}, "env": {...}}]
    prints {"cases": [per case {"steps": [{"local", "url", "job"}], "url_after_maintenance",
    "bronze_rows", "files", "project_dirs"}, or {"error": ...} where its job or a read failed]}"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.fs as pafs

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "specgen"))
from lake_driver import Reader, land
from local_runs import run_here
from project_modules import enter, leave


def job(project: Path, *args: str) -> str:
    """`python -m pipeline.lake ARGS` in `project` (lake_driver.job's command), run in this process as `-m`
    runs it with this process's environment: its output, or SystemExit with its output when it fails."""
    cwd = Path.cwd()
    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        added = enter(project)
        try:
            code = run_here("pipeline.lake", list(args), project, dict(os.environ), out, err)
        finally:
            leave(added)
            os.chdir(cwd)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code != 0:
        raise SystemExit(f"pipeline.lake {' '.join(args)} failed:\n{stdout}\n{stderr}")
    return stdout


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


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in os.environ for the block (the job's process and the reads see them), then as it was."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def create_buckets(roots: dict[str, str]) -> None:
    """Each s3:// root's bucket, as Terraform creates it in production."""
    for root in roots.values():
        if root.startswith("s3://"):
            fs = pafs.S3FileSystem(endpoint_override=os.environ["AWS_ENDPOINT_URL"], allow_bucket_creation=True)
            fs.create_dir(root[len("s3://") :].split("/")[0])


def case_env(case: dict) -> dict[str, str]:
    """What a case's job runs and reads see: its own variables, its roots and production's SQL catalog."""
    catalog = {"PIPEGEN_ICEBERG_CATALOG_URI": f"sqlite:///{Path(case['remote']) / 'catalog.db'}"}
    return {**case.get("env", {}), **case["roots"], **catalog}


def remote_step(case: dict, target: dict, table: dict, columns: list[str]) -> dict:
    """One step of a case's URL copy: its job, and silver read back at its URL."""
    printed = json.loads(job(Path(case["remote"]), "bronze", "silver"))
    return {
        "url": url_rows(target, case["roots"], "silver", table["name"], columns),
        "job": printed[target["name"]][f"silver.{table['name']}"],
    }


def remote_end(case: dict, target: dict, table: dict) -> dict:
    """After the last step: maintenance, silver after it, bronze's rows, the files below each root."""
    remote, roots, columns = Path(case["remote"]), case["roots"], [c["name"] for c in table["columns"]]
    job(remote, "maintain", "--force")
    return {
        "url_after_maintenance": url_rows(target, roots, "silver", table["name"], columns),
        "bronze_rows": len(url_rows(target, roots, "bronze", table["name"], ["_batch_id"])),
        "files": {name: files_under(root) for name, root in roots.items()},  # below each root
        # nothing of the lake in the project: no `s3:` / `file:` directory, no `lake/` beside it
        "project_dirs": sorted(p.name for p in remote.iterdir() if p.is_dir()),
    }


def main() -> None:
    local, scenario = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    cases = json.loads(Path(sys.argv[3]).read_text())
    config = json.loads((local / "pipeline" / "lake.json").read_text())
    table, target = config["tables"][0], config["targets"][0]
    columns = [c["name"] for c in table["columns"]]
    reader = Reader(local, target)
    out = [{"steps": []} for _ in cases]
    for case in cases:
        with environment(case.get("env", {})):
            create_buckets(case["roots"])
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            for project in (local, *(Path(c["remote"]) for c in cases)):
                land(project, table["landing"], scenario["names"][step][b], batch, columns)
        job(local, "bronze", "silver")
        rows = reader.rows("silver", table["name"], ", ".join(columns))
        for case, got in zip(cases, out, strict=True):
            if "error" not in got:
                with environment(case_env(case)):
                    try:
                        got["steps"].append({"local": rows, **remote_step(case, target, table, columns)})
                    except (SystemExit, Exception):  # one case's failure is its own, not the others'
                        got["error"] = traceback.format_exc()
    for case, got in zip(cases, out, strict=True):
        if "error" not in got:
            with environment(case_env(case)):
                try:
                    got.update(remote_end(case, target, table))
                except (SystemExit, Exception):
                    got["error"] = traceback.format_exc()
    print(json.dumps({"cases": out}, default=str))


if __name__ == "__main__":
    main()
