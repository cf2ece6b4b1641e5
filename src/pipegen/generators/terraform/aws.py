"""AWS (provider v6): S3 with KMS, public access blocked, versioning and lifecycle tiers as the
separate lifecycle resource; MSK with IAM auth where the plan has Kafka topics; Secrets Manager
entries for every spec secret; one IAM role per workload (EKS Pod Identity) with least privilege, and the
kubernetes family's batch pod's role holding its steps' policies, associated with its ServiceAccount
(common/workload_identity.py)."""

from __future__ import annotations

from pipegen.common.kafka_clients import EVENTS_PUBLISHER, managed_events_publisher, managed_topic_reads
from pipegen.generators.terraform import aws_generators
from pipegen.generators.terraform.alerts import emails_var
from pipegen.generators.terraform.aws_alarms import alarms, alert_emails
from pipegen.generators.terraform.aws_catalog import catalog_tables
from pipegen.generators.terraform.aws_policy import bucket_access, statement, target_access
from pipegen.generators.terraform.aws_spark import (
    GLUE_ACTIONS,
    KAFKA_GROUPS,
    KAFKA_READ,
    LAKE_STEP_WORKLOAD,
    application,
    flink_glue_databases,
    glue_layers,
    glue_resources,
    lake_step_layers,
    landing_bucket,
    landing_writers,
    msk_arn,
    msk_topics,
    on_emr,
)
from pipegen.generators.terraform.aws_spark import iam as spark_iam
from pipegen.generators.terraform.aws_spark import outputs as spark_outputs
from pipegen.generators.terraform.aws_spark import values as spark_values
from pipegen.generators.terraform.aws_spark import variables as spark_variables
from pipegen.generators.terraform.common import (
    each_secret,
    identity_names,
    k8s_values,
    k8s_vars,
    names_map_var,
    number_var,
    own_workloads,
    pods,
    prefix_var,
    regex_var,
    retention_var,
    secret_readers,
    spark_secrets,
    tags_var,
    target_bucket_names,
    target_buckets,
    target_buckets_var,
    tier_days,
)
from pipegen.generators.terraform.hcl import Attr, Block, Comment, Item, Ref, Value, block
from pipegen.generators.terraform.model import CloudModule, Cost, EnvPlan, Infra, Output, Var
from pipegen.plan.cloudnames import CloudNames
from pipegen.plan.envsizes import env_sizes, replication
from pipegen.plan.infra_findings import athena_queries_lake

REGION = "eu-central-1"
PROVIDER_VERSION = "~> 6.25"
KAFKA_VERSION = "3.9.x"
KAFKA_PUBLISH = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]  # a producer of one topic
BUCKET_RE = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
# monthly list prices (USD) assumed for the estimate
PRICES = {"s3_standard": 0.0245, "s3_ia": 0.0135, "s3_glacier_ir": 0.005, "kms_key": 1.0, "secret": 0.40,
          "kafka.t3.small": 0.0496 * 730, "kafka.m7g.large": 0.2226 * 730, "msk_storage": 0.119,
          "alarm_metric": 0.10, "athena_tb": 5.0}  # fmt: skip
QUERY_RESULTS_DAYS = 30  # Athena's result files are kept this long
GLUE_RE = "^[a-z0-9_]{1,255}$"
SKIPS = (
    ("CKV_AWS_18", "access logging needs a separate log bucket per environment; CloudTrail data events are the "
                   "account-wide alternative"),
    ("CKV_AWS_144", "cross-region replication doubles the storage cost; the lake is rebuilt from its sources"),
    ("CKV2_AWS_62", "no consumer of S3 event notifications: the orchestrator schedules the loads"),
    ("CKV2_AWS_57", "the secrets hold credentials of the spec's own systems, rotated by their owners"),
)  # fmt: skip
# skipped in the key policy only (an inline `checkov:skip` comment there), never for the workloads' policies
KEY_POLICY_SKIPS = (
    ("CKV_AWS_109", "a KMS key policy's `*` resource is the key itself; the account root administers it"),
    ("CKV_AWS_111", "as CKV_AWS_109: the key policy governs this key only"),
    ("CKV_AWS_356", "as CKV_AWS_109: `*` in a key policy means this key"),
)


