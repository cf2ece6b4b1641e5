"""Strict validation of the built-in (core) Kubernetes resources pipegen writes — Role,
RoleBinding and any other kind of a Kubernetes API group — against the Kubernetes API's own
schemas, offline: kubernetes-validate in the `k8s` judge environment
(requirements/judges/k8s.txt) ships them. Custom resources (Strimzi, the Flink operator) are
judged against their operators' CRDs instead (tests/judges/crds.py).

Usage::

    from tests.judges.kubernetes import core_resources, validate_core
    found = core_resources(files)                      # [(path, resource)] of core kinds
    problems = validate_core([r for _, r in found], k8s_python, home)   # one process for all
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.judges.crds import load_resources
from tests.judges.envs import offline_env

DRIVER = Path(__file__).with_name("kubernetes_driver.py")
# The oldest Kubernetes the generated manifests are checked against (../shared/CURRENCY.md §9
# validates with -k 1.31) and the newest kubernetes-validate 1.37.0 bundles.
VERSIONS = ("1.31", "1.37")
# API groups of built-in kinds: the core group ("v1"), groups without a dot (apps, batch, ...)
# and the *.k8s.io groups (rbac.authorization.k8s.io, networking.k8s.io, ...); any other group
# with a dot belongs to an operator's custom resource.
BUILT_IN_SUFFIX = ".k8s.io"


def is_core(resource: Mapping[str, Any]) -> bool:
    """Whether the resource is of a built-in Kubernetes kind (not an operator's custom resource)."""
    api_version = str(resource.get("apiVersion", ""))
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return "." not in group or group.endswith(BUILT_IN_SUFFIX)


# kustomize's own files: a Kustomization is read by kustomize, not the API server; an overlay's
# patches are partial objects, judged after `kubectl kustomize` merges them (tests/judges/kustomize.py).
NOT_RESOURCES = ("Kustomization",)
PATCHES = "k8s/overlays/"


def manifests(files: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(path, resource) of every Kubernetes resource in the generated YAML files: documents with
    a string apiVersion and kind (a workflow, a compose file or dbt's YAML has neither), except
    kustomize's own files (NOT_RESOURCES, PATCHES)."""
    out = []
    for path, text in sorted(files.items()):
        if not path.endswith((".yaml", ".yml")) or "apiVersion" not in text or path.startswith(PATCHES):
            continue
        for doc in load_resources(text):
            if not (isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str)):
                continue
            if isinstance(doc.get("kind"), str) and doc["kind"] not in NOT_RESOURCES:
                out.append((path, doc))
    return out


def core_resources(files: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(path, resource) of every built-in-kind resource in the generated files."""
    return [(path, doc) for path, doc in manifests(files) if is_core(doc)]


def validate_core(resources: list[dict[str, Any]], python: Path, home: Path) -> list[list[str]]:
    """One list of problems per resource ([] when valid for every version in VERSIONS)."""
    proc = subprocess.run(
        [str(python), str(DRIVER), *VERSIONS], input=json.dumps(resources), capture_output=True, text=True,
        timeout=300, check=False, env=offline_env(home),
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"kubernetes-validate driver failed:\n{proc.stderr[-3000:]}")
    found: list[list[str]] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(found) == len(resources)
    return found


def failures(found: list[tuple[str, dict[str, Any]]], python: Path, home: Path) -> dict[str, list[str]]:
    """'path: Kind/name' -> problems, for the resources that are not valid."""
    verdicts = validate_core([r for _, r in found], python, home)
    return {
        f"{path}: {r['kind']}/{r.get('metadata', {}).get('name')}": problems
        for (path, r), problems in zip(found, verdicts, strict=True)
        if problems
    }
