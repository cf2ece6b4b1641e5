"""Flink SQL with every name a reserved word: the stream job and the quality jobs of
tests/judges/flink_hostile.yaml (tables `user`/`order`, columns `select`, `from`, `Group`, `where`,
`limit`, `timestamp`, a job `table` writing `count` and `sum`, a filter on `"limit"`) are planned
by PyFlink (EXPLAIN of every statement), and every identifier in the generated SQL is quoted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipegen.spec.reserved import RESERVED
from tests.judges.test_flink_jobs import driver, generate

SPEC = Path(__file__).with_name("flink_hostile.yaml")
NAMES = ("user", "order", "select", "from", "Group", "where", "limit", "timestamp", "table", "count", "sum")


def test_every_name_of_the_spec_is_reserved_in_flink() -> None:
    assert all(name.lower() in RESERVED["flink"] for name in NAMES)


def test_reserved_names_reach_flink_sql_only_in_backticks(tmp_path: Path) -> None:
    project = generate(SPEC, tmp_path / "p")
    files = sorted((project / "flink" / "sql").glob("*.sql"))
    assert len(files) == 3
    for path in files:
        sql = re.sub(r"'(?:[^']|'')*'", "''", path.read_text())  # string literals out
        sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
        for name in ("select", "Group", "where", "limit", "timestamp"):
            bare = re.findall(rf"(?<![`\w.]){name}(?![`\w])", sql)
            assert not bare, f"{path.name}: bare {name}"


@pytest.mark.judge
def test_every_job_of_the_reserved_word_spec_plans_in_flink(tmp_path: Path, flink_shared: Path) -> None:
    project = generate(SPEC, tmp_path / "p")
    planned = driver(flink_shared, tmp_path / "home", "explain", str(project))
    assert len(planned) == 3 and set(planned.values()) == {"planned"}, planned
