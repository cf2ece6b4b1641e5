"""The synthetic-data runtime module, run as generated projects run it: a subprocess of the
judge interpreter (Faker, pyarrow, duckdb), never imported here. synth_check.py is the judge
that reads the written files back with DuckDB/sqlite3 and finds every rule break by SQL."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.judges import judge_python

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "templates" / "runtime" / "synthetic.py"
CHECK = Path(__file__).with_name("synth_check.py")
FORMATS = ("sqlite", "csv", "parquet", "jsonl", "duckdb")
RULES = ("not_null", "unique", "range", "accepted_values", "regex", "foreign_key")

SHOP: dict[str, Any] = {
    "seed": 7,
    "start": "2026-01-01T00:00:00Z",
    "window_days": 30,
    "tables": [
        {
            "name": "orders",
            "rows": 1200,
            "primary_key": ["order_id"],
            "inject": {"nulls": 0.05, "gaps": 0.2, "outliers": 0.02},
            "columns": [
                {"name": "order_id", "type": "bigint"},
                {"name": "customer_id", "type": "bigint", "not_null": True, "foreign_key": "customers.customer_id"},
                {"name": "status", "type": "string", "not_null": True, "accepted_values": ["placed", "shipped"]},
                {"name": "amount", "type": "decimal(12,2)", "not_null": True, "range": {"min": 0, "max": 5000}},
                {"name": "discount", "type": "double"},
                {"name": "quantity", "type": "int"},
                {"name": "created_at", "type": "timestamp", "not_null": True},
                {"name": "updated_at", "type": "timestamp", "not_null": True},
                {"name": "order_ref", "type": "varchar(12)", "unique": True, "regex": r"ORD-[A-Z]{2}\d{4}"},
                {"name": "payload", "type": "json"},
                {"name": "order_date", "type": "date", "range": {"min": "2026-01-01", "max": "2026-03-31"}},
                {"name": "shipped_at", "type": "timestamp_tz"},
                {"name": "logged_at", "type": "timestamp(3)"},
                {"name": "slot", "type": "time"},
                {"name": "blob", "type": "binary"},
                {"name": "uid", "type": "uuid", "unique": True},
                {"name": "paid", "type": "boolean"},
            ],
        },
        {
            "name": "customers",
            "rows": 300,
            "primary_key": ["customer_id"],
            "columns": [
                {"name": "customer_id", "type": "bigint"},
                {"name": "email", "type": "string", "unique": True, "not_null": True, "pii": "hash"},
                {"name": "first_name", "type": "string"},
                {"name": "last_name", "type": "string"},
                {"name": "city", "type": "string"},
                {"name": "country", "type": "string", "faker": "country_code"},
                {"name": "phone", "type": "string"},
                {"name": "company", "type": "string"},
                {"name": "age", "type": "smallint", "range": {"min": 18, "max": 99}},
            ],
        },
        {
            "name": "order_lines",
            "rows": 2000,
            "primary_key": ["order_id", "line_no"],
            "columns": [
                {"name": "order_id", "type": "bigint", "foreign_key": "orders.order_id"},
                {"name": "line_no", "type": "int"},
                {"name": "price", "type": "float", "not_null": True},
            ],
        },
    ],
}
TABLES = ",".join(t["name"] for t in SHOP["tables"])


@pytest.fixture(scope="module")
def python() -> Path:
    return judge_python("batch")


@pytest.fixture(scope="module")
def shop_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "synthetic.json"
    path.write_text(json.dumps(SHOP))
    return path


def run(python: Path, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(python), *map(str, args)], check=False, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def generate(python: Path, config: Path, out: Path, fmt: str, *extra: str) -> Path:
    run(python, SYNTHETIC, "--config", config, "--out", out, "--format", fmt, *extra)
    return out


def judge(python: Path, *args: str | Path) -> Any:
    return json.loads(run(python, CHECK, *map(str, args)).stdout)


def judge_many(python: Path, *calls: tuple[str | Path, ...]) -> list[Any]:
    """Several judge calls in one judge process (synth_check.py `many`: one DuckDB import)."""
    return judge(python, "many", json.dumps([list(map(str, c)) for c in calls]))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def with_bad_rows(python: Path, shop_config: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each format written once with 5% bad rows, shared by the tests that only read (and the
    first run of the determinism tests, which write it again beside it)."""
    root = tmp_path_factory.mktemp("bad")
    return {fmt: generate(python, shop_config, root / fmt, fmt, "--bad-row-rate", "0.05") for fmt in FORMATS}


