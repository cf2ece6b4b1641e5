"""The benchmark's synthetic specs stay valid, so the figures measure real work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.synth import make_spec

from pipegen.spec.validate import check_bytes


@pytest.mark.parametrize("n", [1, 10, 25])
def test_synthetic_spec_is_valid_and_has_n_tables(n: int) -> None:
    checked = check_bytes(json.dumps(make_spec(n)).encode(), "synthetic.yaml")
    assert checked.ok, checked.diagnostics
    assert checked.spec is not None
    assert sum(len(s.tables) for s in checked.spec.sources) == n


# ---------------------------------------------------------------- benchmarks/bench_ingest.py


def test_the_ingestion_benchmarks_specs_are_valid_and_declare_what_its_records_hold(tmp_path: Path) -> None:
    from benchmarks import bench_ingest

    for data in (bench_ingest.files_spec(tmp_path), bench_ingest.api_spec("http://127.0.0.1:1")):
        checked = check_bytes(json.dumps(data).encode(), "bench.yaml")
        assert checked.ok, checked.diagnostics
        assert checked.spec is not None
        (table,) = checked.spec.sources[0].tables
        assert [c.name for c in table.columns] == list(bench_ingest.record(1))


def test_the_ingestion_benchmarks_jsonl_input_has_one_record_a_line(tmp_path: Path) -> None:
    from benchmarks import bench_ingest

    path = tmp_path / "events.jsonl"
    bench_ingest.write_jsonl(path, 25_003)  # written 10,000 at a time: the last block is partial
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 25_003
    assert [json.loads(line)["id"] for line in lines] == list(range(1, 25_004))


def test_the_ingestion_benchmark_runs_end_to_end_on_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a timing: the script's cases run (every record lands in each, checked by the script)
    and the report has its rows."""
    from benchmarks import bench_ingest

    assert bench_ingest.main(["--rows", "300", "--api-rows", "150", "--repeat", "1"]) == 0
    report = capsys.readouterr().out
    for row in ("| generated ingestion |", "| plain dlt, pyarrow JSON batches |", "| fetch and parse only |",
                "ratio generated / plain dlt", "ratio generated / fetch only"):  # fmt: skip
        assert row in report, report
