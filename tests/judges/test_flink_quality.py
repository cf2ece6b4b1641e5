"""The flink family's quality jobs, run for real in PyFlink's mini-cluster (the flink judge env)
through the generated project's own `python -m pipeline.stream`, over seeded synthetic change
events with injected rule breaks (`pipeline.change_events --bad-rate`):

- exactly the change events whose new image breaks one of the spec's per-event rules land in
  `dead_letter.<table>`, each with exactly those rules. What breaks a rule is decided here, not by
  the generated code: an oracle reads the spec's YAML (not_null, range, accepted_values, regex on
  each column, with their spec paths) and evaluates each rule, written by hand below, on every
  change event of the raw files;
- every validation event appended to the quality log validates against its JSON Schema
  (gx_events.py), ids are the documented hash of run/type/table/subject, and a window without a
  bad event gives ValidationPassed;
- with `quarantine`, the stream job's result equals the DuckDB reference over the events the
  oracle finds clean;
- one matrix cell each: not_null (with `mostly`), range, accepted_values and regex are caught.

Two projects, their runs in one flink-env process, one JVM (tests/judges/flink_replay_driver.py
`projects`: each project's own `main(argv)` of `pipeline.change_events` and `pipeline.stream`,
what `python -m pipeline.<module>` calls): the e-commerce example (range and accepted values on
orders; its not_null columns are declared NOT NULL to the planner, so only the quality job sees
their nulls: that case runs on the sensor spec, whose not_null allows exceptions) and
tests/judges/flink_quality.yaml (every per-event rule on one CDC table). Nothing of the generated
project is imported here: the module leaves nothing behind in `sys.modules`.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from pipegen.generators.gx import events as gx_events
from tests.conftest import REPO, generate
from tests.judges import offline_env
from tests.judges.stream_reference import change_events, final_state, stream_tables

pytestmark = pytest.mark.judge

SENSOR_SPEC = Path(__file__).with_name("flink_quality.yaml")
ROWS = 300


def _run(python: Path, args: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900,
                          check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


# ---------------------------------------------------------------- the oracle: the spec's per-event rules, by hand


def _number(value: Any) -> Decimal:
    return Decimal(str(value))  # decimals are strings in the change files (decimal.handling.mode=string)


def _range(rule: dict[str, Any]) -> Callable[[Any], bool]:
    low, high = rule.get("min"), rule.get("max")
    return lambda v: (
        v is not None and ((low is not None and _number(v) < low) or (high is not None and _number(v) > high))
    )


def _values(rule: Any) -> Callable[[Any], bool]:
    values = rule["values"] if isinstance(rule, dict) else rule
    return lambda v: v is not None and v not in values


def _pattern(rule: Any) -> Callable[[Any], bool]:
    pattern = rule["pattern"] if isinstance(rule, dict) else rule
    return lambda v: v is not None and re.search(pattern, str(v)) is None  # Flink's REGEXP finds, as re.search


# A rule one event decides: whether a value breaks it (a null passes every rule but not_null).
BREAKS: dict[str, Callable[[Any], Callable[[Any], bool]]] = {
    "not_null": lambda rule: lambda v: v is None,
    "range": _range,
    "accepted_values": _values,
    "regex": _pattern,
}
Oracle = dict[str, list[tuple[str, str, Callable[[Any], bool]]]]  # table -> (spec path, column, breaks)


def oracle(spec: Path) -> Oracle:
    """Every column rule of the spec that one event decides, read from its YAML."""
    data = YAML(typ="safe").load(spec.read_text())
    out: Oracle = {}
    for i, source in enumerate(data["sources"]):
        for j, table in enumerate(source.get("tables", [])):
            assert table["name"] not in out, "table names repeat across sources: key the oracle by source too"
            out[table["name"]] = [
                (f"sources[{i}].tables[{j}].columns[{k}].{kind}", column["name"], BREAKS[kind](column[kind]))
                for k, column in enumerate(table["columns"])
                for kind in BREAKS
                if column.get(kind) not in (None, False)
            ]
    return out


def broken(rules: list[tuple[str, str, Callable[[Any], bool]]], image: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(path for path, column, breaks in rules if breaks(image[column])))


def expected_dead_letters(run: dict[str, Any], table: str) -> Counter[tuple[Any, ...]]:
    """(key, rules) of every insert or update whose new image breaks a rule, from the raw files."""
    entry = next(t for t in stream_tables(run["config"]) if t["name"] == table)
    (key,) = entry["key"]
    rules = run["oracle"][table]
    return Counter(
        (str(e["after"][key]), broken(rules, e["after"]))
        for e in change_events(run["cdc"] / entry["topic"])
        if e["op"] in ("c", "u") and broken(rules, e["after"])
    )


# ---------------------------------------------------------------- the runs


SHOP_JOBS = [f"ecommerce_realtime__{j}" for j in ("gmv_per_minute", "shop__orders__dead_letters",
                                                   "shop__orders__validation")]  # fmt: skip
SENSOR_JOBS = [f"sensor_quality__{j}" for j in ("plant__readings__dead_letters", "plant__readings__validation",
                                                  "readings_per_minute")]  # fmt: skip


def _prepare(spec: Path, tmp: Path, bad_rate: float, rules: set[str] | None, jobs: list[str]) -> dict[str, Any]:
    """The generated project and the calls of its run: the change events, then the stream jobs."""
    project = tmp / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    config_path = project / "pipeline" / "change_events.json"
    config = json.loads(config_path.read_text())
    if rules is not None:  # only the rule kinds this run breaks
        for table in config["tables"]:
            table["bad_rules"] = [r for r in table["bad_rules"] if r in rules]
        config_path.write_text(json.dumps(config))
    cdc = tmp / "cdc"
    calls = [
        ["change_events", ["--rows", str(ROWS), "--out", str(cdc), "--bad-rate", str(bad_rate)]],
        ["stream", ["--data", str(cdc), *(a for job in jobs for a in ("--job", job))]],
    ]
    env = {**offline_env(tmp / "home"), "PIPEGEN_QUALITY_DIR": str(tmp / "quality")}
    return {"project": project, "config": config, "oracle": oracle(spec), "cdc": cdc, "quality": tmp / "quality",
            "env": env, "calls": calls}  # fmt: skip


def _finish(run: dict[str, Any], python: Path, done: list[dict[str, Any]]) -> dict[str, Any]:
    """What the judges read of a project's run: each call's exit code asserted 0, its output kept
    (the last call's: the read model's report, where asked), the warehouse dumped, the log read."""
    crashed = [r["err"] for r in done if r["code"] == "crashed"]  # the driver's account of an exception
    assert not crashed, crashed[0][-3000:]
    for (module, argv), result in zip(run["calls"], done, strict=True):
        assert result["code"] == 0, f"{module} {argv}: {result['out'][-2000:]}{result['err'][-3000:]}"
    project = run["project"]
    duck = _run(python, ["-c", DUMP, str(project / "data" / "stream.duckdb")], project, run["env"])
    log = run["quality"] / "events.jsonl"
    return {
        **run,
        "output": done[-1]["out"],
        "recorded": json.loads((run["cdc"] / "_injected.json").read_text()),  # the generator's own account
        "tables": json.loads(duck.strip().splitlines()[-1]),
        "events": [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else [],
    }


DRIVER = Path(__file__).with_name("flink_replay_driver.py")


@pytest.fixture(scope="module")
def runs(flink_shared: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both projects run in one flink-env process, one JVM (the driver's `projects`: each
    project's own `main(argv)` of pipeline.change_events, pipeline.stream and, for the shop, the
    read model's report, what `python -m pipeline.<module>` calls; each project forgotten before
    the next, its PIPEGEN_QUALITY_DIR its own)."""
    tmp = tmp_path_factory.mktemp("quality_runs")
    prepared = {
        "shop": _prepare(REPO / "specs" / "ecommerce_realtime.yaml", tmp / "shop", 0.02, {"range", "accepted_values"},
                         SHOP_JOBS),
        "sensor": _prepare(SENSOR_SPEC, tmp / "sensor", 0.08, None, SENSOR_JOBS),
    }  # fmt: skip
    prepared["shop"]["calls"].append(["stream_quality", ["--report"]])
    order = [{"project": str(r["project"]), "env": {"PIPEGEN_QUALITY_DIR": r["env"]["PIPEGEN_QUALITY_DIR"]},
              "calls": r["calls"]} for r in prepared.values()]  # fmt: skip
    (tmp / "runs.json").write_text(json.dumps(order))
    out = _run(flink_shared, [str(DRIVER), "projects", str(tmp / "runs.json")], tmp, offline_env(tmp / "home"))
    done = json.loads(out.strip().splitlines()[-1])
    return {name: _finish(run, flink_shared, done[str(run["project"])]) for name, run in prepared.items()}


