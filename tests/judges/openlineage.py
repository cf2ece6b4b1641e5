"""The OpenLineage judge: events validated against the OpenLineage JSON Schema and its facet
schemas in ../shared/schemas/openlineage/ (no package ships them), every `$ref` resolved from those
files alone.

- `SchemaSet.load(dir)` registers every schema under its `$id`; a reference to anything else is
  unresolvable (`referencing.exceptions.Unresolvable`), never fetched: `unresolved()` walks every
  `$ref` of every schema, and validation raises on the ones an event reaches;
- `problems(event)`: the event against the `$defs` entry its `schemaURL` names (the core schema's
  RunEvent, which checks the run, job and dataset structure), then every facet against the facet
  schema its `_schemaURL` names (the core schema only types facets as open objects).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from tests.judges.crds import shared_dir


def schemas_dir() -> Path | None:
    """shared/schemas/openlineage, or None when absent (tests skip with the reason)."""
    shared = shared_dir()
    path = shared / "schemas" / "openlineage" if shared is not None else None
    return path if path is not None and (path / "OpenLineage.json").is_file() else None


def _no_retrieval(uri: str) -> Resource[Any]:
    raise Unresolvable(ref=uri)  # nothing outside the local files: an unknown reference fails


@dataclass(frozen=True)
class SchemaSet:
    registry: Registry[Any]
    ids: tuple[str, ...]

    @classmethod
    def load(cls, root: Path) -> SchemaSet:
        resources = []
        for path in sorted(root.rglob("*.json")):
            contents = json.loads(path.read_text(encoding="utf-8"))
            resources.append((contents["$id"], DRAFT202012.create_resource(contents)))
        registry: Registry[Any] = Registry(retrieve=_no_retrieval).with_resources(resources)  # type: ignore[call-arg]
        return cls(registry, tuple(uri for uri, _ in resources))

    def unresolved(self) -> list[str]:
        """Every `$ref` of every stored schema that does not resolve from the stored files."""
        out = []
        for uri in self.ids:
            resolver = self.registry.resolver(base_uri=uri)
            for ref in _refs(self.registry.contents(uri)):
                try:
                    resolver.lookup(ref)
                except Unresolvable:
                    out.append(f"{uri}: {ref}")
        return out

    def problems(self, event: dict[str, Any]) -> list[str]:
        """What is wrong with an event (empty: it validates). An unresolvable schemaURL is a problem."""
        out = self._check(event, event.get("schemaURL"), "event")
        for where, facet in facets(event):
            out += self._check(facet, facet.get("_schemaURL"), where)
        return out

    def _check(self, instance: Any, url: Any, where: str) -> list[str]:
        if not isinstance(url, str) or not url:
            return [f"{where}: no schema URL"]
        validator = Draft202012Validator({"$ref": url}, registry=self.registry)
        try:
            return [
                f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)
            ]
        except Unresolvable as exc:
            return [f"{where}: schema {url} does not resolve locally ({exc})"]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def facets(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, facet) for every facet of the run, the job and each dataset."""
    for owner in ("run", "job"):
        for name, facet in ((event.get(owner) or {}).get("facets") or {}).items():
            yield f"{owner}.facets.{name}", facet
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        for i, dataset in enumerate(event.get(side) or []):
            for key in ("facets", extra):
                for name, facet in (dataset.get(key) or {}).items():
                    yield f"{side}[{i}].{key}.{name}", facet


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of a file transport with append: one JSON event a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
