"""`pipegen status` and `pipegen generate --check` agree on every state of the regeneration
contract (docs/regeneration.md): the same exit code, the same paths needing a generate, and
the same error when the directory cannot be judged.

Each state is built on a real generated project (specs/hello.yaml) the way a user reaches it,
then both commands run in-process. Besides agreeing, each state's key path must show the
action and states the contract's table names for it (written out by hand below).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipegen.cli import main
from tests.conftest import REPO

HELLO = (REPO / "specs" / "hello.yaml").read_text()
STG = "dbt/models/staging/stg_shop__orders.sql"
GX = "gx/expectations/stg_shop__orders.json"
NOTE = "-- reviewed by the data team\n"
MINE = "        cast(status as varchar) as status,  -- mine\n"
THEIRS = "        cast(status as {{ pipegen_type('string') }}) as status,\n"
NEW_COLUMN = HELLO.replace(
    "          - {name: updated_at,", "          - {name: channel, type: string}\n          - {name: updated_at,"
)
RENAMED_STATUS = HELLO.replace("{name: status, type: string,", "{name: status, rename: order_status, type: string,")
# from docs/regeneration.md: the actions after which a generate writes something (--check fails)
WRITES = {"create", "update", "merge", "conflict", "resolved", "adopt", "delete", "retired", "record"}
LINE = re.compile(r"^  (\S+)\s+(\S+)")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return Run(int(done.value.code or 0), captured.out, captured.err)


@dataclass
class Project:
    spec: Path
    out: Path
    capsys: pytest.CaptureFixture[str]

    def generate(self, *flags: str) -> Run:
        return _cli(self.capsys, "generate", str(self.spec), *flags)

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.out / rel
        text = path.read_text()
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new))

    def manifest(self, **changes: object) -> None:
        path = self.out / ".pipegen/manifest.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


@dataclass(frozen=True)
class Verdicts:
    check: Run
    status: Run
    actions: dict[str, str]  # what --check lists, path -> action
    states: dict[str, list[str]]  # what status lists, path -> states


def verdicts(p: Project) -> Verdicts:
    check = p.generate("--check")
    status = _cli(p.capsys, "status", str(p.spec), "--format", "json")
    actions = {m[2]: m[1] for m in map(LINE.match, check.out.splitlines()) if m}
    states = {i["path"]: i["states"] for i in json.loads(status.out)} if status.out.strip() else {}
    return Verdicts(check, status, actions, states)


def assert_agree(v: Verdicts) -> None:
    assert v.check.code == v.status.code, (v.check, v.status)
    if v.check.err.startswith("error:") or v.status.err.startswith("error:"):
        assert v.check.err.splitlines()[0] == v.status.err.splitlines()[0], (v.check.err, v.status.err)
        return
    needs_generate = {p for p, a in v.actions.items() if a in WRITES}
    flagged = {p for p, s in v.states.items() if {"stale", "conflict"} & set(s)}
    assert needs_generate == flagged, (v.actions, v.states)
    assert ("up to date:" in v.check.out.splitlines()[0]) == (not needs_generate) == (v.check.code == 0), v.check.out
    kept = {p for p, a in v.actions.items() if a == "kept"}
    assert kept <= {p for p, s in v.states.items() if "edited" in s}, (v.actions, v.states)
    deleted = {p for p, a in v.actions.items() if a == "user-deleted"}
    assert deleted == {p for p, s in v.states.items() if "deleted" in s}, (v.actions, v.states)


# --- the states: each builds one from a freshly generated project, and says what its key path shows ---------
# (path, --check's action, status' states, exit code); path None: nothing listed; action "error": both refuse


Expect = tuple[str | None, str, tuple[str, ...], int]


def fresh(p: Project) -> Expect:
    shutil.rmtree(p.out / ".pipegen")
    for item in p.out.iterdir():
        if item.name != "pipegen.yaml":
            shutil.rmtree(item) if item.is_dir() else item.unlink()
    return "docs/plan.md", "create", ("stale",), 1


def up_to_date(p: Project) -> Expect:
    return None, "", (), 0


def spec_changed(p: Project) -> Expect:
    p.spec.write_text(NEW_COLUMN)
    return STG, "update", ("stale",), 1


def spec_changed_no_file(p: Project) -> Expect:
    p.manifest(spec_hash="0" * 64)  # the record of another spec whose files are these
    return ".pipegen/manifest.json", "record", ("stale",), 1


def older_pipegen_wrote_it(p: Project) -> Expect:
    p.manifest(generator_version="0.0.1")
    return ".pipegen/manifest.json", "record", ("stale",), 1


def quality_rule_changed_then_generated(p: Project) -> Expect:
    p.spec.write_text(HELLO.replace("delivered, returned]", "delivered, returned, cancelled]"))
    assert p.generate().code == 0
    assert "ExpectationAdded" in (p.out / "gx/suite_changes.json").read_text()
    return None, "", (), 0


def user_edit(p: Project) -> Expect:
    (p.out / STG).write_text((p.out / STG).read_text() + NOTE)
    return STG, "kept", ("edited",), 0


def user_chmod(p: Project) -> Expect:
    (p.out / STG).chmod(0o600)
    return STG, "kept", ("edited",), 0


def user_edit_and_spec_change(p: Project) -> Expect:
    user_edit(p)
    p.spec.write_text(NEW_COLUMN)
    return STG, "merge", ("edited", "stale"), 1


def conflict_markers(p: Project) -> Expect:
    p.edit(STG, THEIRS, MINE)
    p.spec.write_text(RENAMED_STATUS)
    assert p.generate().code == 1
    return STG, "conflict", ("conflict", "edited"), 1


def markers_removed(p: Project) -> Expect:
    conflict_markers(p)
    lines = (p.out / STG).read_text().splitlines(keepends=True)
    start, end = lines.index(f"<<<<<<< yours: {STG}\n"), lines.index(f">>>>>>> pipegen: {STG}\n")
    (p.out / STG).write_text("".join([*lines[:start], MINE, *lines[end + 1 :]]))
    return STG, "resolved", ("edited", "stale"), 1


def untracked_file_in_the_way(p: Project) -> Expect:
    fresh(p)
    (p.out / "docs").mkdir()
    (p.out / "docs/plan.md").write_text("# my own plan\n")
    assert p.generate().code == 1
    return "docs/plan.md", "conflict", ("conflict",), 1


def pending_resolved(p: Project) -> Expect:
    untracked_file_in_the_way(p)
    (p.out / ".pipegen/pending/docs/plan.md").unlink()
    return "docs/plan.md", "resolved", ("stale",), 1


def deleted(p: Project) -> Expect:
    (p.out / "docs/quality.md").unlink()
    return "docs/quality.md", "user-deleted", ("deleted",), 0


def deleted_and_its_version_changed(p: Project) -> Expect:
    (p.out / "docs/plan.md").unlink()
    p.spec.write_text(HELLO.replace("rows_per_day: 50000", "rows_per_day: 50100"))  # changes docs/plan.md only
    return ".pipegen/manifest.json", "record", ("stale",), 1


def retiring(p: Project) -> Expect:
    p.edit(GX, "{", "{ ")
    p.spec.write_text(HELLO.replace("- name: orders", "- name: purchases"))
    return GX, "retired", ("edited", "stale", "retired"), 1


def retired(p: Project) -> Expect:
    retiring(p)
    assert p.generate().code == 0
    return GX, "", ("retired",), 0


def manifest_missing(p: Project) -> Expect:
    (p.out / ".pipegen/manifest.json").unlink()
    return "docs/plan.md", "adopt", ("stale",), 1


def manifest_missing_with_an_edit(p: Project) -> Expect:
    user_edit(p)
    (p.out / ".pipegen/manifest.json").unlink()
    return STG, "conflict", ("conflict",), 1


def manifest_corrupt(p: Project) -> Expect:
    (p.out / ".pipegen/manifest.json").write_text("{")
    return None, "error", (), 1


def manifest_from_a_newer_pipegen(p: Project) -> Expect:
    p.manifest(generator_version="99.0")
    return None, "error", (), 1


def interrupted_run(p: Project) -> Expect:
    p.spec.write_text(NEW_COLUMN)
    env = {**os.environ, "PIPEGEN_FAULT_AFTER_OPS": "3", "PYTHONPATH": os.pathsep.join(sys.path)}
    crash = subprocess.run([sys.executable, "-m", "pipegen", "generate", str(p.spec)], env=env, capture_output=True,
                           check=False, timeout=300)  # fmt: skip
    assert crash.returncode == -9 and (p.out / ".pipegen/txn").is_dir()
    return None, "error", (), 1


def directory_in_place(p: Project) -> Expect:
    (p.out / "docs/quality.md").unlink()
    (p.out / "docs/quality.md").mkdir()
    (p.out / "docs/quality.md/notes.txt").write_text("mine\n")
    return "docs/quality.md", "conflict", ("conflict",), 1


def file_where_a_directory_is_needed(p: Project) -> Expect:
    shutil.rmtree(p.out / "docs")
    (p.out / "docs").write_text("not a folder\n")
    return "docs/quality.md", "conflict", ("conflict",), 1


def base_copy_missing(p: Project) -> Expect:
    (p.out / ".pipegen/base/docs/plan.md").unlink()
    return ".pipegen/base/docs/plan.md", "record", ("stale",), 1  # the manifest is unchanged


def stray_pending_file(p: Project) -> Expect:
    (p.out / ".pipegen/pending").mkdir(exist_ok=True)
    (p.out / ".pipegen/pending/README.md").write_text("left over\n")
    return ".pipegen/pending/README.md", "record", ("stale",), 1


STATES: list[Callable[[Project], Expect]] = [
    fresh, up_to_date, spec_changed, spec_changed_no_file, older_pipegen_wrote_it,
    quality_rule_changed_then_generated, user_edit, user_chmod, user_edit_and_spec_change, conflict_markers,
    markers_removed, untracked_file_in_the_way, pending_resolved, deleted, deleted_and_its_version_changed,
    retiring, retired, manifest_missing, manifest_missing_with_an_edit, manifest_corrupt,
    manifest_from_a_newer_pipegen, interrupted_run, directory_in_place, file_where_a_directory_is_needed,
    base_copy_missing, stray_pending_file,
]  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hello")
    (out / "pipegen.yaml").write_text(HELLO)
    with pytest.raises(SystemExit) as done:
        main(["generate", str(out / "pipegen.yaml")])
    assert done.value.code in (0, None)
    return out


@pytest.mark.parametrize("state", STATES, ids=lambda f: f.__name__)
def test_status_and_check_agree(
    state: Callable[[Project], Expect], generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "project"
    shutil.copytree(generated, out, symlinks=True)
    p = Project(out / "pipegen.yaml", out, capsys)
    path, action, states, code = state(p)
    v = verdicts(p)
    assert_agree(v)
    assert (v.check.code, v.status.code) == (code, code), (v.check, v.status)
    if action == "error":
        assert v.check.err.startswith("error:") and "Traceback" not in v.check.err + v.status.err
    elif path is None:
        assert [a for a in v.actions.values() if a in WRITES] == [], v.check.out
        assert [s for s in v.states.values() if {"stale", "conflict"} & set(s)] == [], v.status.out
    else:
        assert v.actions.get(path, "") == action, v.check.out
        assert tuple(v.states.get(path, ())) == states, v.status.out


def test_the_states_cover_the_contract_table() -> None:
    """Every action the contract's table names is reached by at least one state above."""
    table = (REPO / "docs" / "regeneration.md").read_text().split("For each path", 1)[1].split("### Three-way", 1)[0]
    named = set(re.findall(r"`([a-z][a-z-]*)`", table)) - {"docs"}
    reached = {"create", "update", "unchanged", "kept", "merge", "conflict", "resolved", "user-deleted", "adopt",
               "delete", "retired", "record"}  # fmt: skip
    assert named <= reached, named - reached
