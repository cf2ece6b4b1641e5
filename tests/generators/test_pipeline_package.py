"""A stream-only project (no run steps: the e-commerce example writes only the capture and the
Flink runtime into `pipeline/`) still gets the package's `__init__.py`, and its capture step writes
its summary through that one helper instead of a copy of it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, generate


def test_a_stream_only_project_gets_the_package_init_and_capture_uses_its_summary_writer(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    data = YAML().load((REPO / "specs" / "ecommerce_realtime.yaml").read_text(encoding="utf-8"))
    del data["transforms"]["marts"]  # its marts get a batch layer: without them it only streams
    spec = tmp_path / "pipegen.yaml"
    YAML().dump(data, spec)
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    package = project / "pipeline"
    assert (package / "capture.py").is_file() and (package / "stream.py").is_file()
    # its local run is the stream step alone (issue 23: every architecture runs with `pipegen run`)
    run = (package / "run.py").read_text()
    assert '"name": "stream"' in run and '"name": "ingest"' not in run
    init = (package / "__init__.py").read_text()
    assert "def write_summary" in init
    capture = (package / "capture.py").read_text()
    assert "def _write_summary" not in capture and "def write_summary" not in capture
    assert re.search(r"from pipeline import (\w+, )*write_summary\b", capture), capture
    summary = tmp_path / "summary.json"
    code = "from pipeline import write_summary; write_summary({'summary': '3 change event(s) captured'})"
    env = {**os.environ, "PIPEGEN_STEP_SUMMARY": str(summary)}
    subprocess.run([sys.executable, "-c", code], cwd=project, env=env, check=True, timeout=60)
    assert json.loads(summary.read_text()) == {"summary": "3 change event(s) captured"}
