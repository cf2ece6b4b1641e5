"""The rule registry (spec/rulekinds.py): adding a kind is one entry (plus its spec field and its
tests), and every consumer reads the entries rather than a list of its own.

The toy kind below is added to the registry from a fixture, without touching any other code,
and reaches: the GX suites, the dbt tests, the Flink quality jobs, docs/quality.md, the
generated pipeline/rules.json and validate's R267. The spec model has no field for it, so it
reads an existing one (`unique`, a flag rule): a real new kind also needs its field in
`ColumnRules` (or `TableQuality`) — and, for bad rows of a new kind of value, a strategy in the
runtimes (the toy has none: `bad_value=None`, so no runtime injects it)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from ruamel.yaml import YAML

from pipegen.generators.gx.matrix import ENGINES
from pipegen.pipeline import check, families_for, prepare, render_tree
from pipegen.render.flinksql import Flink
from pipegen.spec import rulekinds
from pipegen.spec.model import ColumnRules, TableQuality
from pipegen.spec.rulekinds import REASONS, Cell, Dbt, Gx, GxCheck, Matrix, RuleKind
from tests.conftest import REPO, example_specs

TOY = RuleKind(
    "not_blank",
    "column",
    "unique",  # no field of its own in the spec model: it reads the `unique` flag
    Matrix(Cell("`pipegen_not_blank`"), Cell("`expect_column_value_lengths_to_be_between`"), Cell("—", "ingest-rows")),
    gx=Gx(
        ("expect_column_value_lengths_to_be_between",),
        lambda r, s: [GxCheck("expect_column_value_lengths_to_be_between", {"min_value": 1}, column=s.column)],
        row_level=True,
    ),
    dbt=Dbt(lambda r, s: ("pipegen_not_blank", {"mostly": s.mostly}), order=70),
    flink=lambda r, col, lit: f"({col} IS NOT NULL AND CHAR_LENGTH(TRIM({col})) = 0)",
    events=("ValidationFailed", "ThresholdBreached"),
)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> RuleKind:
    monkeypatch.setattr(rulekinds, "KINDS", (*rulekinds.KINDS, TOY))
    return TOY


def _spec(tmp_path: Path, name: str, edit: Any, source: Path) -> Path:
    yaml = YAML()
    data = yaml.load(source.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{name}.yaml"
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)
    return path


def _unique_readings(data: Any) -> None:
    """iot_lambda with `unique` on the streamed (and batch-loaded) readings' device_id."""
    readings = data["sources"][0]["topics"][0]
    readings["columns"][0]["unique"] = True


