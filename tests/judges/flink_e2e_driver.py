"""Runs inside the flink judge env: the e-commerce stream jobs' local results (results.<job> in
the project's data/stream.duckdb) beside the DuckDB reference over the final table state
(tests/judges/stream_reference.py). Prints JSON {job: {"columns", "got", "want"}}.

    python flink_e2e_driver.py <project> <cdc dir> [<state.json>]

Without state.json the reference state is folded from the change files; with it (the kappa
judge), it is the source database's own final state.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb
from stream_reference import REFERENCE, UNCOMPARED, load_reference, states_from_changes


def plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value) if value is not None else None


def main() -> int:
    project, cdc = Path(sys.argv[1]), Path(sys.argv[2])
    config = json.loads((project / "pipeline" / "change_events.json").read_text())
    if len(sys.argv) > 3:  # the source's final state, read from the database: {table: [final, seen]}
        states = {k: (v[0], v[1]) for k, v in json.loads(Path(sys.argv[3]).read_text()).items()}
    else:
        states = states_from_changes(config, cdc)
    ref = load_reference(config, states)
    results = duckdb.connect(str(project / "data" / "stream.duckdb"), read_only=True)
    present = {
        r[0]
        for r in results.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'results'"
        ).fetchall()
    }
    out = {}
    for job, sql in REFERENCE.items():
        if job not in present:  # not run by this judge (each test asserts the jobs it ran are here)
            continue
        want_rel = ref.execute(sql)
        columns = [d[0] for d in want_rel.description]
        want = [[plain(v) for v in row] for row in want_rel.fetchall()]
        got = [
            [plain(v) for v in row]
            for row in results.execute(f'SELECT {", ".join(columns)} FROM results."{job}"').fetchall()
        ]
        apart = {
            column: [plain(row[0]) for row in results.execute(f'SELECT {column} FROM results."{job}"').fetchall()]
            for column in UNCOMPARED.get(job, ())
        }
        out[job] = {"columns": columns, "got": got, "want": want, "apart": apart}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
