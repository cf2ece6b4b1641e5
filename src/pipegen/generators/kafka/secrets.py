"""The keys of the Secrets the KafkaConnect and the connectors it runs read (docs/kafka.md's table; the kubernetes
family lists them in docs/kubernetes.md too): Strimzi's Secrets of the cluster CA (`tls.trustedCertificates`,
`*.crt`) and of the Connect KafkaUser (`authentication.certificateAndKey`), the registry push Secret of the image
build (`build.output.pushSecret`, a `kubernetes.io/dockerconfigjson` Secret), and per connector its credentials
Secret's keys, which the workers read through Strimzi's Kubernetes config provider (`${secrets:<ns>/<secret>:<KEY>}`
in the KafkaConnector's config: every `${secret:NAME}` of the source's connection)."""

from __future__ import annotations

from pipegen.generators.base import GenContext, SecretKey
from pipegen.generators.kafka.bridge import Bridge, secret_keys
from pipegen.plan.cdc import Connector

DOCKER_CONFIG = ".dockerconfigjson"  # the key of a `kubernetes.io/dockerconfigjson` Secret
CA = "Strimzi's Secret of the cluster CA (the cluster operator writes it): the KafkaConnect trusts its `*.crt`"
USER = "Strimzi's Secret of the Connect KafkaUser (the user operator writes it): the KafkaConnect's client {what}"
PUSH = (
    "yours: your registry's push credentials for Strimzi's build of the Connect image "
    "(`kubectl create secret docker-registry`)"
)


def _connector_source(connector: Connector, name: str) -> str:
    """A connector's `${secret:NAME}` (Connector.secrets: the spec's secret references of its connection)."""
    return f"the spec's `${{secret:{name}}}`: connector `{connector.names.connector}` reads it (config provider)"


def connect_keys(ctx: GenContext, items: tuple[Connector, ...], bridges: list[Bridge]) -> tuple[SecretKey, ...]:
    """Every key of every Secret the KafkaConnect (generator.kafka_connect) and its connectors read (the Debezium
    connectors', the Pub/Sub bridge's: bridge.py); none without connectors (no KafkaConnect)."""
    kafka = ctx.plan.names.kafka
    if not (items or bridges) or kafka is None:
        return ()
    out = [
        SecretKey(str(kafka.cluster_ca_secret), "ca.crt", CA),
        SecretKey(str(kafka.connect_user), "user.crt", USER.format(what="certificate")),
        SecretKey(str(kafka.connect_user), "user.key", USER.format(what="key")),
        SecretKey(str(kafka.connect_push_secret), DOCKER_CONFIG, PUSH),
    ]
    for c in items:
        out += [SecretKey(str(c.names.credentials_secret), n, _connector_source(c, n)) for n in c.secrets]
    return (*out, *secret_keys(bridges))
