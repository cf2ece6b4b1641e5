"""Runs inside the `hcl` judge environment: python-hcl2 8 parses every `.tf` and `.tfvars` file
under the directories given (quotes stripped, blocks as lists; ../shared/CURRENCY.md §8). Prints one
JSON line: {relative path: parsed document} or {relative path: {"__error__": message}}.

    python tf_driver.py DIR...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def parse(path: Path) -> Any:
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    try:
        with path.open() as handle:
            return hcl2.load(handle, serialization_options=options)
    except Exception as exc:  # a syntax error is a verdict, reported with the file
        return {"__error__": f"{type(exc).__name__}: {exc}"}


def main(dirs: list[str]) -> None:
    out: dict[str, Any] = {}
    for root in map(Path, dirs):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".tf", ".tfvars") and path.is_file():
                out[str(path)] = parse(path)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
