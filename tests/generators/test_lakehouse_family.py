"""The lakehouse family without a lake: where each layer lives (its own bucket when `layers:`
places it), the types silver casts to, the rules that gate silver, the run steps and their
order around the other families' steps, and the generated docs' retention and compaction
notes. The lake job itself is judged in tests/families/test_lake_tables.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipegen.pipeline import families_for, prepare, render_tree

ROOT = Path(__file__).parents[2]

SPEC = """\
version: 1
pipeline: {{name: lake_unit}}
latency: 1h
sources:
  - name: ShopFloor
    type: faker
    tables:
      - name: Orders
        primary_key: [order_id, line]
        watermark: updated_at
        columns:
          - {{name: order_id, type: uuid, not_null: true}}
          - {{name: line, type: smallint}}
          - {{name: amount, type: "decimal(10,2)", range: {{min: 0, severity: error}}}}
          - {{name: status, type: string, accepted_values: [open, done]}}
          - {{name: updated_at, type: timestamp}}
{marts}targets:
  - name: Lake
    type: {fmt}
    connection: {{bucket: company-lake}}
{layers}"""


def generate(tmp_path: Path, fmt: str = "delta", layers: str = "", marts: str = "") -> dict[str, str]:
    path = tmp_path / "pipegen.yaml"
    path.write_text(SPEC.format(fmt=fmt, layers=layers, marts=marts))
    ready = prepare(path)
    assert "lakehouse" in families_for(ready.plan)
    return render_tree(ready.spec, ready.plan)


def test_layers_default_to_the_targets_bucket_and_move_to_their_own_when_placed(tmp_path: Path) -> None:
    plain = json.loads(generate(tmp_path)["pipeline/lake.json"])
    assert plain["targets"][0]["layers"] == {
        "bronze": "company_lake/bronze", "silver": "company_lake/silver", "gold": "company_lake/gold"
    }  # fmt: skip
    placed = "    layers:\n      bronze: {bucket: Raw Zone}\n      silver: {path: curated/v1}\n"
    config = json.loads(generate(tmp_path, layers=placed)["pipeline/lake.json"])
    assert config["targets"][0]["layers"] == {"bronze": "raw_zone/bronze", "silver": "company_lake/curated/v1"}


def test_silver_keys_types_and_the_error_rules_that_gate_it(tmp_path: Path) -> None:
    table = json.loads(generate(tmp_path)["pipeline/lake.json"])["tables"][0]
    assert table["name"] == "shop_floor__orders" and table["landing"] == "data/landing/shop_floor/orders"
    assert table["key"] == ["order_id", "line"] == table["zorder"] and table["watermark"] == "updated_at"
    types = {c["name"]: c["type"] for c in table["columns"]}
    # uuid as text (Delta has no UUID type), smallint widened (Iceberg has no 16-bit int)
    assert types == {"order_id": "VARCHAR", "line": "INTEGER", "amount": "DECIMAL(10, 2)", "status": "TEXT",
                     "updated_at": "TIMESTAMP"}  # fmt: skip
    # not_null is an error by default in quality.severity; the warn-level accepted_values is not a gate
    gates = {(r["rule"], r["column"]) for r in table["rules"]}
    assert ("range", "amount") in gates and ("not_null", "order_id") in gates
    assert all(r["args"] is not None and r["label"].startswith(r["column"]) for r in table["rules"])


def test_the_steps_run_after_the_loads_and_gold_after_the_checkpoint(tmp_path: Path) -> None:
    marts = "transforms:\n  marts:\n    - {name: totals, from: Orders, measures: [{name: n, agg: count}]}\n"
    run = generate(tmp_path, marts=marts)["pipeline/run.py"]
    order = [s for s in ("ingest", "lake", "transform", "quality", "lake_gold", "lake_maintain") if f'"{s}"' in run]
    assert order == ["ingest", "lake", "transform", "quality", "lake_gold", "lake_maintain"]
    assert [run.index(f'"{s}",') for s in order] == sorted(run.index(f'"{s}",') for s in order)
    assert '"lake_gold"' not in generate(tmp_path)["pipeline/run.py"]  # no marts: nothing to publish


def test_the_docs_say_where_iceberg_is_compacted_and_why_the_retention(tmp_path: Path) -> None:
    docs = generate(tmp_path, fmt="iceberg")["docs/lakehouse.md"]
    assert "pyiceberg has no compaction" in docs and "rewrite_data_files" in docs
    assert "R400" in docs
    assert "Z-order" in generate(tmp_path)["docs/lakehouse.md"]


def test_the_lake_job_is_a_verbatim_copy_of_its_template(tmp_path: Path) -> None:
    files = generate(tmp_path)
    assert files["pipeline/lake.py"] == (ROOT / "templates" / "lakehouse" / "lake.py").read_text(encoding="utf-8")
    store = (ROOT / "templates" / "lakehouse" / "lake_store.py").read_text(encoding="utf-8")
    assert files["pipeline/lake_store.py"] == store


def deployed(tmp_path: Path, cloud: str, variables: dict[str, str] | None = None) -> dict[str, str]:
    """specs/spark_lakehouse.yaml on `cloud`, deployed on Kubernetes with Terraform."""
    import yaml

    data = yaml.safe_load((ROOT / "specs" / "spark_lakehouse.yaml").read_text())
    data["cloud"] = cloud
    data["deploy"] = {"kubernetes": {"enabled": True}, "terraform": {"enabled": True}}
    if variables:
        data["deploy"]["environments"] = {"prod": {"variables": variables}}
    path = tmp_path / f"{cloud}.yaml"
    path.write_text(yaml.safe_dump(data))
    ready = prepare(path)
    assert {"lakehouse", "kubernetes", "terraform"} <= set(families_for(ready.plan))
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


def overlay_literals(files: dict[str, str], env: str) -> list[str]:
    import yaml

    kustomization = yaml.safe_load(files[f"k8s/overlays/{env}/kustomization.yaml"])
    # the identity ConfigMap (GCP, Azure) reads identity.env (`envs`), not literals
    return [lit for gen in kustomization.get("configMapGenerator", []) for lit in gen.get("literals", [])]


def test_each_environments_lake_step_writes_to_the_lake_bucket_terraform_creates_for_it(tmp_path: Path) -> None:
    # production's lake root (PIPEGEN_LAKE_ROOT, the lake step's pipeline/lake.py) is the URL of the
    # environment's lake bucket, as Terraform's tfvars name it (read here from the tfvars, not the naming layer)
    for cloud, scheme in (("aws", "s3"), ("gcp", "gs")):
        files = deployed(tmp_path, cloud)
        envs = sorted({p.split("/")[2] for p in files if p.startswith("k8s/overlays/")})
        assert envs == ["dev", "prod", "staging"], envs
        for env in envs:
            tfvars = files[f"terraform/envs/{env}/terraform.tfvars"]
            bucket = next(line.split('"')[1] for line in tfvars.splitlines() if line.startswith("lake_bucket "))
            assert f"PIPEGEN_LAKE_ROOT={scheme}://{bucket}" in overlay_literals(files, env), (cloud, env)
    # a root the spec's environment gives wins (no second literal: kustomize refuses duplicates)
    files = deployed(tmp_path, "aws", {"PIPEGEN_LAKE_ROOT": "s3://elsewhere/lake"})
    assert [lit for lit in overlay_literals(files, "prod") if lit.startswith("PIPEGEN_LAKE_ROOT=")] == [
        "PIPEGEN_LAKE_ROOT=s3://elsewhere/lake"
    ]


def azure_layer_containers(files: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Env -> {layer: (container, account)} as Terraform creates them, read from its files (python-hcl2): the
    module's `azurerm_storage_container.layer` set and each environment's tfvars `storage_account`."""
    import hcl2

    storage = hcl2.loads(files["terraform/modules/platform/storage.tf"])  # keys and strings keep their quotes
    kind = '"azurerm_storage_container"'
    found = [r[kind]['"layer"'] for r in storage["resource"] if kind in r]
    containers = json.loads(found[0]["for_each"].removeprefix("${toset(").removesuffix(")}"))
    out = {}
    for env in ("dev", "staging", "prod"):
        account = json.loads(hcl2.loads(files[f"terraform/envs/{env}/terraform.tfvars"])["storage_account"])
        out[env] = {c: (c, account) for c in containers if c != "checkpoints"}
    return out


