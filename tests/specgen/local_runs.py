"""Runs inside the batch judge environment: the local run of several generated projects in this one
process, so that dbt, Great Expectations and dlt are imported once for all of them instead of once
per step process (~7 s of CPU of a small project's ~13 s). Prints one JSON line
{project: {"code", "seconds", "in_process", "error"}}.

    python local_runs.py [--no-docs] PROJECT_DIR...
    python local_runs.py --json RUNS.json      ([[PROJECT_DIR, [option...]], ...]: the runner's options per project)

Each project's own runner runs whole, as `python -m pipeline.run [--no-docs]` runs it: its
`main(argv)` chooses the steps, builds each step's environment (the run's options, .env, the clock,
PIPEGEN_STEP_SUMMARY and PIPEGEN_STEP_PROGRESS), writes the report, the metrics and the lineage,
and returns the run's exit code. One thing differs: where the runner starts a step as a process of
this interpreter (`subprocess.call([sys.executable, "-m", "pipeline.NAME", ...], cwd, env)`), the
step runs here, as `python -m` would run it:

- the environment the runner gave it is os.environ for that call only, the project's folder the
  working directory, `sys.argv` as `python -m` sets it;
- the project's modules are imported afresh (a new process's module state), its module's
  `if __name__ == "__main__": sys.exit(main())` is called as `main()` (a module whose main block
  is anything else is started as a process), SystemExit's code is its exit code and an uncaught
  exception goes to sys.excepthook and is code 1;
- at its end, what the process's exit would do for the project's code is done (fresh_project_modules):
  the exit handlers its modules registered run, dbt-duckdb's connection and the step's DuckDB
  connections are closed.

Every other command (a step in another interpreter, such as PyFlink's) is the runner's own
subprocess call. Between projects the previous one's `pipeline` package, settings and GX actions
are forgotten (project_modules.enter). A project's output goes to PROJECT/judge.log.

That a step starts as its own `python -m` process is judged where the runner runs as a process:
the drawn projects' local run (tests/specgen/judges.local_run), tests/families/test_local_run.py
and the README walk-throughs (`pipegen run`)."""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from project_modules import PROJECT_PACKAGES, enter, forget_dbt_duckdb, forget_gx_actions, leave, output_to, tail

MAIN_BLOCK = 'if __name__ == "__main__":\n    sys.exit(main())\n'
IN_PROCESS: list[str] = []  # the steps the current project ran in this process


def in_process(cmd: list[str], root: Path) -> str | None:
    """The step module `cmd` starts, when this process can run it as `python -m` would: this
    interpreter, `-m pipeline.NAME`, and a module whose main block is `sys.exit(main())`."""
    if len(cmd) < 3 or cmd[0] != sys.executable or cmd[1] != "-m" or not cmd[2].startswith("pipeline."):
        return None
    source = root.joinpath(*cmd[2].split(".")).with_suffix(".py")
    return cmd[2] if source.is_file() and source.read_text(encoding="utf-8").endswith(MAIN_BLOCK) else None


def run_here(module: str, argv: list[str], cwd: Path, env: dict[str, str], stdout: Any, stderr: Any) -> int:
    """`python -m MODULE ARGV` in this process, with `env` its whole environment for the call."""
    saved_env, saved_argv, saved_cwd, saved_hook = dict(os.environ), sys.argv, Path.cwd(), sys.excepthook
    streams = [(fd, target) for fd, target in ((1, stdout), (2, stderr)) if hasattr(target, "fileno")]
    if stderr is subprocess.STDOUT and hasattr(stdout, "fileno"):
        streams.append((2, stdout))
    sys.stdout.flush()
    sys.stderr.flush()
    saved_fds = [(fd, os.dup(fd)) for fd, _ in streams]
    for fd, target in streams:
        os.dup2(target.fileno(), fd)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with fresh_project_modules():
            code = _main(module, argv, cwd)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in saved_fds:
            os.dup2(saved, fd)
            os.close(saved)
        sys.argv, sys.excepthook = saved_argv, saved_hook
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return code


