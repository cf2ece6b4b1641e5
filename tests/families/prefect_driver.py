"""Runs inside the prefect judge environment: runs a generated flow once under
prefect_test_harness (a temporary local API and SQLite DB) and prints one JSON line with the
flow's state and return value, every task run (name, state, run count) and the Markdown
artifacts. Retry delays are set to zero so a retried task does not wait; a file
PROJECT_DIR/fail_once makes the first ingestion call fail (then the real ingestion runs).

    python prefect_driver.py PROJECT_DIR FLOW_NAME [PARAMETERS_JSON]
    python prefect_driver.py check ROOT...   # import every flows/*.py, validate each prefect.yaml
    python prefect_driver.py secrets FLOW_FILE    # Secret block + Variable saved, export_secrets()
    python prefect_driver.py wait FLOW_FILE       # wait_for_upstreams: none done, then one done
    python prefect_driver.py window FLOW_FILE     # schedule_window: given, manual, scheduled, local
    python prefect_driver.py deploy PROJECT_DIR   # `prefect deploy` of prefect.yaml's deployments, read back
    python prefect_driver.py windows FLOW_FILE    # schedule_window of a scheduled run per PIPEGEN_ENVIRONMENT
    python prefect_driver.py batch JOBS_JSON      # all of these under one harness, in this process:
        # [{"run": PROJECT_DIR, "flow": NAME, "parameters": {...}}
        #  | {"secrets"|"wait"|"window"|"windows": FLOW_FILE} | {"deploy": PROJECT_DIR}]
        # -> one result each, in order (a run's artifacts: those of its own flow run)
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


async def _read(flow_run_id: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        artifacts = await client.read_artifacts()
    tasks = [{"name": r.name, "state": r.state_name, "run_count": r.run_count} for r in runs]
    arts = [{"key": a.key, "type": a.type, "data": a.data} for a in artifacts if a.flow_run_id == flow_run_id]
    return tasks, arts


def load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(roots: list[Path]) -> dict[str, Any]:
    """Every flow imports without warnings and is a Prefect flow with the retry options;
    every prefect.yaml validates against Prefect's own model of the file."""
    import warnings

    import yaml
    from prefect.cli.deploy._models import PrefectYamlModel
    from prefect.flows import Flow

    out: dict[str, Any] = {}
    for root in roots:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            flows = {p.stem: load(p) for p in sorted((root / "flows").glob("*.py"))}
        model = PrefectYamlModel.model_validate(yaml.safe_load((root / "prefect.yaml").read_text()))
        out[root.name] = {
            "warnings": [str(w.message) for w in caught],
            "flows": {
                name: {
                    "is_flow": isinstance(getattr(m, name, None), Flow),
                    "parameters": sorted(getattr(m, name).parameters.properties),
                    "ingest_retries": m.ingest.retries,
                    "ingest_delays": m.ingest.retry_delay_seconds,
                    "ingest_cache": str(m.ingest.cache_policy),
                }
                for name, m in flows.items()
            },
            "deployments": [
                {
                    "name": d.name,
                    "entrypoint": d.entrypoint,
                    "schedules": [
                        s.model_dump(exclude_none=True, exclude_defaults=True) | {"active": s.active}
                        for s in d.schedules or []
                    ],
                }
                for d in model.deployments
            ],
        }
    return out


def secrets(flow_file: Path) -> dict[str, Any]:
    """Save a Secret block and a Variable for the flow's SECRETS, then run its export."""
    from prefect.blocks.system import Secret
    from prefect.variables import Variable

    module = load(flow_file)
    with harness():
        for env, (store, name) in module.SECRETS.items():
            if store == "secret_block":
                Secret(value=f"secret of {env}").save(name, overwrite=True)
            else:
                Variable.set(name, f"value of {env}", overwrite=True)
        module.export_secrets()
    return {
        "table": {k: list(v) for k, v in module.SECRETS.items()},
        "env": {k: os.environ.get(k) for k in module.SECRETS},
    }


