"""Runs inside the prefect judge environment: runs a generated flow once under
prefect_test_harness (a temporary local API and SQLite DB) and prints one JSON line with the
flow's state and return value, every task run (name, state, run count) and the Markdown
artifacts. Retry delays are set to zero so a retried task does not wait.

    python prefect_driver.py PROJECT_DIR FLOW_NAME
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any


async def _read(flow_run_id: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        artifacts = await client.read_artifacts()
    tasks = [{"name": r.name, "state": r.state_name, "run_count": r.run_count} for r in runs]
    arts = [{"key": a.key, "type": a.type, "data": a.data} for a in artifacts]
    return tasks, arts


def main() -> None:
    project, name = Path(sys.argv[1]), sys.argv[2]
    from prefect.testing.utilities import prefect_test_harness

    spec = importlib.util.spec_from_file_location("generated_flow", project / "flows" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.RUN_OPTIONS["retry_delay_seconds"] = 0
    module.ingest = module.ingest.with_options(retry_delay_seconds=0)
    for attr in ("synthesize", "transform", "quality"):
        if hasattr(module, attr):
            setattr(module, attr, getattr(module, attr).with_options(retry_delay_seconds=0))
    with prefect_test_harness():
        started = time.perf_counter()
        state = getattr(module, name)(local=True, return_state=True)
        seconds = time.perf_counter() - started
        result = state.result(raise_on_failure=False)
        tasks, artifacts = asyncio.run(_read(state.state_details.flow_run_id))
    out = {
        "state": state.name,
        "result": result if isinstance(result, dict) else repr(result),
        "tasks": tasks,
        "artifacts": artifacts,
        "seconds": round(seconds, 1),
    }
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
