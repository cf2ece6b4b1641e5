"""The Connect workers' metrics for Prometheus (with `monitoring.prometheus`): Strimzi's
`metricsConfig` on the KafkaConnect runs the Prometheus JMX exporter as a Java agent in every
Connect pod, serving /metrics on the container port Strimzi names `tcp-prometheus` (9404), with the
rules of the ConfigMap `<connect>-metrics` (key `metrics-config.yml`). The monitoring family's Kafka
PodMonitor scrapes those pods.

Debezium registers its streaming metrics as the MBean
`debezium.<plugin>:type=connector-metrics,context=streaming,server=<topic.prefix>` (SQL Server's and
Oracle's add `task` and `database`); the rules turn each numeric attribute into
`debezium_metrics_<Attribute>{plugin, context, name=<topic.prefix>}`, so `MilliSecondsBehindSource`
(the time between a change's commit and the connector processing it) becomes
`debezium_metrics_MilliSecondsBehindSource`, the metric the PipelineCdcLag alert reads. Names keep
their case (`lowercaseOutputName: false`)."""

from __future__ import annotations

from typing import Any

from pipegen.plan.cdc import CDC_LAG_METRIC

__all__ = ["CDC_LAG_METRIC", "KEY", "RULES", "config_map", "exporter_config", "metrics_config"]

KEY = "metrics-config.yml"
# The JMX exporter's input: `domain<key=value, ...><>Attribute` (keys in the MBean's own order).
RULES: tuple[dict[str, Any], ...] = (
    {
        "pattern": "debezium.([^:<]+)<type=connector-metrics, context=([^,>]+), server=([^,>]+)><>([^:]+)",
        "name": "debezium_metrics_$4",
        "labels": {"plugin": "$1", "context": "$2", "name": "$3"},
    },
    {
        "pattern": "debezium.([^:<]+)<type=connector-metrics, server=([^,>]+), task=([^,>]+), "
        "context=([^,>]+), database=([^,>]+)><>([^:]+)",
        "name": "debezium_metrics_$6",
        "labels": {"plugin": "$1", "name": "$2", "task": "$3", "context": "$4", "database": "$5"},
    },
    {
        "pattern": "debezium.([^:<]+)<type=connector-metrics, server=([^,>]+), task=([^,>]+), "
        "context=([^,>]+)><>([^:]+)",
        "name": "debezium_metrics_$5",
        "labels": {"plugin": "$1", "name": "$2", "task": "$3", "context": "$4"},
    },
)


def exporter_config() -> dict[str, Any]:
    """The JMX exporter's configuration (the ConfigMap's `metrics-config.yml`)."""
    return {"lowercaseOutputName": False, "lowercaseOutputLabelNames": False, "rules": [dict(r) for r in RULES]}


def metrics_config(config_map: str) -> dict[str, Any]:
    """The KafkaConnect's `spec.metricsConfig`."""
    return {"type": "jmxPrometheusExporter", "valueFrom": {"configMapKeyRef": {"name": config_map, "key": KEY}}}


def config_map(name: str, meta: dict[str, Any], text: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {**meta, "name": name}, "data": {KEY: text}}
