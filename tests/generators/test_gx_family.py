"""The gx family without GX: every column and table rule becomes exactly one expectation
with its spec path, `mostly` and severity; generating imports no GX; the event schemas are
valid JSON Schemas; the rule x engine matrix lists every rule and explains every empty cell."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pipegen.generators.gx import events as gx_events
from pipegen.generators.gx.matrix import REASONS
from pipegen.pipeline import families_for, prepare, render_tree
from tests.conftest import example_specs

ROOT = Path(__file__).parents[2]
RULES = ("not_null", "unique", "range", "accepted_values", "regex", "foreign_key")


def with_gx() -> list[Path]:
    return [p for p in example_specs() if "gx" in families_for(prepare(p).plan)]


def suites(files: dict[str, str]) -> dict[str, dict[str, object]]:
    return {p: json.loads(t) for p, t in files.items() if p.startswith("gx/expectations/")}


# etl lands protected columns as text: a keyed hash still follows not_null and unique, a mask
# not_null, a dropped column nothing (written here by hand, not taken from pipegen.spec.pii)
KEPT_AFTER_PROTECTION = {"hash": {"not_null", "unique"}, "mask": {"not_null"}, "drop": set()}


@pytest.mark.parametrize("spec", with_gx(), ids=lambda p: p.stem)
def test_every_staged_column_rule_is_one_expectation_with_its_spec_path(spec: Path) -> None:
    ready = prepare(spec)
    files = render_tree(ready.spec, ready.plan)
    by_path = {
        e["meta"]["spec_path"]: e  # type: ignore[index]
        for s in suites(files).values()
        for e in s["expectations"]  # type: ignore[attr-defined]
    }
    batch = set(ready.plan.graph.batch_sources)
    default_mostly = 1.0 - ready.spec.quality.fail_threshold
    for si, source in enumerate(ready.spec.sources):
        if si not in batch:
            continue
        for ti, table in enumerate(source.tables):
            for ci, column in enumerate(table.columns):
                for rule in RULES:
                    found = getattr(column, rule)
                    path = f"sources[{si}].tables[{ti}].columns[{ci}].{rule}"
                    if ready.plan.architecture.value == "etl" and column.pii.value in KEPT_AFTER_PROTECTION:
                        found = found if rule in KEPT_AFTER_PROTECTION[column.pii.value] else None
                    if not found:
                        assert path not in by_path
                        continue
                    e = by_path[path]
                    mostly = found.mostly if found.mostly is not None else default_mostly
                    assert e["kwargs"].get("mostly", 1.0) == pytest.approx(mostly)
                    severity = found.severity or ready.spec.quality.severity
                    assert e["severity"] == {"error": "critical", "warn": "warning"}[severity.value]


def test_a_foreign_key_is_a_value_set_parameter_the_runner_fills_from_the_parent() -> None:
    ready = prepare(ROOT / "specs" / "saas_elt.yaml")
    files = render_tree(ready.spec, ready.plan)
    invoices = json.loads(files["gx/expectations/stg_app_db__invoices.json"])
    fk = [e for e in invoices["expectations"] if e["meta"]["rule"] == "foreign_key"]
    assert fk == [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "account_id", "value_set": {"$PARAMETER": "fk__stg_app_db__invoices__account_id"},
                       "mostly": pytest.approx(0.999)},
            "meta": {"spec_path": "sources[0].tables[1].columns[1].foreign_key", "rule": "foreign_key"},
            "severity": "critical",
        }
    ]  # fmt: skip
    checks = json.loads(files["gx/checks.json"])
    params = next(s for s in checks["suites"] if s["suite"] == "stg_app_db__invoices")["parameters"]
    assert params["fk__stg_app_db__invoices__account_id"] == {
        "kind": "foreign_key", "schema": "staging", "table": "stg_app_db__accounts", "column": "account_id",
        "fk_column": "account_id", "spec_path": "sources[0].tables[1].columns[1].foreign_key",  # the cascade's
    }  # fmt: skip
    table_rules = {e["meta"]["rule"] for e in invoices["expectations"]}
    assert {"expected_columns", "row_count", "freshness"} <= table_rules


def test_generate_never_imports_great_expectations() -> None:
    code = (
        "import sys; from pathlib import Path; from pipegen.pipeline import prepare, render_tree;"
        f"r = prepare(Path({str(ROOT / 'specs' / 'saas_elt.yaml')!r})); render_tree(r.spec, r.plan);"
        "print(any(m.split('.')[0] in ('great_expectations', 'pandas') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_event_schema_is_a_valid_draft_2020_12_schema_and_rejects_a_missing_field() -> None:
    for name, schema in gx_events.schemas().items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["event_type"] == {"const": name}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"event_type": name}, schema)


@pytest.mark.parametrize("spec", with_gx(), ids=lambda p: p.stem)
def test_the_matrix_lists_every_column_rule_and_explains_every_empty_cell(spec: Path) -> None:
    ready = prepare(spec)
    page = render_tree(ready.spec, ready.plan)["docs/quality.md"]
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    expected = sum(1 for s in ready.spec.sources for t in s.tables for c in t.columns for r in RULES if getattr(c, r))
    source_rows = [r for r in rows if r.count("|") == 7]
    assert len(source_rows) >= expected
    for code in re.findall(r"\[([a-z-]+)\]", page):
        assert code in REASONS or code == "ephemeral"


def _render(spec: Path, previous: dict[str, str] | None = None) -> dict[str, str]:
    ready = prepare(spec)
    return render_tree(ready.spec, ready.plan, previous.get if previous is not None else None)


def test_suite_changes_are_this_generate_against_the_last_generated_suites_and_kept_when_nothing_changed(
    tmp_path: Path,
) -> None:
    from ruamel.yaml import YAML

    yaml = YAML()
    spec = yaml.load((ROOT / "specs" / "hello.yaml").read_text())
    first_path, second_path = tmp_path / "a.yaml", tmp_path / "b.yaml"
    yaml.dump(spec, first_path)
    spec["sources"][0]["tables"][0]["columns"][1]["range"] = {"min": 0}
    del spec["sources"][0]["tables"][0]["columns"][2]["accepted_values"]
    yaml.dump(spec, second_path)

    def changes(files: dict[str, str]) -> list[tuple[str, str, str]]:
        ledger = json.loads(files["gx/suite_changes.json"])
        return [(c["event_type"], c["suite"], c["spec_path"]) for s in ledger["change_sets"] for c in s["changes"]]

    first = _render(first_path)
    assert changes(first) == []  # a first generate records the baseline only
    second = _render(second_path, first)
    assert changes(second) == [
        ("ExpectationAdded", "stg_shop__orders", "sources[0].tables[0].columns[1].range"),
        ("ExpectationRemoved", "stg_shop__orders", "sources[0].tables[0].columns[2].accepted_values"),
    ]
    assert _render(second_path, second)["gx/suite_changes.json"] == second["gx/suite_changes.json"]  # no rewrite
    back = _render(first_path, second)
    assert changes(back)[2:] == [
        ("ExpectationAdded", "stg_shop__orders", "sources[0].tables[0].columns[2].accepted_values"),
        ("ExpectationRemoved", "stg_shop__orders", "sources[0].tables[0].columns[1].range"),
    ]
    ids = [s["id"] for s in json.loads(back["gx/suite_changes.json"])["change_sets"]]
    assert len(set(ids)) == 2


def test_generate_compares_with_pipegen_base_not_with_the_files_a_user_edited(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    spec = tmp_path / "pipegen.yaml"
    spec.write_text((ROOT / "specs" / "hello.yaml").read_text())
    out = tmp_path / "out"
    assert run_cli("generate", str(spec), "-o", str(out)).returncode == 0
    suite = out / "gx" / "expectations" / "stg_shop__orders.json"
    suite.write_text("{}\n")  # a user's edit: pipegen compares with what it generated, not with this
    spec.write_text(spec.read_text().replace("range: {min: 0}", "range: {min: 0, max: 100000}"))
    assert run_cli("generate", str(spec), "-o", str(out)).returncode == 1  # the edited suite: a conflict
    ledger = json.loads((out / "gx" / "suite_changes.json").read_text())
    kinds = [(c["event_type"], c["kwargs"].get("max_value")) for s in ledger["change_sets"] for c in s["changes"]]
    assert kinds == [("ExpectationAdded", 100000), ("ExpectationRemoved", None)]
