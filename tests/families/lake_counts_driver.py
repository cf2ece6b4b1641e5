"""Runs inside the `batch` judge environment after a Lakehouse project's local run: the rows of
every bronze and silver table its pipeline/lake.json names, read with deltalake / pyiceberg
(the independent DuckDB reader judges the lake job itself: test_lake_tables.py). Prints
{"<layer>.<table>": rows or "missing"} as JSON. Usage: python lake_counts_driver.py PROJECT"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def rows(project: Path, target: dict, layer: str, table: str) -> int | str:
    path = project / "lake" / target["layers"][layer] / table
    if target["format"] == "delta":
        from deltalake import DeltaTable

        if not (path / "_delta_log").is_dir():
            return "missing"
        from pyarrow.fs import LocalFileSystem, SubTreeFileSystem

        # as pipeline/lake.py reads: pyarrow's own file system, one thread (deltalake's Python file handler
        # on pyarrow's I/O threads, or a threaded scan, aborts at exit now and then: apache/arrow#34314)
        dataset = DeltaTable(str(path)).to_pyarrow_dataset(filesystem=SubTreeFileSystem(str(path), LocalFileSystem()))
        return dataset.count_rows(use_threads=False)
    from pyiceberg.catalog import load_catalog

    catalog = load_catalog("lake", type="sql", uri=f"sqlite:///{project / 'lake' / target['catalog']}")
    ident = f"{target['namespaces'][layer]}.{table}"  # `<pipeline>_<layer>`, the production catalog's namespace
    if not catalog.table_exists(ident):
        return "missing"
    return catalog.load_table(ident).scan().to_arrow().num_rows


def main() -> None:
    project = Path(sys.argv[1])
    config = json.loads((project / "pipeline" / "lake.json").read_text())
    out = {}
    for target in config["targets"]:
        for table in config["tables"]:
            for layer in ("bronze", "silver"):
                if layer in target["layers"]:
                    out[f"{target['name']}:{layer}.{table['name']}"] = rows(project, target, layer, table["name"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