def window(flow_file: Path) -> dict[str, Any]:
    """schedule_window: a scheduled deployment run (Prefect's runtime values patched where
    prefect.runtime reads them) loads the cron interval ending at its scheduled start."""
    from datetime import UTC, datetime

    import prefect.runtime.deployment
    import prefect.runtime.flow_run

    module = load(flow_file)
    given = module.schedule_window(False, "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00")
    manual = module.schedule_window(False, None, None)  # not a deployment run
    prefect.runtime.deployment.FIELDS["id"] = lambda: "5f6e1b2a-0000-4000-8000-000000000001"
    prefect.runtime.flow_run.FIELDS["scheduled_start_time"] = lambda: datetime(2026, 1, 11, tzinfo=UTC)
    scheduled = module.schedule_window(False, None, None)
    local = module.schedule_window(True, None, None)
    return {"given": given, "manual": manual, "scheduled": scheduled, "local": local}


def deploy(project: Path) -> dict[str, Any]:
    """prefect.yaml's deployments created on the harness's API by Prefect's own CLI, as the project's
    `make prefect-deploy` runs it (`prefect --no-prompt deploy`: the first deployment alone by `--name`, the
    others together; one deployment: `--all`) after its work pool is created, then read back from the API:
    {"deploys": [exit code, output tail] per call, "deployments": {name: schedules, job variables, pool, the
    PIPEGEN_ENVIRONMENT a process worker sets for its flow runs},
    "pool_variables": {pool: {job variable: its JSON type}}}."""
    import subprocess

    import yaml
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.settings import PREFECT_API_URL
    from prefect.workers.process import ProcessWorker

    document = yaml.safe_load((project / "prefect.yaml").read_text(encoding="utf-8"))
    names = [d["name"] for d in document["deployments"]]
    pools = {d["work_pool"]["name"] for d in document["deployments"]}
    calls = [["--all"]] if len(names) == 1 else [["--name", names[0]], [a for n in names[1:] for a in ("--name", n)]]
    out: dict[str, Any] = {"deploys": [], "deployments": {}}
    with harness():
        with get_client(sync_client=True) as client:
            for pool in sorted(pools):  # as `prefect work-pool create POOL --type process` creates it
                template = ProcessWorker.get_default_base_job_template()
                client.create_work_pool(WorkPoolCreate(name=pool, type="process", base_job_template=template))
        env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
        for args in calls:
            done = subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", "deploy", *args], cwd=project,
                                  env=env, capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
            out["deploys"].append([done.returncode, (done.stdout + done.stderr)[-600:]])
        with get_client(sync_client=True) as client:
            out["pool_variables"] = {  # the job variables each pool's base job template takes, with their types
                pool: {k: v.get("type") for k, v in client.read_work_pool(pool).base_job_template["variables"][
                    "properties"].items()} for pool in sorted(pools)
            }  # fmt: skip
            for d in client.read_deployments():
                flow = client.read_flow(d.flow_id)
                out["deployments"][f"{flow.name}/{d.name}"] = {
                    "schedules": [
                        {"cron": getattr(s.schedule, "cron", None), "timezone": getattr(s.schedule, "timezone", None),
                         "active": s.active} for s in d.schedules
                    ],
                    "job_variables": d.job_variables,
                    "work_pool": d.work_pool_name,
                    "parameters": d.parameters,
                    "entrypoint": d.entrypoint,
                    # what a process worker sets in the environment of this deployment's flow-run process
                    "run_environment": asyncio.run(ProcessWorker.job_configuration.from_template_and_values(
                        template, d.job_variables)).env.get("PIPEGEN_ENVIRONMENT"),
                }  # fmt: skip
    return out


def windows(flow_file: Path) -> dict[str, Any]:
    """The flow module imported under each PIPEGEN_ENVIRONMENT its SCHEDULES names (and unset), and the window
    its schedule_window gives a scheduled deployment run at 2026-01-11 00:00 UTC (Prefect's runtime values
    patched as in `window`): {environment or "unset": [start, end] or None}."""
    from datetime import UTC, datetime

    import prefect.runtime.deployment
    import prefect.runtime.flow_run

    prefect.runtime.deployment.FIELDS["id"] = lambda: "5f6e1b2a-0000-4000-8000-000000000001"
    prefect.runtime.flow_run.FIELDS["scheduled_start_time"] = lambda: datetime(2026, 1, 11, tzinfo=UTC)
    out: dict[str, Any] = {}
    for environment in [*load(flow_file).SCHEDULES, None]:
        if environment is None:
            os.environ.pop("PIPEGEN_ENVIRONMENT", None)
        else:
            os.environ["PIPEGEN_ENVIRONMENT"] = environment
        out[environment or "unset"] = load(flow_file).schedule_window(False, None, None)
    return out


