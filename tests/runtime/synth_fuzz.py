"""Random configs through the whole generator, judged by synth_check (run by the judge interpreter).

    python synth_fuzz.py FIRST_SEED LAST_SEED OUT_DIR  -> JSON {"runs", "config_errors", "failures"}

Each seed makes 1-4 tables (random types, names, rules, injections, foreign keys to earlier tables,
bad-row rates), writes them as duckdb, sqlite or parquet and compares the rows SQL finds breaking
each rule with the rows the manifest names. A config the generator refuses (too narrow a range
for unique) counts as a config error, not a failure; any mismatch or crash is a failure.
"""

from __future__ import annotations

import json
import random
import sys
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "templates" / "runtime"), str(HERE)]

import synth_check  # noqa: E402
import synthetic  # noqa: E402

TYPES = [
    "string", "varchar(10)", "int", "bigint", "smallint", "float", "double", "decimal(8,2)", "decimal(3,1)",
    "boolean", "date", "time", "timestamp", "timestamp(3)", "timestamp_tz", "json", "binary", "uuid",
]  # fmt: skip
NAMES = [
    "email", "first_name", "city", "amount", "price", "quantity", "status", "created_at", "updated_at", "age",
    "code", "note", "score", "start_date", "end_date", "phone", "x", "y", "z", "country",
]  # fmt: skip


def column(rng: random.Random, i: int) -> dict[str, Any]:
    t = rng.choice(TYPES)
    c = {
        "name": f"{rng.choice(NAMES)}_{i}"
        if rng.random() < 0.3
        else rng.choice(NAMES) + ("" if rng.random() < 0.5 else f"{i}"),
        "type": t,
    }
    if rng.random() < 0.3:
        c["not_null"] = True
    if rng.random() < 0.2 and t != "boolean":
        c["unique"] = True
    base = t.split("(")[0]
    if rng.random() < 0.3 and base in ("int", "bigint", "smallint", "float", "double", "decimal"):
        lo = rng.randint(-50, 50)
        c["range"] = {"min": lo, "max": lo + rng.randint(0, 5000)} if rng.random() < 0.7 else {"max": lo}
        if base == "decimal" and t == "decimal(3,1)":
            c["range"] = {"min": 0, "max": 99.9}
    if rng.random() < 0.2 and base in ("date", "timestamp", "timestamp_tz"):
        c["range"] = (
            {"min": "2026-01-05", "max": "2026-03-01"}
            if base == "date"
            else {"min": "2026-01-05T00:00:00Z", "max": "2026-01-20T00:00:00Z"}
        )
    if rng.random() < 0.15 and base in ("string", "varchar"):
        c["accepted_values"] = rng.sample(["a", "b", "c", "d", "e", "f"], rng.randint(1, 6))
    elif rng.random() < 0.15 and base in ("string", "varchar"):
        c["regex"] = rng.choice([r"[A-Z]{2}\d{3}", r"(ab|cd)+x?", r"\w{3,6}", r"[a-f0-9]{10}", r"Q\.\d"])
    if rng.random() < 0.1 and base in ("int", "bigint"):
        c["accepted_values"] = [1, 2, 3]
    return c


def config(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    tables = []
    for ti in range(rng.randint(1, 4)):
        cols = [{"name": "id", "type": rng.choice(["int", "bigint", "string", "uuid"])}]
        cols += [column(rng, i) for i in range(rng.randint(1, 7))]
        names = set()
        uniq = []
        for c in cols:
            if c["name"] not in names:
                names.add(c["name"])
                uniq.append(c)
        if tables and rng.random() < 0.7:
            parent = rng.choice(tables)
            fk = {"name": "parent_id", "type": parent["columns"][0]["type"], "foreign_key": f"{parent['name']}.id"}
            if rng.random() < 0.5:
                fk["not_null"] = True
            uniq.append(fk)
        t = {
            "name": f"t{ti}",
            "rows": rng.randint(1, 400),
            "primary_key": ["id"],
            "columns": uniq,
            "inject": {"nulls": rng.choice([0, 0.1]), "outliers": rng.choice([0, 0.05]), "gaps": rng.choice([0, 0.3])},
        }
        tables.append(t)
    return {"seed": seed, "bad_row_rate": rng.choice([0, 0.1, 0.3]), "tables": tables}


def main(first: int, last: int, out_dir: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"runs": 0, "config_errors": 0, "failures": []}
    for seed in range(first, last):
        data = config(seed)
        out = out_dir / str(seed)
        config_path = out_dir / f"{seed}.json"
        config_path.write_text(json.dumps(data))
        fmt = ("duckdb", "sqlite", "parquet")[seed % 3]
        result["runs"] += 1
        try:
            synthetic.write(synthetic.generate(synthetic.parse_config(data)), out, fmt)
            checks = synth_check.check_rules(config_path, out, fmt)["checks"]
        except synthetic.ConfigError:
            result["config_errors"] += 1
            continue
        except Exception:
            result["failures"].append({"seed": seed, "crash": traceback.format_exc(limit=4)})
            continue
        for check in checks:
            if check["found"] != check["expected"]:
                result["failures"].append({"seed": seed, "format": fmt, **check})
    return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))))
