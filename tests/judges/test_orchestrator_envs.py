"""The `airflow` and `prefect` judge environments hold exactly their pins AND the batch set's
(the orchestrators' tasks import the project's steps, dlt and dbt, in their own process),
with a consistent dependency set; and a generated project's requirements-<orchestrator>.txt
pins the orchestrator as its judge environment does."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipegen.generators.airflow.generator import AIRFLOW_REQUIREMENTS
from pipegen.generators.prefect.generator import PREFECT_REQUIREMENTS
from tests.judges.test_batch_env import pins

VERSIONS = "import json, importlib.metadata as m, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"


def installed(python: Path, names: dict[str, str]) -> dict[str, str]:
    done = subprocess.run(
        [str(python), "-c", VERSIONS, *names], capture_output=True, text=True, timeout=120, check=True
    )
    return dict(json.loads(done.stdout))


@pytest.mark.judge
@pytest.mark.parametrize("name", ["airflow", "prefect"])
def test_orchestrator_env_has_its_pins_and_the_batch_pins_and_pip_check_passes(
    name: str, request: pytest.FixtureRequest
) -> None:
    python: Path = request.getfixturevalue(f"{name}_python")
    wanted = {**pins("batch"), **pins(name)}
    assert installed(python, wanted) == wanted
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert check.returncode == 0, check.stdout


@pytest.mark.parametrize(("name", "generated"), [("airflow", AIRFLOW_REQUIREMENTS), ("prefect", PREFECT_REQUIREMENTS)])
def test_generated_orchestrator_requirements_pin_what_the_judge_env_runs(name: str, generated: tuple[str, ...]) -> None:
    judged = pins(name)
    for requirement in generated:
        package, version = requirement.split("==")
        if package in judged:
            assert judged[package] == version, requirement
    assert {r.split("==")[0] for r in generated} >= set(judged)  # every orchestrator pin reaches the project
