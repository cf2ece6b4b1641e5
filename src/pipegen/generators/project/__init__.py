"""The project family: the files every generated project shares.

Its code is in `generator.py` (and its siblings); its templates in `templates/project/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy

FAMILY = Declaration(
    tag="project",
    description="requirements.txt, .env.example, pipegen.mk (Makefile targets, local run), the spec's JSON Schema",
    always=True,
    generator=Lazy("pipegen.generators.project.generator"),
    judge=Judge(
        "the generated local run (python -m pipeline.run) and its Make targets",
        (
            "tests/families/test_local_run.py",
            "tests/generators/test_pipeline_package.py",
            "tests/generators/test_ci_workflow.py",
        ),
    ),
)
