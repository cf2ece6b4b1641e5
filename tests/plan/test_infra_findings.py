"""R428, R430, R431: on Azure with Terraform, a written target's container or storage account given as a
reference is a located warning wherever the reference is written (the target, or an environment's
override), and none where every environment overrides it with a literal name."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import render_tree
from pipegen.plan.infra_findings import azure_container
from pipegen.plan.plan import make_plan
from pipegen.spec.catalog import on_project_cluster
from pipegen.spec.validate import check_data
from tests.conftest import REPO

FIXTURE = "tests/invalid/fixtures/azure_container_secret_ref.yaml"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((REPO / FIXTURE).read_text(encoding="utf-8"))
    return data


def _found(data: dict[str, Any]) -> list[tuple[str, tuple[str | int, ...]]]:
    checked = check_data(data)
    assert checked.spec is not None
    return [(f.code, f.path) for f in make_plan(checked.spec).findings if f.code in ("R428", "R430")]


def test_a_container_reference_is_warned_at_the_target_unless_every_environment_names_it() -> None:
    data = _data()
    assert _found(data) == [("R430", ("targets", 0, "connection", "bucket"))]
    named = copy.deepcopy(data)
    named["deploy"]["environments"] = {e: {"targets": {"exports": {"bucket": f"exports-{e}"}}} for e in ("dev", "prod")}
    assert _found(named) == []  # each environment's literal container is granted (target_containers)
    partly = copy.deepcopy(named)
    del partly["deploy"]["environments"]["prod"]["targets"]
    assert _found(partly) == [("R430", ("targets", 0, "connection", "bucket"))]


def test_an_account_reference_is_r430_not_r428_and_an_overrides_reference_is_located_there() -> None:
    data = _data()
    data["targets"][0]["connection"] = {"bucket": "shop-exports", "account": "${env:EXPORT_ACCOUNT}"}
    assert _found(data) == [("R430", ("targets", 0, "connection", "account"))]
    data["targets"][0]["connection"] = {"bucket": "shop-exports", "account": "acmeexports"}
    data["deploy"]["environments"] = {"prod": {"targets": {"exports": {"account": "${secret:PROD_ACCOUNT}"}}}}
    assert _found(data) == [("R430", ("deploy", "environments", "prod", "targets", "exports", "account"))]


# R431 and Azure Storage URLs: a written target's `bucket` may be a URL the code writes as given (the whole
# root); an abfss/wasbs URL names its container and account, fsspec's az:// its container only
NO_ACCOUNT = "tests/invalid/fixtures/azure_container_without_account.yaml"
ABFSS = "abfss://exports@acmeexports.dfs.core.windows.net/shop"


def _no_account() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((REPO / NO_ACCOUNT).read_text(encoding="utf-8"))
    return data


TARGET_CONTAINERS = re.compile(
    r'target_containers = \{\s*exports = \{\s*account\s*= "([^"]*)"\s*container\s*= "([^"]*)"'
)


def _containers(data: dict[str, Any]) -> tuple[list[tuple[str, tuple[str | int, ...]]], dict[str, tuple[str, ...]]]:
    """(R428/R430/R431 findings, each environment's tfvars `target_containers` (account, container) of exports)."""
    checked = check_data(data)
    assert checked.spec is not None
    plan = make_plan(checked.spec)
    found = [(f.code, f.path) for f in plan.findings if f.code in ("R428", "R430", "R431")]
    files = render_tree(checked.spec, plan)
    tfvars = {p.split("/")[2]: str(t) for p, t in files.items() if p.endswith("terraform.tfvars")}
    assert tfvars
    return found, {env: m.groups() if (m := TARGET_CONTAINERS.search(t)) else () for env, t in tfvars.items()}


@pytest.mark.parametrize(
    ("bucket", "account", "expected"),
    [
        ("exports/shop", "acme", ("exports", "acme")),
        (ABFSS, None, ("exports", "acmeexports")),
        ("wasbs://exports@acmeexports.blob.core.windows.net", "other", ("exports", "acmeexports")),  # the URL's
        ("az://exports/shop", None, ("exports", None)),
        ("s3://acme-exports/shop", "acme", None),
        ("https://example.com/exports", None, None),
    ],
)
def test_azure_container_reads_a_name_or_an_azure_storage_url(
    bucket: str, account: str | None, expected: tuple[str, str | None] | None
) -> None:
    assert azure_container(bucket, account) == expected


def test_an_abfss_bucket_is_granted_as_its_container_and_account_never_a_container_named_by_its_scheme() -> None:
    data = _no_account()
    assert _containers(data)[0] == [("R428", ("targets", 0, "connection", "bucket"))]  # the fixture's own warning
    data["targets"][0]["connection"] = {"bucket": ABFSS}
    found, containers = _containers(data)
    assert found == [] and set(containers.values()) == {("acmeexports", "exports")}
    # an environment's URL override: its own container and account in that environment's tfvars
    data["deploy"]["environments"] = {"dev": {}, "prod": {"targets": {"exports": {
        "bucket": "abfss://prodexports@acmeprod.dfs.core.windows.net/"}}}}  # fmt: skip
    found, containers = _containers(data)
    assert found == [] and containers == {"dev": ("acmeexports", "exports"), "prod": ("acmeprod", "prodexports")}


def test_a_url_naming_no_azure_container_is_r431_where_it_is_written_and_az_without_account_r428() -> None:
    data = _no_account()
    data["targets"][0]["connection"] = {"bucket": "s3://acme-exports/shop", "account": "acmeexports"}
    found, containers = _containers(data)
    assert found == [("R431", ("targets", 0, "connection", "bucket"))] and set(containers.values()) == {()}
    data["targets"][0]["connection"] = {"bucket": "exports", "account": "acmeexports"}
    data["deploy"]["environments"] = {"prod": {"targets": {"exports": {"bucket": "gs://acme-exports"}}}}
    assert _containers(data)[0] == [("R431", ("deploy", "environments", "prod", "targets", "exports", "bucket"))]
    data["deploy"]["environments"] = {}
    data["targets"][0]["connection"] = {"bucket": "az://exports/shop"}
    assert _containers(data)[0] == [("R428", ("targets", 0, "connection", "bucket"))]


def test_validates_project_cluster_rule_is_the_naming_layers() -> None:
    # R432 decides without the naming layer (validate does not import it): the same answer for every kind of source
    from pipegen.plan.names import names

    data: dict[str, Any] = YAML(typ="safe").load(
        (REPO / "tests/invalid/fixtures/databricks_stream_on_msk.yaml").read_text()
    )
    table = data["sources"][0]["tables"][0]
    topic = {"name": "clicks", "columns": table["columns"]}
    data["sources"] = [
        {**data["sources"][0], "name": "cdc"},
        {"name": "batch", "type": "postgres", "connection": data["sources"][0]["connection"], "tables": [table]},
        {"name": "own", "type": "kafka", "ingestion": "stream", "topics": [topic]},
        {"name": "theirs", "type": "kafka", "ingestion": "stream", "topics": [topic],
         "connection": {"bootstrap_servers": "broker.example.com:9092"}},
    ]  # fmt: skip
    checked = check_data(data)
    assert checked.spec is not None
    named = names(checked.spec)
    by_layer = {
        s.name: named.dataset(s.name, (s.tables or s.topics)[0].name).on_pipeline_cluster for s in checked.spec.sources
    }
    assert {s.name: on_project_cluster(s) for s in checked.spec.sources} == by_layer
    assert by_layer == {"cdc": True, "batch": False, "own": True, "theirs": False}
    assert [f.code for f in make_plan(checked.spec).findings if f.code == "R432"] == ["R432"]
    data["engines"] = {"stream": "spark"}  # on EMR Serverless: Terraform grants its execution role
    checked = check_data(data)
    assert checked.spec is not None and not [f for f in make_plan(checked.spec).findings if f.code == "R432"]


def test_the_spark_stream_on_databricks_on_gcp_cannot_sign_in_to_managed_kafka() -> None:
    # R461: GCP's project cluster is Managed Kafka (OAUTHBEARER, Google's unshaded login handler), located where
    # Databricks was chosen; none on Dataproc Serverless (the batch's service account signs in) nor on AWS (R432)
    data: dict[str, Any] = YAML(typ="safe").load(
        (REPO / "tests/invalid/fixtures/databricks_stream_on_managed_kafka.yaml").read_text()
    )
    checked = check_data(data)
    assert checked.spec is not None
    assert [(f.code, f.path) for f in make_plan(checked.spec).findings if f.code in ("R432", "R461")] == [
        ("R461", ("engines", "compute"))
    ]
    for change in ({"engines": {"stream": "spark"}}, {"cloud": "aws"}):
        checked = check_data({**data, **change})
        assert checked.spec is not None and "R461" not in [f.code for f in make_plan(checked.spec).findings]


def test_a_cdc_source_the_spark_stream_reads_on_a_managed_cluster_is_captured_elsewhere() -> None:
    # R462: on AWS and GCP the Spark stream reads the managed cluster, Debezium's Strimzi Connect writes Strimzi's:
    # at each CDC source's `ingestion`; none on Azure (Strimzi both sides) nor where Flink streams
    data: dict[str, Any] = YAML(typ="safe").load(
        (REPO / "tests/invalid/fixtures/databricks_stream_on_managed_kafka.yaml").read_text()
    )
    data["engines"] = {"stream": "spark"}
    for cloud, found in (("gcp", True), ("aws", True), ("azure", False)):
        checked = check_data({**data, "cloud": cloud})
        assert checked.spec is not None
        got = [(f.path, f.message) for f in make_plan(checked.spec).findings if f.code == "R462"]
        assert [p for p, _ in got] == ([("sources", 0, "ingestion")] if found else []), cloud
        assert all(cloud.upper() in m and "Strimzi" in m for _, m in got)
    checked = check_data({**data, "engines": {"stream": "flink"}})
    assert checked.spec is not None and "R462" not in [f.code for f in make_plan(checked.spec).findings]
