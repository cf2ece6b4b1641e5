"""What the Compose binary does not check in a generated compose.yaml, across the project's files (used by
tests/judges/test_compose.py over the examples and tests/specgen/infra_judges.py over drawn specs):

- the Compose specification's JSON Schema (vendored: `schemas/compose-spec.json`, npm `dclint` 3.1.0's
  `schemas/compose.schema.json`, draft-07; CURRENCY.md §11);
- every image pinned: a tag, not `latest`;
- every `${VAR}` compose.yaml reads (not `$${...}`, Compose's escape) is listed in `.env.example`;
- every bind-mounted project path and every build's Dockerfile is a file or folder of the project;
- every `depends_on` names a service with a health check, and every service has one;
- the Flink session cluster has a slot for every `flink/sql/*.sql` job at the parallelism flink-sql sets.
Each check returns its problems, one line each (none: the check passed)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")  # `${NAME`, `${NAME:?...}`, `${NAME:-...}`
LISTED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=", re.M)


@cache
def _validator() -> Any:
    from jsonschema import Draft7Validator

    return Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def load(text: str) -> dict[str, Any]:
    from ruamel.yaml import YAML

    doc = YAML(typ="safe", pure=True).load(text)
    assert isinstance(doc, dict)
    return doc


def schema_problems(doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in _validator().iter_errors(doc)]


def _exists(files: dict[str, str], path: str) -> bool:
    rel = path.removeprefix("./").rstrip("/")
    return rel in ("", ".") or rel in files or any(f.startswith(rel + "/") for f in files)


def cross_file_problems(files: dict[str, str]) -> list[str]:
    """The problems of the project's compose.yaml against the project's other files."""
    text = files["compose.yaml"]
    services: dict[str, Any] = load(text)["services"]
    listed = set(LISTED.findall(files.get(".env.example", "")))
    problems = [f"${{{name}}} is not in .env.example" for name in sorted(set(VARIABLE.findall(text)) - listed)]
    for name, service in sorted(services.items()):
        image = str(service.get("image", ""))
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        if not tag or tag == "latest":
            problems.append(f"{name}: image {image!r} is not pinned to a tag")
        if "healthcheck" not in service:
            problems.append(f"{name}: no health check")
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith(".") and not _exists(files, source):
                problems.append(f"{name}: mounts {source}, which the project does not have")
        build = service.get("build")
        if build is not None and not _exists(files, str(build.get("dockerfile", "Dockerfile"))):
            problems.append(f"{name}: builds from {build.get('dockerfile')}, which the project does not have")
        for other in service.get("depends_on", {}):
            if other not in services or "healthcheck" not in services[other]:
                problems.append(f"{name}: depends on {other}, which is not a service with a health check")
    return problems + flink_slot_problems(files, services)


def flink_slot_problems(files: dict[str, str], services: dict[str, Any]) -> list[str]:
    """Slots of the session cluster (task managers x their slots) for every generated job at the
    parallelism flink-sql gives each (PIPEGEN_FLINK_PARALLELISM)."""
    jobs = [p for p in files if p.startswith("flink/sql/") and p.endswith(".sql")]
    if not jobs:
        return []
    manager, submit = services.get("flink-taskmanager"), services.get("flink-sql")
    if manager is None or submit is None:
        return [f"{len(jobs)} Flink SQL jobs, but no flink-taskmanager and flink-sql services"]
    slots = int(re.search(r"taskmanager\.numberOfTaskSlots: (\d+)", manager["environment"]["FLINK_PROPERTIES"])[1])
    parallelism = int(submit["environment"]["PIPEGEN_FLINK_PARALLELISM"])
    have, need = int(manager.get("scale", 1)) * slots, len(jobs) * parallelism
    return [] if have >= need else [f"the Flink cluster has {have} slots for {len(jobs)} jobs x {parallelism}"]
