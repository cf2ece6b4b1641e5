"""Grafana in compose.yaml loads what the monitoring family writes: every path the `grafana` service
mounts is a folder of the generated project, the provisioning folder holds the dashboard provider and
the data source where Grafana reads them (`/etc/grafana/provisioning/{dashboards,datasources}`), and
every provider's `options.path` is a mounted folder holding exactly the project's dashboards. The
Compose binary judges the file itself (tests/judges/test_compose.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path, PurePosixPath

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import prepare, render_tree
from tests.conftest import example_specs

PROVISIONING = PurePosixPath("/etc/grafana/provisioning")  # Grafana's default provisioning folder


@cache
def rendered(spec: Path) -> dict[str, str]:
    ready = prepare(spec)
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


def grafana(files: dict[str, str]) -> dict[str, object] | None:
    if "compose.yaml" not in files:
        return None
    service: dict[str, object] | None = YAML(typ="safe").load(files["compose.yaml"])["services"].get("grafana")
    return service


def mounts(service: dict[str, object]) -> dict[PurePosixPath, str]:
    """container path -> project folder, from `./<folder>:<container path>:ro` bind mounts."""
    out = {}
    for volume in service["volumes"]:  # type: ignore[attr-defined]
        host, container, mode = str(volume).split(":")
        assert mode == "ro" and host.startswith("./"), volume
        out[PurePosixPath(container)] = host[2:]
    return out


def under(files: dict[str, str], folder: str) -> dict[str, str]:
    """The project's files in `folder` (relative names), recursively."""
    return {path[len(folder) + 1 :]: text for path, text in files.items() if path.startswith(folder + "/")}


WITH_GRAFANA = [p for p in example_specs() if grafana(rendered(p))]


def test_the_examples_with_dashboards_run_grafana_locally() -> None:
    with_dashboards = {p.stem for p in example_specs() if any("/grafana/dashboards/" in f for f in rendered(p))}
    assert with_dashboards and {p.stem for p in WITH_GRAFANA} == with_dashboards
    for spec in WITH_GRAFANA:
        files = rendered(spec)
        service = grafana(files)
        assert service is not None
        assert str(service["image"]).startswith("grafana/grafana:") and not str(service["image"]).endswith(":latest")
        assert "/api/health" in " ".join(service["healthcheck"]["test"])  # type: ignore[index]
        assert "PIPEGEN_GRAFANA_ADMIN_PASSWORD=" in files[".env.example"].splitlines()
        assert "\nup:" in files["pipegen.mk"] and "\ndown:" in files["pipegen.mk"]


@pytest.mark.parametrize("spec", WITH_GRAFANA, ids=lambda p: p.stem)
def test_every_path_grafana_mounts_and_is_provisioned_with_exists_in_the_project(spec: Path) -> None:
    files = rendered(spec)
    service = grafana(files)
    assert service is not None
    mounted = mounts(service)
    for folder in mounted.values():
        assert under(files, folder), f"{folder} is mounted but the project has no such folder"
    provisioning = under(files, mounted[PROVISIONING])
    providers = [YAML(typ="safe").load(t) for n, t in provisioning.items() if n.startswith("dashboards/")]
    sources = [YAML(typ="safe").load(t) for n, t in provisioning.items() if n.startswith("datasources/")]
    assert providers and sources
    assert all(doc["apiVersion"] == 1 for doc in (*providers, *sources))
    assert [d["type"] for doc in sources for d in doc["datasources"]] == ["prometheus"]
    boards = {n: t for n, t in files.items() if "/grafana/dashboards/" in n}
    for provider in (p for doc in providers for p in doc["providers"]):
        path = PurePosixPath(provider["options"]["path"])
        assert path in mounted, f"the provider reads {path}, which nothing mounts"
        shown = under(files, mounted[path])
        assert set(shown) == {PurePosixPath(n).name for n in boards} and all(
            json.loads(t)["uid"] for t in shown.values()
        )
