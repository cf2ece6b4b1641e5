"""The core-kind judge (tests/judges/kubernetes.py, kubernetes-validate's strict schemas in the
`k8s` judge env) tells built-in kinds from custom resources, accepts a valid Role and
RoleBinding, and catches an unknown field, a missing required field, a wrong type and a kind
it has no schema for, naming where — so its passes over generated manifests mean something."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.judges.kubernetes import is_core, manifests, validate_core

ROLE: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "Role",
    "metadata": {"name": "config-reader", "namespace": "shop"},
    "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["creds"], "verbs": ["get"]}],
}
BINDING: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "RoleBinding",
    "metadata": {"name": "config-reader", "namespace": "shop"},
    "subjects": [{"kind": "ServiceAccount", "name": "connect", "namespace": "shop"}],
    "roleRef": {"kind": "Role", "name": "config-reader", "apiGroup": "rbac.authorization.k8s.io"},
}


def test_built_in_groups_are_core_and_operator_groups_are_not() -> None:
    core = ("v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1", "networking.k8s.io/v1")
    custom = ("kafka.strimzi.io/v1", "flink.apache.org/v1beta1", "monitoring.coreos.com/v1")
    assert all(is_core({"apiVersion": v}) for v in core)
    assert not any(is_core({"apiVersion": v}) for v in custom)


def test_manifests_are_the_documents_with_an_api_version_and_a_kind() -> None:
    files = {"k8s/rbac.yaml": "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Secret\n",
             ".github/workflows/ci.yml": "name: ci\non: push\n", "dbt/x.yml": "version: 2\n"}  # fmt: skip
    assert [(p, d["kind"]) for p, d in manifests(files)] == [
        ("k8s/rbac.yaml", "ConfigMap"),
        ("k8s/rbac.yaml", "Secret"),
    ]


def broken(resource: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    node = out
    for part in path[:-1]:
        node = node[part]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


@pytest.mark.judge
def test_the_judge_accepts_valid_rbac_and_catches_each_kind_of_error(k8s_python: Path, tmp_path: Path) -> None:
    cases = [
        ROLE,
        BINDING,
        broken(ROLE, ("rules", 0, "verb"), ["get"]),  # a misspelt field: strict schemas refuse it
        broken(BINDING, ("roleRef",), None),  # a required field missing
        broken(ROLE, ("rules", 0, "verbs"), "get"),  # a string where a list belongs
        {**ROLE, "kind": "Rol"},  # no schema for the kind: an error, never a pass
    ]
    found = validate_core(cases, k8s_python, tmp_path / "home")
    assert found[:2] == [[], []]
    unknown, missing, wrong_type, no_schema = found[2:]
    assert unknown and "rules.0" in unknown[0] and "'verb'" in unknown[0], unknown
    assert missing and "'roleRef' is a required property" in missing[0], missing
    assert wrong_type and "rules.0.verbs" in wrong_type[0], wrong_type
    assert no_schema and "no schema" in no_schema[0] and "Rol" in no_schema[0], no_schema
    assert all(len(problems) == 2 for problems in found[2:])  # one per Kubernetes version checked