def test_a_new_kind_reaches_every_consumer(toy: RuleKind, tmp_path: Path) -> None:
    ready = prepare(_spec(tmp_path, "iot_lambda", _unique_readings, REPO / "specs" / "iot_lambda.yaml"))
    files = render_tree(ready.spec, ready.plan)
    path = "sources[0].topics[0].columns[0].unique"
    # GX: the kind's expectation, with its spec path and rule, in the suite
    suite = json.loads(files["gx/expectations/stg_sensors__readings.json"])
    made = [e for e in suite["expectations"] if e["meta"]["rule"] == "not_blank"]
    assert [(e["type"], e["kwargs"], e["meta"]["spec_path"]) for e in made] == [
        ("expect_column_value_lengths_to_be_between", {"column": "device_id", "min_value": 1}, path)
    ]
    devices = json.loads(files["gx/expectations/stg_registry__devices.json"])
    assert any(e["meta"]["rule"] == "not_blank" for e in devices["expectations"])  # a batch-only table too
    # dbt: its test, after the column's other tests
    staging = files["dbt/models/staging/_staging.yml"]
    assert "pipegen_not_blank" in staging and f'spec_path: "{path}"' in staging
    # Flink: its predicate in the quality jobs of the streamed table
    dead_letters = files["flink/sql/iot_lambda__sensors__readings__dead_letters.sql"]
    assert "CHAR_LENGTH(TRIM(" in dead_letters and path in dead_letters
    assert "per-event rules (not_null, range, accepted_values, regex, not_blank)" in files["docs/flink.md"]
    # docs/quality.md: its row, with the Flink filter (it is decidable per event)
    row = next(line for line in files["docs/quality.md"].splitlines() if "`not_blank`" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    gx_cell = "`expect_column_value_lengths_to_be_between`"
    assert cells[:4] == ["`device_id`", "`not_blank`", "`pipegen_not_blank`", gx_cell]
    assert cells[5].startswith("Flink filter → `iot_lambda.sensors.readings.dlq`") and len(cells) == 2 + len(ENGINES)
    # rules.json: what the generated runtimes read
    kinds = json.loads(files["pipeline/rules.json"])["kinds"]
    assert kinds[-1] == {"name": "not_blank", "scope": "column", "field": "unique", "per_event": True,
                         "bad_value": None, "gx_expectations": ["expect_column_value_lengths_to_be_between"],
                         "row_level": True, "events": ["ValidationFailed", "ThresholdBreached"]}  # fmt: skip
    # the change events runtime is not asked to break it (no bad-value strategy)
    config = json.loads(files["pipeline/change_events.json"])
    assert all(r["rule"] != "not_blank" for t in config["change_events"]["tables"].values() for r in t["rules"])
    assert all("not_blank" not in t["bad_rules"] for t in config["tables"])


def _only_unique(data: Any) -> None:
    """The R267 fixture with its per-event rules replaced by `unique` (not per event by itself)."""
    for column in data["sources"][0]["topics"][0]["columns"]:
        column.pop("not_null", None)
    data["sources"][0]["topics"][0]["columns"][0]["unique"] = True


def _codes(path: Path) -> set[str]:
    checked, _ = check(path)
    return {d.code for d in checked.diagnostics}


def test_validate_knows_a_new_per_event_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _spec(tmp_path, "stream", _only_unique, REPO / "tests" / "invalid" / "fixtures" / "stream_cannot_block.yaml")
    assert "R267" not in _codes(path)  # unique alone: no rule one event decides
    monkeypatch.setattr(rulekinds, "KINDS", (*rulekinds.KINDS, TOY))
    assert "R267" in _codes(path)  # the toy reads `unique` and is decidable per event


def test_the_toy_is_not_in_the_registry_without_the_fixture() -> None:
    assert "not_blank" not in {k.name for k in rulekinds.kinds()}


# ---------------------------------------------------------------- every entry, per consumer

SAMPLE = ColumnRules.model_validate(
    {"not_null": {"mostly": 0.9}, "unique": True, "range": {"min": 0, "max": 10.5}, "accepted_values": ["a", "it's"],
     "regex": "^x${y}", "foreign_key": "t.c"}
)  # fmt: skip
TABLE_SAMPLE = TableQuality.model_validate(
    {"expected_columns": "ordered", "row_count": {"min": 1}, "freshness": {"warn_after": "1h"}, "drift": {"mean": 0.1}}
)


def test_every_kind_is_stated_by_its_sample_and_has_a_unique_name() -> None:
    names = [k.name for k in rulekinds.kinds()]
    assert len(names) == len(set(names))
    assert [k.name for k in rulekinds.stated(SAMPLE)] == [k.name for k in rulekinds.column_kinds()]
    assert [k.name for k in rulekinds.stated(TABLE_SAMPLE, "table")] == [k.name for k in rulekinds.table_kinds()]
    for kind in rulekinds.kinds():
        holder = ColumnRules if kind.scope == "column" else TableQuality
        assert kind.field in holder.model_fields, f"{kind.name}: no field {kind.field} on {holder.__name__}"


@pytest.mark.parametrize("kind", rulekinds.kinds(), ids=lambda k: k.name)
def test_every_kind_has_a_check_or_a_reason_per_engine(kind: RuleKind) -> None:
    cells = (kind.matrix.dbt, kind.matrix.gx, kind.matrix.ingestion, kind.matrix.ingestion_off_key)
    assert all(c.why in REASONS for c in cells if c is not None and c.why)
    assert kind.gx is not None or kind.matrix.gx.why, "no GX expectation and no reason"
    assert kind.dbt is not None or kind.matrix.dbt.why, "no dbt test and no reason"
    if kind.gx is not None:
        assert kind.gx.expectations and all(e.startswith("expect_") for e in kind.gx.expectations)
        assert kind.gx.row_level == ("ThresholdBreached" in kind.events)  # a breach is a row-level failure ratio


def test_every_reason_is_used() -> None:
    rows = [(k.matrix.dbt, k.matrix.gx, k.matrix.ingestion, k.matrix.ingestion_off_key) for k in rulekinds.kinds()]
    used = {c.why for row in rows for c in row if c is not None and c.why}
    assert set(REASONS) - used == {"flink-table", "batch-only", "not-batch"}  # the matrix's own (gx/matrix.py)


def test_dbt_test_order_is_total() -> None:
    orders = [k.dbt.order for k in rulekinds.kinds() if k.dbt]
    assert len(orders) == len(set(orders))


def _literal(value: Any) -> str:
    from pipegen.common.stream_rules import value_literal

    return value_literal(value)


@pytest.mark.parametrize("kind", rulekinds.per_event_kinds(), ids=lambda k: k.name)
def test_per_event_kinds_have_a_null_safe_flink_predicate(kind: RuleKind) -> None:
    assert kind.scope == "column" and kind.gx is not None and kind.gx.row_level and kind.bad_value
    assert kind.flink is not None
    sql = kind.flink(kind.rule(SAMPLE), "`c`", _literal)
    sqlglot.parse_one(f"SELECT {sql} FROM t", read=Flink)
    # NULL passes every rule but not_null (as in dbt and GX): the predicate guards it
    assert sql == "`c` IS NULL" if kind.bad_value == "null" else sql.startswith("(`c` IS NOT NULL AND ")


def test_kinds_without_a_flink_predicate_are_the_flink_table_cells() -> None:
    assert [k.name for k in rulekinds.kinds() if not k.per_event] == [
        "unique", "foreign_key", "expected_columns", "row_count", "freshness", "drift"
    ]  # fmt: skip
    assert [k.name for k in rulekinds.per_event_kinds()] == ["not_null", "range", "accepted_values", "regex"]


def _dict_keys(path: Path, name: str) -> set[str]:
    """The keys of a module-level dict literal (the runtimes are not importable here: pyarrow)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign)
                                                                      else None)  # fmt: skip
        if isinstance(target, ast.Name) and target.id == name and isinstance(node.value, ast.Dict | ast.Tuple):
            items = node.value.keys if isinstance(node.value, ast.Dict) else node.value.elts
            return {ast.literal_eval(k) for k in items if k is not None}
    raise AssertionError(f"{path.name} has no {name}")


def test_bad_value_strategies_are_known_to_the_runtimes() -> None:
    templates = REPO / "templates"
    synthetic = templates / "runtime" / "synthetic.py"
    names = _dict_keys(synthetic, "STRATEGY_NAMES")
    for table in ("BREAKABLE", "BAD_VALUES", "BREAKS"):
        assert _dict_keys(synthetic, table) == names, table
    assert {k.bad_value for k in rulekinds.column_kinds()} <= names  # every column kind makes bad rows
    # change events (templates/flink/change_events.py) break rules with this same injector; what it
    # records, it decides with the strategies one value decides
    assert {k.bad_value for k in rulekinds.per_event_kinds()} <= _dict_keys(synthetic, "PER_VALUE") <= names
    assert all(k.bad_value is None for k in rulekinds.table_kinds())


def test_column_kinds_classify_their_diff_changes() -> None:
    for kind in rulekinds.column_kinds():
        assert kind.diff, f"{kind.name}: a change to it would be unclassified (breaking)"
        assert all(f".{kind.field}" in r.pattern for r in kind.diff)


# ---------------------------------------------------------------- what the families wrote


def _rendered(spec: Path) -> dict[str, str]:
    ready = prepare(spec)
    return render_tree(ready.spec, ready.plan)


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_examples_get_rules_json_and_their_expectations_are_the_kinds(spec: Path) -> None:
    files = _rendered(spec)
    families = set(families_for(prepare(spec).plan))
    wanted = bool(families & {"gx", "synthetic", "flink"})
    assert ("pipeline/rules.json" in files) == wanted
    if wanted:
        assert files["pipeline/rules.json"] == rulekinds.rules_json()
    for path, text in files.items():
        if not path.startswith("gx/expectations/"):
            continue
        suite = json.loads(text)
        for e in suite["expectations"]:
            gx = rulekinds.kind(e["meta"]["rule"]).gx
            assert gx is not None and e["type"] in gx.expectations
            field = rulekinds.kind(e["meta"]["rule"]).field
            assert re.search(rf"\.{field}(\.|$)", e["meta"]["spec_path"])


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_suite_parameters_are_named_by_the_naming_layer(spec: Path) -> None:
    from pipegen.plan.names import gx_parameter

    files = _rendered(spec)
    if "gx/checks.json" not in files:
        return
    for suite in json.loads(files["gx/checks.json"])["suites"]:
        for name, param in suite["parameters"].items():
            qualifier = param["fk_column"] if param["kind"] == "foreign_key" else name.rsplit("__", 1)[1]
            assert name == gx_parameter(param["kind"], suite["suite"], qualifier)
