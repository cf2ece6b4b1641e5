"""The lineage family: OpenLineage run events of every step of the pipeline.

Its code is in `generator.py` and `jobs.py`; its templates in `templates/lineage/` and the shared
runtime module `templates/runtime/lineage.py`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy

FAMILY = Declaration(
    tag="lineage",
    description=(
        "OpenLineage run events (START, COMPLETE, FAIL) of every step with its input and output tables "
        "(openlineage-python): a file locally, a file or an HTTP backend (Marquez) in production"
    ),
    always=True,
    generator=Lazy("pipegen.generators.lineage.generator"),
    judge=Judge(
        "the OpenLineage JSON Schema and facet schemas (../shared/schemas/openlineage), every $ref resolved locally",
        ("tests/families/test_lineage.py", "tests/families/test_local_run.py"),
    ),
)
