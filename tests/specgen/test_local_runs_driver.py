"""tests/specgen/local_runs.py runs a project's runner in one process and its steps in it as
`python -m` would: judged here on a tiny project whose runner starts its steps as the generated
runner does (`subprocess.call([sys.executable, "-m", "pipeline.NAME", ...], cwd=, env=)`), and
whose steps report what a process would see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DRIVER = Path(__file__).with_name("local_runs.py")
MAIN = 'if __name__ == "__main__":\n    sys.exit(main())\n'
RUNNER = """import json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    codes = []
    for name, extra in (("count", "1"), ("count", "2"), ("other", ""), ("fail", "")):
        env = {**os.environ, "STEP_EXTRA": extra, "STEP_OUT": str(ROOT / f"{name}{extra}.json")}
        codes.append(subprocess.call([sys.executable, "-m", f"pipeline.{name}", "--flag"], cwd=ROOT, env=env))
    (ROOT / "codes.json").write_text(json.dumps(codes))
    return codes[-1]
"""
STEP = """import atexit, json, os, sys
from pathlib import Path

SEEN = []  # module state: a new process starts with none


def write():
    Path(os.environ["STEP_OUT"]).write_text(json.dumps({"seen": SEEN, "argv": sys.argv[1:],
        "extra": os.environ.get("STEP_EXTRA"), "pid": os.getpid()}))


def main():
    SEEN.append(os.environ["STEP_EXTRA"])
    atexit.register(write)  # written at the step's exit, as a process's exit would
    return 0
"""
OTHER = """import json, os, sys
from pathlib import Path

def main():
    Path(os.environ["STEP_OUT"]).write_text(json.dumps({"pid": os.getpid()}))
    return 0

if __name__ == "__main__":
    main()
"""
FAIL = "import sys\n\n\ndef main():\n    raise RuntimeError('broken step')\n"


def project(root: Path) -> Path:
    package = root / "proj" / "pipeline"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "run.py").write_text(RUNNER + "\n\n" + MAIN)
    (package / "count.py").write_text(STEP + "\n\n" + MAIN)
    (package / "other.py").write_text(OTHER)  # another main block: started as a process
    (package / "fail.py").write_text(FAIL + "\n\n" + MAIN)
    return package.parent


def test_steps_run_in_the_drivers_process_as_python_m_would(tmp_path: Path) -> None:
    proj = project(tmp_path)
    proc = subprocess.run([sys.executable, str(DRIVER), str(proj)], capture_output=True, text=True, check=True)
    [result] = json.loads(proc.stdout.strip().splitlines()[-1]).values()
    driver_pid = json.loads((proj / "count1.json").read_text())["pid"]
    assert result["in_process"] == ["pipeline.count", "pipeline.count", "pipeline.fail"]
    first, second = (json.loads((proj / f"count{n}.json").read_text()) for n in (1, 2))
    # the runner's environment for that call, sys.argv as `python -m`, module state fresh, exit handlers run
    assert first == {"seen": ["1"], "argv": ["--flag"], "extra": "1", "pid": driver_pid}
    assert second == {"seen": ["2"], "argv": ["--flag"], "extra": "2", "pid": driver_pid}
    assert json.loads((proj / "other.json").read_text())["pid"] != driver_pid
    # an uncaught exception is exit code 1 with its traceback, and the run's code is the runner's
    assert json.loads((proj / "codes.json").read_text()) == [0, 0, 0, 1]
    assert result["code"] == 1 and "RuntimeError: broken step" in result["error"]
