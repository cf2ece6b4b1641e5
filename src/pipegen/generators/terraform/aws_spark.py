"""The Spark job's identity on AWS where it runs on EMR Serverless (the spark family's
`spark/emr-serverless/<step>.json`, whose `executionRoleArn` is `${EMR_EXECUTION_ROLE_ARN}`): an IAM role
EMR Serverless assumes for this account's job runs only (trust: emr-serverless.amazonaws.com, condition
aws:SourceAccount), its least-privilege policy, and its ARN as the output `emr_execution_role_arn` (each
root's too), the value the deploy step substitutes; `spark_lake_root` is PIPEGEN_LAKE_ROOT.

What the job touches (templates/spark/medallion.py): the lake root, the environment's lake bucket (its
layers, `_pipegen_batches`, the stream's `_checkpoints`), with the key; where an Iceberg target's catalog
is Glue, the target's own warehouse bucket (`target_buckets`, common.target_buckets) and the Glue
databases the job creates, one per layer (`<pipeline>_<layer>`, plan/cloudnames.py `lake_namespace`).
Where Spark streams: the environment's checkpoints bucket (`--checkpoint-root`, plan/cloudnames.py) and,
where its tables' topics are on the project's MSK cluster (IAM authentication only), that cluster: connect,
describe and read exactly the topics the job reads, describe and commit the consumer groups of its prefix
(`groupIdPrefix`, KafkaNames.spark_group). The spec secrets the job's code reads (common.spark_secrets: the
lake target's Iceberg catalog token, an Event Hubs login of the stream) are the role's to read, since no
`stream` role exists on AWS without Flink.

The EMR Serverless application the requests' `${EMR_APPLICATION_ID}` names (output `emr_application_id`):
SPARK on EMR_RELEASE, stopped when idle, its maximum capacity from the plan's Spark sizing (common/spark_sizing:
the requests' executors, a driver, two runs at once); where the stream reads MSK, in the brokers' subnets
with a security group of its own that may reach the brokers (9098) and HTTPS (S3, STS, Maven Central for
the stream's packages through the VPC's NAT or endpoints)."""

from __future__ import annotations

from pipegen.common.lake_catalog import sink_database
from pipegen.common.spark_sizing import max_workers
from pipegen.common.spark_stream import msk_iam
from pipegen.generators.terraform.aws_policy import bucket_access, statement, target_access
from pipegen.generators.terraform.common import (
    each_secret,
    lands,
    number_var,
    regex_var,
    secret_output,
    spark_secrets,
)
from pipegen.generators.terraform.hcl import Attr, Block, Comment, Ref, block, quote
from pipegen.generators.terraform.model import Infra, Output, Var
from pipegen.plan.cloudnames import CloudNames, lake_namespace
from pipegen.plan.components import Kind
from pipegen.plan.flink_changes import sink_target
from pipegen.plan.infra_findings import SPARK_JOBS
from pipegen.plan.names import ENV
from pipegen.spec.index import index_of
from pipegen.spec.model import Ingestion, LakeCatalog, Layer, Materialization, TargetType

# AWS runtime for Apache Spark emr-spark-8.0.0 (GA 2026-05-21, on EMR Serverless): Spark 4.0.2 on Scala 2.13,
# Iceberg 1.10.1, Python 3.11-3.13 (docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/
# release-version-emr-spark-8.0.0.html), the Spark major the job is judged on (pyspark 4.x) and the runtime the
# stream step's `${SPARK_KAFKA_PACKAGE}` (spark-sql-kafka-0-10_2.13:4.0.2) is written for (docs/families.md);
# the emr-7.x labels run Spark 3.5
EMR_RELEASE = "emr-spark-8.0.0"
EMR_IDLE_MINUTES = 15  # auto-stop after this long without a job run
# a run's workers as the requests size them (spark/submit.py): a driver of EMR Serverless' default size and
# executors of 2 vCPU with 4 GB heap (8 GB workers: the heap and its overhead); two runs at once (the stream
# and a batch step)
DRIVER_VCPU, DRIVER_GB, EXECUTOR_VCPU, EXECUTOR_GB, RUNS = 4, 16, 2, 8, 2
KAFKA_READ = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
KAFKA_GROUPS = ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]

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


# the workload whose identity runs the lake step (pipeline/lake.py) in the orchestrator's batch run, after ingest:
# the transform workload's, as it runs the quality step (common/kafka_clients.EVENTS_PUBLISHER)
LAKE_STEP_WORKLOAD = "transform"


