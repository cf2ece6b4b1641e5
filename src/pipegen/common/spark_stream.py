"""What the Spark job's stream layer reads from the environment (where the plan streams with
Spark), for every family that starts it: the spark family's EMR Serverless and Dataproc stream
requests and `.env.example`, the databricks family's stream job cluster. Each name with whether
it holds a secret. The spark family's `spark/medallion.json` refers to exactly these
(`${env:NAME}`, a secret as `${secret:NAME}`: job_secrets, which every deployment delivers from its
cloud's secret store; tests/generators/test_spark_family.py holds the two together).

On AWS the project's cluster is the MSK cluster the terraform family creates, which takes IAM
authentication only (`client_authentication { sasl { iam = true } }`): the stream layer signs in with
the job's own IAM role through aws-msk-iam-auth (MSK_IAM_AUTH, shipped with the job as a package)
instead of Strimzi's TLS stores, so nothing but the brokers comes from the environment. On GCP it is the
Managed Service for Apache Kafka cluster the terraform family creates, which issues no client certificates:
the stream layer signs in with SASL OAUTHBEARER through Google's login handler (MANAGED_KAFKA_AUTH), whose
token is the Dataproc batch's service account's (Application Default Credentials), keyless like MSK IAM."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipegen.common.lake_catalog import catalog_config, lake_target
from pipegen.plan.components import Kind
from pipegen.plan.envnames import KAFKA_TLS_FILES
from pipegen.plan.names import ENV, Names
from pipegen.plan.spark_streams import SPARK_REFUSED_OPTIONS, kafka_client_stream
from pipegen.spec.index import index_of
from pipegen.spec.model import Cloud, Ingestion, Source, SourceType, Spec
from pipegen.spec.secretscan import secret_uses
from pipegen.spec.types import option_text, parse_secret_ref

if TYPE_CHECKING:
    from pipegen.plan.plan import Plan

# the project's cluster: its brokers, then the mutual TLS stores of the Spark stream's KafkaUser
CLUSTER = ((ENV.kafka_bootstrap, False), (ENV.kafka_truststore, False), (ENV.kafka_truststore_password, True),
           (ENV.kafka_keystore, False), (ENV.kafka_keystore_password, True))  # fmt: skip
# aws-msk-iam-auth (github.com/aws/aws-msk-iam-auth): the AWS_MSK_IAM SASL mechanism for the JVM Kafka client,
# resolved from Maven Central by the submission (`--packages`): the newest 2.3.x release when pinned
MSK_IAM_AUTH = "software.amazon.msk:aws-msk-iam-auth:2.3.9"
# Google's login handler for Managed Kafka (github.com/googleapis/managedkafka, kafka-java-auth): the
# GcpLoginCallbackHandler that turns Application Default Credentials into an OAUTHBEARER token; Maven Central's
# newest release (1.0.6, May 2025), resolved by the submission (`spark.jars.packages`)
MANAGED_KAFKA_AUTH = "com.google.cloud.hosted.kafka:managed-kafka-auth-login-handler:1.0.6"
# its pom also names Confluent's schema registry client (for its schema registry credential provider, not the
# login handler), which Maven Central does not hold: left out of the resolution (`spark.jars.excludes`)
MANAGED_KAFKA_AUTH_EXCLUDES = "io.confluent:kafka-schema-registry-client"


def msk_iam(spec: Spec) -> bool:
    """The project's Kafka cluster is MSK with IAM authentication (the terraform family's, on AWS)."""
    return spec.cloud == Cloud.AWS


def managed_kafka_oauth(spec: Spec) -> bool:
    """The project's Kafka cluster is Google's Managed Kafka, OAUTHBEARER with Google credentials (the terraform
    family's, on GCP)."""
    return spec.cloud == Cloud.GCP


def keyless(spec: Spec) -> bool:
    """The project's cluster signs the Spark stream in as its cloud identity: no TLS store, no password."""
    return msk_iam(spec) or managed_kafka_oauth(spec)


def reads_pipeline_cluster(spec: Spec, names: Names) -> bool:
    """A streamed table's topic is on the project's Kafka cluster."""
    return any(names.dataset(ref.source.name, ref.dataset.name).on_pipeline_cluster
               for ref in index_of(spec).tables if ref.source.ingestion != Ingestion.BATCH)  # fmt: skip


def own_cluster(source: Source) -> str | None:
    """A streamed Kafka source's own cluster (`connection.bootstrap_servers`, as the spec writes it: a `${env:…}` /
    `${secret:…}` reference the job resolves), the brokers the Flink jobs read too; None: the project's cluster."""
    if source.type != SourceType.KAFKA or source.ingestion != Ingestion.STREAM:
        return None
    return source.connection.bootstrap_servers


def client_options(source: Source) -> dict[str, str]:
    """A Kafka or Event Hubs stream's `connection.options` as the Spark Kafka source's consumer settings (the Flink
    jobs' `properties.<key>`; the job prefixes `kafka.`), values as text (references resolved by the job); not the
    ones Spark's Kafka source refuses (SPARK_REFUSED_OPTIONS: R533 warns of each). Sorted."""
    if not kafka_client_stream(source):
        return {}
    return {key: option_text(value) for key, value in sorted(source.connection.options.items())
            if key not in SPARK_REFUSED_OPTIONS}  # fmt: skip


def _references(source: Source) -> dict[str, bool]:
    """(variable, secret) of the references a streamed source's own brokers and client options hold."""
    values = [own_cluster(source), *client_options(source).values()]
    refs = [ref for v in values if v is not None and (ref := parse_secret_ref(v)) is not None]
    return {ref.name: ref.kind == "secret" for ref in refs}


def stream_env(spec: Spec, names: Names) -> tuple[tuple[str, bool], ...]:
    """(variable, secret) of every value the stream layer reads: the project's cluster (CLUSTER; on
    MSK and Managed Kafka its brokers only, keyless) where a streamed table's topic is on it; an Event Hubs source's
    connection string reference (a secret), else the JAAS line's variable, and the bootstrap servers' variable without a
    namespace; a Kafka source's own brokers and a stream's client options where they are references. Sorted, each
    once."""
    found: dict[str, bool] = {}
    for ref in index_of(spec).tables:
        if ref.source.ingestion == Ingestion.BATCH:
            continue
        conn = ref.source.connection
        found.update(_references(ref.source))
        if names.dataset(ref.source.name, ref.dataset.name).on_pipeline_cluster:
            found.update(CLUSTER[:1] if keyless(spec) else CLUSTER)
        elif ref.source.type == SourceType.EVENTHUBS and ref.source.ingestion == Ingestion.STREAM:
            if not conn.namespace:
                found[ENV.connectors.eventhubs_bootstrap] = False
            secret = parse_secret_ref(conn.connection_string) if conn.connection_string else None
            if secret is not None:
                found[secret.name] = True
            elif not conn.connection_string:
                found[ENV.connectors.eventhubs_jaas] = True
    return tuple(sorted(found.items()))


def shipped_stores(spec: Spec, names: Names) -> dict[str, str]:
    """The TLS store files a deployment gives the stream layer: variable (the store's location,
    stream_env's) -> the file's name (KAFKA_TLS_FILES): on Databricks, the file in the `kafka_tls_root`
    volume. None on AWS and GCP, whose clusters sign the job in as its identity (`keyless`): EMR
    Serverless and Dataproc ship no store."""
    found = {name for name, _ in stream_env(spec, names)}
    return {name: file for name, file in KAFKA_TLS_FILES.items() if name in found}


def job_secrets(spec: Spec, plan: Plan, stream: bool = True) -> tuple[str, ...]:
    """The secrets the Spark job's own code reads (spark/medallion.json's `${secret:NAME}`): where the plan
    streams with Spark (and `stream`: the stream step's, not a batch step's), every secret its stream layer
    reads (stream_env: an Event Hubs source's connection string, the JAAS line pipegen names for one without,
    the project's cluster's TLS store passwords), and the token of the lake target's Iceberg catalog as the
    job's `lake` catalog reads it (common.lake_catalog `catalog_config`, every step). What a deployment
    delivers by reference from its cloud's secret store (spark/submit.py, the databricks bundle), the
    terraform family declares there (store_secrets) and grants the job's identity (terraform/common.py
    `spark_secrets`). Sorted, each once."""
    streaming = stream and Kind.SPARK_STREAMING in plan.graph.kinds
    found = {n for n, secret in stream_env(spec, plan.names) if secret} if streaming else set()
    target = lake_target(spec)
    token = (catalog_config(target) or {}).get("token") if target is not None else None
    if isinstance(token, str) and (ref := parse_secret_ref(token)) is not None and ref.kind == "secret":
        found.add(ref.name)
    return tuple(sorted(found))


def store_secrets(spec: Spec, plan: Plan) -> tuple[str, ...]:
    """The cloud secret store's entries (the terraform family declares them, plan/cloudnames.py names them,
    the databricks bundle's targets name their keys): every `${secret:NAME}` of the spec and, where the Spark
    job runs, every secret its code reads (job_secrets: beside spec secrets the ones pipegen names, the
    project's Kafka cluster's TLS store passwords, an Event Hubs JAAS line), which its deployments reference
    and never hold. Values are set outside Terraform. Sorted."""
    found = {u.name for u in secret_uses(spec) if u.kind == "secret"}
    if plan.graph.kinds & {Kind.SPARK_BATCH, Kind.SPARK_STREAMING}:
        found |= set(job_secrets(spec, plan))
    return tuple(sorted(found))
