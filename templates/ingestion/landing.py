"""Extract-load's batches for the Spark job's bronze (written by pipegen, the same in every project whose
plan runs a Spark batch job): every batch a source of pipeline/ingest.py's LANDED loads is also written,
as Parquet, to

    <PIPEGEN_LANDING_ROOT>/data/landing/<source>/<table>/<load id>.<file id>.parquet

where the job's bronze (spark/medallion.py) appends each file of a table's folder once, by its name, and
reads the spec's columns by their landed names (the metadata columns _extracted_at, _source and _batch_id
ride along; bronze ignores what it does not know). The rows are exactly the ones the load into the spec's
target keeps: after the contract, the casts and the dead letters, with personal data already protected
where the plan protects it before landing (ETL).

How: while dlt extracts a source, the conform step (pipeline/runtime.py) hands every batch of rows it
keeps to `keep`, which writes it to a spool beside dlt's pipelines (`<pipelines dir>/<pipeline>.landing/`).
Once the load into the target has committed, the spool is marked committed and landed by a second dlt
pipeline, `<pipeline>__landing`, on dlt's filesystem destination (`loader_file_format="parquet"`, its
`layout` naming the table's folder). A load that fails leaves its spool uncommitted: the next run drops
it, since dlt reads those rows again. A landing that fails leaves the committed spool, or dlt's pending
landing package (dlt keeps which files are done), and the next run lands it before it loads anything: a
batch lands once, and only after its load committed.

Credentials are the workload's own, through dlt's defaults: AWS's default chain (the pod's or task's
role), Google's application default credentials (its service account), Azure's DefaultAzureCredential
(its managed identity) for the account an `abfss://<container>@<account>.dfs.core.windows.net` root
names. None is written down."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.parquet as pq

ROOT_VARIABLE = "PIPEGEN_LANDING_ROOT"
# dlt's filesystem destination writes <root>/<dataset>/<layout>: the dataset is the folder's first part
# (`data`), the layout the rest (`landing/<source>`) and the table's folder
LAYOUT = "{inside}/{{table_name}}/{{load_id}}.{{file_id}}.{{ext}}"
AZURE_ROOT = re.compile(r"^(?:abfss?|az)://[^@/]+@([^./]+)\.(?:dfs|blob)\.core\.windows\.net(?:/|$)")
MANIFEST = "batches.jsonl"  # one line per spooled file: {"file", "table"}


def root() -> str | None:
    """The landing root, PIPEGEN_LANDING_ROOT (a URL dlt's filesystem destination and Spark both open:
    s3://, gs://, abfss://, file://), None when unset or empty."""
    return os.environ.get(ROOT_VARIABLE, "").strip() or None


class Landing:
    """One source's landing: its spool and the dlt pipeline that lands it."""

    def __init__(self, folder: str, pipeline_name: str, pipelines_dir: str, url: str) -> None:
        self.url = url.rstrip("/")
        self.dataset, _, self.inside = folder.strip("/").partition("/")
        self.pipeline_name = f"{pipeline_name}__landing"
        self.pipelines_dir = pipelines_dir
        self.spool = Path(pipelines_dir) / f"{pipeline_name}.landing"
        self._lock = threading.Lock()
        self._files = 0

    def where(self) -> str:
        return f"{self.url}/{self.dataset}/{self.inside}"

    # ------------------------------------------------------------ the spool

    def open(self) -> None:
        """A fresh spool for this load: rows a load that never committed spooled are dropped."""
        shutil.rmtree(self.spool / "open", ignore_errors=True)
        (self.spool / "open").mkdir(parents=True)
        self._files = 0

    def keep(self, table: str, rows: pa.Table) -> None:
        """Spool one batch of rows of `table` (its landed name), as dlt extracts it."""
        with self._lock:
            self._files += 1
            name = f"{self._files:09d}.parquet"
            pq.write_table(rows, self.spool / "open" / name)
            with (self.spool / "open" / MANIFEST).open("a", encoding="utf-8") as out:
                out.write(json.dumps({"file": name, "table": table}) + "\n")

    def commit(self) -> None:
        """The load committed: its spool must land (flush lands it, now or on the next run)."""
        (self.spool / "open").rename(self.spool / "committed")

    # ------------------------------------------------------------ landing

    def pipeline(self) -> Any:
        account = AZURE_ROOT.match(self.url)
        credentials = {"azure_storage_account_name": account.group(1)} if account else None
        destination = dlt.destinations.filesystem(
            bucket_url=self.url, layout=LAYOUT.format(inside=self.inside), credentials=credentials
        )
        return dlt.pipeline(
            pipeline_name=self.pipeline_name,
            destination=destination,
            dataset_name=self.dataset,
            pipelines_dir=self.pipelines_dir,
        )

    def flush(self, say: Any = print) -> dict[str, int]:
        """Land what committed and did not land yet: dlt's pending landing package first (a landing that
        failed part-way), then the committed spool; returns the rows landed per table."""
        pipeline = self.pipeline()
        if pipeline.has_pending_data:
            # loaded as it is, not through `run`: run first syncs with the landing root, and where that holds
            # no dataset yet (a first landing that failed) it drops a new pipeline's pending package
            say(f"{self.pipeline_name}: finishing a landing an earlier run left part-way")
            if pipeline.list_extracted_load_packages():
                pipeline.normalize()
            pipeline.load()
        committed = self.spool / "committed"
        if not committed.is_dir():
            return {}
        batches = read_manifest(committed)
        counts: dict[str, int] = {}
        for batch in batches:
            counts[batch["table"]] = counts.get(batch["table"], 0) + pq.read_metadata(committed / batch["file"]).num_rows
        if batches:
            try:
                pipeline.run(resources(committed, batches), loader_file_format="parquet")
            except Exception:
                if pipeline.has_pending_data:  # dlt's package holds the rows now: the next flush loads it
                    shutil.rmtree(committed)
                raise
        shutil.rmtree(committed)
        return counts


def read_manifest(folder: Path) -> list[dict[str, str]]:
    path = folder / MANIFEST
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def resources(folder: Path, batches: list[dict[str, str]]) -> list[Any]:
    """One dlt resource per table, its spooled files in order, appended (one bronze batch per landed file)."""
    files: dict[str, list[Path]] = {}
    for batch in batches:
        files.setdefault(batch["table"], []).append(folder / batch["file"])
    return [
        dlt.resource(read(paths), name=table, table_name=table, write_disposition="append")
        for table, paths in files.items()
    ]


def read(paths: list[Path]) -> Iterator[pa.Table]:
    for path in paths:
        yield pq.read_table(path)
