"""Invalid specs: every problem reported at once, each with its exact code, message and
line:col. The expectations are compiler-style lines in expected.txt, one block per fixture.

After an intended change to a message, regenerate the expectations with
    python -m tests.invalid.test_invalid_specs      (in the dev environment, from the repo root)
and review the diff of expected.txt like code.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from pipegen.pipeline import check, validate
from pipegen.spec.load import MAX_BYTES
from pipegen.spec.validate import check_bytes

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
EXPECTED = HERE / "expected.txt"


def actual_lines(fixture: Path) -> list[str]:
    checked = validate(fixture)  # what `pipegen validate` reports (tests/spec/test_validate_path.py: = check())
    return [f"{fixture.name}:{d.line}:{d.column}: {d.severity}: {d.message} [{d.code}]" for d in checked.diagnostics]


def expected_lines() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out[line.split(":", 1)[0]].append(line)
    return out


def fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.yaml"))


def write_expected() -> None:
    """Rewrite expected.txt from the current output (review the diff like code)."""
    lines = ["# file:line:col: severity: message [code] -- one block per fixture in tests/invalid/fixtures"]
    for fixture in fixtures():
        lines += [*actual_lines(fixture), ""]
    EXPECTED.write_text("\n".join(lines), encoding="utf-8")


def test_there_are_at_least_forty_fixtures_and_each_has_expectations() -> None:
    names = {f.name for f in fixtures()}
    assert len(names) >= 40
    assert set(expected_lines()) == names


@pytest.mark.parametrize("fixture", fixtures(), ids=lambda p: p.stem)
def test_fixture_reports_exactly_the_expected_diagnostics(fixture: Path) -> None:
    assert actual_lines(fixture) == expected_lines()[fixture.name]


def test_every_fixture_is_invalid_or_warned() -> None:
    for fixture in fixtures():
        assert actual_lines(fixture), f"{fixture.name} produced no diagnostic"


def test_codes_cover_every_family_of_problem() -> None:
    codes = {line.rsplit("[", 1)[1].rstrip("]") for lines in expected_lines().values() for line in lines}
    for code in ("P001", "P002", "P003", "P006", "P007", "P008", "P009", "P010", "S101", "S102", "S103", "S104",
                 "S105", "S106", "S107", "S108", "R201", "R202", "R203", "R204", "R205", "R206", "R207", "R208",
                 "R209", "R210", "R211", "R212", "R214", "R215", "R216", "R217", "R218", "R219", "R220", "R221",
                 "R224", "R225", "R226", "R227", "S110", "R250", "R251", "R252", "R253", "R254", "R255", "R256",
                 "R257", "R258", "R259", "R260", "R261", "A301", "A302", "A304", "A310"):  # fmt: skip
        assert code in codes, f"no fixture produces {code}"


def test_every_code_in_the_source_is_documented_and_vice_versa() -> None:
    import re

    repo = HERE.parents[1]
    in_source = set()
    for path in (repo / "src" / "pipegen").rglob("*.py"):
        in_source |= set(re.findall(r'"([PSRA]\d{3})"', path.read_text(encoding="utf-8")))
    documented = set()
    for doc in ("diagnostics.md", "architecture.md"):  # the A codes live with the architecture rules
        text = (repo / "docs" / doc).read_text(encoding="utf-8")
        documented |= set(re.findall(r"^\| ([PSRA]\d{3}) \|", text, re.MULTILINE))
    assert in_source == documented


def test_hints_say_how_to_fix() -> None:
    def hints(name: str) -> list[str | None]:
        checked, _ = check(FIXTURES / name)
        return [d.hint for d in checked.diagnostics]

    assert hints("unknown_top_level_key.yaml") == ["did you mean 'orchestrator' or 'orchestration'?"]
    assert hints("bad_enum_with_suggestion.yaml") == ["did you mean 'postgres'?", "did you mean 'duckdb'?"]
    assert "did you mean 'timestamp'" in str(hints("bad_column_type.yaml")[0])
    assert hints("mart_unknown_references.yaml")[0] == "did you mean 'orders' or 'db.orders'?"
    assert "${secret:PASSWORD}" in str(hints("literal_secrets.yaml")[0])
    assert "can only be read in batch" in str(hints("kappa_with_rest_api.yaml")[0])
    assert "spaces" in str(hints("tab_indent.yaml")[0])
    # pipegen keeps the first of duplicate keys, and says so (not YAML's "last wins")
    assert hints("duplicate_keys.yaml")[0] == (
        "pipegen keeps the first value (line 3) and ignores this one; remove the one you do not mean"
    )
    # a join key missing on one side lists that side's columns, never an unrelated look-alike
    assert hints("join_key_missing.yaml") == [
        "db.orders has: order_id, amount, status, updated_at; join on a column both sides have, "
        "or pair differently named keys: on: {left: right}"
    ]
    assert hints("mart_named_like_its_source.yaml") == [
        "rename the mart (e.g. orders_mart) if another mart must read it"
    ]


def test_missing_key_points_at_its_parent_mapping() -> None:
    lines = actual_lines(FIXTURES / "missing_required_keys.yaml")
    assert "missing_required_keys.yaml:2:1: error: missing required key 'name' [S102]" in lines


def test_non_utf8_bytes_are_located() -> None:
    checked = check_bytes(b"version: 1\npipeline:\n  name: caf\xe9\n", "latin1.yaml")
    assert [(d.line, d.column, d.code) for d in checked.diagnostics] == [(3, 12, "P005")]
    assert checked.diagnostics[0].message == "the file is not UTF-8 (byte 0xe9)"


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    checked, _ = check(big)
    assert [d.code for d in checked.diagnostics] == ["P004"]
    assert "specs are limited to 4,194,304" in checked.diagnostics[0].message


def test_nul_byte_and_deep_nesting_are_refused() -> None:
    assert [d.code for d in check_bytes(b"version: 1\x00\n").diagnostics] == ["P005"]
    deep = b"version: 1\npipeline: " + b"[" * 100 + b"]" * 100 + b"\n"
    assert [d.code for d in check_bytes(deep).diagnostics] == ["P011"]


def test_directory_and_missing_file_are_diagnostics(tmp_path: Path) -> None:
    assert [d.code for d in check(tmp_path)[0].diagnostics] == ["P000"]
    assert [d.message for d in check(tmp_path / "nope.yaml")[0].diagnostics] == ["no such file"]


if __name__ == "__main__":
    write_expected()
