"""The dbt family, judged by dbt: the generated project builds on DuckDB over clean raw
data with every test passing, and with bad rows exactly the tests of the broken rules fail."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import generate
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("dbt_driver.py")

SPEC: dict[str, Any] = {
    "version": 1,
    "pipeline": {"name": "shop"},
    "latency": "1h",
    "architecture": "elt",
    "sources": [
        {
            "name": "app",
            "type": "postgres",
            "connection": {"host": "db", "password": "${secret:APP_PASSWORD}"},
            "tables": [
                {
                    "name": "customers",
                    "primary_key": "customer_id",
                    "watermark": "updated_at",
                    "columns": [
                        {"name": "customer_id", "type": "bigint", "not_null": True, "unique": True},
                        {"name": "email", "type": "string", "unique": True, "regex": "^[^@]+@[^@]+$"},
                        {"name": "tier", "type": "string", "accepted_values": ["free", "pro"]},
                        {"name": "updated_at", "type": "timestamp", "not_null": True},
                    ],
                },
                {
                    "name": "orders",
                    "primary_key": "order_id",
                    "watermark": "updated_at",
                    "columns": [
                        {"name": "order_id", "type": "bigint", "not_null": True},
                        {"name": "customer_id", "type": "bigint", "foreign_key": "customers.customer_id"},
                        {"name": "amount", "type": "decimal(12,2)", "range": {"min": 0, "max": 1000}},
                        {"name": "note", "type": "string", "not_null": {"mostly": 0.5}},
                        {"name": "updated_at", "type": "timestamp", "not_null": True},
                    ],
                },
            ],
        }
    ],
    "targets": [{"name": "wh", "type": "duckdb"}],
}
TYPES = {"customer_id": "bigint", "email": "varchar", "tier": "varchar", "updated_at": "timestamp",
         "order_id": "bigint", "amount": "decimal(12,2)", "note": "varchar"}  # fmt: skip


def raw(customers: list[dict[str, Any]], orders: list[dict[str, Any]]) -> dict[str, Any]:
    def table(rows: list[dict[str, Any]], cols: list[str]) -> dict[str, Any]:
        return {"columns": {c: TYPES[c] for c in cols}, "rows": rows}

    return {
        "raw_app.customers": table(customers, ["customer_id", "email", "tier", "updated_at"]),
        "raw_app.orders": table(orders, ["order_id", "customer_id", "amount", "note", "updated_at"]),
    }


T = "2026-01-01 00:00:00"
CUSTOMERS = [
    {"customer_id": 1, "email": "a@x.io", "tier": "free", "updated_at": T},
    {"customer_id": 2, "email": "b@x.io", "tier": "pro", "updated_at": T},
    # an older version of customer 2: staging keeps the latest only, so unique still holds
    {"customer_id": 2, "email": "old@x.io", "tier": "free", "updated_at": "2025-01-01 00:00:00"},
]
ORDERS = [
    {"order_id": 10, "customer_id": 1, "amount": 5, "note": "n", "updated_at": T},
    {"order_id": 11, "customer_id": 2, "amount": 1000, "note": None, "updated_at": T},
]


def build(tmp_path: Path, batch_python: Path, raw_data: dict[str, Any]) -> dict[str, Any]:
    spec = tmp_path / "pipegen.yaml"
    YAML().dump(SPEC, spec)
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    data = tmp_path / "raw.json"
    data.write_text(json.dumps(raw_data))
    run = subprocess.run(
        [str(batch_python), str(DRIVER), str(project), str(data)],
        capture_output=True, text=True, timeout=600, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return dict(json.loads(run.stdout))


def failed(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(test, model, column) of every test that failed."""
    return {(name, model, column) for name, model, column, status in result["tests"] if status in ("fail", "error")}


@pytest.mark.judge
def test_dbt_build_passes_on_clean_raw_data(tmp_path: Path, batch_python: Path) -> None:
    result = build(tmp_path, batch_python, raw(CUSTOMERS, ORDERS))
    assert result["returncode"] == 0, result["stdout"] + result["stderr"]
    statuses = set(result["results"].values())
    assert statuses <= {"success", "pass"}, result["results"]
    tests = [u for u in result["results"] if u.startswith("test.")]
    assert len(tests) >= 10  # every rule became a test
    assert {u.split(".")[2] for u in result["results"] if u.startswith("model.")} == {
        "stg_app__customers",
        "stg_app__orders",
    }


@pytest.mark.judge
def test_bad_rows_fail_exactly_the_tests_of_the_rules_they_break(tmp_path: Path, batch_python: Path) -> None:
    customers = [*CUSTOMERS, {"customer_id": 3, "email": "a@x.io", "tier": "gold", "updated_at": T}]
    orders = [
        *ORDERS,
        {"order_id": 12, "customer_id": 99, "amount": -1, "note": None, "updated_at": T},
        {"order_id": 13, "customer_id": 1, "amount": 2, "note": None, "updated_at": T},
    ]
    customers.append({"customer_id": 4, "email": "not-an-email", "tier": "pro", "updated_at": T})
    result = build(tmp_path, batch_python, raw(customers, orders))
    assert result["returncode"] == 1, result["stdout"]
    broken = failed(result)
    assert broken == {
        ("unique", "stg_app__customers", "email"),  # a@x.io twice
        ("pipegen_accepted_values", "stg_app__customers", "tier"),  # gold
        ("pipegen_regex", "stg_app__customers", "email"),  # not-an-email
        ("relationships", "stg_app__orders", "customer_id"),  # 99 has no customer
        ("pipegen_range", "stg_app__orders", "amount"),  # -1
        ("pipegen_not_null", "stg_app__orders", "note"),  # 3 of 4 notes null: more than 50%
    }
