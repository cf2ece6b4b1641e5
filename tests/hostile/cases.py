"""Hostile rule values and names shared by the hostile-value judges: a spec whose every name is a
reserved word, each rule kind carrying text that would switch it off if it reached SQL unescaped,
and rows that keep each rule (good) or break it (bad). Expected outcomes come from these rows."""

from __future__ import annotations

from typing import Any

INJECTION = "x') and 1=0 and ('a' = 'a"
ACCEPTED = [
    INJECTION,
    "it's",
    "back\\slash",
    "{{ 1 }}",
    "-- not a comment",
    "/* nor this */",
    "{% raw %}",
    "${HOME}",
    'say "hi"; drop table x',
    "zero\u200dwidth",
    "\u0645\u0631\u062d\u0628\u0627",
    "\u00e9t\u00e9 \u2713",
]
# a literal "it's" (quote inside), a backslash-escaped digit class, then digits only
PATTERN = "^it's\\d+$"

# column -> (portable type, rules); every name is reserved in some dialect pipegen writes
COLUMNS: dict[str, tuple[str, dict[str, Any]]] = {
    "select": ("bigint", {"not_null": True, "unique": True}),
    "order": ("string", {"accepted_values": ACCEPTED}),
    "group": ("decimal(12,2)", {"range": {"min": 0, "max": 10}}),
    "user": ("string", {"regex": PATTERN}),
    "from": ("bigint", {"foreign_key": "limit.all"}),
    "Desc": ("string", {"not_null": True}),
    "case": ("string", {"unique": True}),
    "where": ("timestamp", {"not_null": True}),
}
NEW, OLD = "2026-01-30 00:00:00", "2020-01-01 00:00:00"  # judged at 2026-01-31: fresh / stale
# table rules (GX): at most 3 rows, the newest `where` at most 7 days old, exactly the declared columns
TABLE_QUALITY = {"row_count": {"max": 3}, "freshness": {"column": "where", "error_after": "7d"},
                 "expected_columns": "ordered"}  # fmt: skip
GOOD_ROWS = [
    {"select": 1, "order": INJECTION, "group": 0, "user": "it's1", "from": 1, "Desc": "a", "case": "p",
     "where": NEW},
    {"select": 2, "order": "back\\slash", "group": 10, "user": "it's22", "from": 2, "Desc": "b", "case": "q",
     "where": NEW},
    {"select": 3, "order": "{{ 1 }}", "group": 5, "user": None, "from": None, "Desc": "c", "case": None,
     "where": NEW},
]  # fmt: skip
# each bad row breaks column rules; all are stale and there are four (row_count, freshness)
BAD_ROWS = [
    {"select": 1, "order": "zzz", "group": 0, "user": "it's1", "from": 1, "Desc": "a", "case": "p",
     "where": OLD},
    {"select": 2, "order": "it's", "group": -1, "user": "its1", "from": 99, "Desc": None, "case": "p",
     "where": OLD},
    {"select": 3, "order": "1", "group": 11, "user": "it's1x", "from": 2, "Desc": "c", "case": "r",
     "where": OLD},
    {"select": 4, "order": "it's", "group": 1, "user": "it's3", "from": 1, "Desc": "d", "case": "s", "where": OLD},
]  # fmt: skip
PARENT_ROWS = [{"all": 1}, {"all": 2}]


# a mart over the good table: reserved names as model, keys, measures; reserved columns in expressions
MART = {
    "name": "group",
    "from": "order",
    "filter": '"select" > 0 and "order" is not null',
    "group_by": ["order", {"name": "having", "expr": '"group" * 2'}],
    "measures": [
        {"name": "limit", "agg": "sum", "column": "group", "not_null": True},
        {"name": "Count", "agg": "count", "where": '"user" is not null'},
    ],
}


def rule_mart(name: str, base: str) -> dict[str, Any]:
    """A row-level mart over `base` whose outputs carry the hostile columns' rules (reserved names,
    accepted values shaped like SQL injection, a regex with a quote and a backslash, a foreign key)."""
    return {"name": name, "from": base, "columns": [{"expr": c, **rules} for c, (_, rules) in COLUMNS.items()]}


def table(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "primary_key": "select",
        "watermark": "where",
        "quality": TABLE_QUALITY,
        "columns": [{"name": c, "type": t, **rules} for c, (t, rules) in COLUMNS.items()],
    }


# marts whose outputs carry the same rules, over the good table and over a table holding BAD_ROWS with
# no rules of its own (so dbt builds the mart rather than skipping it after failed staging tests)
RULE_MARTS = {"window": "order", "union": "values"}


def plain_table(name: str) -> dict[str, Any]:
    return {"name": name, "primary_key": "select", "watermark": "where",
            "columns": [{"name": c, "type": t} for c, (t, _) in COLUMNS.items()]}  # fmt: skip


def spec(good: str = "order", bad: str = "table", rule_marts: bool = False) -> dict[str, Any]:
    """Two tables with the same hostile rules (`good` gets GOOD_ROWS, `bad` BAD_ROWS) and their parent;
    with `rule_marts`, also RULE_MARTS."""
    marts = [MART, *(rule_mart(m, base) for m, base in RULE_MARTS.items())] if rule_marts else [MART]
    return {
        "version": 1,
        "pipeline": {"name": "hostile"},
        "latency": "1h",
        "architecture": "elt",
        "sources": [
            {
                "name": "select",
                "type": "postgres",
                "connection": {"host": "db", "password": "${secret:APP_PASSWORD}"},
                "tables": [
                    {"name": "limit", "primary_key": "all",
                     "columns": [{"name": "all", "type": "bigint", "not_null": True, "unique": True}]},
                    table(good),
                    table(bad),
                    *([plain_table(RULE_MARTS["union"])] if rule_marts else []),
                ],
            }
        ],
        "transforms": {"marts": marts},
        "targets": [{"name": "wh", "type": "duckdb"}],
    }  # fmt: skip
