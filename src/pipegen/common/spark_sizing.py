"""How many Spark workers (executors) a run of the Spark job gets, from the plan's capacity
figures: ceil(stored bytes a day ÷ 32 GiB), between 1 and 8 (small ones; cheap by default).
Shared by the Databricks bundle's job clusters and the EMR / Dataproc submit requests."""

from __future__ import annotations

import math

from pipegen.plan.plan import Plan

GIB = 1024**3
GIB_PER_WORKER_RUN = 32  # stored bytes a day one small worker merges comfortably within a run
MAX_WORKERS = 8


def max_workers(plan: Plan) -> int:
    """ceil(stored bytes a day ÷ 32 GiB), between 1 and 8."""
    stored = sum(t.stored_bytes_per_day for t in plan.capacity.tables)
    return max(1, min(MAX_WORKERS, math.ceil(stored / (GIB_PER_WORKER_RUN * GIB))))