def _v(name: str) -> Ref:
    return Ref(f"var.{name}")


def variables(inf: Infra) -> tuple[Var, ...]:
    out = [
        prefix_var(),
        regex_var("region", "AWS region.", "^[a-z]{2}(-[a-z]+)+-[0-9]$", "region: an AWS region such as eu-central-1."),
        tags_var(128, 256),
        regex_var("lake_bucket", "S3 bucket of the lake.", BUCKET_RE,
                  "lake_bucket: 3-63 lowercase letters, digits, . and -."),
        retention_var(),
        names_map_var("workload_roles", "IAM role name per workload.", "^[A-Za-z0-9+=,.@_-]{1,64}$",
                      "workload_roles: IAM role names of at most 64 characters."),
        names_map_var("secret_names", "Secrets Manager name per spec secret.", "^[A-Za-z0-9/_+=.@-]{1,512}$",
                      "secret_names: Secrets Manager names (letters, digits, /_+=.@-)."),
    ]  # fmt: skip
    out += spark_variables(inf, BUCKET_RE)
    if pods(inf):
        out += [regex_var("eks_cluster_name", "The EKS cluster the workloads run in (Pod Identity Agent add-on on).",
                          "^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$",
                          "eks_cluster_name: 1-100 letters, digits, - and _, starting with a letter or digit."),
                *k8s_vars(inf)]  # fmt: skip
    if inf.stream_jobs:
        out.append(regex_var("checkpoints_bucket", "S3 bucket of the stream jobs' checkpoints.", BUCKET_RE,
                             "checkpoints_bucket: 3-63 lowercase letters, digits, . and -."))  # fmt: skip
    if target_buckets(inf):
        out.append(target_buckets_var(BUCKET_RE, "target_buckets: 3-63 lowercase letters, digits, . and -."))
    if athena(inf):
        out += [
            regex_var("query_results_bucket", "S3 bucket of Athena's query results.", BUCKET_RE,
                      "query_results_bucket: 3-63 lowercase letters, digits, . and -."),
            regex_var("glue_database", "Glue Data Catalog database of the lake's tables.", GLUE_RE,
                      "glue_database: at most 255 lowercase letters, digits and _."),
        ]  # fmt: skip
    if alarms(inf)[0] and alert_emails(inf):
        out.append(emails_var("Addresses the alarms' SNS topic mails (on_failure emails)."))
    if inf.stream:
        out += [
            regex_var("kafka_cluster_name", "MSK cluster name.", "^[a-zA-Z][a-zA-Z0-9-]{0,63}$",
                      "kafka_cluster_name: at most 64 letters, digits and hyphens, starting with a letter."),
            number_var("kafka_brokers", "MSK broker count (a multiple of the subnets).", 2, 30),
            regex_var("kafka_instance_type", "MSK broker instance type.", "^kafka\\.[a-z0-9]+\\.[a-z0-9]+$",
                      "kafka_instance_type: an MSK instance type such as kafka.m7g.large."),
            number_var("kafka_volume_gib", "EBS storage per broker, GiB.", 1, 16384),
            regex_var("vpc_id", "The VPC of the brokers.", "^vpc-[0-9a-f]+$", "vpc_id: a VPC id (vpc-...)."),
            Var("subnet_ids", "list(string)", "Private subnets of the brokers, one per availability zone (2 or 3).",
                (("length(var.subnet_ids) >= 2 && length(var.subnet_ids) <= 3", "subnet_ids: 2 or 3 subnets."),)),
        ]  # fmt: skip
    out += aws_generators.variables(inf)
    return tuple(out)


def _tags() -> Attr:
    return Attr("tags", _v("tags"))


ACCOUNT_ROOT = Ref('"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"')
LOGS_SERVICE = Ref('"logs.${var.region}.amazonaws.com"')


def athena(inf: Infra) -> bool:
    """The lake is on S3 (a lake or files target) and no target serves SQL: Athena queries it."""
    return athena_queries_lake(inf.ctx.spec)


