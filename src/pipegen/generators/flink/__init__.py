"""The flink family: Flink SQL jobs.

Its code is in `generator.py` (and its siblings); its templates in `templates/flink/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="flink",
    description="Flink SQL jobs (window TVFs, top-N, lookups, alerts) and their FlinkDeployments",
    needs=(Kind.FLINK_JOBS,),
    generator=Lazy("pipegen.generators.flink.generator"),
    judge=Judge(
        "PyFlink: every statement planned (EXPLAIN), jobs run on a local mini-cluster",
        (
            "tests/judges/test_flink_jobs.py",
            "tests/judges/test_flink_e2e.py",
            "tests/judges/test_flink_quality.py",
            "tests/judges/test_flink_replay.py",
            "tests/judges/test_kappa_e2e.py",
            "tests/families/test_delta_relay.py",
        ),
    ),
)
