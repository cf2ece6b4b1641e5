"""Vocabulary the strategies leave out, added to a drawn spec after the draw, decided from what is
drawn already (a hash of the pipeline's, its tables' and the element's names: no draw of its own, so a seed's
specs stay the ones it drew, but for these keys; like sections._lake_settings):

- qualified table references (`source.table`) in a mart's `from` and joins, a stream job's `from`
  and joins, and foreign keys (`source.table.column`);
- rules and descriptions on derived columns, mart output columns and measures (every rule kind, a
  rule's explicit `severity`); rules whose outcome the synthetic data does not fix are `warn`, the
  ones it does (a count is never NULL nor negative) are `error`;
- `range.mostly` on source columns' ranges;
- a table's `quality.freshness.column` and `quality.drift.columns` (now and then a column the table
  does not have: refused, located);
- `monitoring.lineage` (file and http transports, a namespace, switched off);
- a Faker table's files `format` other than parquet; a files target's `format` json and avro."""

from __future__ import annotations

import zlib
from typing import Any

NUMERIC_TYPES = ("bigint", "int", "smallint", "decimal(10,2)", "double")
STAMP_TYPES = ("timestamp", "timestamp(3)")


def _h(spec: dict[str, Any], *parts: object) -> int:
    """A stable number from the pipeline's name, its tables' names (in the order drawn: a seed's
    specs share a few pipeline names) and `parts`: same spec, same choice."""
    tables = [d["name"] for _, d in _datasets(spec)]
    return zlib.crc32(":".join([spec["pipeline"]["name"], *tables, *map(str, parts)]).encode())


def add(spec: dict[str, Any]) -> None:
    """Every addition of this module, in a fixed order."""
    _qualified(spec)
    _derived_rules(spec)
    _mart_rules(spec)
    _range_mostly(spec)
    _table_quality(spec)
    _lineage(spec)
    _formats(spec)
    _connections_and_targets(spec)


def _datasets(spec: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(s, d) for s in spec["sources"] for d in s.get("tables", []) + s.get("topics", [])]


# ---------------------------------------------------------------- qualified references


def _qualified(spec: dict[str, Any]) -> None:
    """About one table reference in three as `source.table` (foreign keys `source.table.column`)."""
    owner = {d["name"]: s["name"] for s, d in _datasets(spec)}
    transforms = spec.get("transforms", {})
    for kind in ("marts", "streams"):
        for item in transforms.get(kind, []):
            if item["from"] in owner and _h(spec, kind, item["name"], "from") % 3 == 0:
                item["from"] = f"{owner[item['from']]}.{item['from']}"
            for i, join in enumerate(item.get("joins", [])):
                if join["table"] in owner and _h(spec, kind, item["name"], "join", i) % 3 == 0:
                    join["table"] = f"{owner[join['table']]}.{join['table']}"
    for _, data in _datasets(spec):
        for column in data["columns"]:
            fk = column.get("foreign_key")
            text = fk["references"] if isinstance(fk, dict) else fk
            if not isinstance(text, str) or text.count(".") != 1 or _h(spec, data["name"], column["name"]) % 3:
                continue
            table = text.split(".", 1)[0]
            if table in owner:
                qualified = f"{owner[table]}.{text}"
                column["foreign_key"] = {**fk, "references": qualified} if isinstance(fk, dict) else qualified


# ---------------------------------------------------------------- rules on computed columns


def _warn_rule(ctype: str, which: int) -> dict[str, Any]:
    """One rule for a computed value of type `ctype`, at severity warn (its values are not known)."""
    warn = {"severity": "warn"}
    if which == 0:
        return {"not_null": {"mostly": 0.5, **warn}}
    if which == 1:
        return {"unique": warn}
    if ctype in NUMERIC_TYPES:
        return {"range": {"min": -1_000_000, "max": 1_000_000, "mostly": 0.9, **warn}}
    if ctype == "string":
        if which == 2:
            return {"accepted_values": {"values": ["a", "b", "O'Neil"], **warn}}
        return {"regex": {"pattern": "^.*$", **warn}}
    if ctype == "boolean":  # holds for every boolean (NULLs are not_null's business): error
        return {"accepted_values": {"values": [True, False], "severity": "error"}}
    return {"not_null": warn}


