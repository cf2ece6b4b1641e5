"""Strategies for the spec's run-time sections (the parts `strategies.specs` does not derive
from the schema): pipeline identity, notification channels of every kind, engines, sizing,
monitoring, environments and Terraform. Each is drawn now and then, so most specs keep the
defaults and the rest cover the vocabulary."""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

from hypothesis import strategies as st

from tests.specgen import hostile


def pick(draw: st.DrawFn, choices: tuple[str, ...]) -> str:
    """One of `choices`, each drawn now and then (this seed's sampled_from never drew the last
    stream kind or a regular join's `inner` in hundreds of specs)."""
    if 10 * len(choices) > hostile.SMALL:  # a wider draw would depend on the modules loaded (hostile.DIGIT)
        return hostile.pick(draw, choices)
    return choices[draw(st.integers(0, 10 * len(choices) - 1)) % len(choices)]


def one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in `n` draws."""
    return draw(st.integers(0, n - 1)) == n // 2


def secret(name: str) -> str:
    return "${secret:" + name + "}"


def pipeline_extras(draw: st.DrawFn, mode: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if one_in(draw, 4):
        out["description"] = "Loads the sources and builds the reports."
    if one_in(draw, 4):
        out["tags"] = draw(st.sampled_from([["finance"], ["sales", "daily"]]))
    if mode == "batch" and one_in(draw, 5):
        out["schedule"] = draw(st.sampled_from(["0 * * * *", "15 3 * * *", "*/30 * * * *"]))
    return out


@st.composite
def notification(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A channel of any kind, with the field that kind needs and now and then its severities."""
    kind = draw(st.sampled_from(["slack", "slack", "email", "pagerduty", "teams", "webhook"]))
    out: dict[str, Any] = {"type": kind}
    if kind == "slack":
        out.update({"channel": "#data", "webhook": secret(f"{name}_SLACK_WEBHOOK")})
    elif kind == "email":
        out["to"] = ["data@example.com"]
    elif kind == "pagerduty":
        out["routing_key"] = secret(f"{name}_PAGERDUTY_KEY")
    else:
        out["webhook"] = secret(f"{name}_{kind.upper()}_WEBHOOK")
    if one_in(draw, 3):
        out["on"] = draw(st.sampled_from([["error", "warn"], ["warn"]]))
    return out