def kms(alarms: bool) -> tuple[Block, ...]:
    root = block("statement", body=[
        Attr("sid", "AccountAdministers"), Attr("actions", ["kms:*"]), Attr("resources", ["*"]),
        block("principals", body=[Attr("type", "AWS"), Attr("identifiers", [ACCOUNT_ROOT])]),
    ])  # fmt: skip
    logs = block("statement", body=[
        Attr("sid", "CloudWatchLogsEncrypt"),
        Attr("actions", ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]),
        Attr("resources", ["*"]),
        block("principals", body=[Attr("type", "Service"), Attr("identifiers", [LOGS_SERVICE])]),
    ])  # fmt: skip
    alarm = block("statement", body=[
        Attr("sid", "CloudWatchAlarmsNotify"), Attr("actions", ["kms:Decrypt", "kms:GenerateDataKey*"]),
        Attr("resources", ["*"]),
        block("principals", body=[Attr("type", "Service"), Attr("identifiers", ["cloudwatch.amazonaws.com"])]),
    ]) if alarms else None  # fmt: skip
    return (
        block("data", "aws_caller_identity", "current"),
        block("data", "aws_iam_policy_document", "key",
              body=[*(Comment(f"checkov:skip={c}: {r}") for c, r in KEY_POLICY_SKIPS), root, logs, alarm]),
        block("resource", "aws_kms_key", "data", body=[
            Attr("description", Ref('"${var.name_prefix}: lake, secrets, stream and logs"')),
            Attr("enable_key_rotation", True), Attr("deletion_window_in_days", 30),
            Attr("policy", Ref("data.aws_iam_policy_document.key.json")), _tags(),
        ]),
        block("resource", "aws_kms_alias", "data", body=[
            Attr("name", Ref('"alias/${var.name_prefix}-key"')), Attr("target_key_id", Ref("aws_kms_key.data.key_id")),
        ]),
    )  # fmt: skip


def bucket(label: str, var: str, retention: int | None, expire_days: int | None = None) -> tuple[Block, ...]:
    """A private, KMS-encrypted, versioned bucket; `retention`: tiered and expired after it (None: never);
    `expire_days`: objects expired after that many days, untiered (Athena's query results)."""
    ref = Ref(f"aws_s3_bucket.{label}.id")
    rule: list[Item | None] = [Attr("id", "tiers" if retention else "housekeeping"), Attr("status", "Enabled"),
                               block("filter")]  # fmt: skip
    if retention:
        warm, cold = tier_days(retention)
        for days, cls in ((warm, "STANDARD_IA"), (cold, "GLACIER_IR")):
            if days:
                rule.append(block("transition", body=[Attr("days", days), Attr("storage_class", cls)]))
        rule.append(block("expiration", body=[Attr("days", _v("retention_days"))]))
    elif expire_days:
        rule.append(block("expiration", body=[Attr("days", expire_days)]))
    rule += [
        block("noncurrent_version_expiration", body=[Attr("noncurrent_days", 30)]),
        block("abort_incomplete_multipart_upload", body=[Attr("days_after_initiation", 7)]),
    ]
    return (
        block("resource", "aws_s3_bucket", label, body=[Attr("bucket", _v(var)), _tags()]),
        block("resource", "aws_s3_bucket_ownership_controls", label, body=[
            Attr("bucket", ref), block("rule", body=[Attr("object_ownership", "BucketOwnerEnforced")])]),
        block("resource", "aws_s3_bucket_public_access_block", label, body=[
            Attr("bucket", ref), Attr("block_public_acls", True), Attr("block_public_policy", True),
            Attr("ignore_public_acls", True), Attr("restrict_public_buckets", True)]),
        block("resource", "aws_s3_bucket_versioning", label, body=[
            Attr("bucket", ref), block("versioning_configuration", body=[Attr("status", "Enabled")])]),
        block("resource", "aws_s3_bucket_server_side_encryption_configuration", label, body=[
            Attr("bucket", ref),
            block("rule", body=[
                block("apply_server_side_encryption_by_default", body=[
                    Attr("sse_algorithm", "aws:kms"), Attr("kms_master_key_id", Ref("aws_kms_key.data.arn"))]),
                Attr("bucket_key_enabled", True)])]),
        block("resource", "aws_s3_bucket_lifecycle_configuration", label, body=[
            Attr("bucket", ref), Attr("depends_on", [Ref(f"aws_s3_bucket_versioning.{label}")]),
            block("rule", body=rule)]),
    )  # fmt: skip


