"""Extract-load lands the Spark job's batches (issue 21, plan/spark_landing.py): a project whose plan runs the Spark
batch job on aws is generated; its ingestion step (`python -m pipeline.ingest`, production: the spec's `files`
target) runs in the `batch` judge env with PIPEGEN_LANDING_ROOT a `file://` folder, and again with it a bucket of
moto's S3 server (the `moto` judge env, AWS_ENDPOINT_URL; credentials from AWS's default chain, none in the code),
twice each: the first load, then updated and new source rows (on S3 a run before them whose landing fails, S3
unreachable after its load committed: the next run lands those rows first). The generated Spark job
(spark/medallion.py) then takes the landed files into bronze and silver on ONE local[2] session in the `spark` judge env
(tests/families/spark_landing_driver.py; the S3 bucket copied key for key to a folder first: Spark reads `s3://`
only through hadoop-aws jars these machines cannot download). Silver equals the source's rows (read from its
SQLite stand-in here, never from the job), bronze holds every landed row once, and a production run without
PIPEGEN_LANDING_ROOT stops before it loads. A nested column (array<string>, landed as JSON text) reaches silver
typed: parsed from its JSON, since Spark casts no text to an array."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import generate
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("spark_landing_driver.py")
SPEC = """\
version: 1
pipeline: {name: landing_judge}
latency: 1d
cloud: aws
engines: {batch: spark}
sources:
  - name: ShopFloor
    type: faker
    ingestion: batch
    tables:
      - name: Orders
        primary_key: order_id
        watermark: updated_at
        synthetic: {rows: 40}
        columns:
          - {name: order_id, type: bigint, not_null: true}
          - {name: customer, type: string}
          - {name: amount, type: "decimal(10,2)"}
          - {name: paid, type: boolean}
          - {name: ordered_on, type: date}
          - {name: tags, type: "array<string>", faker: words}
          - {name: updated_at, type: timestamp, not_null: true}
targets:
  - name: exports
    type: files
    format: parquet
    connection: {path: exports}
