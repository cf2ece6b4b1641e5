"""How the spec reaches outside systems: a connection (sources, targets, environments) and a
notification channel (quality, orchestration, alert jobs). Secrets only as references."""

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from pipegen.spec.model.base import FiniteFloat, Model, NameList
from pipegen.spec.model.enums import ApiAuth, NotificationType, Severity


class SchemaRegistry(Model):
    """A Confluent-compatible schema registry, holding the writer schemas of a stream's `avro` topics.

    Confluent's, Karapace, Apicurio's ccompat API: each message carries its schema's id (Confluent's wire format)."""

    url: str = Field(..., description="The registry's URL, e.g. https://registry.example.com:8081 or ${env:NAME}.")
    user: str | None = Field(None, description="Basic auth: the user (or API key); a literal or a reference.")
    password: str | None = Field(None, description="Basic auth: the password (or API secret): a secret reference.")

    model_config = ConfigDict(extra="forbid", frozen=True)


def _registry(value: Any) -> Any:
    """`schema_registry: <url>` is short for `schema_registry: {url: <url>}`."""
    return {"url": value} if isinstance(value, str) else value


Registry = Annotated[SchemaRegistry, BeforeValidator(_registry, json_schema_input_type=str | SchemaRegistry)]


class Connection(Model):
    """How to reach a system. Secrets only as `${secret:NAME}` or `${env:NAME}`."""

    host: str | None = Field(None, description="Host name.")
    port: int | None = Field(None, ge=1, le=65535, description="TCP port, 1 to 65535.")
    database: str | None = Field(None, description="Database name.")
    schema_name: str | None = Field(None, alias="schema", description="Schema (or dataset) name.")
    user: str | None = Field(None, description="User name (a literal is fine).")
    password: str | None = Field(None, description="Password: a secret reference.")
    url: str | None = Field(None, description="A URL (APIs: the base URL; files: the location).")
    bootstrap_servers: str | None = Field(None, description="Kafka: host:port[,host:port].")
    schema_registry: Registry | None = Field(
        None,
        description="Kafka and Event Hubs streams: the Confluent-compatible schema registry of their `avro` topics "
        "(required by them, R514): a URL, or `{url, user, password}` for basic auth. The Flink jobs read the topics "
        "with the `avro-confluent` format (`avro-confluent.url`, `basic-auth.user-info` from the environment).",
    )
    namespace: str | None = Field(None, description="Event Hubs namespace.")
    stream: str | None = Field(
        None, description="Kinesis stream or Pub/Sub subscription (of a Pub/Sub source with one topic: R522)."
    )
    bucket: str | None = Field(None, description="Object-store bucket or container.")
    account: str | None = Field(None, description="Snowflake account or storage account.")
    warehouse: str | None = Field(None, description="Snowflake/Databricks warehouse.")
    role: str | None = Field(None, description="Role to assume.")
    project: str | None = Field(None, description="GCP project.")
    region: str | None = Field(None, description="Cloud region.")
    catalog: str | None = Field(None, description="Lake catalog (Unity, Glue, REST).")
    path: str | None = Field(None, description="Local path (DuckDB file, local lake).")
    auth: ApiAuth | None = Field(None, description="APIs: the authentication scheme.")
    token: str | None = Field(None, description="Token: a secret reference.")
    api_key: str | None = Field(None, description="API key: a secret reference.")
    client_id: str | None = Field(None, description="OAuth/Service principal client id.")
    client_secret: str | None = Field(None, description="Client secret: a secret reference.")
    token_url: str | None = Field(
        None,
        description="APIs with `auth: oauth2` and `client_id`/`client_secret` (client credentials): the token "
        "endpoint that issues access tokens, e.g. https://auth.example.com/oauth/token.",
    )
    private_key: str | None = Field(
        None,
        description="Private key: a secret reference (a Pub/Sub stream: the service account's JSON key the bridge's "
        "connectors sign in with, `gcp.credentials.json`).",
    )
    connection_string: str | None = Field(None, description="A full connection string: a secret reference.")
    options: dict[str, str | int | FiniteFloat | bool] = Field(
        default_factory=dict,
        description="Any other client setting, passed through as-is (numbers finite): CDC sources' to the "
        "Debezium connector, batch SQL sources' to the SQLAlchemy URL (query parameters), Kafka and Event Hubs "
        "streams' to the Kafka consumer (Flink `properties.<key>`, Spark `kafka.<key>`). Settings pipegen derives are "
        "refused (R360); other sources and targets take none (R361 warns); those Spark's Kafka source refuses reach "
        "no Spark stream (R533 warns).",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Notification(Model):
    type: NotificationType = Field(..., description="slack, email, pagerduty, teams or webhook.")
    channel: str | None = Field(None, description="Slack channel.")
    to: NameList | None = Field(None, description="Email recipients.")
    webhook: str | None = Field(None, description="Webhook URL: a secret reference.")
    routing_key: str | None = Field(None, description="PagerDuty routing key: a secret reference.")
    on: tuple[Severity, ...] = Field((Severity.ERROR,), description="Which severities notify.")