def wait(flow_file: Path) -> dict[str, Any]:
    """wait_for_upstreams with a 2 s timeout: times out with no upstream run, returns once
    a flow of the upstream's name has completed."""
    from prefect import flow

    module = load(flow_file)
    [(upstream, _timeout, _every)] = module.UPSTREAMS
    module.UPSTREAMS = [(upstream, 2.0, 0.5)]
    out: dict[str, Any] = {"upstream": upstream}
    with harness():
        try:
            module.wait_for_upstreams.fn(False, None)
            out["before"] = "returned"
        except TimeoutError as exc:
            out["before"] = f"TimeoutError: {exc}"
        flow(name=upstream)(lambda: None)()
        out["after"] = module.wait_for_upstreams.fn(False, None)
        out["local"] = module.wait_for_upstreams.fn(True, None)
    return out


def fail_first_ingest_call(project: Path) -> None:
    """If PROJECT/fail_once exists, the first call of the project's real `pipeline.ingest.run`
    removes it and raises a transient error (the flow's task imports the module at run time
    and finds this one, already imported); every other call is the real ingestion."""
    marker = project / "fail_once"
    if not marker.exists():
        return
    sys.path.insert(0, str(project))
    import importlib

    ingest = importlib.import_module("pipeline.ingest")
    real = ingest.run

    def run(*args: Any, **kwargs: Any) -> Any:
        if marker.exists():
            marker.unlink()
            raise ConnectionError("source unreachable (a transient failure, injected by the test)")
        return real(*args, **kwargs)

    ingest.run = run


_HARNESS: list[Any] = []  # the batch's harness, when one is open: every job runs under it


@contextmanager
def harness() -> Iterator[None]:
    """prefect_test_harness (a local API and SQLite DB: seconds to start), or the batch's open one."""
    if _HARNESS:
        yield
        return
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=None):  # PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
        _HARNESS.append(True)
        try:
            yield
        finally:
            _HARNESS.clear()


def flow_run(project: Path, name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    module = load(project / "flows" / f"{name}.py")
    fail_first_ingest_call(project)
    module.ingest = module.ingest.with_options(retry_delay_seconds=0)
    for attr in ("synthesize", "transform", "quality"):
        if hasattr(module, attr):
            setattr(module, attr, getattr(module, attr).with_options(retry_delay_seconds=0))
    with harness():
        started = time.perf_counter()
        state = getattr(module, name)(**{"local": True, **parameters}, return_state=True)
        seconds = time.perf_counter() - started
        result = state.result(raise_on_failure=False)
        tasks, artifacts = asyncio.run(_read(state.state_details.flow_run_id))
    return {
        "state": state.name,
        "result": result if isinstance(result, dict) else repr(result),
        "tasks": tasks,
        "artifacts": artifacts,
        "seconds": round(seconds, 1),
    }


def batch(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every job under one harness; each run's project modules and settings are forgotten
    before the next job (tests/specgen/project_modules.py)."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "specgen"))
    from project_modules import enter, leave

    out = []
    with harness():
        for job in jobs:
            environment = dict(os.environ)  # what a job exports (secrets, settings) is not the next one's
            try:
                if "run" in job:
                    project = Path(job["run"])
                    added = enter(project)
                    try:
                        out.append(flow_run(project, job["flow"], job.get("parameters") or {}))
                    finally:
                        leave(added)
                else:
                    [(command, flow_file)] = job.items()
                    out.append(COMMANDS[command](Path(flow_file)))
            finally:
                os.environ.clear()
                os.environ.update(environment)
    return out


COMMANDS = {"secrets": secrets, "wait": wait, "window": window, "windows": windows, "deploy": deploy}


def main() -> None:
    if sys.argv[1] == "check":
        print(json.dumps(check([Path(p) for p in sys.argv[2:]]), default=str))
        return
    if sys.argv[1] in COMMANDS:
        print(json.dumps(COMMANDS[sys.argv[1]](Path(sys.argv[2])), default=str))
        return
    if sys.argv[1] == "batch":
        print(json.dumps(batch(json.loads(sys.argv[2])), default=str))
        return
    parameters = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    print(json.dumps(flow_run(Path(sys.argv[1]), sys.argv[2], parameters), default=str))


if __name__ == "__main__":
    main()
