"""Runs in the `airflow` judge env: for each command line on stdin (a JSON list of argv lists, each
starting with `airflow`), Airflow's own CLI parser parses it with `--help` appended (argparse checks the
subcommands, the options and their choices and types up to `--help`, then prints the help and exits 0)
and prints the exit codes as a JSON list: 0 for a real command line, 2 for a wrong one. One process: the
parser is the one the `airflow` console script builds (airflow.cli.cli_parser.get_parser)."""

from __future__ import annotations

import contextlib
import io
import json
import sys

from airflow.cli.cli_parser import get_parser


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


if __name__ == "__main__":
    print(json.dumps([code(a) for a in json.load(sys.stdin)]))
