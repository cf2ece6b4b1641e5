"""The docs family: the project's architecture and capacity documentation, and its operations guide.

Its code is in `generator.py` (and its siblings); its templates in `templates/docs/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy

FAMILY = Declaration(
    tag="docs",
    description="architecture and capacity documentation, the operations guide",
    always=True,
    generator=Lazy("pipegen.generators.docs.generator"),
    judge=Judge(
        "Mermaid and SVG edges checked against the plan's data flow; Markdown tables; the operations guide's commands",
        ("tests/generators/test_docs_family.py", "tests/generators/test_operations_guide.py"),
    ),
)
