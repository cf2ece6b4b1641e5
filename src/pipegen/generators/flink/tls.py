"""The Flink pods' mutual TLS to the project's Strimzi cluster (its one listener, `tls` on 9093).

A job whose SQL has a table on the project's cluster (options.CLUSTER_TLS: it reads the truststore's
`${KAFKA_SSL_TRUSTSTORE_LOCATION}`) gets, in its FlinkDeployment's pod template (JobManager and
TaskManagers alike), the two Secrets Strimzi creates mounted read-only: the cluster CA's
(`<cluster>-cluster-ca-cert`, key `ca.p12`) and the Flink KafkaUser's (`<cluster>-flink`, key
`user.p12`), the stores' locations as plain values and their passwords from the same Secrets
(`ca.password`, `user.password`). Every name comes from the naming layer (KafkaNames, ENV,
KAFKA_TLS_FILES); `env` takes precedence over the `envFrom` Secret, so the stores cannot be pointed
elsewhere by it.
"""

from __future__ import annotations

from typing import Any

from pipegen.plan.envnames import KAFKA_TLS_FILES
from pipegen.plan.names import ENV, KafkaNames

TLS_ROOT = "/opt/flink/kafka-tls"  # where the stores are mounted (one folder per Secret)
CA_VOLUME, USER_VOLUME = "kafka-cluster-ca", "kafka-user"
# Strimzi's keys: the cluster CA Secret's and a KafkaUser Secret's (tls authentication) password keys
CA_PASSWORD_KEY, USER_PASSWORD_KEY = "ca.password", "user.password"


def reads_cluster(script: str) -> bool:
    """The job has a Kafka table on the project's cluster (its options read the truststore)."""
    return "${" + ENV.kafka_truststore + "}" in script


def _store(volume: str, secret: str, location: str, password: str, password_key: str) -> dict[str, Any]:
    file = KAFKA_TLS_FILES[location]
    return {
        "volume": {"name": volume, "secret": {"secretName": secret, "items": [{"key": file, "path": file}]}},
        "mount": {"name": volume, "mountPath": f"{TLS_ROOT}/{volume}", "readOnly": True},
        "env": [
            {"name": location, "value": f"{TLS_ROOT}/{volume}/{file}"},
            {"name": password, "valueFrom": {"secretKeyRef": {"name": secret, "key": password_key}}},
        ],
    }


def pod_tls(kafka: KafkaNames) -> dict[str, list[dict[str, Any]]]:
    """{"volumes", "volumeMounts", "env"} of a Flink pod on the project's cluster (the Flink KafkaUser)."""
    stores = [
        _store(CA_VOLUME, str(kafka.cluster_ca_secret), ENV.kafka_truststore, ENV.kafka_truststore_password,
               CA_PASSWORD_KEY),
        _store(USER_VOLUME, str(kafka.flink_user), ENV.kafka_keystore, ENV.kafka_keystore_password,
               USER_PASSWORD_KEY),
    ]  # fmt: skip
    return {
        "volumes": [s["volume"] for s in stores],
        "volumeMounts": [s["mount"] for s in stores],
        "env": [e for s in stores for e in s["env"]],
    }