def secrets(inf: Infra) -> tuple[Block, ...]:
    if not inf.secrets:
        return ()
    return (
        block("resource", "aws_secretsmanager_secret", "spec", body=[
            Attr("for_each", _v("secret_names")), Attr("name", Ref("each.value")),
            Attr("description", Ref('"${var.name_prefix}: ${each.key} (value set outside Terraform)"')),
            Attr("kms_key_id", Ref("aws_kms_key.data.arn")), Attr("recovery_window_in_days", 7), _tags()]),
    )  # fmt: skip


def catalog(inf: Infra) -> tuple[Block, ...]:
    """The Glue database the lake's tables are registered in (aws_catalog.py: a table each) and the Athena
    workgroup that queries them, its results encrypted with the key in their own bucket (expired after
    QUERY_RESULTS_DAYS)."""
    results = Ref('"s3://${aws_s3_bucket.query_results.bucket}/results/"')
    return (
        *bucket("query_results", "query_results_bucket", None, QUERY_RESULTS_DAYS),
        block("resource", "aws_glue_catalog_database", "lake", body=[
            Attr("name", _v("glue_database")),
            Attr("description", Ref('"${var.name_prefix}: the lake\'s tables, queried with Athena"')),
            Attr("location_uri", Ref('"s3://${aws_s3_bucket.lake.bucket}/"')), _tags()]),
        block("resource", "aws_athena_workgroup", "lake", body=[
            Attr("name", _v("name_prefix")), Attr("description", "Queries over the lake (Glue catalog)"),
            Attr("force_destroy", True), _tags(),
            block("configuration", body=[
                Attr("enforce_workgroup_configuration", True), Attr("publish_cloudwatch_metrics_enabled", True),
                block("result_configuration", body=[
                    Attr("output_location", results),
                    block("encryption_configuration", body=[
                        Attr("encryption_option", "SSE_KMS"), Attr("kms_key_arn", Ref("aws_kms_key.data.arn"))])])])]),
        *catalog_tables(inf),
    )  # fmt: skip


def stream() -> tuple[Block, ...]:
    return (
        block("resource", "aws_security_group", "kafka", body=[
            Attr("name", Ref('"${var.name_prefix}-kafka"')),
            Attr("description", "MSK brokers: reachable by the workloads that carry this group"),
            Attr("vpc_id", _v("vpc_id")), _tags()]),
        block("resource", "aws_vpc_security_group_ingress_rule", "kafka_iam", body=[
            Attr("security_group_id", Ref("aws_security_group.kafka.id")),
            Attr("description", "Kafka over TLS with IAM authentication, from members of this group"),
            Attr("referenced_security_group_id", Ref("aws_security_group.kafka.id")),
            Attr("ip_protocol", "tcp"), Attr("from_port", 9098), Attr("to_port", 9098)]),
        block("resource", "aws_cloudwatch_log_group", "kafka", body=[
            Attr("name", Ref('"/aws/msk/${var.name_prefix}"')), Attr("retention_in_days", 365),
            Attr("kms_key_id", Ref("aws_kms_key.data.arn")), _tags()]),
        block("resource", "aws_msk_cluster", "kafka", body=[
            Attr("cluster_name", _v("kafka_cluster_name")), Attr("kafka_version", KAFKA_VERSION),
            Attr("number_of_broker_nodes", _v("kafka_brokers")), _tags(),
            block("broker_node_group_info", body=[
                Attr("instance_type", _v("kafka_instance_type")), Attr("client_subnets", _v("subnet_ids")),
                Attr("security_groups", [Ref("aws_security_group.kafka.id")]),
                block("storage_info", body=[
                    block("ebs_storage_info", body=[Attr("volume_size", _v("kafka_volume_gib"))])])]),
            block("encryption_info", body=[
                Attr("encryption_at_rest_kms_key_arn", Ref("aws_kms_key.data.arn")),
                block("encryption_in_transit", body=[Attr("client_broker", "TLS"), Attr("in_cluster", True)])]),
            block("client_authentication", body=[
                Attr("unauthenticated", False), block("sasl", body=[Attr("iam", True)])]),
            block("logging_info", body=[block("broker_logs", body=[block("cloudwatch_logs", body=[
                Attr("enabled", True), Attr("log_group", Ref("aws_cloudwatch_log_group.kafka.name"))])])]),
        ]),
    )  # fmt: skip