def lake_step_layers(inf: Infra) -> tuple[str, ...]:
    """The Glue databases the lake step (the lakehouse family's pipeline/lake.py) creates and writes when deployed
    where an Iceberg target's `lake.catalog` is glue (lake.json's `production_catalog`): `<pipeline>_<layer>` for
    each layer it writes and the target keeps, bronze and silver, and gold where the `lake_gold` step publishes
    the marts (a non-ephemeral mart and dbt)."""
    ctx = inf.ctx
    if Kind.LAKE_TABLES not in ctx.plan.graph.kinds:
        return ()
    gold = "dbt" in ctx.families and any(m.materialized != Materialization.EPHEMERAL for m in ctx.spec.transforms.marts)
    written = (Layer.BRONZE, Layer.SILVER, *((Layer.GOLD,) if gold else ()))
    out: list[str] = []
    for t in ctx.spec.targets:
        if t.type == TargetType.ICEBERG and t.lake and t.lake.catalog == LakeCatalog.GLUE:
            kept = {loc.layer for loc in t.layers} or set(Layer)
            out += [str(lake_namespace(inf.spec_name, layer.value)) for layer in written if layer in kept]
    return tuple(dict.fromkeys(out))


def flink_glue_databases(inf: Infra) -> tuple[str, ...]:
    """The Glue databases the Flink jobs' Iceberg sinks write in where the sink's target has
    `lake.catalog: glue`: the naming layer's `<pipeline>_gold` (common/lake_catalog.sink_database,
    the one flink/connectors writes)."""
    spec = inf.ctx.spec
    if Kind.FLINK_JOBS not in inf.ctx.plan.graph.kinds:
        return ()
    glue = (t for t in (sink_target(spec, job) for job in spec.transforms.streams) if t is not None)
    if any(t.type == TargetType.ICEBERG and t.lake and t.lake.catalog == LakeCatalog.GLUE for t in glue):
        return (sink_database(spec.pipeline.name),)
    return ()


def glue_resources(databases: tuple[str, ...]) -> list[Ref]:
    """The catalog, each database and its tables."""
    tables = ((f"database/{db}", f"table/{db}/*") for db in databases)
    return [Ref(f'{GLUE}:catalog"'), *(Ref(f'{GLUE}:{arn}"') for pair in tables for arn in pair)]


def streams(inf: Infra) -> bool:
    return on_emr(inf) and Kind.SPARK_STREAMING in inf.ctx.plan.graph.kinds


def msk_topics(inf: Infra) -> tuple[str, ...]:
    """The topics the Spark stream reads on the project's MSK cluster (empty: it reads none there)."""
    if not (streams(inf) and inf.stream and msk_iam(inf.ctx.spec)):
        return ()
    names = inf.ctx.plan.names
    found = (names.dataset(ref.source.name, ref.dataset.name) for ref in index_of(inf.ctx.spec).tables
             if ref.source.ingestion != Ingestion.BATCH)  # fmt: skip
    return tuple(dict.fromkeys(str(ds.read_topic) for ds in found if ds.on_pipeline_cluster))


def msk_arn(kind: str, tail: str) -> Ref:
    """An ARN of the cluster's `kind` (topic, group): the cluster's ARN with `:cluster/` replaced, then `tail`."""
    return Ref(f'"${{replace(aws_msk_cluster.kafka.arn, ":cluster/", ":{kind}/")}}/{quote(tail)[1:-1]}"')


def kafka_access(inf: Infra) -> list[Block]:
    """Connect to the cluster, read its topics the job reads, use the consumer groups of its prefix."""
    topics = msk_topics(inf)
    if not topics or inf.ctx.plan.names.kafka is None:
        return []
    prefix = str(inf.ctx.plan.names.kafka.spark_group)
    return [statement("KafkaConnect", ["kafka-cluster:Connect"], [Ref("aws_msk_cluster.kafka.arn")]),
            statement("KafkaReadTopics", KAFKA_READ, [msk_arn("topic", t) for t in topics]),
            statement("KafkaGroups", KAFKA_GROUPS, [msk_arn("group", f"{prefix}*")])]  # fmt: skip


def policy(inf: Infra) -> list[Block]:
    key = statement("DataKey", ["kms:Decrypt", "kms:GenerateDataKey"], [Ref("aws_kms_key.data.arn")])
    # the lake (its layers, its bookkeeping) and, read only, the job's own files
    out = [*bucket_access("lake", write=True), *bucket_access("jobs", write=False), key, *target_access(inf, "spark")]
    out[4:4] = bucket_access("landing", write=False)  # the landed batches bronze reads (it moves none)
    if streams(inf):  # the stream's checkpoints: the environment's checkpoints bucket
        out += bucket_access("checkpoints", write=True)
    if databases := glue_layers(inf):
        out.append(statement("GlueLakeDatabases", GLUE_ACTIONS, glue_resources(databases)))
    if secrets := spark_secrets(inf):  # the spec secrets the job's code reads (no `stream` role reads them here)
        out.append(statement("ReadSecrets", ["secretsmanager:GetSecretValue"],
                             each_secret("aws_secretsmanager_secret.spec", secrets, "arn")))  # fmt: skip
    return [*out, *kafka_access(inf)]