"""
BUCKET = "landing-judge"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens there
AWS = {"AWS_ACCESS_KEY_ID": "judge", "AWS_SECRET_ACCESS_KEY": "judge", "AWS_REGION": "us-east-1"}
# the plan is ETL (a files target runs no SQL): production hashes personal data with this key (none here)
ETL = {"PIPEGEN_PII_KEY": "judge-only"}


def batch(project: Path, python: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], cwd=project, capture_output=True, text=True, timeout=600,
                          check=False, env=offline_env(home, **env))  # fmt: skip


def change_source(project: Path) -> None:
    """The source after the first load: five rows updated (a later watermark), three new ones."""
    with sqlite3.connect(next((project / "data").glob("*.sqlite"))) as db:
        table = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        latest = max(dt.datetime.fromisoformat(r[0]) for r in db.execute(f'SELECT updated_at FROM "{table}"'))
        later = (latest + dt.timedelta(days=1)).isoformat(sep=" ")
        db.execute(f'UPDATE "{table}" SET amount = amount + 1000, paid = 1 - paid, updated_at = ? '
                   "WHERE order_id IN (1, 2, 3, 4, 5)", (later,))  # fmt: skip
        top = db.execute(f'SELECT max(order_id) FROM "{table}"').fetchone()[0]
        for i in range(1, 4):
            row = (top + i, f"new {i}", 12.5 * i, i % 2, "2026-02-0" + str(i), json.dumps(["new"] * i), later)
            db.execute(f'INSERT INTO "{table}" (order_id, customer, amount, paid, ordered_on, tags, updated_at) '
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", row)  # fmt: skip


def source_rows(project: Path) -> list[list[str | None]]:
    """The source's rows as Spark writes silver's values as text (the reference: never the job's)."""
    with sqlite3.connect(next((project / "data").glob("*.sqlite"))) as db:
        table = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        columns = "order_id, customer, amount, paid, ordered_on, tags, updated_at"
        rows = db.execute(f'SELECT {columns} FROM "{table}"').fetchall()

    def text(i: int, v: Any) -> str | None:
        if v is None:
            return None
        if i == 2:
            return f"{Decimal(str(v)):.2f}"
        if i == 3:
            return "true" if v else "false"
        if i == 5:  # an array<string> (JSON text in the stand-in) as Spark writes one as text
            return "[" + ", ".join(json.loads(v)) + "]"
        if i == 6:
            return dt.datetime.fromisoformat(str(v)).isoformat(sep=" ")
        return str(v)

    return sorted([[text(i, v) for i, v in enumerate(r)] for r in rows], key=lambda r: [str(v) for v in r])


def seconds(rows: list[list[str | None]]) -> list[list[str | None]]:
    """Spark's text of a timestamp drops a zero fraction; the reference's isoformat keeps none either."""
    return [[dt.datetime.fromisoformat(v).isoformat(sep=" ") if i == 6 and v else v for i, v in enumerate(r)]
            for r in rows]  # fmt: skip


@pytest.fixture(scope="module")
def landed(
    batch_python: Path, spark_python: Path, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("spark_landing")
    (tmp / "pipegen.yaml").write_text(SPEC)
    home = tmp / "home"
    s3 = {"AWS_ENDPOINT_URL": moto_endpoint, **AWS}
    out: dict[str, Any] = {"runs": {}, "reference": {}}
    cases = []
    for name, root, env in (("file", (tmp / "store").as_uri(), {}), ("s3", f"s3://{BUCKET}", s3)):
        project = tmp / name
        code, output = generate(tmp / "pipegen.yaml", project)
        assert code == 0, output
        out.setdefault("generated", {})[name] = output
        synthesized = batch(project, batch_python, home, "-m", "pipeline.synthesize", "--bad-row-rate", "0")
        assert synthesized.returncode == 0, synthesized.stderr[-3000:]
        if name == "s3":  # the bucket, as Terraform creates it in production
            made = batch(project, batch_python, home, "-c", "import os, pyarrow.fs as f; f.S3FileSystem("
                         "endpoint_override=os.environ['AWS_ENDPOINT_URL'], "
                         f"allow_bucket_creation=True).create_dir({BUCKET!r})", **s3)  # fmt: skip
            assert made.returncode == 0, made.stderr[-3000:]
        # without a landing root a production run stops before it loads (and lands) anything (judged once)
        runs = [batch(project, batch_python, home, "-m", "pipeline.ingest", **ETL)] if name == "file" else []
        if name == "s3":  # S3 unreachable: the load commits, its landing fails, and the next run lands it first
            closed = {**env, "AWS_ENDPOINT_URL": CLOSED, "AWS_MAX_ATTEMPTS": "1"}
            runs.append(batch(project, batch_python, home, "-m", "pipeline.ingest", PIPEGEN_LANDING_ROOT=root,
                              **ETL, **closed))  # fmt: skip
        for step in range(2):
            if step:
                change_source(project)
            runs.append(batch(project, batch_python, home, "-m", "pipeline.ingest",
                              PIPEGEN_LANDING_ROOT=root, **ETL, **env))  # fmt: skip
        out["runs"][name] = [(r.returncode, r.stdout + r.stderr) for r in runs]
        out["reference"][name] = source_rows(project)
        out.setdefault("projects", {})[name] = str(project)
        folder = tmp / "store" if name == "file" else tmp / "mirror"  # where Spark reads what landed
        case = {"name": name, "project": str(project), "landing": str(folder), "lake": str(tmp / f"lake-{name}")}
        cases.append(case | ({"s3": BUCKET} if name == "s3" else {}))
    (tmp / "work.json").write_text(json.dumps({"cases": cases}))
    run = subprocess.run(
        [str(spark_python), str(DRIVER), str(tmp / "work.json")],
        capture_output=True, text=True, timeout=900, check=False, env=offline_env(home, **s3),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    return out | {"spark": json.loads(run.stdout.split("@@JSON@@", 1)[1])}


@pytest.mark.judge
@pytest.mark.parametrize("case", ["file", "s3"])
def test_extract_load_lands_every_loaded_batch_where_the_spark_jobs_bronze_reads_it(landed: dict, case: str) -> None:
    got = landed["spark"][case]
    # silver: exactly the source's rows, typed (the updated rows at their new values, the new rows in)
    assert seconds(got["silver"]) == landed["reference"][case]
    assert len(got["silver"]) == 43
    # every landed file is a Parquet batch in the table's landing directory, the folder medallion.json names
    assert got["landing_dir"] == "data/landing/shop_floor/orders"
    assert got["files"] and all(f.startswith(got["landing_dir"] + "/") for f in got["files"]), got["files"]
    # one batch per load; on S3 the failed landing's batch, then the next run's (the watermark lag's re-reads)
    assert len(got["files"]) == (2 if case == "file" else 3)
    # bronze: each landed row once, one batch id per file; a second bronze run takes nothing again
    batches = {r[-1] for r in got["bronze"]}
    assert batches == {"file:" + f.rsplit("/", 1)[1] for f in got["files"]}
    first = got["first"]
    assert first["bronze.shop_floor__orders"] == len(got["bronze"]) >= 48  # 40 + 8 changed (+ the lag's re-reads)
    assert got["again"]["bronze.shop_floor__orders"] == 0 and got["again"]["silver.shop_floor__orders"]["new"] == 0
    loads = landed["runs"][case]
    if case == "file":  # without a landing root a production run stops before it loads (and lands) anything
        unset, loads = loads[0], loads[1:]
        assert unset[0] == 1 and "PIPEGEN_LANDING_ROOT is not set" in unset[1], unset[1][-2000:]
    if case == "s3":  # the landing failed after the load committed: the next run landed those rows first
        failed, loads = loads[0], loads[1:]
        assert failed[0] == 1 and f"landing the batches the Spark job's bronze reads in s3://{BUCKET}/" in failed[1]
        assert "the next run lands them before it loads anything" in failed[1], failed[1][-2000:]
        assert "ShopFloor -> s3://landing-judge/data/landing/shop_floor: orders 40 " in loads[0][1], loads[0][1]
    for code, output in loads:
        assert code == 0, output[-3000:]
        assert "landed for the Spark job's bronze" in output, output[-3000:]
    generated = landed["generated"][case]
    assert "[R500]" not in generated and "[R493]" not in generated, generated  # nothing left to warn about
