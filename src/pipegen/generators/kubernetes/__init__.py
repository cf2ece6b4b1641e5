"""The kubernetes family: a kustomize base and one overlay per deployment environment.

Its code: `workloads.py` (what runs, sizes, traffic), `objects.py` (the manifests as data),
`generator.py` (the kustomizations, overlays and docs); its template in `templates/kubernetes/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="kubernetes",
    description=(
        "Kubernetes: a kustomize base (namespace, the orchestrator: a self-hosted Airflow 3 or Prefect's workers, "
        "ServiceAccounts linked to the Terraform identities, default-deny NetworkPolicies plus what each "
        "workload needs; the Strimzi, Debezium and Flink resources joined by reference) and an overlay per "
        "environment (image tag, config, requests and limits, replicas, the identity's value); "
        "non-root, read-only containers, secrets by reference"
    ),
    needs=(Kind.KUBERNETES_MANIFESTS,),
    generator=Lazy("pipegen.generators.kubernetes.generator"),
    judge=Judge(
        "kubectl kustomize (every overlay), kubernetes-validate --strict (1.31, 1.37), the operators' CRDs, "
        "enum checks, checkov --skip-download",
        ("tests/judges/test_kubernetes_family.py",),
    ),
)