def _catalog_access(inf: Infra) -> list[Block]:
    glue = '"arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}'
    layers = tuple(dict.fromkeys((*glue_layers(inf), *lake_step_layers(inf))))  # the Spark job's, the lake step's
    readable = [statement("GlueLakeLayers", ["glue:GetDatabase", "glue:GetTable", "glue:GetTables",
                                           "glue:GetPartition", "glue:GetPartitions"],
                        [Ref(f'{glue}:catalog"'),
                         *(Ref(f'{glue}:{kind}/{layer}{tail}"') for layer in layers
                           for kind, tail in (("database", ""), ("table", "/*")))])] if layers else []  # fmt: skip
    return [
        *readable,
        statement("AthenaQueries", ["athena:StartQueryExecution", "athena:GetQueryExecution",
                                     "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"],
                   [Ref("aws_athena_workgroup.lake.arn")]),
        statement("GlueTables", ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition",
                                  "glue:GetPartitions", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable",
                                  "glue:BatchCreatePartition", "glue:BatchDeletePartition"],
                   [Ref(f'{glue}:catalog"'), Ref("aws_glue_catalog_database.lake.arn"),
                    Ref(f'{glue}:table/${{aws_glue_catalog_database.lake.name}}/*"')]),
    ]  # fmt: skip


def ingest_kafka(inf: Infra) -> list[Block]:
    """The batch topic reader's MSK IAM grants (pipeline/topics.py signs in as the ingest role): connect, read
    exactly the topics it reads and use exactly their consumer groups (`DatasetNames.ingest_group`); none
    where it reads no topic of the cluster."""
    reads = managed_topic_reads(inf.ctx)
    if not reads:
        return []
    topics = sorted({n.read_topic for n in reads})
    groups = sorted({str(n.ingest_group) for n in reads})
    return [statement("KafkaConnect", ["kafka-cluster:Connect"], [Ref("aws_msk_cluster.kafka.arn")]),
            statement("KafkaReadTopics", KAFKA_READ, [msk_arn("topic", t) for t in topics]),
            statement("KafkaGroups", KAFKA_GROUPS, [msk_arn("group", g) for g in groups])]  # fmt: skip


def events_kafka(inf: Infra) -> list[Block]:
    """The quality step's validation-events publisher's MSK IAM grants (pipeline/quality_events.py signs in as the
    workload that runs the quality step, `EVENTS_PUBLISHER`): connect, describe and write exactly the naming
    layer's events topic. Its producer is idempotent: on Kafka 2.8 and later (KAFKA_VERSION) WriteData on the
    topic covers that (KIP-679; no WriteDataIdempotently). None where it publishes to no managed cluster."""
    if managed_events_publisher(inf.ctx) is None:
        return []
    topic = str(inf.ctx.plan.names.events_topic)
    return [statement("EventsConnect", ["kafka-cluster:Connect"], [Ref("aws_msk_cluster.kafka.arn")]),
            statement("EventsTopic", KAFKA_PUBLISH, [msk_arn("topic", topic)])]  # fmt: skip


