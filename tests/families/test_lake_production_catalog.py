"""The lake step on the spec's production Iceberg catalog: an Iceberg target with `lake.catalog: glue`
(common/lake_catalog.catalog_config, lake.json's `production_catalog`) has its tables registered in AWS
Glue by the generated lake job when it runs as a deployment (PIPEGEN_LAKE_ROOT the lake bucket's URL),
the catalog the Spark job, the Flink Iceberg sinks and Athena read, and in the local SQLite SQL catalog in
the local run. Judged on moto's server (the `moto` judge env: S3 and Glue at AWS_ENDPOINT_URL) over
test_lake_tables' batches (duplicates, late rows, deletes, rejected rows): after each step silver as Glue
points at it (boto3 `get_table`: its metadata_location, read by pyiceberg's StaticTable, not the job's
code) equals the plain-Python reference and the local run's silver (DuckDB's iceberg_scan).
tests/families/lake_glue_driver.py drives the runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pipegen.generators.terraform.aws_spark import GLUE_ACTIONS
from tests.conftest import generate
from tests.families.test_lake_tables import SPEC, expected_silver, normalized, scenario
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("lake_glue_driver.py")
REST_DRIVER = Path(__file__).with_name("lake_rest_driver.py")
LAKE = "lake: {time_travel: 1h, retention: 1h}"
GLUE_SPEC = "cloud: aws\n" + SPEC.format(fmt="iceberg").replace(LAKE, LAKE[:-1] + ", catalog: glue}")


@pytest.mark.judge
def test_the_lake_job_registers_its_iceberg_tables_in_the_specs_glue_catalog(
    tmp_path: Path, lake_python: Path, moto_endpoint: str
) -> None:
    assert "catalog: glue" in GLUE_SPEC
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(GLUE_SPEC)
    local, deployed = tmp_path / "local", tmp_path / "deployed"
    code, output = generate(spec, local)
    assert code == 0, output
    shutil.copytree(local, deployed)
    target = json.loads((local / "pipeline" / "lake.json").read_text())["targets"][0]
    assert target["production_catalog"] == {"type": "glue", "warehouse": "s3://lake/", "region": None}
    steps = scenario()
    names = [[f"step{i}_batch{b}" for b in range(len(batches))] for i, batches in enumerate(steps)]
    (tmp_path / "scenario.json").write_text(json.dumps({"steps": steps, "names": names}))
    root = "s3://lake-root/lake"
    aws = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": "judge",
           "AWS_SECRET_ACCESS_KEY": "judge", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    run = subprocess.run(
        [str(lake_python), str(DRIVER), str(local), str(deployed), str(tmp_path / "scenario.json"), root],
        capture_output=True, text=True, timeout=600, check=False, env=offline_env(tmp_path / "home", **aws),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)
    seen = set()
    for i, step in enumerate(got["steps"]):
        assert step["glue"] is not None, f"no silver table in Glue after step {i}: {step['job']}"
        assert normalized(step["glue"]) == expected_silver(steps[: i + 1]), f"silver in Glue after step {i}"
        assert normalized(step["local"]) == normalized(step["glue"]), f"local and Glue silver differ after step {i}"
        # each step's commit is the table's new metadata in Glue, under the lake root's silver directory
        assert step["metadata_location"].startswith(f"{root}/{target['layers']['silver']}/shop__orders/metadata/")
        seen.add(step["metadata_location"])
    assert len(seen) == len(steps)
    assert normalized(got["glue_after_maintenance"]) == expected_silver(steps)
    assert got["bronze_rows"] == sum(len(batch) for batches in steps for batch in batches)
    assert got["table_type"] == "ICEBERG"
    # a Glue database per layer the job wrote (no marts: no gold), named as the Spark job's and Terraform's
    assert got["databases"] == sorted(target["namespaces"][layer] for layer in ("bronze", "silver"))
    assert "lake" not in got["project_dirs"], "the deployed run wrote a local SQL catalog"
    # what Terraform grants the lake step's identity (terraform/aws_spark.py GLUE_ACTIONS on those databases, the
    # transform role's `GlueLakeStep`) covers every Glue operation it called; nothing went to the warehouse bucket
    assert got["glue_actions"] and set(got["glue_actions"]) <= set(GLUE_ACTIONS), got["glue_actions"]
    assert got["warehouse_objects"] == 0


REST = '{bucket: lake, url: "${env:LAKE_CATALOG_URL}", catalog: prod, token: "${secret:LAKE_CATALOG_TOKEN}"}'


@pytest.mark.judge
@pytest.mark.parametrize("kind", ["rest", "unity"])
def test_the_lake_job_opens_the_specs_rest_catalog_when_deployed(kind: str, tmp_path: Path, lake_python: Path) -> None:
    text = SPEC.format(fmt="iceberg").replace(LAKE, LAKE[:-1] + f", catalog: {kind}}}")
    text = text.replace("connection: {bucket: lake}", f"connection: {REST}")
    assert f"catalog: {kind}" in text and "LAKE_CATALOG_TOKEN" in text
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(text)
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    lake_json = (project / "pipeline" / "lake.json").read_text()
    assert "judge-token" not in lake_json and "${secret:LAKE_CATALOG_TOKEN}" in lake_json  # a reference only
    run = subprocess.run(
        [str(lake_python), str(REST_DRIVER), str(project), "LAKE_CATALOG_URL", "LAKE_CATALOG_TOKEN"],
        capture_output=True, text=True, timeout=300, check=False, env=offline_env(tmp_path / "home"), cwd=project,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)
    # the local run: the SQLite SQL catalog, no request to the production catalog
    assert (got["local"], got["local_requests"]) == ("SqlCatalog", 0)
    assert "LAKE_CATALOG_TOKEN" in got["without_secret"]
    assert got["deployed"] == "RestCatalog" and got["namespaces"] == []
    # the Iceberg REST handshake at the catalog's endpoint (Unity's below the workspace URL), the warehouse
    # (the target's `catalog`) as its query, the token as a bearer credential on every request
    base = "/base/api/2.1/unity-catalog/iceberg-rest" if kind == "unity" else "/base"
    first, *rest = got["requests"]
    assert first["path"] == f"{base}/v1/config" and first["query"] == {"warehouse": ["prod"]}, first
    assert rest and rest[-1]["path"].startswith(base) and rest[-1]["path"].endswith("/v1/namespaces"), rest
    # (Unity's vended storage credentials: lake.py asks for them, as pyiceberg 0.12's RestCatalog does by default)
    for request in got["requests"]:
        assert request["authorization"] == "Bearer judge-token", request
        assert request["delegation"] == "vended-credentials", request
