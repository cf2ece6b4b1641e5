"""The terraform family: cloud infrastructure per environment.

Its code is in `generator.py` (the layout) and one module per cloud (`aws.py`, `azure.py`,
`gcp.py`); the HCL writer in `hcl.py`; its template in `templates/terraform/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="terraform",
    description=(
        "Terraform per cloud (AWS, Azure, GCP): a platform module and one root per environment with tfvars, "
        "pinned provider, remote state; encrypted private storage with lifecycle tiers, the stream service, "
        "secret store entries, one least-privilege identity per workload (federated with its Kubernetes "
        "ServiceAccount), the warehouse's datasets (BigQuery) or a query catalog (Glue/Athena), the monitoring "
        "alerts as CloudWatch alarms (AWS), Cloud Monitoring alert policies (GCP) or an Azure Monitor Prometheus "
        "rule group with an action group (Azure), a cost estimate"
    ),
    needs=(Kind.CLOUD_INFRASTRUCTURE,),
    generator=Lazy("pipegen.generators.terraform.generator"),
    judge=Judge(
        "python-hcl2 parse, provider-schema check (CDKTF .jsii), checkov --skip-download, terraform fmt -check",
        ("tests/judges/test_terraform.py", "tests/judges/test_delta_loader_identity.py"),
    ),
)
