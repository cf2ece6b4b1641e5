"""`pipegen diff`: read both specs (OLD may be `REV:PATH`, read with `git show`), diff them, and
add the architecture switch the planner sees when both specs are valid.

It sits beside pipeline.py, above the spec and the plan, because it asks both: the diff itself
is the spec layer's (`pipegen.spec.diff`), the architecture each side gets is the planner's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from pipegen.errors import UserError
from pipegen.spec.diagnostics import Diagnostic, Finding, SpecError
from pipegen.spec.diff import (
    Classified,
    IPath,
    architecture_change,
    diff,
    fails,
    render_github,
    render_json,
    render_text,
)
from pipegen.spec.load import Loaded, load_bytes, load_file


def read_old(arg: str) -> Loaded:
    """A file, or `REV:PATH` (git show) when no such file exists."""
    path = Path(arg)
    if path.is_file() or ":" not in arg:
        return _loaded(load_file(path))
    git = shutil.which("git")
    if git is None:
        raise UserError(f"{arg} is not a file, and git is not installed to read it as REV:PATH")
    done = subprocess.run([git, "show", arg], capture_output=True, check=False, timeout=60)
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"cannot read {arg} from git: {why[-1] if why else 'git show failed'}",
                        hint="use REV:PATH with PATH relative to the repository root, e.g. HEAD~1:pipegen.yaml, "
                        "or ./PATH relative to the current directory")  # fmt: skip
    return _loaded(load_bytes(done.stdout, arg))


def _loaded(loaded: Loaded) -> Loaded:
    """A spec that could be read as YAML (it need not validate: a diff of a broken spec still helps)."""
    if not loaded.ok or loaded.data is None:
        raise SpecError(_problems(loaded))
    return loaded


def _problems(loaded: Loaded) -> list[Diagnostic]:
    return [Diagnostic(loaded.file, p.line, p.column, f.severity, f.code, f.message, "", f.hint)
            for p, f in loaded.problems]  # fmt: skip


def _architecture(loaded: Loaded) -> str | None:
    """The architecture the planner picks, or None when the spec does not validate."""
    from pipegen.plan.plan import make_plan
    from pipegen.spec.validate import check_bytes

    checked = check_bytes(_dump(loaded.data), loaded.file)
    if not checked.ok or checked.spec is None:
        return None
    return str(make_plan(checked.spec).architecture.value)


def _dump(data: Any) -> bytes:
    import json

    return json.dumps(data, default=str).encode()  # JSON is YAML: the loader reads it back


def classified(old: Loaded, new: Loaded, allow: tuple[str, ...]) -> list[Classified]:
    items = diff(old.data, new.data, allow)
    before, after = _architecture(old), _architecture(new)
    if before and after and before != after and not any(c.change.path == "architecture" for c in items):
        items.append(architecture_change(before, after, _get(old.data, "latency"), _get(new.data, "latency")))
    return items


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def run_diff(old_arg: str, new_path: Path, fmt: str, fail_on: str, allow: tuple[str, ...]) -> tuple[str, bool]:
    old, new = read_old(old_arg), _loaded(load_file(new_path))
    items = classified(old, new, allow)
    if fmt == "json":
        text = render_json(items)
    elif fmt == "github":

        def locate(where: IPath) -> tuple[int, int]:
            pos = new.locate(Finding(where, "", ""))
            return pos.line, pos.column

        text = render_github(items, str(new_path), locate)
    else:
        text = render_text(items)
    return text, fails(items, fail_on) if fail_on != "never" else False
