"""serving family: Lambda serving views, one table per windowed stream job, `serving.<job>`,
merging the batch layer (windows recomputed from the landed events, up to the batch layer's
high-water mark) and the speed layer (the stream job's results past it): every window from one
layer, so no event is counted twice.

Writes `pipeline/serving.py` (templates/serving/serving.py, verbatim), `pipeline/serving.json`
(config.py) and `docs/serving.md`; contributes the local-run step `serving`, after dbt."""

from __future__ import annotations

from typing import Any

from pipegen.generators.base import Contribution, Files, GenContext, MakeTarget, RunResult, RunStep
from pipegen.generators.serving.config import serving_config
from pipegen.render.env import render, static
from pipegen.render.jsondoc import json_doc
from pipegen.safe import trusted

STEP = RunStep(45, "serving", "Lambda serving views: batch windows up to its high-water mark, speed windows past it",
               ("-m", "pipeline.serving"))  # fmt: skip


def docs_context(ctx: GenContext) -> dict[str, Any]:
    config = serving_config(ctx.spec, ctx.plan.names)
    return {
        "schema": trusted(config["schema"]),
        "served": [trusted(j["table"]) for j in config["jobs"]],
        "not_served": [(trusted(j["job"]), trusted(j["why"])) for j in config["not_served"]],
    }


def results(ctx: GenContext) -> tuple[RunResult, ...]:
    """The serving views the local run leaves in its warehouse, under the stream jobs' sink names."""
    config = serving_config(ctx.spec, ctx.plan.names)
    position = {job.name: i for i, job in enumerate(ctx.spec.transforms.streams)}
    where = "warehouse.duckdb"
    return tuple(RunResult(f"{config['schema']}.{j['table']}", where, f"transforms.streams[{position[j['job']]}]")
                 for j in config["jobs"])  # fmt: skip


class ServingGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        return Contribution(
            requirements=("duckdb==2.0.1",),
            run_steps=(STEP,),
            make_targets=(
                MakeTarget(
                    "serving", "rebuild the Lambda serving views", (("$(PROJECT_PYTHON)", "-m", "pipeline.serving"),)
                ),
            ),
            results=results(ctx),
        )  # fmt: skip

    def render(self, ctx: GenContext) -> Files:
        return {
            "pipeline/serving.py": static("serving/serving.py"),
            "pipeline/serving.json": json_doc(serving_config(ctx.spec, ctx.plan.names)) + "\n",
            "docs/serving.md": render("serving/serving.md.j2", docs_context(ctx)),
        }


GENERATOR = ServingGenerator()