def abfss(url: str) -> tuple[str, str]:
    """(container, account) of an `abfss://<container>@<account>.dfs.core.windows.net` root, no path."""
    head, _, host = url.removeprefix("abfss://").partition("@")
    assert host.endswith(".dfs.core.windows.net"), url
    return head, host.removesuffix(".dfs.core.windows.net")


def test_on_azure_each_layer_of_the_lake_is_the_container_terraform_creates_for_it(tmp_path: Path) -> None:
    # Azure keeps a container per layer: each environment's overlay gives the lake step (and dbt's silver
    # registration) each layer's root, PIPEGEN_LAKE_ROOT_<LAYER>, the layer's container of the environment's
    # storage account, as Terraform's own files name them (hcl2, not the naming layer); the Databricks
    # bundle's targets give the Spark job the same
    import yaml

    files = deployed(tmp_path, "azure")
    terraform = azure_layer_containers(files)
    bundle = yaml.safe_load(files["databricks.yml"])
    for env, layers in terraform.items():
        literals = dict(lit.split("=", 1) for lit in overlay_literals(files, env))
        values = bundle["targets"][env]["variables"]
        # beside the three layers, the container extract-load lands its raw batches in (PIPEGEN_LANDING_ROOT)
        assert set(layers) == {"bronze", "silver", "gold", "landing"}
        landing = layers.pop("landing")
        assert abfss(literals["PIPEGEN_LANDING_ROOT"]) == abfss(values["landing_root"]) == landing, env
        for layer, place in layers.items():
            assert abfss(literals[f"PIPEGEN_LAKE_ROOT_{layer.upper()}"]) == place, (env, layer)
            assert abfss(values[f"lake_root_{layer}"]) == place, (env, layer)
        # what is no layer's (the Iceberg warehouse, the Spark job's catalog) lives beside silver
        assert abfss(literals["PIPEGEN_LAKE_ROOT"]) == abfss(values["lake_root"]) == layers["silver"]
    cluster = bundle["resources"]["jobs"]["spark_lakehouse_medallion"]["job_clusters"][0]["new_cluster"]
    assert cluster["spark_env_vars"]["PIPEGEN_LAKE_ROOT_SILVER"] == "${var.lake_root_silver}"
    assert {"lake_root", "lake_root_bronze", "lake_root_silver", "lake_root_gold"} <= set(bundle["variables"])
    # every variable the bundle references or a target values is one it declares
    assert set(re.findall(r"\$\{var\.(\w+)\}", files["databricks.yml"])) <= set(bundle["variables"])
    assert all(set(t.get("variables", {})) <= set(bundle["variables"]) for t in bundle["targets"].values())
    # the spec's own lake root moves every layer (no derived layer root beside it); its own layer root wins
    # over the derived one (kustomize refuses a duplicate literal)
    moved = overlay_literals(
        deployed(tmp_path, "azure", {"PIPEGEN_LAKE_ROOT": "abfss://l@a.dfs.core.windows.net"}), "prod"
    )
    assert [lit for lit in moved if lit.startswith("PIPEGEN_LAKE_ROOT")] == [
        "PIPEGEN_LAKE_ROOT=abfss://l@a.dfs.core.windows.net"
    ]
    gold = overlay_literals(
        deployed(tmp_path, "azure", {"PIPEGEN_LAKE_ROOT_GOLD": "abfss://g@a.dfs.core.windows.net"}), "prod"
    )
    assert [lit for lit in gold if lit.startswith("PIPEGEN_LAKE_ROOT_GOLD=")] == [
        "PIPEGEN_LAKE_ROOT_GOLD=abfss://g@a.dfs.core.windows.net"
    ]
    # .env.example lists the roots the lake step reads
    env_example = files[".env.example"].splitlines()
    assert {"PIPEGEN_LAKE_ROOT=", "PIPEGEN_LAKE_ROOT_BRONZE=", "PIPEGEN_LAKE_ROOT_GOLD="} <= set(env_example)


