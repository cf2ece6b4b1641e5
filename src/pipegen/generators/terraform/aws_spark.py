"""The Spark job's identity on AWS where it runs on EMR Serverless (the spark family's
`spark/emr-serverless/<step>.json`, whose `executionRoleArn` is `${EMR_EXECUTION_ROLE_ARN}`): an IAM role
EMR Serverless assumes for this account's job runs only (trust: emr-serverless.amazonaws.com, condition
aws:SourceAccount), its least-privilege policy, and its ARN as the output `emr_execution_role_arn` (each
root's too), the value the deploy step substitutes; `spark_lake_root` is PIPEGEN_LAKE_ROOT.

What the job touches (templates/spark/medallion.py): the lake root, the environment's lake bucket (its
layers, `_pipegen_batches`, the stream's `_checkpoints`), with the key; where an Iceberg target's catalog
is Glue, the target's own warehouse bucket (`target_buckets`, common.target_buckets) and the Glue
databases the job creates, one per layer (`<pipeline>_<layer>`, plan/cloudnames.py `lake_namespace`)."""

from __future__ import annotations

from pipegen.generators.terraform.aws_policy import bucket_access, statement, target_access
from pipegen.generators.terraform.hcl import Attr, Block, Ref, block
from pipegen.generators.terraform.model import Infra, Output
from pipegen.plan.cloudnames import lake_namespace
from pipegen.plan.components import Kind
from pipegen.plan.infra_findings import SPARK_JOBS
from pipegen.spec.model import LakeCatalog, Layer, TargetType

GLUE = '"arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}'
# what Iceberg's GlueCatalog calls for CREATE NAMESPACE IF NOT EXISTS, create, append and replace
GLUE_ACTIONS = ["glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable",
                "glue:UpdateTable"]  # fmt: skip


def on_emr(inf: Infra) -> bool:
    """The Spark job runs and not on Databricks: the spark family writes EMR Serverless requests."""
    kinds = inf.ctx.plan.graph.kinds
    return bool(kinds & SPARK_JOBS) and Kind.DATABRICKS_JOBS not in kinds


def glue_layers(inf: Infra) -> tuple[str, ...]:
    """The Glue databases the Spark job registers an Iceberg target's tables in where its `lake.catalog`
    is glue: one namespace per layer it builds (`lake.<pipeline>_<layer>.<table>`, spark/medallion.json)."""
    out: list[str] = []
    if not inf.ctx.plan.graph.kinds & SPARK_JOBS:  # the lake job's pyiceberg catalog is its own
        return ()
    for t in inf.ctx.spec.targets:
        if t.type == TargetType.ICEBERG and t.lake and t.lake.catalog == LakeCatalog.GLUE:
            listed = [loc.layer.value for loc in t.layers] or [layer.value for layer in Layer]
            out += [str(lake_namespace(inf.spec_name, layer)) for layer in listed]
    return tuple(dict.fromkeys(out))


def glue_resources(databases: tuple[str, ...]) -> list[Ref]:
    """The catalog, each database and its tables."""
    tables = ((f"database/{db}", f"table/{db}/*") for db in databases)
    return [Ref(f'{GLUE}:catalog"'), *(Ref(f'{GLUE}:{arn}"') for pair in tables for arn in pair)]


def policy(inf: Infra) -> list[Block]:
    key = statement("DataKey", ["kms:Decrypt", "kms:GenerateDataKey"], [Ref("aws_kms_key.data.arn")])
    out = [*bucket_access("lake", write=True), key, *target_access(inf, "spark")]
    if databases := glue_layers(inf):
        out.append(statement("GlueLakeDatabases", GLUE_ACTIONS, glue_resources(databases)))
    return out


def iam(inf: Infra) -> tuple[Block, ...]:
    if not on_emr(inf):
        return ()
    trust = block("statement", body=[
        Attr("actions", ["sts:AssumeRole"]),
        block("principals", body=[Attr("type", "Service"), Attr("identifiers", ["emr-serverless.amazonaws.com"])]),
        block("condition", body=[Attr("test", "StringEquals"), Attr("variable", "aws:SourceAccount"),
                                 Attr("values", [Ref("data.aws_caller_identity.current.account_id")])]),
    ])  # fmt: skip
    return (
        block("data", "aws_iam_policy_document", "emr_serverless", body=[trust]),
        block("resource", "aws_iam_role", "spark", body=[
            Attr("name", Ref("var.spark_role")),
            Attr("description", Ref('"${var.name_prefix}: the Spark job\'s EMR Serverless execution role"')),
            Attr("assume_role_policy", Ref("data.aws_iam_policy_document.emr_serverless.json")),
            Attr("tags", Ref("var.tags"))]),
        block("data", "aws_iam_policy_document", "spark", body=policy(inf)),
        block("resource", "aws_iam_policy", "spark", body=[
            Attr("name", Ref('"${var.spark_role}-access"')),
            Attr("policy", Ref("data.aws_iam_policy_document.spark.json")), Attr("tags", Ref("var.tags"))]),
        block("resource", "aws_iam_role_policy_attachment", "spark", body=[
            Attr("role", Ref("aws_iam_role.spark.name")), Attr("policy_arn", Ref("aws_iam_policy.spark.arn"))]),
    )  # fmt: skip


def outputs(inf: Infra) -> tuple[Output, ...]:
    if not on_emr(inf):
        return ()
    return (
        Output("emr_execution_role_arn", "aws_iam_role.spark.arn",
               "The Spark job's EMR Serverless execution role: EMR_EXECUTION_ROLE_ARN of spark/emr-serverless/*.json."),
        Output("spark_lake_root", '"s3://${aws_s3_bucket.lake.bucket}"',
               "The Spark job's lake root (PIPEGEN_LAKE_ROOT): the lake bucket its execution role writes."),
    )  # fmt: skip
