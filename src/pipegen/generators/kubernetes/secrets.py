"""docs/kubernetes.md's table of every key of every Secret a workload references, with where its value comes
from: the project's Secret (`envFrom` of the batch workloads: the secret variables the generated code reads;
Airflow's keys by `secretKeyRef`), Strimzi's Secrets of the workloads' mutual TLS (the cluster CA's `ca.crt`, the
KafkaUser's `user.crt` and `user.key`), and what other families' workloads read (`Shared.secret_keys`: the
FlinkDeployments' environment Secret and TLS stores, flink/secrets.py). tests/families/test_kubernetes_secrets.py
compares the table with the Secrets the manifests reference."""

from __future__ import annotations

from typing import Any

from pipegen.common.secret_sources import secret_rows as rows
from pipegen.common.secret_sources import spec_reference
from pipegen.generators.base import GenContext, SecretKey
from pipegen.generators.kubernetes.airflow import API_SECRET, DB_URL, JWT_SECRET
from pipegen.generators.kubernetes.workloads import Workload
from pipegen.plan.names import KubeNames

AIRFLOW_SOURCES = {
    DB_URL: "your Airflow metadata database's SQLAlchemy URL (`postgresql+psycopg2://…`)",
    JWT_SECRET: "a random secret of yours the Airflow components sign the tasks' tokens with",
    API_SECRET: "a random secret key of yours, one for every API server replica",
}
STRIMZI = {
    "ca.crt": "Strimzi's Secret of the cluster CA (the cluster operator writes it)",
    "user.crt": "Strimzi's Secret of the workload's KafkaUser (the user operator writes it)",
    "user.key": "Strimzi's Secret of the workload's KafkaUser (the user operator writes it)",
}


def _project_source(ctx: GenContext, name: str) -> str:
    uses = next((e.uses for e in ctx.shared.env if e.name == name), ())
    return spec_reference(ctx.spec, name) or (f"yours: {uses[0]}" if uses else "yours")


def workload_keys(
    ctx: GenContext, kube: KubeNames, found: tuple[Workload, ...], env_keys: list[str]
) -> list[SecretKey]:
    """The keys this family's workloads read; `env_keys`: the project Secret's keys its `envFrom` readers get."""
    out: list[SecretKey] = []
    if any("secret" in w.env_from for w in found):
        out += [SecretKey(str(kube.secrets), k, _project_source(ctx, k)) for k in env_keys]
    for w in found:
        out += [SecretKey(str(kube.secrets), key, AIRFLOW_SOURCES.get(key, "yours")) for _, key in w.secret_env]
        if w.kafka_tls:
            tls = w.kafka_tls
            out += [SecretKey(tls.ca_secret, "ca.crt", STRIMZI["ca.crt"])]
            out += [SecretKey(tls.user_secret, f, STRIMZI[f]) for f in ("user.crt", "user.key")]
    return out


def secret_rows(ctx: GenContext, kube: KubeNames, found: tuple[Workload, ...], env_keys: list[str]) -> list[Any]:
    """One row per (Secret, key) of every workload, sorted: {"secret", "key", "source"}."""
    return rows([*workload_keys(ctx, kube, found, env_keys), *ctx.shared.secret_keys])
