"""External oracle: dbt Labs' jaffle shop. specs/jaffle_shop.yaml, compiled by pipegen's dbt
family and built by dbt on DuckDB over the shop's raw CSVs, must reproduce the reference
`customers` and `orders` marts cell by cell (../shared/oracles/jaffle/check.py). A FAIL is a
bug in pipegen, never a reason to change the oracle."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import SPECS, generate
from tests.judges import offline_env
from tests.judges.crds import shared_path

ORACLE = shared_path("oracles", "jaffle")
DRIVER = Path(__file__).with_name("jaffle_dbt_driver.py")


@pytest.mark.judge
def test_dbt_marts_reproduce_the_jaffle_shop_reference(tmp_path: Path, batch_python: Path) -> None:
    if not (ORACLE / "check.py").is_file():
        pytest.skip(f"the jaffle oracle is not at {ORACLE} (it lives in the steering repo's shared/ folder)")
    project = tmp_path / "jaffle"
    code, output = generate(SPECS / "jaffle_shop.yaml", project)
    assert code == 0, output
    env = offline_env(tmp_path / "home")
    build = subprocess.run(
        [str(batch_python), str(DRIVER), str(project), str(ORACLE / "seeds")],
        capture_output=True, text=True, timeout=600, check=False, env=env,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    check = subprocess.run(
        [str(batch_python), str(ORACLE / "check.py"), str(project / "warehouse.duckdb"),
         "--customers", "marts.customers", "--orders", "marts.orders", "-v"],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("PASS"), check.stdout
