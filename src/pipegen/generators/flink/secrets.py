"""The keys of the Secrets the FlinkDeployments reference (the kubernetes family lists them in docs/kubernetes.md):
the jobs' environment Secret (`<namespace>-flink-env`, `envFrom`) holds every `${NAME}` a job's SQL reads that its
pod does not set itself: the project cluster's bootstrap address, the spec's `${env:NAME}` and `${secret:NAME}`
values, a connector setting the spec leaves out; a job with a table on the project's cluster also reads Strimzi's
Secrets of the cluster CA and the Flink KafkaUser (flink/tls.py: stores mounted, passwords as `env`)."""

from __future__ import annotations

import re
from typing import Any

from pipegen.common.kafka_topics import LISTENER_PORT
from pipegen.common.secret_sources import spec_reference
from pipegen.generators.base import GenContext, SecretKey
from pipegen.generators.flink import tls as tls_stores
from pipegen.generators.flink.builder import JobSql
from pipegen.plan.names import ENV

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # what pipeline/flink_sql.py substitutes
STRIMZI = "Strimzi's Secret of {what} (its {operator} operator writes it)"


def env_source(ctx: GenContext, name: str, uses: dict[str, str]) -> str:
    """Where the value of the environment Secret's key `name` comes from."""
    if name == ENV.kafka_bootstrap:
        kafka = ctx.plan.names.kafka
        where = f"`{kafka.bootstrap}:{LISTENER_PORT}`" if kafka else "the Kafka cluster's"
        return f"the project's Kafka cluster's bootstrap address ({where}, its TLS listener)"
    return spec_reference(ctx.spec, name) or uses.get(name, "a Flink table option the spec leaves to the environment")


def _pod_keys(tls: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """(Secret, key, what) of the TLS stores' volumes and password variables."""
    out = [(v["secret"]["secretName"], i["key"], "store") for v in tls["volumes"] for i in v["secret"]["items"]]
    out += [(e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"], "password")
            for e in tls["env"] if "valueFrom" in e]  # fmt: skip
    return out


def secret_keys(ctx: GenContext, jobs: list[JobSql], uses: dict[str, str]) -> tuple[SecretKey, ...]:
    """Every key of every Secret the jobs' FlinkDeployments read; `uses`: what reads a connector variable."""
    kafka, env_secret = ctx.plan.names.kafka, str(ctx.plan.names.flink_env_secret)
    out: list[SecretKey] = []
    for j in jobs:
        tls = tls_stores.pod_tls(kafka) if kafka and tls_stores.reads_cluster(j.script) else {}
        set_by_pod = {e["name"] for e in tls.get("env", [])}
        for name in dict.fromkeys(PLACEHOLDER.findall(j.script)):
            if name not in set_by_pod:
                out.append(SecretKey(env_secret, name, env_source(ctx, name, uses)))
        for secret, key, what in _pod_keys(tls) if tls else []:
            ca = kafka is not None and secret == str(kafka.cluster_ca_secret)
            whose = (
                STRIMZI.format(what="the cluster CA", operator="cluster")
                if ca
                else STRIMZI.format(what="the Flink KafkaUser", operator="user")
            )
            out.append(SecretKey(secret, key, f"{whose}: the {what} the FlinkDeployment reads"))
    return tuple(out)