def _main(module: str, argv: list[str], cwd: Path) -> int:
    """The module imported as `python -m` imports it (sys.argv[0] "-m" meanwhile: the project's
    package sets its excepthook then), then its `sys.exit(main())`; an uncaught exception goes to
    sys.excepthook, as at the end of a process, and is exit code 1."""
    sys.argv = ["-m", *argv]
    try:
        loaded = importlib.import_module(module)
        sys.argv = [str(cwd.joinpath(*module.split(".")).with_suffix(".py")), *argv]
        code = loaded.main()
        return 0 if code is None else code if isinstance(code, int) else 1
    except SystemExit as exc:  # sys.exit(main()) and argparse's errors, as the process would exit
        return _code(exc)
    except Exception:
        try:
            sys.excepthook(*sys.exc_info())
        except SystemExit as exc:  # the project's hook explains a missing module and exits
            return _code(exc)
        return 1


def _code(exc: SystemExit) -> int:
    return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1


@contextmanager
def fresh_project_modules() -> Iterator[None]:
    """A step sees the project's modules as a new process does: the runner's `pipeline` modules
    are set aside and the step imports its own (their module state, such as the progress counts,
    starts empty), GX's pipegen actions are dropped (a process defines them once); at the end what
    the process's exit would do for the project's code is done: the exit handlers its modules
    registered run (the last progress counts written), dbt-duckdb's connection to the warehouse
    and the step's DuckDB connections are closed (the runner then reads the warehouse), and the
    runner's modules come back."""
    runner = {name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] in PROJECT_PACKAGES}
    forget_gx_actions()
    at_exit: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
    register = atexit.register

    def register_here(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        if str(getattr(func, "__module__", None) or "").split(".")[0] in PROJECT_PACKAGES:
            at_exit.append((func, args, kwargs))
            return func
        return register(func, *args, **kwargs)

    atexit.register = register_here  # type: ignore[assignment]
    try:
        yield
    finally:
        atexit.register = register
        for func, args, kwargs in reversed(at_exit):
            try:
                func(*args, **kwargs)
            except Exception:
                print("Exception ignored in atexit callback", func, file=sys.stderr)
                traceback.print_exc()
        for name in [m for m in sys.modules if m.split(".")[0] in PROJECT_PACKAGES]:
            del sys.modules[name]
        sys.modules.update(runner)
        forget_gx_actions()
        forget_dbt_duckdb()
        gc.collect()


class Steps:
    """What the runner's module sees as `subprocess`: the real module, but `call` runs a step of
    this interpreter here (in_process)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def call(self, cmd: list[str], cwd: Any = None, env: dict[str, str] | None = None,
             stdout: Any = None, stderr: Any = None, **kwargs: Any) -> int:  # fmt: skip
        module = in_process(cmd, self.root)
        if module is None or kwargs:
            return subprocess.call(cmd, cwd=cwd, env=env, stdout=stdout, stderr=stderr, **kwargs)
        IN_PROCESS.append(module)
        here = Path(cwd) if cwd is not None else Path.cwd()
        return run_here(module, cmd[3:], here, dict(os.environ if env is None else env), stdout, stderr)


def run(project: Path, argv: list[str], log: Path | None = None, errors: Path | None = None) -> dict[str, Any]:
    """The project's runner, `main(argv)`, its steps here (Steps); its output to `log` (default
    PROJECT/judge.log), stderr to `errors` when given. The working directory is the project's after it."""
    log = log or project / "judge.log"
    added = enter(project)
    IN_PROCESS.clear()
    started = time.perf_counter()
    try:
        with output_to(log, errors):
            runner = importlib.import_module("pipeline.run")
            runner.subprocess = Steps(project)  # type: ignore[attr-defined]
            try:
                code = runner.main(argv)
            except SystemExit as exc:
                code = _code(exc)
            except Exception:
                traceback.print_exc()
                code = 1
        return {"code": code, "seconds": round(time.perf_counter() - started, 1), "in_process": list(IN_PROCESS),
                "error": None if code == 0 else tail(errors or log, 3000)}  # fmt: skip
    finally:
        leave(added)
        gc.collect()


def main() -> int:
    if sys.argv[1:2] == ["--json"]:  # each project with its own options: [[PROJECT_DIR, [option...]], ...]
        runs = [(str(project), list(argv)) for project, argv in json.loads(Path(sys.argv[2]).read_text())]
    else:
        argv = ["--no-docs"] if sys.argv[1:2] == ["--no-docs"] else []
        runs = [(arg, argv) for arg in sys.argv[1 + len(argv) :]]
    out = {project: run(Path(project), argv) for project, argv in runs}
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