def _derived_rules(spec: dict[str, Any]) -> None:
    """A description and/or a rule on about one derived column in two."""
    for _, data in _datasets(spec):
        for column in data.get("derived", []):
            h = _h(spec, data["name"], "derived", column["name"])
            if h % 2:
                continue
            if h % 3 == 0:
                column["description"] = f"Computed from {data['name']}'s columns."
            column.update(_warn_rule(column["type"], (h // 6) % 4))


COUNTS = ("count", "count_distinct")


def _mart_rules(spec: dict[str, Any]) -> None:
    """Rules on measures (a count: never NULL, never negative, at `error`; others at `warn`) and on
    a plain-column mart's outputs (a column of the base table: a foreign key to its parent's key at
    `warn`, a description, a warn rule)."""
    parents, types = _parents(spec), _types(spec)
    for mart in spec.get("transforms", {}).get("marts", []):
        for i, measure in enumerate(mart.get("measures", [])):
            h = _h(spec, mart["name"], "measure", i)
            if h % 3:
                continue
            if measure.get("agg") in COUNTS and h % 2 == 0:
                measure["not_null"] = {"severity": "error"} if h % 4 == 0 else True
                measure.setdefault("range", {"min": 0, "severity": "error"})
            elif measure.get("agg") in ("min", "max") and parents.get(_bare(measure.get("column", ""))):
                measure["foreign_key"] = {"references": parents[_bare(measure["column"])], "severity": "warn"}
            elif measure.get("agg") in ("min", "max", "sum", "avg") or "expr" in measure:
                numeric = measure.get("agg") in ("sum", "avg")
                ctype = "double" if numeric else types.get(_bare(measure.get("column", "")), "")
                measure.update(_warn_rule(ctype, (h // 6) % 4))
        columns = mart.get("columns")
        if not isinstance(columns, list):
            continue
        for i, column in enumerate(columns):
            h = _h(spec, mart["name"], "column", i)
            if h % 3:
                continue
            out = {"expr": column} if isinstance(column, str) else dict(column)
            text = out["expr"]
            if h % 2 == 0:
                out["description"] = "Carried from the base table."
            ref = parents.get(_bare(text))
            if ref:
                out["foreign_key"] = {"references": ref, "severity": "warn"}
            else:
                out.update(_warn_rule(types.get(_bare(text), ""), (h // 6) % 4))
            columns[i] = out


def _bare(text: str) -> str:
    return text.rsplit(".", 1)[-1]


def _types(spec: dict[str, Any]) -> dict[str, str]:
    """Staged column name -> its type, over every table (a name two tables share with two types:
    the first; the rules drawn from it are at `warn`, so a wrong guess only varies the rule)."""
    out: dict[str, str] = {}
    for _, data in _datasets(spec):
        for column in [*data["columns"], *data.get("derived", [])]:
            out.setdefault(column.get("rename") or column["name"], column["type"])
    return out


def _parents(spec: dict[str, Any]) -> dict[str, str]:
    """Foreign-key column name -> the `table.column` it references (as a source column states it)."""
    out: dict[str, str] = {}
    for _, data in _datasets(spec):
        for column in data["columns"]:
            fk = column.get("foreign_key")
            text = fk["references"] if isinstance(fk, dict) else fk
            if isinstance(text, str):
                out.setdefault(column.get("rename") or column["name"], text)
    return out


# ---------------------------------------------------------------- source columns and tables


def _range_mostly(spec: dict[str, Any]) -> None:
    for _, data in _datasets(spec):
        for column in data["columns"]:
            if isinstance(column.get("range"), dict) and _h(spec, data["name"], column["name"], "mostly") % 2 == 0:
                column["range"] = {**column["range"], "mostly": 0.99}


def _table_quality(spec: dict[str, Any]) -> None:
    """`freshness.column`: the watermark or another timestamp column (one in 16: a string column,
    refused); `drift.columns`: two of its columns by source name (one in 16: a column the table lacks).
    Refusals are rare: each costs a seed's sample a valid spec (test_drawn_ledger takes 10 of 20)."""
    for _, data in _datasets(spec):
        quality = data.get("quality", {})
        names = [c["name"] for c in data["columns"]]  # the source's names (validate's R258 reads those)
        types = {c["name"]: c["type"] for c in data["columns"]}
        h = _h(spec, data["name"], "quality")
        if "freshness" in quality and h % 2 == 0:
            stamps = [n for n in names if types[n] in STAMP_TYPES]
            strings = [n for n in names if types[n] == "string"]
            pick = strings[0] if strings and h % 32 == 0 else stamps[(h // 8) % len(stamps)]
            quality["freshness"] = {**quality["freshness"], "column": pick}
        if "drift" in quality and (h // 2) % 2 == 0:
            watched = [names[(h // 4) % len(names)], names[-1]]
            if (h // 4) % 32 == 0:
                watched[0] = "no_such_column"
            quality["drift"] = {**quality["drift"], "columns": list(dict.fromkeys(watched))}


# ---------------------------------------------------------------- operations and formats


LINEAGE: tuple[dict[str, Any] | None, ...] = (
    None,
    {"enabled": True},
    {"transport": "file", "path": "lineage/runs.jsonl", "namespace": "acme.data"},
    {"transport": "http", "url": "${env:MARQUEZ_URL}", "api_key": "${secret:MARQUEZ_API_KEY}"},
    {"enabled": False},
)
NO_URL = {"transport": "http"}  # refused (R444): one http transport in eight (a refusal costs a seed a valid spec)


def _lineage(spec: dict[str, Any]) -> None:
    """`monitoring.lineage` in most monitoring sections (and without one, now and then)."""
    choice = LINEAGE[_h(spec, "lineage") % len(LINEAGE)]
    if choice is None:
        return
    if choice.get("transport") == "http" and _h(spec, "lineage-url") % 8 == 0:
        choice = NO_URL
    if "monitoring" in spec or _h(spec, "lineage-alone") % 4 == 0:
        spec.setdefault("monitoring", {})["lineage"] = dict(choice)


FAKER_FORMATS = ("parquet", "csv", "json", "jsonl", "avro")
FILES_FORMATS = ("parquet", "csv", "jsonl", "json", "avro")


def _formats(spec: dict[str, Any]) -> None:
    for source, data in _datasets(spec):
        synthetic = data.get("synthetic", {})
        if source["type"] == "faker" and synthetic.get("writes_to") == "files":
            synthetic["format"] = FAKER_FORMATS[_h(spec, data["name"], "format") % len(FAKER_FORMATS)]
    for target in spec["targets"]:
        if target["type"] == "files":
            target["format"] = FILES_FORMATS[_h(spec, target["name"], "format") % len(FILES_FORMATS)]


SYNTHETIC_SYSTEMS = (
    ("database", "postgres"), ("database", "mysql"), ("database", "sqlserver"), ("database", None),
    ("stream", "eventhubs"), ("stream", "kinesis"), ("stream", "pubsub"), ("files", None),
)  # fmt: skip


def _connections_and_targets(spec: dict[str, Any]) -> None:
    """A Kinesis source's `connection.role` (one in two); a Faker table's `writes_to: database` and
    `system` (the local generator reads neither: R365 warns); a mart's `target`, one of the spec's
    targets by name (the first is the default; another may be refused with a located error)."""
    for source, data in _datasets(spec):
        if source["type"] == "kinesis" and _h(spec, source["name"], "role") % 2 == 0:
            source["connection"]["role"] = "arn:aws:iam::123456789012:role/pipegen-reader"
        synthetic = data.get("synthetic")
        if source["type"] == "faker" and synthetic and "writes_to" not in synthetic:
            h = _h(spec, data["name"], "writes_to")
            if h % 4 == 0:
                writes_to, system = SYNTHETIC_SYSTEMS[(h // 4) % len(SYNTHETIC_SYSTEMS)]
                synthetic["writes_to"] = writes_to
                if system:
                    synthetic["system"] = system
    names = [t["name"] for t in spec["targets"]]
    for mart in spec.get("transforms", {}).get("marts", []):
        h = _h(spec, mart["name"], "target")
        if h % 4 == 0:
            mart["target"] = names[(h // 4) % len(names)]
