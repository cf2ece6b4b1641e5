"""Synthetic specs of N tables for benchmarks (and a test that they stay valid)."""

from __future__ import annotations

from typing import Any

TABLES_PER_SOURCE = 10


def table(i: int) -> dict[str, Any]:
    return {
        "name": f"table_{i:04d}",
        "description": f"Synthetic table number {i}.",
        "primary_key": "id",
        "watermark": "updated_at",
        "columns": [
            {"name": "id", "type": "bigint", "not_null": True, "unique": True},
            {"name": "customer_id", "type": "bigint", "not_null": {"mostly": 0.99}},
            {"name": "status", "type": "string", "accepted_values": ["new", "paid", "shipped", "returned"]},
            {"name": "amount", "type": "decimal(12,2)", "range": {"min": 0, "max": 1000000}},
            {"name": "email", "type": "string", "regex": "^[^@]+@[^@]+$"},
            {"name": "country", "type": "string"},
            {"name": "created_at", "type": "timestamp", "not_null": True},
            {"name": "updated_at", "type": "timestamp", "not_null": True},
        ],
    }


def make_spec(n_tables: int) -> dict[str, Any]:
    sources = []
    for s in range(0, n_tables, TABLES_PER_SOURCE):
        count = min(TABLES_PER_SOURCE, n_tables - s)
        sources.append(
            {
                "name": f"db_{s // TABLES_PER_SOURCE:03d}",
                "type": "postgres",
                "ingestion": "batch",
                "connection": {"host": "${env:PGHOST}", "password": "${secret:PG_PASSWORD}", "database": "app"},
                "tables": [table(s + i) for i in range(count)],
            }
        )
    return {
        "version": 1,
        "pipeline": {"name": f"synthetic_{n_tables}", "description": f"{n_tables} tables", "owner": "bench"},
        "latency": "1h",
        "volume": {"rows_per_day": 1000 * n_tables, "avg_row_bytes": 150},
        "sources": sources,
        "targets": [{"name": "warehouse", "type": "duckdb", "connection": {"path": "wh.duckdb"}}],
    }
