"""databricks family: where the plan's compute is Databricks, the Databricks Asset Bundle
`databricks.yml` (bundle.py) running what the plan puts there: the Spark job's medallion and
maintenance jobs, its continuous stream job, or a dbt job for a dbt batch engine. It names the
spark and dbt families' files by path (spark/medallion.py, dbt/), never imports them."""

from __future__ import annotations

from pipegen.generators.base import Contribution, Files, GenContext
from pipegen.generators.databricks.bundle import bundle
from pipegen.plan.components import Kind
from pipegen.render.yamldoc import yaml_doc


class DatabricksGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        return Contribution()

    def render(self, ctx: GenContext) -> Files:
        if Kind.DATABRICKS_JOBS not in ctx.plan.graph.kinds:
            return {}
        doc = bundle(ctx)
        return {"databricks.yml": yaml_doc(doc)} if doc["resources"]["jobs"] else {}


GENERATOR = DatabricksGenerator()
