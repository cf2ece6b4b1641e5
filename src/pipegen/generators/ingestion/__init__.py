"""The ingestion family: extract-load code.

Its code is in `generator.py` (and its siblings); its templates in `templates/ingestion/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="ingestion",
    description="extract-load code (dlt): SQL, REST API and file sources into the warehouse, contracts, dead letters",
    needs=(Kind.BATCH_EXTRACT, Kind.MASKED_LOAD),
    generator=Lazy("pipegen.generators.ingestion.generator"),
    judge=Judge(
        "dlt pipelines into DuckDB from SQLite, PostgreSQL, MariaDB, files and a REST API",
        ("tests/generators/test_ingestion_runs.py", "tests/generators/test_ingestion_servers.py"),
    ),
)