def policies(inf: Infra) -> dict[str, list[Block]]:
    """Least privilege per workload: its buckets, the key, the secrets it reads, the stream."""
    key = statement("DataKey", ["kms:Decrypt", "kms:GenerateDataKey"], [Ref("aws_kms_key.data.arn")])
    readers = secret_readers(inf)
    out: dict[str, list[Block]] = {}
    for w in inf.workloads:
        statements = [*bucket_access("lake", write=True), key]
        if w == "stream":
            statements += bucket_access("checkpoints", write=True)
            if databases := flink_glue_databases(inf):  # the Flink jobs' Iceberg sinks in Glue
                statements.append(statement("GlueStreamSinks", GLUE_ACTIONS, glue_resources(databases)))
        if w == LAKE_STEP_WORKLOAD and (databases := lake_step_layers(inf)):  # the lake step's Iceberg layers in Glue
            statements.append(statement("GlueLakeStep", GLUE_ACTIONS, glue_resources(databases)))
        statements += target_access(inf, w)
        if readers.get(w):
            statements.append(statement("ReadSecrets", ["secretsmanager:GetSecretValue"],
                                         each_secret("aws_secretsmanager_secret.spec", readers[w], "arn")))  # fmt: skip
        if w == "transform" and athena(inf):
            statements += [*bucket_access("query_results", write=True), *_catalog_access(inf)]
        if w in landing_writers(inf):  # the raw batches the Spark job's bronze reads
            statements += bucket_access("landing", write=True)
        if inf.stream and w == "ingest":
            statements += ingest_kafka(inf)
        if inf.stream and w == EVENTS_PUBLISHER:
            statements += events_kafka(inf)
        if inf.stream and w == "stream":
            cluster = "aws_msk_cluster.kafka.arn"
            statements += [
                statement("KafkaCluster", ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], [Ref(cluster)]),
                statement("KafkaTopics", ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData",
                                           "kafka-cluster:WriteData"],
                           [Ref(f'"${{replace({cluster}, ":cluster/", ":topic/")}}/*"')]),
                statement("KafkaGroups", ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
                           [Ref(f'"${{replace({cluster}, ":cluster/", ":group/")}}/*"')]),
            ]  # fmt: skip
        out[w] = statements
    return out


def iam(inf: Infra) -> tuple[Block, ...]:
    trust = block("data", "aws_iam_policy_document", "pod_identity", body=[block("statement", body=[
        Attr("actions", ["sts:AssumeRole", "sts:TagSession"]),
        block("principals", body=[
            Attr("type", "Service"), Attr("identifiers", ["pods.eks.amazonaws.com"])])])])  # fmt: skip
    out: list[Block] = [
        trust,
        block("resource", "aws_iam_role", "workload", body=[
            Attr("for_each", _v("workload_roles")), Attr("name", Ref("each.value")),
            Attr("assume_role_policy", Ref("data.aws_iam_policy_document.pod_identity.json")), _tags()]),
    ]  # fmt: skip
    for w, statements in policies(inf).items():
        out += [
            block("data", "aws_iam_policy_document", w, body=statements),
            block("resource", "aws_iam_policy", w, body=[
                Attr("name", Ref(f'"${{var.workload_roles["{w}"]}}-access"')),
                Attr("policy", Ref(f"data.aws_iam_policy_document.{w}.json")), _tags()]),
            block("resource", "aws_iam_role_policy_attachment", w, body=[
                Attr("role", Ref(f'aws_iam_role.workload["{w}"].name')),
                Attr("policy_arn", Ref(f"aws_iam_policy.{w}.arn"))]),
        ]  # fmt: skip
    return (*out, *pod_identity(inf), *spark_iam(inf))


def pod_identity(inf: Infra) -> list[Block]:
    """Each pod identity's role: its steps' policies attached, and an EKS Pod Identity association with its
    ServiceAccount in the cluster's namespace (the role trusts `pods.eks.amazonaws.com`)."""
    found = pods(inf)
    out: list[Block] = []
    for pod in (p for p in found if p.identity not in p.steps):
        out += [block("resource", "aws_iam_role_policy_attachment", f"{pod.identity}_{step}", body=[
            Attr("role", Ref(f'aws_iam_role.workload["{pod.identity}"].name')),
            Attr("policy_arn", Ref(f"aws_iam_policy.{step}.arn"))]) for step in pod.steps]  # fmt: skip
    if found:
        out.append(block("resource", "aws_eks_pod_identity_association", "workload", body=[
            Attr("for_each", _v("k8s_service_accounts")), Attr("cluster_name", _v("eks_cluster_name")),
            Attr("namespace", _v("k8s_namespace")), Attr("service_account", Ref("each.value")),
            Attr("role_arn", Ref("aws_iam_role.workload[each.key].arn")), _tags()]))  # fmt: skip
    return out


