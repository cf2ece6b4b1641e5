"""IAM policy statements the AWS module's identities share: a statement, access to one of the module's
buckets, and to the spec's own buckets a workload writes or reads (by name from the tfvars'
`target_buckets`, common.target_buckets)."""

from __future__ import annotations

from pipegen.generators.terraform.common import target_buckets
from pipegen.generators.terraform.hcl import Attr, Block, Ref, Value, block
from pipegen.generators.terraform.model import Infra
from pipegen.plan.infra_findings import athena_queries_lake


def statement(sid: str, actions: list[str], resources: Value) -> Block:
    return block("statement", body=[Attr("sid", sid), Attr("actions", actions), Attr("resources", resources)])


def bucket_access(label: str, write: bool) -> list[Block]:
    """List the module's bucket `aws_s3_bucket.<label>`, read (and with `write` put and delete) its objects."""
    objects = ["s3:GetObject", *(["s3:PutObject", "s3:DeleteObject"] if write else [])]
    return [
        statement(f"List{label.title()}", ["s3:ListBucket"], [Ref(f"aws_s3_bucket.{label}.arn")]),
        statement(f"Objects{label.title()}", objects, [Ref(f'"${{aws_s3_bucket.{label}.arn}}/*"')]),
    ]


def target_access(inf: Infra, workload: str) -> list[Block]:
    """The spec's own buckets the workload writes (or reads), by name: the tfvars' `target_buckets`."""
    out: list[Block] = []
    granted = (t for t in target_buckets(inf, athena_queries_lake(inf.ctx.spec)) if t[0] == workload)
    for i, (_, target, write) in enumerate(granted):
        arn = f'"arn:aws:s3:::${{var.target_buckets["{target}"]}}'
        objects = ["s3:GetObject", *(["s3:PutObject", "s3:DeleteObject"] if write else [])]
        out += [statement(f"ListTarget{i}", ["s3:ListBucket"], [Ref(arn + '"')]),
                statement(f"ObjectsTarget{i}", objects, [Ref(arn + '/*"')])]  # fmt: skip
    return out
