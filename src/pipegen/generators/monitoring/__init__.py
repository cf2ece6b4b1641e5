"""The monitoring family: metrics, Prometheus rules, runbooks, Grafana dashboards.

Its code is in `generator.py` (and its siblings); its templates in `templates/monitoring/` and
the shared runtime module `templates/runtime/metrics.py`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="monitoring",
    description=(
        "metrics the local run writes (prometheus_client textfile), Prometheus recording rules and alerts "
        "(PrometheusRule on Kubernetes), a runbook per alert, Grafana dashboards "
        "(and Grafana, Prometheus over the local textfile, node_exporter in compose.yaml)"
    ),
    needs=(Kind.METRICS_ALERTS,),
    generator=Lazy("pipegen.generators.monitoring.generator"),
    judge=Judge(
        "promtool check rules / test rules (Debian prometheus), prometheus_client's parser, CRD schemas",
        ("tests/families/test_monitoring.py", "tests/families/test_local_run.py"),
    ),
)
