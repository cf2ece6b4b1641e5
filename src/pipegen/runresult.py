"""What a finished local run left (`reports/run.json` and `reports/index.html`, written by the
generated pipeline/run.py and pipeline/run_report.py), read from pipegen's side: the report's
path for `pipegen report`, and each failure that names a spec path (`(pipegen.yaml
transforms.streams[0].sink)`) located at its line in the project's pipegen.yaml, the way
diagnostics are (pipegen knows the spec's positions; the generated run does not parse YAML)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipegen.errors import UserError

REPORTS = Path("reports")
SPEC_PATH = re.compile(r"\(pipegen\.yaml ([A-Za-z_][\w.\[\]]*)\)")


def report_path(project: Path) -> Path:
    """The run's HTML report, or a UserError saying how to get one."""
    page = project / REPORTS / "index.html"
    if not page.is_file():
        raise UserError(
            f"{project} has no run report ({REPORTS / 'index.html'})",
            hint="run the pipeline first: `pipegen run` (or `make run`) leaves it there",
        )
    return page


def last_run(project: Path) -> dict[str, Any] | None:
    path = project / REPORTS / "run.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def located_failures(project: Path) -> list[str]:
    """`pipegen.yaml:LINE:COL: the failure` for every failure of the last run naming a spec path."""
    run = last_run(project)
    spec = project / "pipegen.yaml"
    failures = (run or {}).get("failures") or []
    wanted = [(f, m.group(1)) for f in failures for m in [SPEC_PATH.search(str(f.get("message", "")))] if m]
    if not wanted or not spec.is_file():
        return []
    positions = spec_positions(spec)
    lines = []
    for failure, at in wanted:
        pos = positions.get(at)
        where = f"{spec.name}:{pos[0]}:{pos[1]}" if pos else spec.name
        lines.append(
            f"{where}: {failure.get('severity', 'failed')} in step {failure.get('step')}: {failure.get('message')}"
        )
    return lines


def spec_positions(spec: Path) -> dict[str, tuple[int, int]]:
    """Dotted spec path -> (line, column) of its value (its key for a mapping or a list)."""
    from pipegen.spec.diagnostics import dotted
    from pipegen.spec.load import load_file

    loaded = load_file(spec)
    found = {}
    for path, pos in loaded.positions.items():
        keyed = pos.key_line is not None and pos.key_column is not None
        found[dotted(path)] = (pos.key_line, pos.key_column) if keyed else (pos.line, pos.column)
    return found  # type: ignore[return-value]
