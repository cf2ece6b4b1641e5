"""R430: on Azure with Terraform, a written target's container or storage account given as a
reference is a located warning wherever the reference is written (the target, or an environment's
override), and none where every environment overrides it with a literal name."""

from __future__ import annotations

import copy
from typing import Any

from ruamel.yaml import YAML

from pipegen.plan.plan import make_plan
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
