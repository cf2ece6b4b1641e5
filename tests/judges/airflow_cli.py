"""Judging the self-hosted Airflow's command lines and settings with the airflow judge env itself
(`airflow_cli_driver.py`, one process): what the built Deployments run and set, and the env's answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.judges.envs import offline_env
from tests.judges.kustomize import containers

DRIVER = Path(__file__).with_name("airflow_cli_driver.py")


def airflow_deployments(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Deployments whose main container runs Airflow (the self-hosted Airflow's components)."""
    return [o for o in objs if o["kind"] == "Deployment" and containers(o)[-1]["args"][0] == "airflow"]


def command_lines(objs: list[dict[str, Any]]) -> tuple[set[tuple[str, ...]], set[str]]:
    """(every container's args and exec probe command, every `AIRFLOW__*` variable set) of the Airflow
    Deployments among `objs`."""
    lines: set[tuple[str, ...]] = set()
    variables: set[str] = set()
    for o in airflow_deployments(objs):
        for c in containers(o):
            lines.add(tuple(c["args"]))
            lines |= {tuple(c[p]["exec"]["command"]) for p in ("livenessProbe", "readinessProbe")
                      if "exec" in c.get(p, {})}  # fmt: skip
            variables |= {e["name"] for e in c["env"] if e["name"].startswith("AIRFLOW__")}
    return lines, variables


def ask(python: Path, tmp: Path, question: dict[str, Any]) -> dict[str, Any]:
    """The airflow judge env's answers to `question` (see airflow_cli_driver.py)."""
    proc = subprocess.run([str(python), str(DRIVER)], input=json.dumps(question), capture_output=True, text=True,
                          timeout=300, check=False,
                          env=offline_env(tmp / "home", AIRFLOW_HOME=str(tmp / "airflow")))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    answer: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return answer