def capacity(inf: Infra) -> tuple[int, int]:
    """The application's maximum vCPU and memory (GB): RUNS runs of a driver and the requests' executors."""
    executors = max_workers(inf.ctx.plan)
    return RUNS * (DRIVER_VCPU + executors * EXECUTOR_VCPU), RUNS * (DRIVER_GB + executors * EXECUTOR_GB)


def landing_bucket(inf: Infra) -> bool:
    """Terraform creates the landing bucket (PIPEGEN_LANDING_ROOT): the Spark job on EMR Serverless reads it
    (`--landing-root`), and so does the Databricks job cluster where extract-load lands batches (the bundle's
    `landing_root` names it: plan/cloudnames.py `landing_root`)."""
    return on_emr(inf) or lands(inf)


def variables(inf: Infra, bucket_re: str) -> tuple[Var, ...]:
    landing = (
        (
            regex_var(
                "landing_bucket",
                "S3 bucket the raw batches land in (PIPEGEN_LANDING_ROOT): extract-load "
                "writes it, the Spark job reads it.",
                bucket_re,
                "landing_bucket: 3-63 lowercase letters, digits, . and -.",
            ),
        )
        if landing_bucket(inf)
        else ()
    )
    if not on_emr(inf):
        return landing
    return (
        regex_var("jobs_bucket", "S3 bucket of the Spark job's files (PIPEGEN_JOB_ROOT): never expired.", bucket_re,
                  "jobs_bucket: 3-63 lowercase letters, digits, . and -."),
        *landing,
        regex_var("spark_role", "IAM role name of the Spark job's EMR Serverless runs.", "^[A-Za-z0-9+=,.@_-]{1,64}$",
                  "spark_role: an IAM role name of at most 64 characters."),
        number_var("emr_max_vcpu", "EMR Serverless application's maximum vCPU (all its runs together).", 1, 4000),
        number_var("emr_max_memory_gb", "EMR Serverless application's maximum memory, GB.", 2, 24000),
    )  # fmt: skip


def values(inf: Infra, names: CloudNames) -> list[tuple[str, int | str]]:
    landing: list[tuple[str, int | str]] = [("landing_bucket", str(names.bucket("landing")))]
    if not on_emr(inf):
        return landing if landing_bucket(inf) else []
    vcpu, memory = capacity(inf)
    return [("jobs_bucket", str(names.bucket("jobs"))), *landing, ("spark_role", str(names.identity("spark"))),
            ("emr_max_vcpu", vcpu), ("emr_max_memory_gb", memory)]  # fmt: skip


# checkov's graph links a security group to EC2/ENI-like resources only, not to an EMR Serverless application's
# network_configuration, which is where this group is attached
SG_SKIP = ("CKV2_AWS_5", "attached by aws_emrserverless_application.spark's network_configuration")


def network(inf: Infra) -> tuple[Block, ...]:
    """The application's security group where the stream reads MSK: the brokers' IAM port and HTTPS out."""
    if not msk_topics(inf):
        return ()
    group = Ref("aws_security_group.spark.id")
    return (
        block("resource", "aws_security_group", "spark", body=[
            Comment(f"checkov:skip={SG_SKIP[0]}: {SG_SKIP[1]}"),
            Attr("name", Ref('"${var.name_prefix}-spark"')),
            Attr("description", "EMR Serverless Spark job runs: MSK over IAM and HTTPS out"),
            Attr("vpc_id", Ref("var.vpc_id")), Attr("tags", Ref("var.tags"))]),
        block("resource", "aws_vpc_security_group_egress_rule", "spark_kafka", body=[
            Attr("security_group_id", group), Attr("description", "Kafka over TLS with IAM authentication"),
            Attr("referenced_security_group_id", Ref("aws_security_group.kafka.id")),
            Attr("ip_protocol", "tcp"), Attr("from_port", 9098), Attr("to_port", 9098)]),
        block("resource", "aws_vpc_security_group_egress_rule", "spark_https", body=[
            Attr("security_group_id", group),
            Attr("description", "HTTPS: S3, STS, KMS and Maven Central (the stream's packages)"),
            Attr("cidr_ipv4", "0.0.0.0/0"), Attr("ip_protocol", "tcp"), Attr("from_port", 443), Attr("to_port", 443)]),
        block("resource", "aws_vpc_security_group_ingress_rule", "kafka_spark", body=[
            Attr("security_group_id", Ref("aws_security_group.kafka.id")),
            Attr("description", "Kafka over TLS with IAM authentication, from the Spark job's runs"),
            Attr("referenced_security_group_id", group),
            Attr("ip_protocol", "tcp"), Attr("from_port", 9098), Attr("to_port", 9098)]),
    )  # fmt: skip