def outputs(inf: Infra) -> tuple[Output, ...]:
    out = [
        Output("lake_bucket", "aws_s3_bucket.lake.bucket", "The lake's S3 bucket."),
        Output("kms_key_arn", "aws_kms_key.data.arn", "The key encrypting the lake, secrets, stream and logs."),
        Output("workload_role_arns", "{ for k, r in aws_iam_role.workload : k => r.arn }",
               "IAM role per workload (bind each with an EKS Pod Identity association)."),
        *spark_outputs(inf),
    ]  # fmt: skip
    if inf.secrets:
        out.append(Output("secret_arns", "{ for k, s in aws_secretsmanager_secret.spec : k => s.arn }",
                          "Secrets Manager entry per spec secret."))  # fmt: skip
    if athena(inf):
        out += [
            Output("athena_workgroup", "aws_athena_workgroup.lake.name", "Athena workgroup querying the lake."),
            Output("glue_database", "aws_glue_catalog_database.lake.name", "Glue database of the lake's tables."),
        ]
    if alarms(inf)[0]:
        out += [
            Output(
                "alerts_topic_arn",
                "aws_sns_topic.alerts.arn",
                "SNS topic the CloudWatch alarms notify (subscribe the on-call address to it).",
            ),
            Output(
                "metrics_namespace",
                '"pipegen/${var.name_prefix}"',
                "CloudWatch namespace the alarms read (the CloudWatch agent's metric_namespace).",
            ),
        ]
    if inf.stream:
        out.append(Output("kafka_bootstrap_brokers", "aws_msk_cluster.kafka.bootstrap_brokers_sasl_iam",
                          "Kafka bootstrap servers (TLS, IAM authentication).", sensitive=True))  # fmt: skip
    return tuple(out)


def module(inf: Infra) -> CloudModule:
    inf = own_workloads(inf)
    alarm_blocks, listed = alarms(inf)
    files: list[tuple[str, tuple[Block, ...]]] = [
        ("kms.tf", kms(bool(alarm_blocks))),
        ("storage.tf", bucket("lake", "lake_bucket", inf.retention_days)
         + (bucket("checkpoints", "checkpoints_bucket", None) if inf.stream_jobs else ())
         + (bucket("jobs", "jobs_bucket", None) if on_emr(inf) else ())
         + (bucket("landing", "landing_bucket", inf.retention_days) if landing_bucket(inf) else ())),
        ("iam.tf", iam(inf)),
    ]  # fmt: skip
    if inf.secrets:
        files.append(("secrets.tf", secrets(inf)))
    if inf.stream:
        files.append(("stream.tf", stream()))
    if athena(inf):
        files.append(("catalog.tf", catalog(inf)))
    if spark := application(inf):
        files.append(("spark.tf", spark))
    if alarm_blocks:
        files.append(("alarms.tf", alarm_blocks))
    if generated := aws_generators.blocks(inf):
        files.append(("generators.tf", generated))
    return CloudModule("aws", "hashicorp/aws", PROVIDER_VERSION, variables(inf), tuple(files), outputs(inf),
                       SKIPS, REGION, KEY_POLICY_SKIPS,
                       tuple((a.alert, a.severity, a.what, a.threshold) for a in listed),
                       spark_databases=glue_layers(inf) if on_emr(inf) else (), lake_databases=lake_step_layers(inf),
                       spark_topics=msk_topics(inf),
                       spark_secrets=spark_secrets(inf) if on_emr(inf) else (),
                       generators=tuple((g.table, g.topic) for g in aws_generators.generators(inf)))  # fmt: skip


def provider() -> Block:
    return block("provider", "aws", body=[Attr("region", _v("region")),
                                          block("default_tags", body=[Attr("tags", _v("tags"))])])  # fmt: skip


def backend(names: CloudNames) -> Block:
    return block("backend", "s3", body=[
        Attr("bucket", str(names.state_bucket)), Attr("key", str(names.state_key)), Attr("region", REGION),
        Attr("encrypt", True), Attr("use_lockfile", True)])  # fmt: skip


