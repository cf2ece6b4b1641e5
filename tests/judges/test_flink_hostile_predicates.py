"""Spec text cannot switch a Flink per-event rule off: each kind with a Flink predicate
(`RuleKind.flink`), rendered with hostile values in its own fields (accepted values shaped like SQL
injection, quotes, backslashes, comment markers, `${VAR}`; a regex with a quote and a backslash) on a
column named by a reserved word, is evaluated by PyFlink over good and bad values given as data:
the predicate is FALSE on every good value and TRUE on every bad one (never NULL). Expected values
come from the lists below, not from pipegen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipegen.common.stream_rules import value_literal
from pipegen.render.filters import flink_ident
from pipegen.render.flinksql import flink_type
from pipegen.spec import rulekinds
from pipegen.spec.model.columns import Column
from tests.hostile import cases
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("flink_predicate_driver.py")
ACCEPTED = [*cases.ACCEPTED, "a''b"]
# kind -> (column, portable type, rule fields, good values, bad values)
CASES: dict[str, tuple[str, str, dict[str, Any], list[Any], list[Any]]] = {
    "not_null": ("select", "bigint", {"not_null": True}, [1, 0], [None]),
    "range": ("group", "decimal(12,2)", {"range": {"min": 0, "max": 10}}, [0, 10, 5.5, None], [-1, 10.01, 11]),
    "accepted_values": ("order", "string", {"accepted_values": ACCEPTED}, [*ACCEPTED, None],
                        ["zzz", "x", "a", "it", "1", "${HOME", "a'b", ""]),
    "regex": ("User", "string", {"regex": cases.PATTERN}, ["it's1", "it's22", None],
              ["its1", "it's1x", "it''s1", "it\\'s1"]),
}  # fmt: skip


def rendered() -> list[dict[str, Any]]:
    out = []
    for kind_name, (column, ctype, rules, good, bad) in CASES.items():
        kind = rulekinds.kind(kind_name)
        assert kind.flink is not None
        rule = kind.rule(Column.model_validate({"name": column, "type": ctype, **rules}))
        predicate = kind.flink(rule, flink_ident(column), value_literal)
        out.append({"id": kind_name, "column": column, "type": flink_type(ctype), "predicate": predicate,
                    "values": [*good, *bad]})  # fmt: skip
    return out


def test_every_per_event_rule_kind_has_a_hostile_case() -> None:
    assert {k.name for k in rulekinds.per_event_kinds()} == set(CASES)


@pytest.mark.judge
def test_each_predicate_is_false_on_good_values_and_true_on_bad_ones(tmp_path: Path, flink_shared: Path) -> None:
    data = tmp_path / "cases.json"
    data.write_text(json.dumps(rendered()))
    proc = subprocess.run([str(flink_shared), str(DRIVER), str(data)], capture_output=True, text=True,
                          env=offline_env(tmp_path / "home"), timeout=900, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = {k: [False] * len(good) + [True] * len(bad) for k, (_, _, _, good, bad) in CASES.items()}
    assert got == expected