DUMP = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
out = {}
for schema, table in con.execute("select schema_name, table_name from duckdb_tables()").fetchall():
    rel = con.execute(f'select * from "{schema}"."{table}"')
    cols = [d[0] for d in rel.description]
    out[f"{schema}.{table}"] = [dict(zip(cols, r)) for r in rel.fetchall()]
print(json.dumps(out, default=str))
"""


@pytest.fixture(scope="module")
def shop(runs: dict[str, dict[str, Any]], flink_shared: Path) -> dict[str, Any]:
    run = runs["shop"]
    args = [str(run["project"]), str(_clean_state(run))]
    out = _run(flink_shared, ["-c", GMV_REFERENCE, str(Path(__file__).parent), *args], run["project"], run["env"])
    return {**run, "reference": json.loads(out.strip().splitlines()[-1]), "report": run["output"]}


# The GMV job's result beside its DuckDB reference over a given state (stream_reference.py).
GMV_REFERENCE = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import duckdb
from stream_reference import REFERENCE, load_reference
project, state = Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text())
config = json.loads((project / "pipeline" / "change_events.json").read_text())
ref = load_reference(config, {k: (v[0], v[1]) for k, v in state.items()})
plain = lambda v: v.isoformat(sep=" ") if hasattr(v, "isoformat") else str(v) if v is not None else None
rel = ref.execute(REFERENCE["gmv_per_minute"])
cols = [d[0] for d in rel.description]
want = [[plain(v) for v in r] for r in rel.fetchall()]
res = duckdb.connect(str(project / "data" / "stream.duckdb"), read_only=True)
got = [[plain(v) for v in r] for r in res.execute(f"SELECT {', '.join(cols)} FROM results.gmv_per_minute").fetchall()]
print(json.dumps({"gmv_per_minute": {"columns": cols, "got": got, "want": want}}))
"""


