"""kill -9 at random moments of a large generate: after recovery the tree is always exactly the
previous generation or the new one, and the manifest matches the files on disk."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipegen.write import WriteMeta, interrupted, recover, sha256, write_tree

FILES = 120
RUNS = 10
OLD = {f"models/m{i:03}/model.sql": f"-- model {i}\nselect {i} as n\n" * 20 for i in range(FILES)}
# the new generation: 100 files changed, 20 retired, 40 created
WRITER = f"""
import sys
from pathlib import Path
from pipegen.write import WriteMeta, write_tree
files = {{f"models/m{{i:03}}/model.sql": f"-- model {{i}} v2\\nselect {{i}} as n, 1 as k\\n" * 20
         for i in range(20, {FILES})}}
files.update({{f"docs/d{{i:03}}.md": f"# doc {{i}}\\n" for i in range(40)}})
write_tree(Path(sys.argv[1]), files, WriteMeta("2.0", "new"))
"""


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).as_posix() != ".pipegen/lock"
    }


def _start(out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(out)], env=env)


def _consistent(out: Path) -> None:
    manifest = json.loads((out / ".pipegen/manifest.json").read_text())
    for path, digest in manifest["files"].items():
        if path == "models/m005/model.sql":  # the user's edit: not what pipegen wrote
            continue
        assert sha256((out / path).read_bytes()) == digest, f"{path} does not match the manifest"
        assert sha256((out / ".pipegen/base" / path).read_bytes()) == digest, f"base of {path}"


def test_kill_minus_nine_at_random_points_leaves_old_or_new(tmp_path: Path) -> None:
    template = tmp_path / "template"
    write_tree(template, OLD, WriteMeta("1.0", "old"))
    (template / "models/m005/model.sql").write_text("-- the user's edit\n")
    old = snapshot(template)
    reference = tmp_path / "reference"
    shutil.copytree(template, reference)
    started = time.monotonic()
    assert _start(reference).wait(timeout=300) == 0
    duration = time.monotonic() - started
    new = snapshot(reference)
    assert new != old and new["models/m005/model.sql"] == b"-- the user's edit\n"
    rng = random.Random(20261124)
    outcomes = {"old": 0, "new": 0, "interrupted": 0}
    for run in range(RUNS):
        out = tmp_path / f"run{run}"
        shutil.copytree(template, out)
        delay = duration * (run + rng.random()) / RUNS  # one random moment in each slice of the run
        proc = _start(out)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=60)
        if interrupted(out):
            outcomes["interrupted"] += 1
            recover(out)
        after = snapshot(out)
        assert after in (old, new), f"run {run}: killed after {delay:.3f}s, the tree is neither generation"
        outcomes["old" if after == old else "new"] += 1
        _consistent(out)
        shutil.rmtree(out)
    assert outcomes["interrupted"] >= 1, f"no kill landed inside a write: {outcomes}"
