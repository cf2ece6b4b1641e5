"""Environment variables of the generated project whose names pipegen chooses: the naming layer's
env part (`names.env`, `ENV`). The convention is `EnvNames`' docstring and docs/families.md
("Names / Environment variables")."""

from __future__ import annotations

import re
from typing import Final, Protocol

from pipegen.spec.snakecase import snake


class _HasSlot(Protocol):
    @property
    def slot(self) -> str: ...


_ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class EnvName(str):
    """An environment variable name pipegen chose: upper-case letters, digits and `_`, checked."""

    __slots__ = ()

    def __new__(cls, value: str) -> EnvName:
        if not _ENV_NAME_RE.match(value):
            raise ValueError(f"not an environment variable name: {value!r} (a bug in pipegen's naming layer)")
        return super().__new__(cls, value)


def lake_layer_root(layer: str) -> EnvName:
    """`PIPEGEN_LAKE_ROOT_<LAYER>`: the root of one lake layer where it has its own (an Azure container per
    layer); the lake step, the Spark job and dbt's silver registration fall back to PIPEGEN_LAKE_ROOT."""
    name = env_name("PIPEGEN_LAKE_ROOT", layer)
    if name not in LAKE_LAYER_ROOTS:
        raise ValueError(f"not a lake layer: {layer!r} (a bug in pipegen's naming layer)")
    return name


# the three layers' own roots (EnvNames.lake_root_<layer>), one per medallion layer
LAKE_LAYER_ROOTS: Final = frozenset({"PIPEGEN_LAKE_ROOT_BRONZE", "PIPEGEN_LAKE_ROOT_SILVER", "PIPEGEN_LAKE_ROOT_GOLD"})


def env_name(*parts: str) -> EnvName:
    """`<PART>_<PART>...`: snake-case parts upper-cased, joined by `_` (`shop_db`, `user` -> `SHOP_DB_USER`)."""
    return EnvName("_".join(part.upper() for part in parts))


class SmtpEnv:
    """The SMTP server of every email notification (run and quality), read by pipeline/notify.py."""

    host: Final = EnvName("PIPEGEN_SMTP_HOST")
    port: Final = EnvName("PIPEGEN_SMTP_PORT")
    security: Final = EnvName("PIPEGEN_SMTP_SECURITY")
    user: Final = EnvName("PIPEGEN_SMTP_USER")
    password: Final = EnvName("PIPEGEN_SMTP_PASSWORD")
    sender: Final = EnvName("PIPEGEN_SMTP_FROM")


class ConnectorEnv:
    """What a stream job's connector reads from the environment when the spec leaves it out (the
    SQL runner fills `${NAME}` option values): the connectors' own conventional names."""

    aws_region: Final = EnvName("AWS_REGION")  # a Kinesis source without `region`
    aws_account_id: Final = EnvName("AWS_ACCOUNT_ID")  # a Kinesis stream's ARN from its name
    kinesis_stream_arn: Final = EnvName("KINESIS_STREAM_ARN")  # a Kinesis source without `stream`
    eventhubs_bootstrap: Final = EnvName("EVENTHUBS_BOOTSTRAP_SERVERS")  # Event Hubs without `namespace`
    eventhubs_jaas: Final = EnvName("EVENTHUBS_SASL_JAAS_CONFIG")  # Event Hubs without `connection_string`
    lake_path: Final = EnvName("LAKE_PATH")  # a file or Delta sink whose target gives no location
    azure_storage_account: Final = EnvName("AZURE_STORAGE_ACCOUNT")  # an Azure bucket sink without `account`
    # the AWS SDK's own names, which the lake step's Iceberg FileIO reads for an S3 (or S3-compatible) root
    aws_default_region: Final = EnvName("AWS_DEFAULT_REGION")
    aws_endpoint_url: Final = EnvName("AWS_ENDPOINT_URL")
    aws_endpoint_url_s3: Final = EnvName("AWS_ENDPOINT_URL_S3")


# the mutual TLS stores' file names, as Strimzi's Secrets hold them (the cluster CA's, the KafkaUser's):
# what a Spark deployment ships from KAFKA_TLS_ROOT and the stream's *_LOCATION names
KAFKA_TLS_FILES: Final = {"KAFKA_SSL_TRUSTSTORE_LOCATION": "ca.p12", "KAFKA_SSL_KEYSTORE_LOCATION": "user.p12"}
# the same as PEM files, for a librdkafka client (confluent-kafka: the quality events' publisher), which
# takes no PKCS12 truststore: variable -> the key of Strimzi's Secret (the cluster CA's, the KafkaUser's)
KAFKA_PEM_FILES: Final = {"KAFKA_SSL_CA_LOCATION": "ca.crt", "KAFKA_SSL_CERTIFICATE_LOCATION": "user.crt",
                          "KAFKA_SSL_KEY_LOCATION": "user.key"}  # fmt: skip