@pytest.fixture(scope="module")
def sensor(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return runs["sensor"]


def _clean_state(run: dict[str, Any]) -> Path:
    """The reference's input: each table's final state and seen images, without the rows whose
    final image breaks a rule by the oracle (quarantine: the stream jobs never count them)."""
    state = {}
    for table in stream_tables(run["config"]):
        rules = run["oracle"][table["name"]]
        seen: list[dict[str, Any]] = []
        final = final_state(table, run["cdc"], seen)
        state[table["name"]] = [[r for r in final if not broken(rules, r)], [r for r in seen if not broken(rules, r)]]
    path = run["cdc"].parent / "clean_state.json"
    path.write_text(json.dumps(state))
    return path


def _dead_letters(run: dict[str, Any], table: str, key: str) -> Counter[tuple[Any, ...]]:
    rows = run["tables"][f"dead_letter.{table}"]
    return Counter((str(r[key]), tuple(sorted(r["_failed_rules"]))) for r in rows)


def test_exactly_the_events_breaking_a_rule_are_dead_lettered_with_exactly_their_rules(shop: dict[str, Any]) -> None:
    want = expected_dead_letters(shop, "orders")
    assert want, "no event breaks a rule: the test would prove nothing"
    assert _dead_letters(shop, "shop__orders", "order_id") == want


def _validate(events: list[dict[str, Any]]) -> None:
    schemas = gx_events.schemas()
    for event in events:
        validator = jsonschema.Draft202012Validator(
            schemas[event["event_type"]], format_checker=jsonschema.FormatChecker()
        )
        validator.validate(event)
        subject = event["spec_path"] if event["event_type"] == "ThresholdBreached" else ""
        raw = f"{event['run_id']}|{event['event_type']}|{event['table']}|{subject}"
        assert event["event_id"] == hashlib.sha256(raw.encode()).hexdigest()[:32]


def test_every_validation_event_validates_and_clean_windows_pass(shop: dict[str, Any]) -> None:
    events = shop["events"]
    _validate(events)
    kinds = Counter(e["event_type"] for e in events)
    assert kinds["ValidationPassed"] >= 1 and kinds["ValidationFailed"] >= 1, kinds
    broken_paths = {p for _, rules in expected_dead_letters(shop, "orders") for p in rules}
    failed = {f["spec_path"] for e in events if e["event_type"] == "ValidationFailed" for f in e["failed_expectations"]}
    assert failed and failed <= broken_paths
    breaches = {e["spec_path"] for e in events if e["event_type"] == "ThresholdBreached"}
    assert breaches == failed  # mostly 1 - 0.0005: one bad event in a window breaks its threshold


def test_the_quality_read_model_shows_the_streams_validation(shop: dict[str, Any]) -> None:
    table = next(line for line in shop["report"].splitlines() if line.startswith("shop.orders "))
    windows = {e["run_id"] for e in shop["events"] if e["event_type"].startswith("Validation")}
    assert f"of {min(len(windows), 10)}" in table  # pass rate over the last 10 windows (runs)


def test_quarantine_gmv_equals_the_reference_over_clean_events_only(shop: dict[str, Any]) -> None:
    from tests.judges.stream_reference import comparable

    result = shop["reference"]["gmv_per_minute"]
    tolerant = {result["columns"].index("avg_order_value")}
    want = comparable(result["want"], tolerant)
    assert want
    assert comparable(result["got"], tolerant) == want


@pytest.mark.parametrize("rule", ["not_null", "range", "accepted_values", "regex"])
def test_each_per_event_rule_is_caught_by_the_flink_filter(rule: str, sensor: dict[str, Any]) -> None:
    want = expected_dead_letters(sensor, "readings")
    path_rule = {p.rsplit(".", 1)[1] for _, rules in want for p in rules}
    assert rule in path_rule, f"no {rule} break injected"
    got = _dead_letters(sensor, "plant__readings", "reading_id")
    assert got == want
    _validate(sensor["events"])


def test_the_generators_own_record_agrees_with_the_oracle(sensor: dict[str, Any]) -> None:
    want = expected_dead_letters(sensor, "readings")
    recorded = sensor["recorded"]["sensor_quality.plant.readings"]
    assert want and Counter((str(r["key"][0]), tuple(sorted(r["rules"]))) for r in recorded) == want