def quality_extras(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if one_in(draw, 3):
        out["events"] = draw(st.sampled_from([{"sink": "kafka", "topic": "quality_events"}, {"sink": "none"}]))
    return out


def orchestration_extras(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if one_in(draw, 3):
        out["exponential_backoff"] = draw(st.booleans())
        out["max_retry_delay"] = "30m"
    if one_in(draw, 4):
        out["catchup"] = draw(st.booleans())
        out["max_active_runs"] = draw(st.sampled_from([1, 3]))
    if one_in(draw, 4):
        upstream: dict[str, Any] = {"pipeline": "upstream_pipeline"}
        if draw(st.booleans()):
            upstream.update({"task": "load", "timeout": "2h", "poke_interval": "1m"})
        out["depends_on"] = [upstream]
    if one_in(draw, 3):
        out["on_failure"] = [draw(notification("ON_FAILURE"))]
    if one_in(draw, 4):
        out["on_success"] = [draw(notification("ON_SUCCESS"))]
    return out


# a connection field each target kind reads, for an environment's override
OVERRIDES = {
    "duckdb": {"path": "prod.duckdb"}, "postgres": {"host": "${env:PROD_HOST}"}, "mysql": {"host": "${env:PROD_HOST}"},
    "redshift": {"host": "${env:PROD_HOST}"}, "synapse": {"host": "${env:PROD_HOST}"},
    "clickhouse": {"host": "${env:PROD_HOST}"}, "snowflake": {"warehouse": "PROD_WH"},
    "bigquery": {"project": "acme-prod"}, "databricks": {"catalog": "prod"}, "delta": {"bucket": "prod-lake"},
    "iceberg": {"bucket": "prod-lake"}, "kafka": {"bootstrap_servers": "prod-broker:9092"},
}  # fmt: skip


# An image in each cloud's own registry (R422 refuses another cloud's), and any registry on local.
REGISTRIES = {"aws": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/data/pipe",
              "gcp": "europe-docker.pkg.dev/acme/data/pipe", "azure": "acme.azurecr.io/data/pipe",
              "local": "registry.example.com/data/pipe"}  # fmt: skip


def _image(spec: dict[str, Any], deploy: dict[str, Any]) -> None:
    """An image and a prod tag for some Kubernetes deployments: decided from what is drawn already (no
    draw of its own, so the drawn corpus stays the same)."""
    k8s = deploy.get("kubernetes")
    if k8s and (spec.get("orchestrator") == "prefect" or "environments" in deploy):
        deploy["kubernetes"] = {**k8s, "image": REGISTRIES[spec["cloud"]], "image_tags": {"prod": "v1.2.3"}}


LAKE_CATALOGS = ("sql", "rest", "unity", "glue")
CATALOG_CONNECTIONS = {
    "rest": {"url": "https://catalog.example.com/api", "catalog": "prod"},
    "unity": {"url": "${env:DATABRICKS_HOST}", "token": "${secret:LAKE_TOKEN}", "catalog": "main"},
}


def _lake_catalog(spec: dict[str, Any]) -> None:
    """An Iceberg target's production catalog (`lake.catalog`, with the connection settings R404
    asks for), decided from what is drawn already (no draw of its own, so the drawn corpus stays
    the same): none (the local SQL catalog), rest, unity, or glue (aws only: elsewhere rest)."""
    for target in spec["targets"]:
        if target["type"] != "iceberg":
            continue
        kind = LAKE_CATALOGS[len(spec["pipeline"]["name"]) % len(LAKE_CATALOGS)]
        kind = "glue" if kind == "rest" and spec["cloud"] == "aws" else kind
        kind = "rest" if kind == "glue" and spec["cloud"] != "aws" else kind
        if kind != "sql":
            target["lake"] = {**target.get("lake", {}), "catalog": kind}
            target["connection"] = {**target.get("connection", {}), **CATALOG_CONNECTIONS.get(kind, {})}


# A lake target's time travel, vacuum/expiry retention and maintenance interval (templates/lakehouse/
# lake.py, the Spark job's config); the last keeps less than readers may travel back to: R400 refuses it.
LAKE_SETTINGS: tuple[dict[str, str], ...] = (
    {}, {"time_travel": "30d"}, {"time_travel": "1d", "retention": "2d", "maintenance_every": "6h"}, {},
    {"retention": "14d", "maintenance_every": "1h"}, {"maintenance_every": "1w"}, {"time_travel": "12h"},
    {"time_travel": "7d", "retention": "1d"},
)  # fmt: skip


def _lake_settings(spec: dict[str, Any]) -> None:
    """A Delta or Iceberg target's `lake` settings, decided like its catalog from what is drawn
    already (no draw of its own: the drawn corpus stays the same but for these keys)."""
    for target in spec["targets"]:
        if target["type"] in ("delta", "iceberg"):
            settings = LAKE_SETTINGS[sum(map(ord, spec["pipeline"]["name"])) % len(LAKE_SETTINGS)]
            if settings:
                target["lake"] = {**target.get("lake", {}), **settings}


# Kafka brokers of an environment (plan/envsizes.py): below the replication factor (3 unless sizing
# drew 1) R425 refuses, past 30 on AWS (MSK, rounded up to 3 zones) R426; where the plan has no Kafka
# topics or no Flink job, or no family that sizes them is on (Kubernetes; Terraform on AWS or GCP for
# brokers), R427 warns that nothing reads the size.
ENV_BROKERS = (1, 2, 3, 4, 6, 31)
MSK_BROKERS = (2, 6, 31)  # on AWS the refusal past MSK's limit comes often enough to be seen
ENV_TASK_MANAGERS = (1, 2, 3)


def _sizes(spec: dict[str, Any], environments: dict[str, Any]) -> None:
    """`kafka_brokers` and/or `flink_task_managers` on one environment (dev or prod), decided from what
    is drawn already (the pipeline's name: no draw of its own, so the drawn corpus stays the same)."""
    h = zlib.crc32(spec["pipeline"]["name"].encode())
    env = environments[("dev", "prod")[h % 2]]
    which = (h // 2) % 3  # brokers, task managers, both
    brokers = MSK_BROKERS if spec["cloud"] == "aws" else ENV_BROKERS
    if which != 1:
        env["kafka_brokers"] = brokers[(h // 6) % len(brokers)]
    if which != 0:
        env["flink_task_managers"] = ENV_TASK_MANAGERS[(h // 36) % len(ENV_TASK_MANAGERS)]


def _publish(spec: dict[str, Any], monitoring: dict[str, Any]) -> None:
    """`monitoring.publish` (textfile or pushgateway; R434 where no batch step runs) in two of three monitoring
    sections, decided from the pipeline's name like `_sizes` (no draw: a seed's specs stay the ones it drew)."""
    h = zlib.crc32(b"publish:" + spec["pipeline"]["name"].encode())
    if h % 3 != 2:
        monitoring["publish"] = ("pushgateway", "textfile")[h % 3]


# Per-environment batch schedules (infra21c: the Airflow DAG's PIPEGEN_ENVIRONMENT map, a Prefect deployment
# per environment): a cron with names and steps, `none` (manual runs only), and prod's own now and then
ENV_SCHEDULES = ("0 6 * * *", "none", "30 2 * * mon-fri", "*/20 8-18 * jan-jun *")
PROD_SCHEDULES = (None, "15 1 * * *", "none")


def _schedules(spec: dict[str, Any], environments: dict[str, Any]) -> None:
    """dev's schedule, and prod's in two of three specs, decided from the pipeline's name like `_sizes` (no
    draw of its own, so a seed's specs stay the ones it drew)."""
    # sha256, not crc32: the drawn names differ in few bits, and crc32's low bits follow them linearly
    h = int.from_bytes(hashlib.sha256(b"schedule:" + spec["pipeline"]["name"].encode()).digest()[:4], "big")
    environments["dev"]["schedule"] = ENV_SCHEDULES[h % len(ENV_SCHEDULES)]
    prod = PROD_SCHEDULES[(h // len(ENV_SCHEDULES)) % len(PROD_SCHEDULES)]
    if prod is not None:
        environments["prod"]["schedule"] = prod


def _environments(draw: st.DrawFn, mode: str, spec: dict[str, Any]) -> dict[str, Any]:
    """deploy.environments: dev and prod, with overrides now and then."""
    environments: dict[str, Any] = {"dev": {}, "prod": {"variables": {"LOG_LEVEL": "info"}}}
    target = spec["targets"][0]
    if target["type"] in OVERRIDES and draw(st.booleans()):
        environments["prod"]["targets"] = {target["name"]: OVERRIDES[target["type"]]}
    if mode == "batch" and draw(st.booleans()):
        _schedules(spec, environments)
    if one_in(draw, 3):
        environments["prod"].update({"replicas": 2, "resources": {"cpu": "1", "memory": "2Gi"}})
    if mode != "batch":
        _sizes(spec, environments)
    return environments


def sections(draw: st.DrawFn, mode: str, spec: dict[str, Any]) -> dict[str, Any]:
    """engines, sizing, monitoring, and deploy's environments and Terraform (merged into the
    spec's deploy section when it has one)."""
    out: dict[str, Any] = {}
    if one_in(draw, 5):
        out["engines"] = {
            "stream": draw(st.sampled_from(["auto", "flink", "spark"])),
            "batch": draw(st.sampled_from(["auto", "dbt", "dbt", "spark"])),
            "compute": pick(draw, ("auto", "local", "kubernetes", "databricks")),
        }
    if mode != "batch" and one_in(draw, 4):
        out["sizing"] = {
            "kafka": {"brokers": 3, "replication_factor": draw(st.sampled_from([1, 3])), "partitions": 6},
            "flink": {"parallelism": draw(st.sampled_from([1, 4])), "checkpoint_interval": "1m"},
        }
    if one_in(draw, 4):
        monitoring: dict[str, Any] = {"prometheus": draw(st.booleans())}
        if draw(st.booleans()):
            monitoring["freshness_sla"] = draw(st.sampled_from(["2h", "2d"]))
        if one_in(draw, 3):
            monitoring["grafana"] = draw(st.booleans())
        if one_in(draw, 3):
            monitoring["alerts"] = {"failure_rate": 0.1, "row_drop": 0.5, "consumer_lag": "5m"}
        _publish(spec, monitoring)
        out["monitoring"] = monitoring
    deploy = dict(spec.get("deploy", {}))
    if out.get("engines", {}).get("compute") == "kubernetes" and not one_in(draw, 4):  # else R261 refuses
        deploy["kubernetes"] = {"enabled": True, "namespace": "data"}
    if one_in(draw, 5) and spec["cloud"] != "local":  # on local R420 refuses it (tests/invalid has the case)
        deploy["terraform"] = {"enabled": True}
    if one_in(draw, 4):
        deploy["environments"] = _environments(draw, mode, spec)
    _image(spec, deploy)
    _lake_catalog(spec)
    _lake_settings(spec)
    if deploy:
        out["deploy"] = deploy
    return out
