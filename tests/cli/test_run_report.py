"""`pipegen report` prints the path of the last local run's report (exit 1, saying how to get one,
when there is none), and a failure of the run that names a spec path is located at its line of
the project's pipegen.yaml (the line found here by searching the spec's text)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pipegen.runresult import located_failures
from tests.conftest import REPO, run_cli_here

SPEC = REPO / "specs" / "ecommerce_realtime.yaml"


def test_report_prints_the_path_of_the_runs_report(tmp_path: Path) -> None:
    missing = run_cli_here("report", str(tmp_path))
    assert missing.returncode == 1 and "pipegen run" in missing.stderr
    page = tmp_path / "reports" / "index.html"
    page.parent.mkdir()
    page.write_text("<html></html>")
    found = run_cli_here("report", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout == f"{page.resolve()}\n"


def test_a_failure_naming_a_spec_path_is_located_at_its_line(tmp_path: Path) -> None:
    shutil.copy(SPEC, tmp_path / "pipegen.yaml")
    lines = SPEC.read_text().splitlines()
    row = next(i for i, line in enumerate(lines, 1) if "table: rt_category_top_sales" in line)
    column = lines[row - 1].index("sink:") + 1
    message = "ecommerce_realtime__category_top_sales: Flink said no (pipegen.yaml transforms.streams[1].sink)"
    run = {"failures": [{"step": "stream", "message": message}, {"step": "ingest", "message": "exit 2"}]}
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "run.json").write_text(json.dumps(run))
    assert located_failures(tmp_path) == [f"pipegen.yaml:{row}:{column}: failed in step stream: {message}"]


def test_a_lake_rejection_is_located_at_the_rule_that_rejected_the_rows(tmp_path: Path) -> None:
    # the lake step's warning for rows silver rejected (templates/lakehouse/lake.py), as run.json holds it
    spec = REPO / "specs" / "spark_lakehouse.yaml"
    shutil.copy(spec, tmp_path / "pipegen.yaml")
    lines = spec.read_text().splitlines()
    row = next(i for i, line in enumerate(lines, 1) if "name: order_id" in line)
    column = lines[row - 1].index("not_null") + 1
    message = "silver.shop__orders__rejected: 3 row(s) rejected (pipegen.yaml sources[0].tables[0].columns[0].not_null)"
    (tmp_path / "reports").mkdir()
    run = {"failures": [{"step": "lake", "severity": "warning", "message": message}]}
    (tmp_path / "reports" / "run.json").write_text(json.dumps(run))
    assert located_failures(tmp_path) == [f"pipegen.yaml:{row}:{column}: warning in step lake: {message}"]
