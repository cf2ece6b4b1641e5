"""An environment's `deploy.environments.<env>.targets.<target>` overrides reach the generated
project's production steps: with PIPEGEN_ENVIRONMENT (the Kubernetes overlays' ConfigMap) naming
the environment, dbt builds in the target's `<target>-<env>` output, the ingestion destination and
GX's warehouse connect with the overridden values; without it, with the base connection. Run in
the batch judge env (dlt builds the real destination object; no connection is opened). The
profile output itself is parsed by dbt in test_dbt_warehouse_parse.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipegen.pipeline import prepare, render_tree
from pipegen.spec.types import parse_secret_ref
from tests.judges import offline_env

SPEC = Path(__file__).parents[2] / "specs" / "ecommerce_realtime.yaml"

PROBE = """
import json, os
import pipeline.ingest as ingest
import pipeline.quality_warehouse as qw
import pipeline.transform as transform
qw.Sql = lambda name, target: (name, target)  # no driver, no connection: which warehouse is opened
config = json.loads(open("gx/checks.json", encoding="utf-8").read())
seen = {}
for environment in ("prod", "dev", ""):  # read when each step runs, as in a pod of that environment
    os.environ["PIPEGEN_ENVIRONMENT"] = environment
    name, target = qw.open_warehouse(config, "warehouse", None)
    seen[environment or "none"] = {
        "dbt": transform.output_for("warehouse"),
        "ingest": ingest.production_destination().config_params["credentials"],
        "gx": [name, target["url"]],
    }
print(json.dumps(seen))
"""


@pytest.mark.judge
def test_the_prod_overrides_reach_dbt_ingestion_and_gx_when_the_environment_is_prod(
    tmp_path: Path, batch_python: Path
) -> None:
    ready = prepare(SPEC)
    override = ready.spec.deploy.environments["prod"].targets["warehouse"]
    base = next(t for t in ready.spec.targets if t.name == "warehouse").connection
    # variable names from the spec itself (an independent reference), each given a distinct value
    values = {}
    for conn, tag in ((base, "base"), (override, "prod")):
        for field in ("host", "password"):
            ref = parse_secret_ref(str(getattr(conn, field)))
            assert ref is not None
            values[ref.name] = f"{tag}-{field}"
    project = tmp_path / "p"
    for rel, text in render_tree(ready.spec, ready.plan).items():
        if rel.startswith(("pipeline/", "gx/")):
            (project / rel).parent.mkdir(parents=True, exist_ok=True)
            (project / rel).write_text(text, encoding="utf-8")
    env = {**offline_env(tmp_path / "home"), **values}
    proc = subprocess.run([str(batch_python), "-c", PROBE], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.splitlines()[-1])
    prod = seen["prod"]
    assert prod["dbt"] == "warehouse-prod"
    assert (prod["ingest"]["host"], prod["ingest"]["password"]) == ("prod-host", "prod-password")
    assert prod["gx"][0] == "warehouse-prod" and "${CLICKHOUSE_PROD_HOST}" in prod["gx"][1]
    for other in ("dev", "none"):  # no override for dev: the base connection
        assert seen[other]["dbt"] == "warehouse"
        assert (seen[other]["ingest"]["host"], seen[other]["ingest"]["password"]) == ("base-host", "base-password")
        assert seen[other]["gx"][0] == "warehouse" and "${CLICKHOUSE_HOST}" in seen[other]["gx"][1]