def alarm_list(inf: Infra) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((a.alert, a.severity, a.what, a.threshold) for a in alarms(inf)[1])


def msk_brokers(inf: Infra, environment: str, dev: bool) -> int:
    """The environment's brokers (plan/envsizes.py) rounded up to a multiple of the availability zones
    (2 in dev, 3 elsewhere); `dev` without an override the fewest MSK allows, 2."""
    sizes = env_sizes(inf.ctx.spec, inf.ctx.plan.capacity, environment)
    if dev and not sizes.kafka_override:
        return 2
    zones = 2 if dev else 3
    return -(-sizes.kafka_brokers // zones) * zones


def env_plan(inf: Infra, names: CloudNames, dev: bool, share: float) -> EnvPlan:
    inf = own_workloads(inf)
    values: list[tuple[str, Value]] = [
        ("name_prefix", str(names.prefix)), ("region", REGION), ("tags", dict(names.tags)),
        ("lake_bucket", str(names.bucket("lake"))), ("retention_days", inf.retention_days),
        ("workload_roles", identity_names(inf, names)),
        ("secret_names", {s: str(n) for s, n in names.secrets}),
    ]  # fmt: skip
    values += spark_values(inf, names)
    values += k8s_values(inf, names)
    if inf.stream_jobs:
        values.append(("checkpoints_bucket", str(names.bucket("checkpoints"))))
    if target_buckets(inf):
        values.append(("target_buckets", target_bucket_names(inf, str(names.environment))))
    if athena(inf):
        values += [("query_results_bucket", str(names.bucket("query-results"))),
                   ("glue_database", str(names.catalog_database))]  # fmt: skip
    if alarms(inf)[0] and alert_emails(inf):
        values.append(("alert_emails", list(alert_emails(inf))))
    broker = "kafka.t3.small" if dev else "kafka.m7g.large"
    brokers = msk_brokers(inf, str(names.environment), dev)
    volume = 10 if dev else inf.ctx.plan.capacity.broker_gib(brokers, replication(inf.ctx.plan.capacity))
    if inf.stream:
        values += [("kafka_cluster_name", str(names.stream)), ("kafka_brokers", brokers),
                   ("kafka_instance_type", broker), ("kafka_volume_gib", volume)]  # fmt: skip
    values += aws_generators.values(inf, str(names.environment))
    stored = inf.stored_gib_per_day * share
    warm, cold = tier_days(inf.retention_days)
    hot_days = min(inf.retention_days, warm or inf.retention_days)
    warm_days = (min(inf.retention_days, cold or inf.retention_days) - warm) if warm else 0
    cold_days = inf.retention_days - (cold or inf.retention_days)
    costs = [
        Cost("S3 Standard (hot tier)", round(stored * hot_days, 2), "GB-month", PRICES["s3_standard"]),
        Cost("S3 Standard-IA (warm tier)", round(stored * warm_days, 2), "GB-month", PRICES["s3_ia"]),
        Cost("S3 Glacier Instant Retrieval (cold tier)", round(stored * cold_days, 2), "GB-month",
             PRICES["s3_glacier_ir"]),
        Cost("KMS key", 1, "key-month", PRICES["kms_key"]),
        Cost("Secrets Manager secrets", len(inf.secrets), "secret-month", PRICES["secret"]),
    ]  # fmt: skip
    queried = sum(1 + (a[0] == "PipelineFailureRateHigh") for a in alarm_list(inf))  # metrics read per alarm
    if queried:
        costs.append(Cost("CloudWatch alarms (standard resolution, per metric read)", queried, "metric-month",
                          PRICES["alarm_metric"]))  # fmt: skip
    if athena(inf):
        costs.append(Cost("Athena queries (billed per TB scanned; none assumed)", 0, "TB", PRICES["athena_tb"]))
    if inf.stream:
        costs += [Cost(f"MSK brokers ({broker})", brokers, "broker-month", PRICES[broker]),
                  Cost("MSK broker storage", brokers * volume, "GB-month", PRICES["msk_storage"])]  # fmt: skip
    costs += aws_generators.costs(inf)
    return EnvPlan(names, tuple(values), tuple(costs))