class EnvNames:
    """Environment variables of the generated project whose names pipegen chooses (docs/families.md,
    "Names"). The convention:
    - the spec's own references (`${secret:NAME}`, `${env:NAME}`): NAME as the user wrote it;
    - pipegen's settings of the steps and the local run: `PIPEGEN_<WHAT>` (below), per entity
      `PIPEGEN_<AREA>_<ENTITY>_<WHAT>` (`cdc_dsn`);
    - a connection setting the spec leaves out: `<SOURCE or TARGET>_<FIELD>` (`connection`);
    - the project's own Kafka cluster: `KAFKA_BOOTSTRAP_SERVERS`, for every reader and writer;
    - a stream connector's setting the spec leaves out: the connector's conventional name
      (`AWS_REGION`, `KINESIS_STREAM_ARN`, ...: `connectors`);
    - a tool's own settings keep the tool's names (GX_*, DBT_*, RUNTIME__*, AIRFLOW_*, PREFECT_*),
      declared by the family that runs the tool.
    Static runtime modules (templates/) read these names literally; a test checks each is here."""

    warehouse: Final = EnvName("PIPEGEN_WAREHOUSE")  # the local DuckDB warehouse
    data_dir: Final = EnvName("PIPEGEN_DATA_DIR")  # local stand-ins and change events
    quality_dir: Final = EnvName("PIPEGEN_QUALITY_DIR")  # validation event log, read model, quality state
    quality_now: Final = EnvName("PIPEGEN_QUALITY_NOW")  # a fixed clock for the quality step and stand-ins
    step_summary: Final = EnvName("PIPEGEN_STEP_SUMMARY")  # where a step writes its JSON summary
    step_progress: Final = EnvName("PIPEGEN_STEP_PROGRESS")  # where a step writes its live counts (a terminal)
    project_dir: Final = EnvName("PIPEGEN_PROJECT_DIR")  # the project root, for DAGs and flows
    progress: Final = EnvName("PIPEGEN_PROGRESS")  # dlt's progress display
    traceback: Final = EnvName("PIPEGEN_TRACEBACK")  # a step's missing module: the traceback, not a hint
    run_python: Final = EnvName("PIPEGEN_RUN_PYTHON")  # make: the environment `pipegen run` built
    pipegen_spec: Final = EnvName("PIPEGEN_SPEC")  # make setup / CI: how to install pipegen
    pii_key: Final = EnvName("PIPEGEN_PII_KEY")  # the HMAC key hashing personal data
    pagerduty_url: Final = EnvName("PIPEGEN_PAGERDUTY_URL")  # the PagerDuty Events API endpoint
    metrics_file: Final = EnvName("PIPEGEN_METRICS_FILE")  # the local run's metrics textfile (monitoring)
    lineage_file: Final = EnvName("PIPEGEN_LINEAGE_FILE")  # the local run's OpenLineage events (lineage)
    pushgateway_url: Final = EnvName("PIPEGEN_PUSHGATEWAY_URL")  # monitoring.publish: pushgateway (monitoring)
    capture_idle: Final = EnvName("PIPEGEN_CAPTURE_IDLE")  # the local capture's default --idle (debezium)
    capture_max_seconds: Final = EnvName("PIPEGEN_CAPTURE_MAX_SECONDS")  # its default --max-seconds (debezium)
    capture_metrics_port: Final = EnvName("PIPEGEN_CAPTURE_METRICS_PORT")  # `capture --follow`'s /metrics (debezium)
    grafana_password: Final = EnvName("PIPEGEN_GRAFANA_ADMIN_PASSWORD")  # compose.yaml's Grafana admin (monitoring)
    # compose.yaml's flink-sql: the runner drops the jobs' Kafka TLS options (Compose's broker is plaintext)
    flink_kafka_plaintext: Final = EnvName("PIPEGEN_FLINK_KAFKA_PLAINTEXT")
    # compose.yaml's flink-sql: every job at this parallelism (the `dev` environment's), not its script's
    flink_parallelism: Final = EnvName("PIPEGEN_FLINK_PARALLELISM")
    # compose.yaml's flink-sql: the runner points the jobs' Iceberg tables at this REST catalog (compose's own)
    flink_iceberg_rest: Final = EnvName("PIPEGEN_FLINK_ICEBERG_REST_URI")
    # the stream generator's liveness file (synthetic/stream_generator.py; the kubernetes family's probes read its age)
    heartbeat: Final = EnvName("PIPEGEN_HEARTBEAT")
    airflow_uid: Final = EnvName("AIRFLOW_UID")  # compose.yaml's Airflow runs as this user (owns the project)
    airflow_db_password: Final = EnvName("PIPEGEN_AIRFLOW_DB_PASSWORD")  # compose.yaml's Airflow metadata DB (compose)
    lake_root: Final = EnvName("PIPEGEN_LAKE_ROOT")  # the lake's layers (a local directory by default)
    # a layer's own root (`PIPEGEN_LAKE_ROOT_<LAYER>`, Azure: its container), else PIPEGEN_LAKE_ROOT: lake_layer_root
    lake_root_bronze: Final = EnvName("PIPEGEN_LAKE_ROOT_BRONZE")
    lake_root_silver: Final = EnvName("PIPEGEN_LAKE_ROOT_SILVER")
    lake_root_gold: Final = EnvName("PIPEGEN_LAKE_ROOT_GOLD")
    delta_relay_root: Final = EnvName("PIPEGEN_DELTA_RELAY_ROOT")  # the Delta loader's tables under another root
    iceberg_catalog: Final = EnvName("PIPEGEN_ICEBERG_CATALOG_URI")  # the Iceberg SQL catalog's URI
    # dbt/spark-thrift/start-thrift-server.sh: the Iceberg Spark runtime's Maven coordinates (--packages)
    iceberg_spark_packages: Final = EnvName("PIPEGEN_ICEBERG_SPARK_PACKAGES")
    landing_root: Final = EnvName("PIPEGEN_LANDING_ROOT")  # where the Spark job finds data/landing/ (the project)
    job_root: Final = EnvName("PIPEGEN_JOB_ROOT")  # where a Spark deployment finds the job's files (spark/)
    spark_format: Final = EnvName("PIPEGEN_SPARK_FORMAT")  # the Spark job's table format (parquet locally)
    spark_checkpoint_root: Final = EnvName("PIPEGEN_SPARK_CHECKPOINT_ROOT")  # the Spark stream's checkpoints
    spark_stream_source: Final = EnvName("PIPEGEN_SPARK_STREAM_SOURCE")  # the stream layer reads kafka or files (local)
    stream_warehouse: Final = EnvName("PIPEGEN_STREAM_WAREHOUSE")  # the speed layer's local results
    data_docs: Final = EnvName("PIPEGEN_DATA_DOCS")  # the local run: GX Data Docs' folder (the run report links it)
    dbt_docs: Final = EnvName("PIPEGEN_DBT_DOCS")  # the local run: dbt's static docs after the build
    smtp: Final = SmtpEnv()
    connectors: Final = ConnectorEnv()
    kafka_bootstrap: Final = EnvName("KAFKA_BOOTSTRAP_SERVERS")
    # a JVM client of the project's cluster (mutual TLS): the cluster CA and the client's KafkaUser
    # certificate as PKCS12 files (Strimzi's ca.p12 / user.p12) and their passwords (ca.password / user.password)
    kafka_truststore: Final = EnvName("KAFKA_SSL_TRUSTSTORE_LOCATION")
    kafka_truststore_password: Final = EnvName("KAFKA_SSL_TRUSTSTORE_PASSWORD")
    kafka_keystore: Final = EnvName("KAFKA_SSL_KEYSTORE_LOCATION")
    kafka_keystore_password: Final = EnvName("KAFKA_SSL_KEYSTORE_PASSWORD")
    # a librdkafka client of the project's cluster (KAFKA_PEM_FILES): the cluster CA, its certificate and key
    kafka_ca_pem: Final = EnvName("KAFKA_SSL_CA_LOCATION")
    kafka_cert_pem: Final = EnvName("KAFKA_SSL_CERTIFICATE_LOCATION")
    kafka_key_pem: Final = EnvName("KAFKA_SSL_KEY_LOCATION")
    # where a Spark deployment finds those two files to ship (EMR Serverless `--files`, Dataproc
    # `fileUris`: an s3:// or gs:// prefix; Databricks: a Unity Catalog volume), named as KAFKA_TLS_FILES
    kafka_tls_root: Final = EnvName("KAFKA_TLS_ROOT")
    environment: Final = EnvName("PIPEGEN_ENVIRONMENT")  # the deployment environment (Kubernetes overlays)

    def compose_only(self) -> frozenset[EnvName]:
        """Secrets only compose.yaml's own services read (not the pipeline, nor a deployment)."""
        return frozenset({self.grafana_password, self.airflow_db_password})

    def fixed(self) -> tuple[EnvName, ...]:
        """Every name above that is not per entity, sorted."""
        found = [v for cls in (EnvNames, SmtpEnv, ConnectorEnv) for v in vars(cls).values() if isinstance(v, EnvName)]
        return tuple(sorted(set(found)))

    def connection(self, owner: str, field: str) -> EnvName:
        """A connection setting of a spec source or target that the spec leaves out: `<OWNER>_<FIELD>`
        (`serving_mysql`, `user` -> `SERVING_MYSQL_USER`; `lake`, `http_path` -> `LAKE_HTTP_PATH`)."""
        return env_name(snake(owner), snake(field))

    def secret_id(self, secret: str) -> EnvName:
        """Where a deployment finds a spec secret's entry in the cloud's secret store (its name: a Terraform
        output, per environment): `PIPEGEN_SECRET_<NAME>_ID` (`lake_token` -> `PIPEGEN_SECRET_LAKE_TOKEN_ID`)."""
        return env_name("pipegen_secret", snake(secret), "id")

    def cdc_dsn(self, cdc: _HasSlot) -> EnvName:
        """The database a CDC source's local capture reads: `PIPEGEN_CDC_<PIPELINE>_<SOURCE>_DSN` (by slot)."""
        return env_name("pipegen_cdc", cdc.slot, "dsn")


ENV = EnvNames()
