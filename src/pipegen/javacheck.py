"""Before `pipegen run` builds any environment: the Java a chosen step needs (PyFlink's stream
step: Java 11 or 17) is there. The steps come from the project's own pipeline/run.py (its STEPS
and its --from/--only selection, run with pipegen's Python: the module needs only the standard
library until it runs a step); `java` is `$JAVA_HOME/bin/java` when JAVA_HOME is set (as PyFlink
finds it), else the first on PATH. A missing `java`, or one older than the step needs, is a
UserError naming the step and what to install, never a JVM's stack trace minutes later."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pipegen.errors import UserError

# the chosen steps that need Java, as [name, [releases]]; exit 2 on a usage error (run.py says it again)
ASK = """
import json, sys
from pipeline import run
args, parser = run.parse(sys.argv[1:])
chosen = [s for s in run.select(args, parser) if s.get("java")]
if hasattr(run, "unmet"):  # a step with no local stand-in to work on (no CDC database) does not run
    chosen = [s for s in chosen if run.unmet(s, run.local_env()) is None]
print(json.dumps([[s["name"], s["java"]] for s in chosen]))
"""
INSTALL = (
    "install a JDK {want} (Debian/Ubuntu: `sudo apt-get install openjdk-{want}-jdk-headless`; macOS: "
    "`brew install openjdk@{want}`; or any distribution such as Eclipse Temurin) and put its `java` on PATH or "
    "set JAVA_HOME; or leave the step out: pipegen run --only <the other steps>"
)


def java_steps(project: Path, argv: list[str]) -> list[tuple[str, tuple[int, ...]]]:
    """(step, Java releases) of the steps this run would run that need Java."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", ASK, *argv], cwd=project, env=env, capture_output=True, text=True,
                          check=False, timeout=60)  # fmt: skip
    if proc.returncode != 0:  # a usage error, or a run.py older than this check: the run reports it
        return []
    return [(str(name), tuple(int(v) for v in releases)) for name, releases in json.loads(proc.stdout or "[]")]


def java_executable(env: dict[str, str]) -> str | None:
    home = env.get("JAVA_HOME")
    if home:
        found = Path(home) / "bin" / "java"
        return str(found) if found.is_file() else None
    return shutil.which("java", path=env.get("PATH"))


def java_release(text: str) -> int | None:
    """The feature release in `java -version`'s output: `"17.0.9"` -> 17, `"1.8.0_392"` -> 8."""
    found = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def check_java(steps: list[tuple[str, tuple[int, ...]]], env: dict[str, str]) -> str | None:
    """Refuses (UserError) a missing `java`, or one older than a step needs (each step on its own:
    the capture step's Java 17 is not met by the stream step's 11); returns a warning line for a
    release newer than the ones the steps are known to run on, else None."""
    if not steps:
        return None
    names, want, hint = _wanted(steps)
    java = java_executable(env)
    if java is None:
        where = f"JAVA_HOME ({env['JAVA_HOME']}) has no bin/java" if env.get("JAVA_HOME") else "no `java` on PATH"
        raise UserError(f"step {names} runs on Java {want}, and there is {where}", hint=hint)
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, check=False, timeout=60)
        release = java_release(proc.stderr + proc.stdout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"step {names} runs on Java {want}, and `{java} -version` failed: {exc}", hint=hint) from exc
    if release is None:
        raise UserError(f"step {names} runs on Java {want}, and `{java} -version` names no release", hint=hint)
    older = [(name, releases) for name, releases in steps if release < min(releases)]
    if older:
        names, want, hint = _wanted(older)
        raise UserError(f"step {names} runs on Java {want}, and {java} is Java {release}", hint=hint)
    newer = [(name, releases) for name, releases in steps if release > max(releases)]
    if newer:
        names, want, _ = _wanted(newer)
        return f"note: {java} is Java {release}; step {names} is known to run on Java {want}"
    return None


def _wanted(steps: list[tuple[str, tuple[int, ...]]]) -> tuple[str, str, str]:
    """(the steps' names, the releases all of them run on (else any of theirs), the install hint)."""
    names = ", ".join(name for name, _ in steps)
    common = set.intersection(*(set(releases) for _, releases in steps))
    releases = sorted(common or {r for _, rs in steps for r in rs})
    return names, " or ".join(str(r) for r in releases), INSTALL.format(want=releases[-1])
