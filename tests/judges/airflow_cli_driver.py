"""Runs in the `airflow` judge env, one process. Reads a JSON object on stdin:

- `commands`: argv lists, each starting with `airflow`: Airflow's own CLI parser (the one the `airflow`
  console script builds, airflow.cli.cli_parser.get_parser) parses each with `--help` appended; argparse
  checks the subcommands, the options and their choices and types up to `--help`, then prints the help and
  exits 0, so the exit code is 0 for a real command line and 2 for a wrong one;
- `variables`: `AIRFLOW__<SECTION>__<KEY>` names: whether Airflow documents that option (its config
  description, config.yml);
- `options`: `[section, key]` pairs: the option's default value.

Prints `{"codes": [...], "known": {name: bool}, "defaults": {"section.key": value}}`."""

from __future__ import annotations

import contextlib
import io
import json
import sys

from airflow.cli.cli_parser import get_parser
from airflow.configuration import conf


def code(argv: list[str]) -> int:
    if not argv or argv[0] != "airflow":
        return 127
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            get_parser().parse_args([*argv[1:], "--help"])
    except SystemExit as stop:
        return int(stop.code or 0)
    return 1  # parsed without reaching --help: cannot happen for a real command line


def known(variable: str) -> bool:
    parts = variable.split("__")
    if len(parts) != 3 or parts[0] != "AIRFLOW":
        return False
    section = conf.configuration_description.get(parts[1].lower(), {})
    return parts[2].lower() in section.get("options", {})


if __name__ == "__main__":
    asked = json.load(sys.stdin)
    print(json.dumps({
        "codes": [code(a) for a in asked.get("commands", [])],
        "known": {v: known(v) for v in asked.get("variables", [])},
        "defaults": {f"{s}.{k}": conf.get(s, k) for s, k in asked.get("options", [])},
    }))  # fmt: skip
