"""The lake step's identity on AWS (issue 20, lake19): where an Iceberg target's `lake.catalog` is glue, the
deployed lake step (pipeline/lake.py, lake.json's `production_catalog`) creates and writes a Glue database per
layer it writes (`<pipeline>_<layer>`), so the workload that runs it in the batch run, the transform workload
(terraform/aws_spark.py `LAKE_STEP_WORKLOAD`), is granted exactly those databases and their tables
(`GlueLakeStep`), Athena's querier reads them (`GlueLakeLayers`) and R429 no longer warns. Cross-file: the
databases come from the generated lake.json and its run steps, the grants from the parsed HCL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipegen.generators.terraform.aws_spark import GLUE_ACTIONS
from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO
from tests.judges.terraform import parse_dir, write_terraform
from tests.judges.test_terraform import ICEBERG_GLUE, _glue_grants, _policies


def _spec(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    """pii_etl with its files target as an Iceberg target in the Glue catalog (no Spark job), then `replacements`."""
    text = (REPO / "specs/pii_etl.yaml").read_text()
    for old, new in (ICEBERG_GLUE[0], *replacements):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (tmp_path / name).write_text(text)
    return tmp_path / name


def _rendered(hcl_python: Path, spec: Path, out: Path) -> tuple[Any, dict[str, str], dict[str, Any]]:
    ready = prepare(spec)
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    docs = {p.split("/terraform/", 1)[1]: d for p, d in parse_dir(hcl_python, write_terraform(files, out)).items()}
    return ready, files, _policies(docs)


def _arns(databases: set[str]) -> set[str]:
    return {"catalog", *(f"{k}/{db}{t}" for db in databases for k, t in (("database", ""), ("table", "/*")))}


def _statement(policy: dict[str, Any], sid: str) -> dict[str, Any] | None:
    return next((st for st in policy["statement"] if st.get("sid") == sid), None)


def test_the_lake_steps_identity_may_write_exactly_its_glue_layers(hcl_python: Path, tmp_path: Path) -> None:
    # the Iceberg Lakehouse example: Glue catalog, no Spark job, dbt marts published to gold by `lake_gold`
    ready, files, policy = _rendered(hcl_python, REPO / "specs/iceberg_lakehouse.yaml", tmp_path / "out")
    assert not {k.value for k in ready.plan.graph.kinds} & {"spark_batch", "spark_streaming"}
    assert "spark" not in policy
    assert not [d for d in ready.diagnostics if d.code == "R429"], "the lake step's layers are in Glue"
    target = json.loads(files["pipeline/lake.json"])["targets"][0]
    assert target["production_catalog"]["type"] == "glue"  # the lake step opens Glue when deployed
    run = files["pipeline/run.py"]
    assert '"pipeline.lake", "bronze", "silver"' in run and '"pipeline.lake", "gold"' in run
    written = {target["namespaces"][layer] for layer in ("bronze", "silver", "gold")}
    assert written == {"iceberg_lakehouse_bronze", "iceberg_lakehouse_silver", "iceberg_lakehouse_gold"}
    step = _statement(policy["transform"], "GlueLakeStep")
    assert step is not None, "the transform workload runs the lake step but may not write its Glue databases"
    assert _glue_grants(policy["transform"], "GlueLakeStep") == _arns(written)
    assert step["actions"] == GLUE_ACTIONS and not [a for a in step["actions"] if a.startswith("glue:Delete")]
    # Athena's querier reads the same databases; the lake step's tables are under the lake bucket it may write
    assert _glue_grants(policy["transform"], "GlueLakeLayers") == _arns(written)
    lake = _statement(policy["transform"], "ObjectsLake")
    assert lake is not None and "s3:PutObject" in lake["actions"]
    assert not any(st.get("sid", "").startswith("GlueLake") for st in policy["ingest"]["statement"])


def test_the_lake_step_without_marts_gets_no_gold_and_a_delta_target_no_glue(hcl_python: Path, tmp_path: Path) -> None:
    _, files, policy = _rendered(hcl_python, _spec(tmp_path, "bare.yaml"), tmp_path / "bare")
    assert '"pipeline.lake", "gold"' not in files["pipeline/run.py"]  # pii_etl has no marts: no gold step
    assert _glue_grants(policy["transform"], "GlueLakeStep") == _arns({"pii_etl_bronze", "pii_etl_silver"})
    delta = _spec(tmp_path, "delta.yaml", ("    type: iceberg\n    lake: {catalog: glue}\n", "    type: delta\n"))
    _, _, policy = _rendered(hcl_python, delta, tmp_path / "delta")
    assert _statement(policy["transform"], "GlueLakeStep") is None


def test_r429_warns_only_for_an_iceberg_target_outside_glue(tmp_path: Path) -> None:
    for catalog, named in (
        ("", "its own (pyiceberg SQL) catalog"),
        ("    lake: {catalog: rest}\n", "the rest catalog"),
    ):
        spec = _spec(tmp_path, "warned.yaml", ("    lake: {catalog: glue}\n", catalog))
        if catalog:  # a REST catalog's endpoint, so that only R429 speaks of the catalog
            text = spec.read_text().replace(
                "    connection:\n      bucket:", "    connection:\n      url: https://c.example\n      bucket:", 1
            )
            spec.write_text(text)
        warned = [d for d in prepare(spec).diagnostics if d.code == "R429"]
        assert len(warned) == 1 and warned[0].severity == "warning", warned
        assert f"the lake job's layers in {named}" in warned[0].message
