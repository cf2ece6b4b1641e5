"""The databricks family without Databricks: which jobs the bundle holds for which plan (the Spark
job's, its stream, a dbt job), and how the dbt job reaches its warehouse. Every job is loaded
through databricks-bundles' models in tests/families/test_spark_jobs.py."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from pipegen.pipeline import families_for, prepare, render_tree

SPEC = """\
version: 1
pipeline: {{name: dbx}}
latency: 1d
cloud: aws
engines: {{compute: databricks}}
sources:
  - name: shop
    type: faker
    tables:
      - name: orders
        primary_key: id
        columns: [{{name: id, type: bigint}}, {{name: amount, type: double}}]
targets:
{targets}
transforms:
  marts:
    - {{name: revenue, from: orders, measures: [{{name: revenue, agg: sum, column: amount}}]}}
"""
SNOWFLAKE = """\
  - name: Analytics_WH
    type: snowflake
    connection: {account: acme, user: loader, password: "${secret:SF_PASSWORD}", database: analytics,
                 warehouse: transform}
"""
DATABRICKS = """\
  - name: dbx
    type: databricks
    connection: {host: "${env:DATABRICKS_HOST}", token: "${secret:DATABRICKS_TOKEN}", warehouse: "${env:WH_ID}"}
"""


def bundle(tmp_path: Path, targets: str, extra: str = "") -> dict:
    path = tmp_path / "pipegen.yaml"
    path.write_text(SPEC.format(targets=targets) + extra)
    ready = prepare(path)
    assert "databricks" in families_for(ready.plan) and "spark" not in families_for(ready.plan)
    return dict(YAML(typ="safe").load(render_tree(ready.spec, ready.plan)["databricks.yml"]))


def test_dbt_on_databricks_compute_with_another_warehouse_uses_the_projects_profile(tmp_path: Path) -> None:
    doc = bundle(tmp_path, SNOWFLAKE)
    [job] = doc["resources"]["jobs"].values()
    [task] = job["tasks"]
    # no SQL warehouse of Databricks to hand the profile to: the project's own, its Snowflake output
    assert task["dbt_task"] == {"project_directory": "./dbt", "profiles_directory": "./dbt",
                                "commands": ["dbt deps", "dbt build --target analytics_wh"]}  # fmt: skip
    assert job["environments"][0]["spec"]["dependencies"] == [
        "-r ${workspace.file_path}/dbt/requirements-analytics_wh.txt"
    ]
    assert "warehouse_id" not in doc["variables"]


def test_a_warehouse_given_as_a_reference_is_a_deploy_variable_without_default(tmp_path: Path) -> None:
    doc = bundle(tmp_path, DATABRICKS)
    [job] = doc["resources"]["jobs"].values()
    assert job["tasks"][0]["dbt_task"]["warehouse_id"] == "${var.warehouse_id}"
    assert job["tasks"][0]["dbt_task"]["schema"] == "analytics" and "catalog" not in job["tasks"][0]["dbt_task"]
    assert "default" not in doc["variables"]["warehouse_id"]  # ${env:WH_ID}: set at deploy


# The keys a bundle target may hold (the Databricks CLI's bundle schema, `config.Target`; no key is
# required there, so an empty target would be accepted and deploy under each deploying user's home).
TARGET_KEYS = {"artifacts", "bundle", "cluster_id", "default", "git", "mode", "permissions", "presets",
               "resources", "run_as", "sync", "variables", "workspace"}  # fmt: skip
SHARED_ROOT = "/Workspace/Shared/.bundle/${bundle.name}/${bundle.target}"


def test_every_environment_has_a_target_of_its_own(tmp_path: Path) -> None:
    """dev (development mode, the default), staging and prod each deployed once under a shared root:
    the CLI refuses `mode: production` without `workspace.root_path` ("must set 'workspace.root_path'
    to make sure only one copy is deployed", its validate_target_mode) where the jobs set no run_as,
    and staging's jobs carry its name, told from prod's in one workspace."""
    doc = bundle(tmp_path, SNOWFLAKE)
    assert all("run_as" not in job for job in doc["resources"]["jobs"].values())
    assert doc["targets"] == {
        "dev": {"mode": "development", "default": True},
        "staging": {"presets": {"name_prefix": "[staging] "}, "workspace": {"root_path": SHARED_ROOT}},
        "prod": {"mode": "production", "workspace": {"root_path": SHARED_ROOT}},
    }
    assert all(set(t) <= TARGET_KEYS and t for t in doc["targets"].values())
    (tmp_path / "one").mkdir()  # one environment: the default target, deployed once as production
    single = bundle(tmp_path / "one", SNOWFLAKE, "deploy: {environments: {live: {}}}\n")
    assert single["targets"] == {"live": {"mode": "production", "default": True,
                                          "workspace": {"root_path": SHARED_ROOT}}}  # fmt: skip


def test_every_spec_secret_the_spark_job_reads_is_a_secret_scope_reference_to_its_key_vault_entry(
    tmp_path: Path,
) -> None:
    """The azure playground with its lake an Iceberg table in Unity Catalog, whose token is a spec secret:
    every job cluster's environment holds each `${secret:NAME}` the job's config reads as a Databricks secret
    reference, `{{secrets/${var.secret_scope}/${var.<name>_secret_key}}}`, never a value nor a variable a
    value could be given in (the stream's Kafka TLS store passwords too, on the stream's cluster only); each
    target's key is the Key Vault secret Terraform creates for that secret in that environment (terraform.tfvars
    `secret_names`)."""
    import json
    import re

    from tests.conftest import REPO

    text = (REPO / "specs/azure_playground.yaml").read_text()
    lake = "  - name: lake\n    type: delta\n    connection:\n      account: playgroundlake\n      bucket: lake\n"
    unity = ("  - name: lake\n    type: iceberg\n    lake: {catalog: unity}\n    connection:\n"
             "      account: playgroundlake\n      bucket: lake\n      url: ${env:DATABRICKS_HOST}\n"
             "      catalog: playground\n      token: ${secret:DATABRICKS_TOKEN}\n")  # fmt: skip
    assert text.count(lake) == 1
    (tmp_path / "pipegen.yaml").write_text(text.replace(lake, unity))
    ready = prepare(tmp_path / "pipegen.yaml")
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    read = set(re.findall(r"\$\{secret:([A-Za-z_][A-Za-z0-9_]*)\}", files["spark/medallion.json"]))
    tls = {"KAFKA_SSL_KEYSTORE_PASSWORD", "KAFKA_SSL_TRUSTSTORE_PASSWORD"}  # the stream's, of the playground's cluster
    assert read == {"DATABRICKS_TOKEN", *tls}
    doc = YAML(typ="safe").load(files["databricks.yml"])
    clusters = {(k, c["job_cluster_key"]): c["new_cluster"] for k, j in doc["resources"]["jobs"].items()
                for c in j.get("job_clusters", [])}  # fmt: skip
    assert len(clusters) == 3  # the medallion, the maintenance, the stream
    key = {name: f"{name.lower()}_secret_key" for name in read}
    for (job, _), env in ((k, c["spark_env_vars"]) for k, c in clusters.items()):
        wanted = read if job.endswith("_stream") else read - tls  # least privilege: the batch reads no Kafka
        assert {n: env[n] for n in read if n in env} == {
            n: f"{{{{secrets/${{var.secret_scope}}/${{var.{key[n]}}}}}}}" for n in wanted}, job  # fmt: skip
    assert {"secret_scope", *key.values()} <= set(doc["variables"])
    assert not any(n.lower() in doc["variables"] for n in read)  # no variable to put the value in
    for target, settings in doc["targets"].items():
        tfvars = files[f"terraform/envs/{target}/terraform.tfvars"]
        for name, var in key.items():
            entry = re.search(rf'^  {name} += "([a-z0-9-]+)"$', tfvars, re.M)
            assert entry and settings["variables"][var] == entry.group(1), (target, name)
        # the scope is the environment's Key Vault-backed one, which Terraform creates over that Key Vault
        scope = re.search(r'^databricks_secret_scope += "([^"]+)"$', tfvars, re.M)
        assert scope and settings["variables"]["secret_scope"] == scope.group(1), target
    module = files["terraform/modules/platform/databricks.tf"]
    assert re.search(r'resource "databricks_secret_scope" "keyvault" \{\n  name = var.databricks_secret_scope\n\n'
                     r"  keyvault_metadata \{\n    resource_id = azurerm_key_vault.main.id\n"
                     r"    dns_name    = azurerm_key_vault.main.vault_uri\n", module)  # fmt: skip
    assert 'role_definition_name = "Key Vault Secrets User"' in module  # the AzureDatabricks app reads the vault
    assert "${secret:" not in json.dumps(doc)  # no spec reference left for anyone to fill with a value
