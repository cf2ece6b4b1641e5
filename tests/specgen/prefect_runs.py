"""Runs inside the prefect judge environment: each generated project's flow, a local run
(`local=True`: synthetic stand-ins, the real dlt ingestion, dbt build, GX), under one
prefect_test_harness for all of them, retries off (a failure is reported, not retried).
Prints one JSON line {project: {"state", "tasks": [{name, state}], "error"}}.

    python prefect_runs.py PROJECT_DIR...
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from project_modules import enter, leave, output_to, tail


async def task_runs(flow_run_id: Any) -> list[dict[str, Any]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return [{"name": r.name, "state": r.state_name} for r in runs]


def run(project: Path) -> dict[str, Any]:
    from prefect import Task

    [flow_file] = sorted((project / "flows").glob("*.py"))
    added = enter(project)
    try:
        spec = importlib.util.spec_from_file_location(f"flow_{project.parent.name}", flow_file)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, value in list(vars(module).items()):
            if isinstance(value, Task):
                setattr(module, name, value.with_options(retries=0, retry_delay_seconds=0))
        started = time.perf_counter()
        with output_to(project / "judge.log"):
            state = getattr(module, flow_file.stem)(local=True, return_state=True)
        result = state.result(raise_on_failure=False)
        return {
            "state": state.name,
            "tasks": asyncio.run(task_runs(state.state_details.flow_run_id)),
            "error": None if state.is_completed() else f"{result!r}\n{tail(project / 'judge.log')}",
            "seconds": round(time.perf_counter() - started, 1),
        }
    finally:
        leave(added)


def main() -> int:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=None):  # PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
        out = {arg: run(Path(arg)) for arg in sys.argv[1:]}
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