@pytest.fixture(scope="module")
def judged(python: Path, shop_config: Path, with_bad_rows: dict[str, Path]) -> dict[tuple[str, str], Any]:
    """synth_check's `rules` and `describe` of every format's bad-row output, in one judge process:
    {(command, format): its result}."""
    calls = [("rules", shop_config, with_bad_rows[fmt], fmt) for fmt in FORMATS]
    calls += [("describe", with_bad_rows[fmt], fmt, TABLES) for fmt in FORMATS]
    return {(str(c[0]), fmt): r for c, fmt, r in zip(calls, FORMATS * 2, judge_many(python, *calls), strict=True)}


@pytest.fixture(scope="module")
def clean_csv(python: Path, shop_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop written once as CSV without bad rows, for the tests that only read it."""
    return generate(python, shop_config, tmp_path_factory.mktemp("clean") / "csv", "csv")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "sqlite"])
def test_same_config_and_seed_write_byte_identical_files_and_another_seed_does_not(
    python: Path, shop_config: Path, with_bad_rows: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    first = with_bad_rows[fmt]  # the same arguments: written by another process, in another folder
    second = generate(python, shop_config, tmp_path / "b", fmt, "--bad-row-rate", "0.05")
    other = generate(python, shop_config, tmp_path / "c", fmt, "--bad-row-rate", "0.05", "--seed", "8")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    data_files = [n for n in names if not n.startswith("_")]
    assert any((first / n).read_bytes() != (other / n).read_bytes() for n in data_files)


def test_duckdb_output_has_the_same_rows_on_every_run(
    python: Path, shop_config: Path, with_bad_rows: dict[str, Path], tmp_path: Path
) -> None:
    first = with_bad_rows["duckdb"]  # the same arguments, as above
    second = generate(python, shop_config, tmp_path / "b", "duckdb", "--bad-row-rate", "0.05")
    dumps = judge_many(python, ("dump", first, "duckdb", TABLES), ("dump", second, "duckdb", TABLES))
    assert dumps[0] == dumps[1]
    assert (first / "_bad_rows.json").read_bytes() == (second / "_bad_rows.json").read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_clean_rows_keep_every_rule_and_each_recorded_bad_row_breaks_it(
    judged: dict[tuple[str, str], Any], fmt: str
) -> None:
    result = judged["rules", fmt]
    for check in result["checks"]:
        assert check["found"] == check["expected"], check
    manifest = result["manifest"]
    injected = {v["rule"] for v in manifest["violations"]}
    assert injected == set(RULES), "every kind of rule break is exercised"
    for name, counts in manifest["tables"].items():
        rows = {v["row"] for v in manifest["violations"] if v["table"] == name}
        assert counts["bad_rows"] == len(rows) == round(counts["rows"] * 0.05)


def test_without_bad_rows_no_rule_breaks_and_every_foreign_key_resolves(
    python: Path, shop_config: Path, tmp_path: Path
) -> None:
    out = generate(python, shop_config, tmp_path / "clean", "duckdb")
    result = judge(python, "rules", shop_config, out, "duckdb")
    assert result["manifest"]["violations"] == []
    assert {c["rule"] for c in result["checks"]} == set(RULES)
    assert [c for c in result["checks"] if c["found"]] == []


def test_bad_row_manifest_names_row_key_column_rule_and_value(with_bad_rows: dict[str, Path]) -> None:
    manifest = json.loads((with_bad_rows["csv"] / "_bad_rows.json").read_text())
    rows = {name: list(csv.DictReader((with_bad_rows["csv"] / f"{name}.csv").open())) for name in TABLES.split(",")}
    for v in manifest["violations"]:
        assert set(v) == {"table", "row", "key", "column", "rule", "value", "also_breaks", "duplicate_of"}
        written = rows[v["table"]][v["row"]]
        assert written[v["column"]] == ("" if v["value"] is None else str(v["value"])), v
        for key, value in v["key"].items():
            assert written[key] == ("" if value is None else str(value))
        if v["rule"] == "unique":
            assert rows[v["table"]][v["duplicate_of"]][v["column"]] == written[v["column"]]


EXPECTED_TYPES = {
    "parquet": {"order_id": "BIGINT", "amount": "DECIMAL(12,2)", "created_at": "TIMESTAMP", "slot": "TIME",
                "shipped_at": "TIMESTAMP WITH TIME ZONE", "order_date": "DATE", "paid": "BOOLEAN",
                "quantity": "INTEGER", "blob": "BLOB", "discount": "DOUBLE", "logged_at": "TIMESTAMP"},
    "duckdb": {"order_id": "BIGINT", "amount": "DECIMAL(12,2)", "created_at": "TIMESTAMP", "uid": "UUID",
               "shipped_at": "TIMESTAMP WITH TIME ZONE", "order_date": "DATE", "paid": "BOOLEAN",
               "payload": "JSON", "quantity": "INTEGER", "blob": "BLOB", "slot": "TIME"},
    "csv": {"order_id": "BIGINT", "created_at": "TIMESTAMP", "order_date": "DATE", "paid": "BOOLEAN"},
    "jsonl": {"order_id": "BIGINT", "order_date": "DATE", "paid": "BOOLEAN", "quantity": "BIGINT"},
}  # fmt: skip
SQLITE_DECLARED = {
    "order_id": "BIGINT", "amount": "REAL", "created_at": "TIMESTAMP", "order_date": "DATE",
    "paid": "BOOLEAN", "blob": "BLOB", "quantity": "INTEGER", "payload": "JSON", "slot": "TIME",
}  # fmt: skip

# storage classes allowed per column (a decimal is declared REAL: DECIMAL's NUMERIC affinity stored
# 12.00 as the integer 12, a mix connectorx cannot read)
SQLITE_STORED = {
    "order_id": {"integer"}, "amount": {"real"}, "discount": {"real"}, "created_at": {"text"},
    "paid": {"integer"}, "blob": {"blob"}, "order_date": {"text"}, "payload": {"text"}, "uid": {"text"},
}  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_writers_keep_row_counts_and_column_types(judged: dict[tuple[str, str], Any], fmt: str) -> None:
    info = judged["describe", fmt]
    assert {name: t["rows"] for name, t in info.items()} == {"orders": 1200, "customers": 300, "order_lines": 2000}
    assert list(info["orders"]["types"]) == [c["name"] for c in SHOP["tables"][0]["columns"]]
    if fmt == "sqlite":
        assert info["orders"]["declared"] | SQLITE_DECLARED == info["orders"]["declared"]
        for column, allowed in SQLITE_STORED.items():
            assert set(info["orders"]["stored"][column]) <= allowed, column
    else:
        expected = EXPECTED_TYPES[fmt]
        assert {k: info["orders"]["types"][k] for k in expected} == expected


def test_values_look_real_by_column_name_and_timestamps_keep_their_order(clean_csv: Path) -> None:
    out = clean_csv
    customers = list(csv.DictReader((out / "customers.csv").open()))
    orders = list(csv.DictReader((out / "orders.csv").open()))
    assert all(re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", c["email"]) for c in customers)
    assert all(re.fullmatch(r"[A-Z]{2}", c["country"]) for c in customers), "the faker hint wins"
    assert all(re.fullmatch(r"[A-Z][A-Za-z' .-]+", c["first_name"]) for c in customers)
    assert len({c["city"] for c in customers}) > 50
    assert all(o["created_at"] <= o["updated_at"] for o in orders)
    assert all(o["created_at"].startswith("2026-01") for o in orders), "inside the configured 30-day window"
    assert all(float(o["amount"]) >= 0 for o in orders)
    assert {o["status"] for o in orders} == {"placed", "shipped"}
    lines = list(csv.DictReader((out / "order_lines.csv").open()))
    keys = [(line["order_id"], line["line_no"]) for line in lines]
    assert len(set(keys)) == len(keys), "a composite key is unique (line_no counts within its order)"


def test_injected_nulls_outliers_and_gaps_show_and_stay_legal(clean_csv: Path) -> None:
    out = clean_csv
    orders = list(csv.DictReader((out / "orders.csv").open()))
    discounts = [float(o["discount"]) for o in orders if o["discount"]]
    assert 0.02 < 1 - len(discounts) / len(orders) < 0.09, "about 5% nulls in a nullable column"
    assert all(o["customer_id"] and o["amount"] for o in orders), "no nulls where a rule forbids them"
    outliers = [d for d in discounts if d > 50]
    assert 0 < len(outliers) < 0.05 * len(discounts), "a few values 100x the usual 0..50"
    assert all(0 <= float(o["amount"]) <= 5000 for o in orders), "no outlier where a range applies"
    start, width = datetime(2026, 1, 1), timedelta(days=30) / 100
    slices = {(datetime.fromisoformat(o["created_at"]) - start) // width for o in orders}
    assert len(slices) <= 80, "gaps: 20% of the window holds no rows"


def test_rows_flag_scales_every_table_and_keeps_their_proportion(
    python: Path, shop_config: Path, tmp_path: Path
) -> None:
    out = generate(python, shop_config, tmp_path / "scaled", "parquet", "--rows", "600")
    tables = json.loads((out / "_bad_rows.json").read_text())["tables"]
    assert {name: t["rows"] for name, t in tables.items()} == {"orders": 360, "customers": 90, "order_lines": 600}


COVERED: dict[str, Any] = {
    "seed": 3,
    "tables": [
        {"name": "orders", "rows": 500, "primary_key": ["id"], "columns": [{"name": "id", "type": "int"}]},
        {
            "name": "payments",
            "rows": 700,
            "primary_key": ["id"],
            "columns": [
                {"name": "id", "type": "int"},
                {"name": "order_id", "type": "int", "foreign_key": "orders.id", "covers": True},
                {"name": "loose_order_id", "type": "int", "foreign_key": "orders.id"},
            ],
        },
    ],
}


def test_a_covering_foreign_key_gives_every_parent_key_a_row_and_a_plain_one_does_not(
    python: Path, tmp_path: Path
) -> None:
    config = tmp_path / "covered.json"
    config.write_text(json.dumps(COVERED))
    out = generate(python, config, tmp_path / "out", "csv")
    with (out / "payments.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    orders = {str(i) for i in range(1, 501)}
    assert len(rows) == 700
    assert {r["order_id"] for r in rows} == orders  # every order has a payment
    assert {r["loose_order_id"] for r in rows} < orders  # plain sampling misses some orders
    again = generate(python, config, tmp_path / "again", "csv")
    assert (again / "payments.csv").read_bytes() == (out / "payments.csv").read_bytes()


KEPT: dict[str, Any] = {
    "seed": 5,
    "tables": [
        {
            "name": "stores", "rows": 200, "primary_key": ["id"], "keeps": "\"region\" = 'north' AND \"id\" % 3 <> 0",
            "columns": [{"name": "id", "type": "int"}, {"name": "region", "type": "string",
                                                          "accepted_values": ["north", "south"]}],
        },
        {"name": "regions", "rows": 50, "primary_key": ["id"], "keeps": "FALSE",
         "columns": [{"name": "id", "type": "int"}]},
        {
            "name": "sales", "rows": 900, "primary_key": ["id"],
            "columns": [
                {"name": "id", "type": "int"},
                {"name": "store_id", "type": "int", "not_null": True, "foreign_key": "stores.id"},
                {"name": "region_id", "type": "int", "not_null": True, "foreign_key": "regions.id"},
            ],
        },
    ],
}  # fmt: skip


def test_foreign_keys_name_only_the_parent_rows_its_extract_filter_keeps(python: Path, tmp_path: Path) -> None:
    import sqlite3

    config = tmp_path / "kept.json"
    config.write_text(json.dumps(KEPT))
    out = generate(python, config, tmp_path / "out", "sqlite")
    con = sqlite3.connect(out / "synthetic.sqlite")
    kept = {r for (r,) in con.execute("SELECT id FROM stores WHERE region = 'north' AND id % 3 <> 0")}
    every = {r for (r,) in con.execute("SELECT id FROM stores")}
    named = {r for (r,) in con.execute("SELECT store_id FROM sales")}
    regions = {r for (r,) in con.execute("SELECT id FROM regions")}
    named_regions = {r for (r,) in con.execute("SELECT region_id FROM sales")}
    assert 0 < len(kept) < len(every)
    assert named <= kept and len(named) > len(kept) // 2  # drawn from the kept stores, many of them
    assert named_regions <= regions  # a filter that keeps no row: every clean row (validate warns, R480)


FLAGS: dict[str, Any] = {
    "seed": 3,
    "tables": [
        {
            "name": "users",
            "rows": 400,
            "primary_key": ["id"],
            "columns": [
                {"name": "id", "type": "int"},
                {"name": "is_active", "type": "boolean", "not_null": True, "holds": True},
                {"name": "is_admin", "type": "boolean", "not_null": True},
            ],
        }
    ],
}


def test_a_held_flag_is_true_on_every_clean_row_and_a_plain_one_is_not(python: Path, tmp_path: Path) -> None:
    config = tmp_path / "flags.json"
    config.write_text(json.dumps(FLAGS))
    out = generate(python, config, tmp_path / "out", "csv")
    with (out / "users.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 400
    assert {r["is_active"] for r in rows} == {"true"}
    assert {r["is_admin"] for r in rows} == {"true", "false"}


def test_holds_on_a_column_that_is_not_boolean_is_a_clear_error(python: Path, tmp_path: Path) -> None:
    flags = json.loads(json.dumps(FLAGS))
    flags["tables"][0]["columns"][0]["holds"] = True
    flags["tables"][0]["columns"][2]["holds"] = "yes"
    config = tmp_path / "bad.json"
    config.write_text(json.dumps(flags))
    result = run(python, SYNTHETIC, "--config", config, "--out", tmp_path / "out", check=False)
    assert result.returncode == 1
    assert "tables[0].columns[0].holds: expected true or false, and only on a boolean column" in result.stderr
    assert "tables[0].columns[2].holds" in result.stderr
    assert "Traceback" not in result.stderr


def test_covers_without_a_foreign_key_or_with_too_few_rows_is_a_clear_error(python: Path, tmp_path: Path) -> None:
    tables = json.loads(json.dumps(COVERED["tables"]))
    tables[1]["columns"][2]["covers"] = "yes"
    tables[1]["columns"][0]["covers"] = True
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"tables": tables}))
    result = run(python, SYNTHETIC, "--config", config, "--out", tmp_path / "out", check=False)
    assert result.returncode == 1
    assert "tables[1].columns[0].covers: expected true or false, and only on a foreign_key column" in result.stderr
    assert "tables[1].columns[2].covers" in result.stderr
    few = json.loads(json.dumps(COVERED))
    few["tables"][1]["rows"] = 100
    config.write_text(json.dumps(few))
    result = run(python, SYNTHETIC, "--config", config, "--out", tmp_path / "out2", check=False)
    assert result.returncode == 1
    assert "covers: every key of orders needs a row here: 500 rows at least, got 100" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_foreign_key_cycle_is_a_clear_error(python: Path, tmp_path: Path) -> None:
    config = tmp_path / "cycle.json"
    ref = {"name": "ref", "type": "int"}
    config.write_text(
        json.dumps(
            {
                "tables": [
                    {
                        "name": "a",
                        "rows": 3,
                        "columns": [{"name": "id", "type": "int"}, {**ref, "foreign_key": "b.id"}],
                    },
                    {
                        "name": "b",
                        "rows": 3,
                        "columns": [{"name": "id", "type": "int"}, {**ref, "foreign_key": "a.id"}],
                    },
                ]
            }
        )
    )
    result = run(python, SYNTHETIC, "--config", config, "--out", tmp_path / "out", check=False)
    assert result.returncode == 1
    assert "foreign keys form a cycle: a -> b -> a" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_config_problem_is_reported_at_once_with_its_place(python: Path, tmp_path: Path) -> None:
    config = tmp_path / "bad.json"
    config.write_text(
        json.dumps(
            {
                "seed": 1,
                "tabels": [],
                "tables": [
                    {
                        "name": "t",
                        "rows": 5,
                        "columns": [
                            {"name": "a", "type": "strng"},
                            {"name": "b", "type": "int", "foreign_key": "missing.id", "range": {"min": 9, "max": 1}},
                            {"name": "c", "type": "string", "regex": "(?<=x)y"},
                            {"name": "d", "type": "string", "faker": "no_such_provider"},
                        ],
                    }
                ],
            }
        )
    )
    result = run(python, SYNTHETIC, "--config", config, "--out", tmp_path / "out", check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for expected in (
        "config: unknown key 'tabels' (did you mean 'tables'?)",
        "tables[0].columns[0].type: unknown type 'strng' (did you mean 'string'?)",
        "tables[0].columns[1].range: min 9 is greater than max 1",
        "tables[0].columns[1].foreign_key: no table 'missing'",
        "tables[0].columns[2].regex: '(?<=x)y': a lookaround is not supported",
        "tables[0].columns[3].faker: 'no_such_provider' is not a Faker provider of locale en_US",
    ):
        assert expected in result.stderr, (expected, result.stderr)


REGEX_PATTERNS = [
    r"[A-Z]{3}-\d{4}",
    r"(foo|ba[rz])_\w{2,5}",
    r"\d{3}-\d{3}-\d{4}",
    r"[^a-z]{4}",
    r"x?y+z*",
    r"(ab){2,3}c",
    r"[\w.]+@example\.(com|org)",
    r"^ID-(?:[0-9a-f]{2}){4}$",
]


def test_regex_generator_values_fully_match_their_pattern(python: Path, tmp_path: Path) -> None:
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(SYNTHETIC.parent)!r})\n"
        "import synthetic\n"
        "patterns = json.loads(sys.argv[1])\n"
        "print(json.dumps({p: synthetic.regex_values(p, 300, 1, p).to_pylist() for p in patterns}))\n"
    )
    values = json.loads(run(python, driver, json.dumps(REGEX_PATTERNS)).stdout)
    for pattern, drawn in values.items():
        misses = [v for v in drawn if not re.fullmatch(pattern, v)]
        assert misses == [], pattern
        assert len(set(drawn)) > 1, pattern


STREAM_DRIVER = """
import itertools, json, sys
sys.path.insert(0, sys.argv[1])
import synthetic
config = synthetic.parse_config(json.loads(sys.argv[2]))
def take(n, **kw):
    events = synthetic.stream_events(config, "orders", rate=2, burst_every=100, burst_seconds=10, burst_factor=10, **kw)
    return [{k: str(v) for k, v in e.items()} for e in itertools.islice(events, n)]
customers = synthetic.generate(config).tables["customers"].column("customer_id").to_pylist()
print(json.dumps({"a": take(1500, endless=True, batch=400), "b": take(1500, endless=True, batch=400),
                  "finite": len(take(10**6)), "customers": customers}))
"""


def test_stream_events_follow_rate_and_bursts_replay_identically_and_reference_parents(
    python: Path, tmp_path: Path
) -> None:
    driver = tmp_path / "stream.py"
    driver.write_text(STREAM_DRIVER)
    result = json.loads(run(python, driver, SYNTHETIC.parent, json.dumps(SHOP)).stdout)
    events = result["a"]
    assert events == result["b"], "same config, same stream"
    assert result["finite"] == 1200, "a finite stream yields the table's rows"
    times = [e["created_at"] for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    per_second: dict[int, int] = {}
    for t in times:
        minute, second = int(t[14:16]), float(t[17:])
        bucket = int(minute * 60 + second - 1e-9)
        per_second[bucket] = per_second.get(bucket, 0) + 1
    assert per_second[5] == 20, "inside a burst: rate x burst_factor"
    assert per_second[50] == 2, "outside a burst: the base rate"
    assert all(e["created_at"] <= e["updated_at"] for e in events)
    assert {int(e["customer_id"]) for e in events} <= set(result["customers"])


LINK: dict[str, Any] = {
    "locale": "ja_JP",
    "tables": [
        {
            "name": "students",
            "rows": 50,
            "primary_key": ["id"],
            "columns": [
                {"name": "id", "type": "int"},
                {"name": "state", "type": "string"},
                {"name": "code", "type": "varchar(4)", "unique": True},
                {"name": "email", "type": "varchar(15)", "unique": True},
            ],
        },
        {"name": "courses", "rows": 20, "primary_key": ["id"], "columns": [{"name": "id", "type": "string"}]},
        {
            "name": "profiles",
            "rows": 50,
            "columns": [
                {"name": "student_id", "type": "int", "unique": True, "foreign_key": "students.id"},
                {"name": "tier", "type": "string", "unique": True, "accepted_values": [f"t{i}" for i in range(60)]},
            ],
        },
        {
            "name": "enrolments",
            "rows": 600,
            "primary_key": ["student_id", "course_id"],
            "columns": [
                {"name": "student_id", "type": "int", "foreign_key": "students.id"},
                {"name": "course_id", "type": "string", "foreign_key": "courses.id"},
            ],
        },
    ],
}


def test_link_and_one_to_one_keys_are_distinct_and_unique_strings_fit_their_varchar(
    python: Path, tmp_path: Path
) -> None:
    config = tmp_path / "link.json"
    config.write_text(json.dumps(LINK))
    out = generate(python, config, tmp_path / "out", "csv")
    students = list(csv.DictReader((out / "students.csv").open()))
    courses = {c["id"] for c in csv.DictReader((out / "courses.csv").open())}
    pairs = [(e["student_id"], e["course_id"]) for e in csv.DictReader((out / "enrolments.csv").open())]
    assert len(pairs) == 600 and len(set(pairs)) == 600
    assert {s for s, _ in pairs} <= {s["id"] for s in students} and {c for _, c in pairs} <= courses
    for column, width in (("code", 4), ("email", 15)):
        values = [s[column] for s in students]
        assert len(set(values)) == len(values) and max(map(len, values)) <= width, column
    assert all("@" in s["email"] for s in students)
    profiles = list(csv.DictReader((out / "profiles.csv").open()))
    assert sorted(p["student_id"] for p in profiles) == sorted(s["id"] for s in students), "a unique foreign key is 1:1"
    assert len({p["tier"] for p in profiles}) == 50, "unique accepted values are drawn without repeats"
    assert all(s["state"] for s in students), "ja_JP has no `state` provider: another value stands in"


ODD_TYPES: dict[str, Any] = {
    "bad_row_rate": 0.5,
    "tables": [
        {
            "name": "p",
            "rows": 30,
            "primary_key": ["id"],
            "columns": [
                {"name": "id", "type": "uuid"},
                {"name": "n", "type": "smallint", "unique": True, "range": {"min": 32700}},
                {"name": "day", "type": "date", "unique": True, "range": {"min": "2026-01-01", "max": "2026-02-15"}},
            ],
        },
        {
            "name": "c",
            "rows": 40,
            "columns": [
                {"name": "pid", "type": "uuid", "foreign_key": "p.id"},
                {"name": "pn", "type": "smallint", "foreign_key": "p.n"},
                {"name": "flag", "type": "boolean", "accepted_values": [True, False]},
                {"name": "flag2", "type": "boolean", "accepted_values": [True]},
                {"name": "lvl", "type": "decimal(2,0)", "accepted_values": [98, 99]},
                {"name": "code", "type": "int", "accepted_values": ["1", "2"]},
                {
                    "name": "u",
                    "type": "uuid",
                    "regex": "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                },
                {"name": "small", "type": "decimal(4,2)", "range": {"min": 0, "max": 99.99}},
            ],
        },
    ],
}


@pytest.mark.parametrize("fmt", ["duckdb", "sqlite"])
def test_bad_rows_in_odd_types_are_exact_and_impossible_breaks_are_skipped(
    python: Path, tmp_path: Path, fmt: str
) -> None:
    """uuid keys, booleans with every value accepted, decimals with no room above, unique smallints
    near the type's limit, unique dates in a tight range: every recorded break is real, no other."""
    config = tmp_path / "odd.json"
    config.write_text(json.dumps(ODD_TYPES))
    out = generate(python, config, tmp_path / fmt, fmt)
    result = judge(python, "rules", config, out, fmt)
    for check in result["checks"]:
        assert check["found"] == check["expected"], check
    broken = {(v["column"], v["rule"]) for v in result["manifest"]["violations"]}
    assert ("flag", "accepted_values") not in broken and ("lvl", "accepted_values") not in broken
    assert ("pn", "foreign_key") not in broken, "no smallint above the parent's keys"
    assert {("pid", "foreign_key"), ("flag2", "accepted_values"), ("code", "accepted_values")} <= broken
    assert ("small", "range") in broken, "below min when max is the type's limit"


def test_random_configs_never_break_a_rule_outside_the_manifest(python: Path, tmp_path: Path) -> None:
    """150 random configs (types, names, rules, injections, foreign keys, bad-row rates), each
    written and judged by SQL: every rule break found is one the manifest names, and the reverse."""
    result = json.loads(run(python, Path(__file__).with_name("synth_fuzz.py"), "0", "150", tmp_path).stdout)
    assert result["failures"] == []
    assert result["config_errors"] < result["runs"] / 4, "most random configs are generated, not refused"


def test_a_foreign_key_with_its_own_range_and_accepted_values_references_only_keys_inside_them(
    python: Path, tmp_path: Path
) -> None:
    """Found by the spec generator: a foreign key column with `range: {max: 100}` over a parent of
    300 keys failed its own range test in dbt (values were drawn from every parent key)."""
    config = {
        "seed": 3,
        "tables": [
            {"name": "parents", "rows": 300, "primary_key": ["parent_id"],
             "columns": [{"name": "parent_id", "type": "bigint"}]},
            {
                "name": "children",
                "rows": 500,
                "primary_key": ["child_id"],
                "columns": [
                    {"name": "child_id", "type": "bigint"},
                    {"name": "parent_id", "type": "bigint", "foreign_key": "parents.parent_id",
                     "range": {"min": 0, "max": 100}},
                    {"name": "other_id", "type": "bigint", "foreign_key": "parents.parent_id",
                     "accepted_values": [1, 2, 3]},
                ],
            },
        ],
    }  # fmt: skip
    path = tmp_path / "synthetic.json"
    path.write_text(json.dumps(config))
    out = generate(python, path, tmp_path / "out", "csv")
    with (out / "parents.csv").open(newline="") as handle:
        parents = {int(row["parent_id"]) for row in csv.DictReader(handle)}
    with (out / "children.csv").open(newline="") as handle:
        children = list(csv.DictReader(handle))
    assert len(children) == 500 and len(parents) == 300
    assert {int(r["parent_id"]) for r in children} <= {p for p in parents if 0 <= p <= 100}
    assert {int(r["other_id"]) for r in children} <= {1, 2, 3} & parents


DECIMALS: dict[str, Any] = {
    "seed": 5,
    "tables": [
        {
            "name": "payments", "rows": 2000, "primary_key": ["id"],
            "columns": [
                {"name": "id", "type": "int"},
                {"name": "amount", "type": "decimal(10,2)", "not_null": True, "range": {"min": 0, "max": 3}},
            ],
        },
    ],
}  # fmt: skip


def test_the_sqlite_stand_in_holds_whole_and_fractional_decimals_alike_and_connectorx_reads_them(
    python: Path, tmp_path: Path
) -> None:
    """Found by the spec generator: SQLite's NUMERIC affinity stored 2.00 as the integer 2 and 2.5 as
    a real, and connectorx (the local extract's backend), typing a column by its first value,
    panicked on the mix. Every decimal is a real now, and connectorx reads the whole column."""
    import sqlite3

    config = tmp_path / "decimals.json"
    config.write_text(json.dumps(DECIMALS))
    out = generate(python, config, tmp_path / "out", "sqlite")
    db = out / "synthetic.sqlite"
    con = sqlite3.connect(db)
    kinds = dict(con.execute("SELECT typeof(amount), count(*) FROM payments GROUP BY 1").fetchall())
    whole = con.execute("SELECT count(*) FROM payments WHERE amount = CAST(amount AS INTEGER)").fetchone()[0]
    first = con.execute("SELECT amount FROM payments ORDER BY amount LIMIT 1").fetchone()[0]
    con.close()
    assert whole > 0 and kinds == {"real": 2000}, kinds  # whole values exist, and are reals
    query = "SELECT amount FROM payments ORDER BY amount"
    read = f"import connectorx as cx; print(cx.read_sql('sqlite://{db}', '{query}', return_type='arrow').num_rows)"
    proc = subprocess.run([str(python), "-c", read], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "2000", proc.stderr[-2000:]
    assert first == float(int(first))  # the read started on a whole value: the case that panicked


def test_a_recent_column_falls_in_the_windows_last_seconds_and_stays_after_its_earlier_column(
    python: Path, tmp_path: Path
) -> None:
    """`recent` (set from a freshness rule, common/synthetic_tables.recent_column): every value of
    the column in the window's last N seconds, `updated_at` still after `created_at`, so any subset
    an extract filter keeps is fresh (seed 20261213 spec 5); a bad `recent` is a config problem."""
    table = {"name": "tickets", "rows": 500, "primary_key": ["ticket_id"], "columns": [
        {"name": "ticket_id", "type": "bigint"},
        {"name": "created_at", "type": "timestamp", "not_null": True},
        {"name": "updated_at", "type": "timestamp", "not_null": True, "recent": 21600},
        {"name": "seen_on", "type": "date", "recent": 3600},
    ]}  # fmt: skip
    config = tmp_path / "synthetic.json"
    config.write_text(json.dumps({"seed": 7, "start": "2026-01-01T00:00:00Z", "window_days": 30, "tables": [table]}))
    rows = list(csv.DictReader((generate(python, config, tmp_path / "out", "csv") / "tickets.csv").open()))
    end = datetime(2026, 1, 31)
    updated = [datetime.fromisoformat(r["updated_at"]) for r in rows]
    assert all(end - timedelta(hours=6) <= u < end for u in updated), (min(updated), max(updated))
    assert all(r["created_at"] <= r["updated_at"] for r in rows)
    created = [datetime.fromisoformat(r["created_at"]) for r in rows]
    assert min(created) < end - timedelta(days=20), "the earlier column keeps the whole window"
    assert {r["seen_on"] for r in rows if r["seen_on"]} == {"2026-01-30"}, "a date: the window's last day"
    table["columns"][0]["recent"] = 600  # ticket_id is no date or timestamp
    config.write_text(json.dumps({"tables": [table]}))
    bad = run(python, SYNTHETIC, "--config", config, "--out", tmp_path / "bad", check=False)
    assert bad.returncode == 1 and "tables[0].columns[0].recent" in bad.stdout + bad.stderr, bad.stdout + bad.stderr
