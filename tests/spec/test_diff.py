"""`pipegen diff`: a case per classification rule, and properties over every example spec."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen.spec.diff import CATEGORIES, RULES, UNKNOWN, Change, changes, classify, diff, fails, glob_match, widens
from pipegen.spec.load import load_file
from tests.conftest import REPO, run_cli

SPECS = sorted((REPO / "specs").glob("*.yaml"))
HELLO = load_file(REPO / "specs" / "hello.yaml").data


# HELLO plus the sections it lacks (raw data: the diff never needs a spec to validate)
RICH: dict[str, Any] = {
    **copy.deepcopy(HELLO),
    "sources": [
        *copy.deepcopy(HELLO["sources"]),
        {"name": "events", "type": "kafka", "ingestion": "stream",
         "topics": [{"name": "clicks", "event_time": "ts", "columns": [{"name": "ts", "type": "timestamp",
                                                                          "faker": "date_time"}]}]},
    ],
    "transforms": {
        "marts": [{"name": "daily", "from": "orders", "group_by": ["day"], "measures": [{"name": "n", "agg": "count"}],
                   "columns": ["day"], "materialized": "table", "target": "warehouse", "filter": "amount > 0"}],
        "streams": [{"name": "per_minute", "from": "clicks", "window": {"type": "tumble", "size": "1m"},
                     "sink": {"target": "warehouse"}}],
    },
    "monitoring": {"enabled": True},
    "quality": {"severity": "error"},
    "deploy": {"kubernetes": True},
    "cloud": "local",
}  # fmt: skip
RICH["targets"][0]["format"] = "parquet"
_RICH_COLS = {c["name"]: c for c in RICH["sources"][0]["tables"][0]["columns"]}
_RICH_COLS["status"].update(not_null={"mostly": 0.9}, regex="^[a-z]+$")
_RICH_COLS["customer_id"].update(foreign_key="customers.id")


def _col(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["sources"][0]["tables"][0]["columns"] if c["name"] == name)  # type: ignore[no-any-return]


def _set(fn: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        new = copy.deepcopy(data)
        fn(new)
        return new

    return mutate


CASES: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str, str, str]] = [
    ("dropped column", _set(lambda d: d["sources"][0]["tables"][0]["columns"].pop(2)), "breaking",
     "column removed", "drops column orders.status from the warehouse"),
    ("renamed column (new name)", _set(lambda d: _col(d, "status").update(name="state")), "breaking",
     "column removed", "drops column orders.status"),
    ("renamed column downstream", _set(lambda d: _col(d, "status").update(rename="order_status")), "breaking",
     "column renamed downstream", "renames orders.status in staging"),
    ("dropped table", _set(lambda d: d["sources"][0].update(tables=[])), "breaking", "table removed",
     "drops shop.orders"),
    ("narrowed type", _set(lambda d: _col(d, "order_id").update(type="int")), "breaking", "type narrowed or changed",
     'from "bigint" to "int"'),
    ("widened type", _set(lambda d: _col(d, "amount").update(type="decimal(18,2)")), "non-breaking", "type widened",
     "existing values still fit"),
    ("changed primary key", _set(lambda d: d["sources"][0]["tables"][0].update(primary_key=["order_id", "status"])),
     "breaking", "primary key changed", "consumers lose their offsets"),
    ("removed accepted value", _set(lambda d: _col(d, "status")["accepted_values"].pop()), "breaking",
     "accepted value removed", "removed value now fail"),
    ("added accepted value", _set(lambda d: _col(d, "status")["accepted_values"].append("lost")), "non-breaking",
     "accepted values widened", "accepts more"),
    ("not-null added", _set(lambda d: _col(d, "status").update(not_null=True)), "breaking", "not-null rule added",
     "nulls now fail"),
    ("not-null dropped", _set(lambda d: _col(d, "customer_id").pop("not_null")), "non-breaking",
     "not-null rule relaxed", "fewer rows fail"),
    ("range min raised", _set(lambda d: _col(d, "amount")["range"].update(min=10)), "breaking", "range tightened",
     "values below 10 now fail"),
    ("range max added", _set(lambda d: _col(d, "amount")["range"].update(max=10)), "breaking", "range tightened",
     "values above 10"),
    ("range min lowered", _set(lambda d: _col(d, "amount")["range"].update(min=-5)), "non-breaking", "range relaxed",
     "fewer rows"),
    ("range added", _set(lambda d: _col(d, "order_id").update(range={"min": 1})), "breaking", "range rule added",
     "outside the range"),
    ("mostly raised", _set(lambda d: _col(d, "customer_id").update(not_null={"mostly": 1.0})), "non-breaking",
     "not-null rule relaxed", "fewer"),  # a bool rule becoming {mostly: 1.0} is as strict as before
    ("regex added", _set(lambda d: _col(d, "status").update(regex="^[a-z]+$")), "breaking",
     "regex rule added or changed", "may no longer match"),
    ("target change", _set(lambda d: d["targets"][0].update(type="postgres")), "breaking", "target changed",
     'moves from "duckdb" to "postgres"'),
    ("partitioning change", _set(lambda d: d["targets"][0].update(partition_by=["updated_at"])), "breaking",
     "partitioning changed", "full rewrite"),
    ("ingestion mode", _set(lambda d: d["sources"][0].update(ingestion="cdc")), "breaking", "ingestion mode changed",
     '"batch" -> "cdc"'),
    ("orchestrator", _set(lambda d: d.update(orchestrator="prefect")), "breaking", "orchestrator changed", "replaced"),
    ("pipeline renamed", _set(lambda d: d["pipeline"].update(name="hi")), "breaking", "pipeline renamed", "DAG ids"),
    ("latency only", _set(lambda d: d.update(latency="2h")), "non-breaking", "freshness target changed", "schedules"),
    ("description", _set(lambda d: d["pipeline"].update(description="x")), "metadata", "documentation only", "docs"),
    ("owner", _set(lambda d: d["pipeline"].update(owner="me@example.com")), "metadata", "ownership metadata", "docs"),
    ("column description", _set(lambda d: _col(d, "status").update(description="x")), "metadata",
     "documentation only", "docs"),
    ("connection", _set(lambda d: d["sources"][0]["connection"].update(port=5433)), "non-breaking",
     "connection settings", "deployment"),
    ("volume", _set(lambda d: d["volume"].update(rows_per_day=9)), "non-breaking", "volume figures", "capacity"),
    ("column added", _set(lambda d: d["sources"][0]["tables"][0]["columns"].append({"name": "x", "type": "int"})),
     "non-breaking", "column added", "orders gains column x"),
    ("table added", _set(lambda d: d["sources"][0]["tables"].append({"name": "t", "columns": []})), "non-breaking",
     "table added", "shop.t"),
    ("target removed", _set(lambda d: d["targets"].clear()), "breaking", "target removed", "warehouse"),
    ("unknown key", _set(lambda d: d.update(surprise=1)), "breaking", UNKNOWN[0], "counts as breaking"),
    ("tags", _set(lambda d: d["pipeline"]["tags"].append("x")), "metadata", "tags", "orchestrator tags"),
    ("column metadata", _set(lambda d: _col(d, "status").update(metadata="x")), "metadata", "column metadata", "docs"),
    ("faker provider", _set(lambda d: _col(d, "status").update(faker="word")), "non-breaking", "synthetic data only",
     "local run"),
    ("synthetic rows", _set(lambda d: d["sources"][0]["tables"][0].update(synthetic={"rows": 5})), "non-breaking",
     "synthetic data only", "local run"),
    ("watermark", _set(lambda d: d["sources"][0]["tables"][0].update(watermark="order_id")), "breaking",
     "watermark changed", "full reload"),
    ("source system", _set(lambda d: d["sources"][0].update(type="mysql")), "breaking", "source system changed",
     "another connector"),
    ("mostly raised", _set(lambda d: _col(d, "status").update(accepted_values={"values": ["placed"], "mostly": 0.9})),
     "breaking", "accepted value removed", "removed value"),
    ("unique added", _set(lambda d: _col(d, "status").update(unique=True)), "breaking", "unique rule added",
     "duplicate rows now fail"),
    ("unique dropped", _set(lambda d: _col(d, "order_id").pop("unique")), "non-breaking", "unique rule relaxed",
     "fewer"),
    ("foreign key added", _set(lambda d: _col(d, "customer_id").update(foreign_key="customers.id")), "breaking",
     "foreign key rule added or changed", "orphan rows"),
    ("table checks", _set(lambda d: d["sources"][0]["tables"][0].update(quality={"row_count": {"min": 1}})),
     "non-breaking", "table check settings", "data is unchanged"),
    ("rule severity", _set(lambda d: _col(d, "status").update(severity="warn")), "non-breaking", "rule severity",
     "reported"),
    ("target connection", _set(lambda d: d["targets"][0]["connection"].update(path="x.duckdb")), "non-breaking",
     "connection settings", "deployment"),
    ("lake layers", _set(lambda d: d["targets"][0].update(layers=[{"layer": "bronze"}])), "breaking",
     "lake layout changed", "rewritten"),
    ("source added", _set(lambda d: d["sources"].append({"name": "crm", "type": "api"})), "non-breaking",
     "source added", "crm"),
    ("target added", _set(lambda d: d["targets"].append({"name": "lake", "type": "delta"})), "non-breaking",
     "target added", "lake"),
]  # fmt: skip
RICH_CASES: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str, str, str]] = [
    ("source removed", _set(lambda d: d["sources"].pop()), "breaking", "source removed", "source events"),
    ("mostly raised", _set(lambda d: _col(d, "status")["not_null"].update(mostly=0.99)), "breaking",
     "rule threshold raised", "may now fail"),
    ("mostly lowered", _set(lambda d: _col(d, "status")["not_null"].update(mostly=0.5)), "non-breaking",
     "rule threshold lowered", "fewer rows fail"),
    ("regex removed", _set(lambda d: _col(d, "status").pop("regex")), "non-breaking", "regex rule removed", "fewer"),
    ("foreign key removed", _set(lambda d: _col(d, "customer_id").pop("foreign_key")), "non-breaking",
     "foreign key rule removed", "fewer"),
    ("topic removed", _set(lambda d: d["sources"][1].update(topics=[])), "breaking", "topic removed", "events.clicks"),
    ("topic added", _set(lambda d: d["sources"][1]["topics"].append({"name": "views", "columns": []})),
     "non-breaking", "topic added", "events.views"),
    ("event time", _set(lambda d: d["sources"][1]["topics"][0].update(event_time="ts2")), "breaking",
     "event time changed", "state must be reset"),
    ("file format", _set(lambda d: d["targets"][0].update(format="csv")), "breaking", "file format changed", "csv"),
    ("mart removed", _set(lambda d: d["transforms"].update(marts=[])), "breaking", "mart removed", "daily"),
    ("stream removed", _set(lambda d: d["transforms"].update(streams=[])), "breaking", "stream job removed",
     "per_minute"),
    ("mart target", _set(lambda d: d["transforms"]["marts"][0].update(target="lake")), "breaking",
     "mart target changed", "lake"),
    ("materialization", _set(lambda d: d["transforms"]["marts"][0].update(materialized="incremental")), "breaking",
     "materialization changed", "full refresh"),
    ("output column dropped", _set(lambda d: d["transforms"]["marts"][0].update(columns=[])), "breaking",
     "output column removed or changed", "full refresh of daily"),
    ("output column added", _set(lambda d: d["transforms"]["marts"][0]["columns"].append("week")), "non-breaking",
     "output column added", "daily gains"),
    ("grouping dropped", _set(lambda d: d["transforms"]["marts"][0].update(group_by=[])), "breaking",
     "grouping changed", "grain"),
    ("grouping added", _set(lambda d: d["transforms"]["marts"][0]["group_by"].append("shop")), "breaking",
     "grouping changed", "grain"),
    ("measure removed", _set(lambda d: d["transforms"]["marts"][0].update(measures=[])), "breaking",
     "measure removed", "daily"),
    ("measure added", _set(lambda d: d["transforms"]["marts"][0]["measures"].append({"name": "s", "agg": "sum"})),
     "non-breaking", "measure added", "daily gains"),
    ("window", _set(lambda d: d["transforms"]["streams"][0]["window"].update(size="5m")), "breaking",
     "window changed", "state must be reset"),
    ("sink", _set(lambda d: d["transforms"]["streams"][0]["sink"].update(target="lake")), "breaking",
     "sink changed", "writes elsewhere"),
    ("mart filter", _set(lambda d: d["transforms"]["marts"][0].update(filter="amount > 1")), "breaking",
     "transform logic changed", "full refresh"),
    ("mart added", _set(lambda d: d["transforms"]["marts"].append({"name": "weekly", "from": "orders"})),
     "non-breaking", "transform added", "weekly"),
    ("architecture", _set(lambda d: d.update(architecture="kappa")), "breaking", "architecture changed", "kappa"),
    ("cloud", _set(lambda d: d.update(cloud="aws")), "breaking", "cloud changed", "aws"),
    ("version", _set(lambda d: d.update(version=2)), "breaking", "spec version changed", "pipegen migrate"),
    ("monitoring", _set(lambda d: d["monitoring"].update(enabled=False)), "non-breaking", "monitoring settings",
     "alerts"),
    ("quality", _set(lambda d: d["quality"].update(severity="warn")), "non-breaking", "rule severity", "reported"),
    ("quality sink", _set(lambda d: d["quality"].update(events="kafka")), "non-breaking", "quality settings",
     "routed"),
    ("deploy", _set(lambda d: d["deploy"].update(kubernetes=False)), "non-breaking", "deployment settings",
     "infrastructure"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "mutate", "category", "reason", "downstream"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_classifies_its_change(name: str, mutate: Callable[[dict[str, Any]], dict[str, Any]],
                                         category: str, reason: str, downstream: str) -> None:  # fmt: skip
    found = diff(HELLO, mutate(HELLO))
    assert len(found) == (2 if name == "renamed column (new name)" else 1), [(c.change.path, c.reason) for c in found]
    match = [c for c in found if (c.category, c.reason) == (category, reason)]
    assert match, [(c.change.path, c.category, c.reason) for c in found]
    assert downstream in match[0].downstream


@pytest.mark.parametrize(("name", "mutate", "category", "reason", "downstream"), RICH_CASES,
                         ids=[c[0] for c in RICH_CASES])  # fmt: skip
def test_each_rule_on_marts_streams_and_topics(name: str, mutate: Callable[[dict[str, Any]], dict[str, Any]],
                                               category: str, reason: str, downstream: str) -> None:  # fmt: skip
    [found] = diff(RICH, mutate(RICH))
    assert (found.category, found.reason) == (category, reason) and downstream in found.downstream


def test_every_rule_has_a_case() -> None:
    def first(change: Change) -> int:
        for i, rule in enumerate(RULES):
            fits = change.kind in rule.kinds and glob_match(change.pattern, rule.pattern)
            if fits and (rule.test is None or rule.test(change)):
                return i
        return -1

    hit = set()
    for base, cases in ((HELLO, CASES), (RICH, RICH_CASES)):
        for _, mutate, *_ in cases:
            hit.update(first(change) for change in changes(base, mutate(base)))
    missing = [(r.pattern, r.reason) for i, r in enumerate(RULES) if i not in hit]
    assert missing == [], "rules without a table case"


def test_allowed_breaking_changes_do_not_fail() -> None:
    new = CASES[0][1](HELLO)
    assert fails(diff(HELLO, new), "breaking")
    allowed = diff(HELLO, new, allow=["sources[shop].tables[orders].*"])
    assert allowed[0].allowed and not fails(allowed, "breaking") and fails(allowed, "any")


@pytest.mark.parametrize(
    ("old", "new", "wider"),
    [("int", "bigint", True), ("bigint", "int", False), ("decimal(10,2)", "decimal(12,2)", True),
     ("decimal(12,2)", "decimal(12,4)", False), ("varchar(20)", "varchar(40)", True),
     ("varchar(40)", "varchar(20)", False),
     ("int", "string", True), ("float", "double", True), ("double", "float", False), ("timestamp", "date", False),
     ("int", "double", True), ("string", "int", False)],
)  # fmt: skip
def test_type_widening(old: str, new: str, wider: bool) -> None:
    assert widens(old, new) is wider


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_a_spec_diffed_with_itself_has_no_changes(spec: Path) -> None:
    data = load_file(spec).data
    assert diff(data, copy.deepcopy(data)) == []


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _mutated(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "_x"
    return "changed"


DATA = {s.stem: load_file(s).data for s in SPECS}


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(DATA)), st.integers(min_value=0), st.sampled_from(["replace", "delete"]))
def test_every_single_field_mutation_is_classified(spec: str, pick: int, how: str) -> None:
    data = copy.deepcopy(DATA[spec])
    leaves = _leaves(data)
    path = leaves[pick % len(leaves)]
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if how == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = _mutated(parent[path[-1]])
    found = diff(DATA[spec], data)
    assert found, f"mutating {path} went unnoticed"
    for item in found:
        assert item.category in CATEGORIES and item.reason and item.downstream
    assert all(classify(c).category == f.category for c, f in zip(changes(DATA[spec], data), found, strict=True))


def test_cli_diff_against_a_git_revision_with_github_annotations(tmp_path: Path) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text((REPO / "specs" / "hello.yaml").read_text())
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "pipegen.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "spec"], check=True)
    spec.write_text(spec.read_text().replace("returned]}", "]}").replace(", delivered, ]", ", delivered]"))
    proc = run_cli("diff", "HEAD:pipegen.yaml", str(spec), "--format", "github", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    line = next(n for n, text in enumerate(spec.read_text().splitlines(), 1) if "name: status" in text)
    assert proc.stdout.startswith(f"::error file={spec},line={line},col=")
    assert "title=breaking change%3A accepted value removed::" in proc.stdout
    assert run_cli("diff", "HEAD:pipegen.yaml", str(spec), "--fail-on", "never", cwd=tmp_path).returncode == 0
    same = run_cli("diff", str(spec), str(spec), "--fail-on", "any")
    assert same.returncode == 0 and same.stdout.strip() == "no changes"