def test_each_bundle_target_names_its_environments_lake_bucket(tmp_path: Path) -> None:
    import yaml

    files = deployed(tmp_path, "aws")
    bundle = yaml.safe_load(files["databricks.yml"])
    for env in ("dev", "staging", "prod"):
        tfvars = files[f"terraform/envs/{env}/terraform.tfvars"]
        bucket = next(line.split('"')[1] for line in tfvars.splitlines() if line.startswith("lake_bucket "))
        assert bundle["targets"][env]["variables"]["lake_root"] == f"s3://{bucket}", env
    assert "PIPEGEN_LAKE_ROOT=" in files[".env.example"].splitlines()
    assert "lake_root_silver" not in bundle["variables"]  # one bucket: one root


CATALOGS = {
    "glue": ("{bucket: company-lake, region: eu-west-1}",
             {"type": "glue", "warehouse": "s3://company-lake/", "region": "eu-west-1"}),
    "rest": ('{bucket: company-lake, url: "https://cat.example.com/api", catalog: prod, token: "${secret:CAT_TOKEN}"}',
             {"type": "rest", "uri": "https://cat.example.com/api", "path": "", "warehouse": "prod",
              "token": "${secret:CAT_TOKEN}"}),
    "unity": ('{bucket: company-lake, url: "https://dbc.example.com", catalog: main, token: "${secret:CAT_TOKEN}"}',
              {"type": "unity", "uri": "https://dbc.example.com", "path": "/api/2.1/unity-catalog/iceberg-rest",
               "warehouse": "main", "token": "${secret:CAT_TOKEN}"}),
}  # fmt: skip


