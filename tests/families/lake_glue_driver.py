"""Runs inside the `lake` judge environment (pyiceberg's glue extra: boto3): the generated lake job of an
Iceberg target with `lake.catalog: glue` over the same landed batches in two copies of a generated project,
one as the local run (no PIPEGEN_LAKE_ROOT: the SQLite SQL catalog under `lake/`), one as a deployment
(PIPEGEN_LAKE_ROOT an `s3://` URL, AWS_ENDPOINT_URL moto's server: S3 and Glue). After each step silver is
read back without the job's code: the local copy with DuckDB's iceberg_scan (lake_driver.Reader), the
deployed one from Glue itself (boto3 `get_table` of `<pipeline>_silver.<table>`: its `metadata_location`,
opened as pyiceberg's read-only StaticTable). Prints what it read as JSON.

Usage: python lake_glue_driver.py LOCAL_PROJECT DEPLOYED_PROJECT SCENARIO.json ROOT_URL"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).parent))
from lake_driver import Reader, job, land


def glue_table(database: str, table: str) -> dict:
    """The table as Glue holds it ({}: not there)."""
    glue = boto3.client("glue")
    try:
        return glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        return {}


def glue_rows(found: dict, columns: list[str]) -> list[list]:
    """The rows of the snapshot Glue points at (its `metadata_location`), read with StaticTable."""
    from pyiceberg.table import StaticTable

    endpoint = {"s3.endpoint": os.environ["AWS_ENDPOINT_URL"], "s3.region": os.environ["AWS_REGION"]}
    data = StaticTable.from_metadata(found["Parameters"]["metadata_location"], properties=endpoint).scan().to_arrow()
    data = data.select(columns)
    return sorted([[data.column(c)[i].as_py() for c in columns] for i in range(data.num_rows)], key=str)


# loaded first by the deployed lake step's interpreter (PYTHONPATH): records each AWS operation it calls, as
# `<service>:<operation>` (an IAM action's name for Glue), one a line, in PIPEGEN_JUDGE_AWS_CALLS
RECORDER = """import os
import botocore.client

_call = botocore.client.BaseClient._make_api_call


def _recorded(self, operation, params):
    with open(os.environ["PIPEGEN_JUDGE_AWS_CALLS"], "a") as out:
        out.write(f"{self.meta.service_model.endpoint_prefix}:{operation}\\n")
    return _call(self, operation, params)


botocore.client.BaseClient._make_api_call = _recorded
"""


def recording(project: Path) -> Path:
    """A directory whose sitecustomize.py records the AWS calls of a process started with it on PYTHONPATH."""
    where = project.parent / "aws_recorder"
    where.mkdir(exist_ok=True)
    (where / "sitecustomize.py").write_text(RECORDER)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(where), os.environ.get("PYTHONPATH")]))
    os.environ["PIPEGEN_JUDGE_AWS_CALLS"] = str(where / "calls.txt")
    return where / "calls.txt"


def main() -> None:
    local, deployed, root = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[4]
    scenario = json.loads(Path(sys.argv[3]).read_text())
    config = json.loads((local / "pipeline" / "lake.json").read_text())
    table, target = config["tables"][0], config["targets"][0]
    catalog = target["production_catalog"]
    s3 = boto3.client("s3")  # the lake bucket and the Glue warehouse's, as Terraform creates them
    for bucket in {root[len("s3://") :].split("/")[0], catalog["warehouse"][len("s3://") :].strip("/")}:
        s3.create_bucket(Bucket=bucket)
    columns = [c["name"] for c in table["columns"]]
    silver = target["namespaces"]["silver"]
    reader = Reader(local, target)
    calls = recording(deployed)
    out: dict = {"steps": []}
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            for project in (local, deployed):
                land(project, table["landing"], scenario["names"][step][b], batch, columns)
        job(local, "bronze", "silver")
        os.environ["PIPEGEN_LAKE_ROOT"] = root
        try:
            printed = json.loads(job(deployed, "bronze", "silver"))
        finally:
            os.environ.pop("PIPEGEN_LAKE_ROOT")
        found = glue_table(silver, table["name"])
        out["steps"].append({
            "local": reader.rows("silver", table["name"], ", ".join(columns)),
            "glue": glue_rows(found, columns) if found else None,
            "metadata_location": found.get("Parameters", {}).get("metadata_location"),
            "job": printed[target["name"]][f"silver.{table['name']}"],
        })  # fmt: skip
    os.environ["PIPEGEN_LAKE_ROOT"] = root
    job(deployed, "maintain", "--force")
    found = glue_table(silver, table["name"])
    out["glue_after_maintenance"] = glue_rows(found, columns) if found else None
    bronze = glue_table(target["namespaces"]["bronze"], table["name"])
    out["bronze_rows"] = len(glue_rows(bronze, ["_batch_id"])) if bronze else None
    out["table_type"] = found.get("Parameters", {}).get("table_type")
    out["databases"] = sorted(d["Name"] for d in boto3.client("glue").get_databases()["DatabaseList"])
    # what the deployed lake step asked Glue for (IAM action names), and what it wrote in the Glue warehouse's
    # bucket: tables have their place under the lake root, so nothing
    out["glue_actions"] = sorted({c for c in calls.read_text().split() if c.startswith("glue:")})
    warehouse = catalog["warehouse"][len("s3://") :].strip("/")
    out["warehouse_objects"] = s3.list_objects_v2(Bucket=warehouse).get("KeyCount", 0)
    out["project_dirs"] = sorted(p.name for p in deployed.iterdir() if p.is_dir())  # no local `lake/` catalog
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
