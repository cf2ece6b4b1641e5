"""Runs inside the `k8s` judge environment: kubernetes-validate's strict schemas (bundled in the
package, read from its files: nothing is downloaded) over Kubernetes resources given as one
JSON list on stdin, for each Kubernetes version given. Prints one JSON line: one list of
problems per resource ([] when valid), each problem naming the version, the field path and
what is wrong. A kind with no schema is a problem, never a pass.

    python kubernetes_driver.py VERSION... < resources.json
"""

from __future__ import annotations

import json
import sys
from typing import Any


def problems(resource: dict[str, Any], versions: list[str]) -> list[str]:
    import kubernetes_validate
    from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

    out = []
    for version in versions:
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.absolute_path) or "(root)"
            out.append(f"Kubernetes {version}: {where}: {exc.message}")
        except SchemaNotFoundError as exc:
            out.append(f"Kubernetes {version}: no schema: {exc.message}")
    return out


def read_schemas_once() -> None:
    """kubernetes-validate reads and parses the kind's schema file and the version's large
    _definitions.json again for every resource it validates: this process keeps each file's
    contents after the first read (the same contents; jsonschema only reads them)."""
    from functools import lru_cache

    from kubernetes_validate import utils

    utils.schema_contents = lru_cache(maxsize=None)(utils.schema_contents)


def main() -> int:
    read_schemas_once()
    resources = json.load(sys.stdin)
    print(json.dumps([problems(r, sys.argv[1:]) for r in resources]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