def test_lake_json_carries_the_iceberg_targets_production_catalog_with_its_token_as_a_reference(
    tmp_path: Path,
) -> None:
    """lake.json's `production_catalog` (the catalog the lake step opens in a deployment): the target's
    `lake.catalog` with the connection fields it is made of (reach.CATALOG_FIELDS, which R397 leaves alone),
    the token a `${secret:…}` reference; pyiceberg's glue extra pinned only for Glue; none without a catalog."""
    from pipegen.plan.reach import CATALOG_FIELDS
    from pipegen.spec.model import LakeCatalog

    plain = generate(tmp_path, fmt="iceberg")
    assert "production_catalog" not in json.loads(plain["pipeline/lake.json"])["targets"][0]
    for kind, (connection, expected) in CATALOGS.items():
        text = SPEC.format(fmt="iceberg", layers=f"    lake: {{catalog: {kind}}}\n", marts="")
        text = ("cloud: aws\n" if kind == "glue" else "") + text.replace("{bucket: company-lake}", connection)
        path = tmp_path / f"{kind}.yaml"
        path.write_text(text)
        ready = prepare(path)
        files = render_tree(ready.spec, ready.plan)
        target = json.loads(files["pipeline/lake.json"])["targets"][0]
        assert target["production_catalog"] == expected, kind
        fields = ready.spec.targets[0].connection
        for field in CATALOG_FIELDS[LakeCatalog(kind)]:
            assert str(getattr(fields, field)) in json.dumps(target["production_catalog"]), (kind, field)
        glue = "pyiceberg[glue,pyiceberg-core,sql-sqlite]==0.12.0" in files["requirements.txt"].splitlines()
        assert glue == (kind == "glue"), files["requirements.txt"]
        # .env.example says the lake step reads the token's variable
        said = f"# pipeline/lake.py: the Lake target's {kind} catalog's token (a deployment)\n"
        assert (said in files[".env.example"]) == (kind != "glue"), files[".env.example"]
