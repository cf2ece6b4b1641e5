"""The synthetic family, judged by running it: for every example, `python -m pipeline.synthesize`
writes the local stand-ins the ingestion step reads (a SQLite file per database or Faker
source, the files of a files source), every table with rows; with a bad-row rate the
violations it records are really in the data."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from pipegen.pipeline import families_for, prepare
from tests.conftest import example_specs, generate
from tests.judges import offline_env


def generated(spec: Path, out: Path) -> Path:
    code, output = generate(spec, out)
    assert code == 0, output
    return out


def synthesize(project: Path, python: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pipeline.synthesize", *args],
        cwd=project, capture_output=True, text=True, timeout=600, check=False, env=offline_env(home),
    )  # fmt: skip


def with_stand_ins() -> list[Path]:
    """Examples whose batch layer loads a source the local run can stand in for."""
    return [p for p in example_specs() if "synthetic" in families_for(prepare(p).plan)]


def test_examples_without_stand_ins_are_the_ones_with_no_batch_layer() -> None:
    for spec in set(example_specs()) - set(with_stand_ins()):
        assert prepare(spec).plan.graph.batch_sources == (), spec.stem


@pytest.mark.judge
@pytest.mark.parametrize("spec", with_stand_ins(), ids=lambda p: p.stem)
def test_every_example_gets_its_stand_ins(spec: Path, tmp_path: Path, batch_python: Path) -> None:
    project = generated(spec, tmp_path / "p")
    proc = synthesize(project, batch_python, tmp_path / "home", "--rows", "200")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    layout = json.loads((project / "pipeline" / "synthetic.json").read_text())
    expected = {t["name"] for t in layout["tables"]}
    ready = prepare(spec)
    written = set()
    for source in ready.spec.sources:
        db = project / "data" / f"{source.name}.sqlite"
        if db.exists():
            with sqlite3.connect(db) as con:
                for (name,) in con.execute("select name from sqlite_master where type = 'table'"):
                    (count,) = con.execute(f'select count(*) from "{name}"').fetchone()
                    assert count > 0, f"{source.name}.{name} is empty"
                    written.add(f"{source.name}__{name}")
    for source in ready.spec.sources:  # REST APIs, MongoDB, topics: data/<source>/<dataset>.jsonl
        for dataset in (*source.tables, *source.topics):
            path = project / "data" / source.name / f"{dataset.name}.jsonl"
            if path.exists():
                lines = path.read_text(encoding="utf-8").splitlines()
                assert lines and all(json.loads(line) for line in lines), f"{path} is empty or not JSON lines"
                written.add(f"{source.name}__{dataset.name}")
    files = {f"{s.name}__{d.name}" for s in ready.spec.sources if s.type.value == "files" for d in s.tables}
    assert expected - files <= written, expected - files - written


@pytest.mark.judge
def test_a_jsonl_stand_in_is_kept_between_runs_and_rewritten_when_forced(tmp_path: Path, batch_python: Path) -> None:
    project = generated(Path(__file__).parents[2] / "specs" / "saas_elt.yaml", tmp_path / "p")
    contacts = project / "data" / "crm" / "contacts.jsonl"
    assert synthesize(project, batch_python, tmp_path / "home", "--rows", "50").returncode == 0
    assert contacts.exists()
    contacts.write_text('{"contact_id": "mine"}\n', encoding="utf-8")
    assert synthesize(project, batch_python, tmp_path / "home").returncode == 0
    assert contacts.read_text(encoding="utf-8") == '{"contact_id": "mine"}\n', "kept: no new data asked for"
    assert synthesize(project, batch_python, tmp_path / "home", "--force").returncode == 0
    assert len(contacts.read_text(encoding="utf-8").splitlines()) > 1, "--force writes it again"


@pytest.mark.judge
def test_bad_rows_recorded_are_in_the_stand_in(tmp_path: Path, batch_python: Path) -> None:
    project = generated(Path(__file__).parents[2] / "specs" / "hello.yaml", tmp_path / "p")
    proc = synthesize(project, batch_python, tmp_path / "home", "--rows", "500", "--bad-row-rate", "0.05")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((project / "data" / "_bad_rows.json").read_text())
    violations = manifest["violations"]
    assert len({v["row"] for v in violations}) == 25  # 5% of 500
    with sqlite3.connect(project / "data" / "shop.sqlite") as con:
        rows = con.execute("select rowid - 1, status, amount, order_id from orders").fetchall()
    by_row = {r[0]: r for r in rows}
    for v in violations:
        row = by_row[v["row"]]
        if v["rule"] == "accepted_values":
            assert row[1] not in ("placed", "shipped", "delivered", "returned")
        elif v["rule"] == "range":
            assert row[2] < 0
        elif v["rule"] == "not_null" and v["column"] == "order_id":
            assert row[3] is None


@pytest.mark.judge
def test_existing_files_are_never_overwritten(tmp_path: Path, batch_python: Path) -> None:
    project = generated(Path(__file__).parents[2] / "specs" / "jaffle_shop.yaml", tmp_path / "p")
    (project / "data").mkdir(exist_ok=True)
    mine = project / "data" / "raw_customers.csv"
    mine.write_text("id,first_name,last_name\n1,Ada,Lovelace\n")
    proc = synthesize(project, batch_python, tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    assert mine.read_text() == "id,first_name,last_name\n1,Ada,Lovelace\n"
    assert (project / "data" / "raw_orders.csv").exists() and (project / "data" / "raw_payments.csv").exists()