def application(inf: Infra) -> tuple[Block, ...]:
    """The EMR Serverless application every request runs in."""
    if not on_emr(inf):
        return ()
    vpc = block(
        "network_configuration",
        body=[
            Attr("subnet_ids", Ref("var.subnet_ids")),
            Attr("security_group_ids", [Ref("aws_security_group.spark.id")]),
        ],
    )
    return (
        *network(inf),
        block("resource", "aws_emrserverless_application", "spark", body=[
            Attr("name", Ref('"${var.name_prefix}-spark"')), Attr("release_label", EMR_RELEASE),
            Attr("type", "spark"), Attr("tags", Ref("var.tags")),
            block("auto_start_configuration", body=[Attr("enabled", True)]),
            block("auto_stop_configuration", body=[Attr("enabled", True),
                                                   Attr("idle_timeout_minutes", EMR_IDLE_MINUTES)]),
            block("maximum_capacity", body=[Attr("cpu", Ref('"${var.emr_max_vcpu} vCPU"')),
                                            Attr("memory", Ref('"${var.emr_max_memory_gb} GB"'))]),
            vpc if msk_topics(inf) else None]),
    )  # fmt: skip


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


def landing_output(inf: Infra) -> tuple[Output, ...]:
    """`spark_landing_root` (PIPEGEN_LANDING_ROOT of extract-load, the EMR requests' `--landing-root`, the
    Databricks bundle's `landing_root`) where Terraform creates the landing bucket."""
    if not landing_bucket(inf):
        return ()
    reader = "the Spark job's execution role reads" if on_emr(inf) else "the Databricks job cluster reads"
    writer = "extract-load writes and " if lands(inf) else ""
    return (
        Output(
            "spark_landing_root",
            '"s3://${aws_s3_bucket.landing.bucket}"',
            f"Where the raw batches land (PIPEGEN_LANDING_ROOT): the landing bucket {writer}{reader}.",
        ),
    )


def outputs(inf: Infra) -> tuple[Output, ...]:
    if not on_emr(inf):
        return landing_output(inf)
    return (
        Output("emr_application_id", "aws_emrserverless_application.spark.id",
               "The EMR Serverless application of the Spark job: EMR_APPLICATION_ID of spark/emr-serverless/*.json."),
        Output("emr_execution_role_arn", "aws_iam_role.spark.arn",
               "The Spark job's EMR Serverless execution role: EMR_EXECUTION_ROLE_ARN of spark/emr-serverless/*.json."),
        Output("spark_lake_root", '"s3://${aws_s3_bucket.lake.bucket}"',
               "The Spark job's lake root (PIPEGEN_LAKE_ROOT): the lake bucket its execution role writes."),
        Output("spark_job_root", '"s3://${aws_s3_bucket.jobs.bucket}"',
               "Where the Spark job's files go (PIPEGEN_JOB_ROOT): the jobs bucket its execution role reads."),
        *landing_output(inf),
        *secret_outputs(inf),
    )  # fmt: skip


def landing_writers(inf: Infra) -> tuple[str, ...]:
    """The workloads that land raw batches in the landing bucket: extract-load (`ingest`) where it lands any
    (plan/spark_landing.py; the batch pod's identity holds the same grant: common/workload_identity.py)."""
    return ("ingest",) if landing_bucket(inf) and lands(inf) else ()


def secret_outputs(inf: Infra) -> tuple[Output, ...]:
    """Each spec secret the job reads: its Secrets Manager entry's name, which the requests'
    `EMR.secret@${PIPEGEN_SECRET_<NAME>_ID}` takes (the docs' export lines); a name, not a value."""
    return tuple(
        Output(secret_output(s), f"aws_secretsmanager_secret.spec[{quote(s)}].name",
               f"Secrets Manager entry of {s}: {ENV.secret_id(s)} of spark/emr-serverless/*.json.")
        for s in spark_secrets(inf)
    )  # fmt: skip
