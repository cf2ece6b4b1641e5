"""Strict validation of Kubernetes custom resources against their CRDs' OpenAPI schemas.

The CRDs are the operators' own files, copied unchanged into ../shared/crds/ (its README says
where each comes from). A resource is validated against
``spec.versions[<its version>].schema.openAPIV3Schema`` of the CRD whose group and kind match
its ``apiVersion``/``kind``, made strict the way the API server prunes: every object schema that
lists ``properties`` (and does not say ``x-kubernetes-preserve-unknown-fields``) gets
``additionalProperties: false``, so an unknown or misspelt field is an error instead of being
dropped silently. ``nullable: true`` admits null. Branches of ``oneOf``/``anyOf``/``allOf``/
``not`` are value checks in Kubernetes' structural schemas (they may list a subset of the
parent's fields), so they are left as they are.

A resource whose apiVersion/kind has no schema there (a removed version such as Strimzi's
``v1beta2``, or an unknown kind) is an error, never a pass.

Usage::

    from tests.judges.crds import CrdCatalog, shared_crds_dir
    catalog = CrdCatalog.load(shared_crds_dir())      # skip the test when it returns None
    problems = catalog.validate(resource)             # [] when valid; each names the path
"""

from __future__ import annotations

import copy
import functools
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
COMBINATORS = ("oneOf", "anyOf", "allOf", "not")
# Schema keywords whose values are maps of field name -> schema.
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
# Schema keywords whose value is one schema.
_SCHEMA_ONE = ("items", "additionalItems", "additionalProperties")


@functools.cache
def shared_dir() -> Path | None:
    """The steering repo's shared/ folder: ``$PIPEGEN_SHARED`` when set, else ../shared next to the
    clone, else ../shared next to the repository it was cloned from (a clone made elsewhere, e.g.
    in a temporary folder, of a checkout that has it); None when none exists."""
    explicit = os.environ.get("PIPEGEN_SHARED")
    if explicit:
        return Path(explicit) if Path(explicit).is_dir() else None
    candidates = [REPO.parent / "shared"]
    origin = subprocess.run(["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    if origin and "://" not in origin and ":" not in origin.split("/", 1)[0]:  # a local path, not a URL
        candidates.append((REPO / origin).resolve().parent / "shared")
    return next((path for path in candidates if path.is_dir()), None)


def shared_path(*parts: str) -> Path:
    """A path under shared/ (see `shared_dir`); under ../shared next to the clone when none is found,
    so a judge that needs it fails naming where it looked."""
    return (shared_dir() or REPO.parent / "shared").joinpath(*parts)


def shared_crds_dir() -> Path | None:
    """shared/crds (see `shared_dir`), or None when absent."""
    shared = shared_dir()
    return shared / "crds" if shared is not None and (shared / "crds").is_dir() else None


# Fields the API server implies at the root of every custom resource, whether or not the CRD's
# schema lists them (the Flink operator's omits all three).
IMPLIED_ROOT = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}


def with_implied_root(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema` with the root fields every custom resource has added where it does not list them."""
    properties = {**IMPLIED_ROOT, **schema.get("properties", {})}
    return {**schema, "properties": properties}


def strict(schema: Any) -> Any:
    """A copy of an OpenAPI v3 schema in which unknown fields are errors (see the module docstring)."""
    return _strict(copy.deepcopy(schema), in_combinator=False)


def _strict(node: Any, in_combinator: bool) -> Any:
    if isinstance(node, list):
        return [_strict(item, in_combinator) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("nullable") is True and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    if "properties" in node and not preserve and not in_combinator and "additionalProperties" not in node:
        node["additionalProperties"] = False
    for key in _SCHEMA_MAPS:
        if isinstance(node.get(key), dict):
            node[key] = {name: _strict(sub, False) for name, sub in node[key].items()}
    for key in _SCHEMA_ONE:
        if isinstance(node.get(key), (dict, list)):
            node[key] = _strict(node[key], False)
    for key in COMBINATORS:
        if key in node:
            node[key] = _strict(node[key], True)
    return node


@dataclass(frozen=True)
class CrdCatalog:
    """Strict schemas by (apiVersion, kind), from a folder of CRD YAML files."""

    schemas: Mapping[tuple[str, str], Mapping[str, Any]]

    @classmethod
    def load(cls, folder: Path) -> CrdCatalog:
        """The CRDs of every YAML file in `folder`, parsed once per process while those files are
        unchanged (the shared CRDs are ~1.4 MB of YAML, ~5 s of CPU to parse; several modules load
        them). The catalog is shared by its callers: nothing changes its schemas."""
        files = sorted(folder.glob("*.y*ml"))
        return _catalog(tuple((str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in files))

    @classmethod
    def from_documents(cls, documents: Iterable[Any]) -> CrdCatalog:
        schemas: dict[tuple[str, str], Mapping[str, Any]] = {}
        for doc in documents:
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                if version.get("served", True) and "schema" in version:
                    root = with_implied_root(version["schema"]["openAPIV3Schema"])
                    schemas[(f"{group}/{version['name']}", kind)] = strict(root)
        return cls(schemas)

    def known(self) -> list[str]:
        return sorted(f"{api} {kind}" for api, kind in self.schemas)

    def validate(self, resource: Any) -> list[str]:
        """Every problem of one resource (empty when valid), each as `<kind>/<name> at <path>: <message>`."""
        if not isinstance(resource, dict):
            return [f"not a mapping: {type(resource).__name__}"]
        api, kind = resource.get("apiVersion"), resource.get("kind")
        metadata = resource.get("metadata")
        name = metadata.get("name", "?") if isinstance(metadata, dict) else "?"
        schema = self.schemas.get((str(api), str(kind)))
        if schema is None:
            same_kind = sorted(a for a, k in self.schemas if k == kind)
            hint = f"served versions of {kind}: {', '.join(same_kind)}" if same_kind else "no CRD for this kind"
            return [f"{kind}/{name}: no schema for apiVersion {api!r} ({hint})"]
        validator = jsonschema.Draft7Validator(schema)
        errors = sorted(validator.iter_errors(resource), key=lambda e: [str(p) for p in e.absolute_path])
        return [f"{kind}/{name} at {_path(e.absolute_path)}: {e.message}" for e in errors]

    def validate_all(self, resources: Iterable[Any]) -> list[str]:
        return [problem for resource in resources for problem in self.validate(resource)]


@functools.cache
def _catalog(files: tuple[tuple[str, int, int], ...]) -> CrdCatalog:
    """The catalog of these files (path, modification time, size: a changed file is read again)."""
    return CrdCatalog.from_documents(doc for path, _, _ in files for doc in _yaml_documents(Path(path)))


def _path(parts: Iterable[Any]) -> str:
    text = ".".join(str(p) for p in parts)
    return text or "(root)"


def _yaml_documents(path: Path) -> list[Any]:
    yaml = YAML(typ="safe")  # the C loader when ruamel.yaml.clibz is installed: CRDs are large
    return [doc for doc in yaml.load_all(path.read_text(encoding="utf-8")) if doc is not None]


def load_resources(text: str) -> list[Any]:
    """The documents of a multi-document YAML text (a generated manifest file)."""
    yaml = YAML(typ="safe", pure=True)
    return [doc for doc in yaml.load_all(text) if doc is not None]
