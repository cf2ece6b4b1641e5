"""The Spark job's source, `spark/medallion.py`: one generated file (spark-submit, EMR Serverless,
Dataproc and the Databricks bundle ship one entry point), kept in templates/spark/medallion/ as
parts by meaning, each a module that lints alone. The job is the parts joined in order: the first
whole, each other from below its marker line (above it, only the imports its linting needs)."""

from __future__ import annotations

from pipegen.render.env import static

PARTS = ("job", "formats", "layers", "stream", "run")  # templates/spark/medallion/<part>.py, in order
MARKER = "# pipegen: spark/medallion.py continues below this line"


def joined(parts: list[str]) -> str:
    """The parts' texts as one module: the first whole, the others from the line after their
    marker line and the two blank lines that follow it."""
    out = parts[:1]
    for text in parts[1:]:
        _, found, rest = text.partition(MARKER)
        if not found:
            raise ValueError(f"a part of the Spark job has no marker line ({MARKER!r})")
        out.append(rest.split("\n", 1)[1].removeprefix("\n\n"))
    return "".join(out)


def job_source() -> str:
    """The generated `spark/medallion.py`."""
    return joined([static(f"spark/medallion/{part}.py") for part in PARTS])
