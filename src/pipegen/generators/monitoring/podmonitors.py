"""PodMonitors (Prometheus Operator, monitoring.coreos.com/v1) for what the stream side runs on
Kubernetes, so the stream alerts' metrics reach Prometheus:

- `monitoring/kubernetes/podmonitor-flink.yaml`: every FlinkDeployment's JobManager and TaskManager
  pods (the flink family labels them `pipegen/flink-job` and opens Flink's Prometheus reporter on
  the container port `metrics`, 9249);
- `monitoring/kubernetes/podmonitor-kafka.yaml`: the Strimzi Kafka cluster's pods, the Kafka Exporter
  among them (the kafka family turns it on; Strimzi names its metrics port `tcp-prometheus`), and with
  CDC connectors the KafkaConnect pods, whose JMX exporter serves Debezium's metrics on the same port
  (the kafka family's `metricsConfig`).

No ServiceMonitor: nothing generated runs a Service that exposes /metrics (the batch steps write the
node_exporter textfile). The Prometheus resource's `podMonitorSelector` must match the labels
(kube-prometheus-stack: `release: <its release>`; add it to `metadata.labels`)."""

from __future__ import annotations

from typing import Any

from pipegen.generators.monitoring.metrics import Scope

API = "monitoring.coreos.com/v1"
FLINK = "monitoring/kubernetes/podmonitor-flink.yaml"
KAFKA = "monitoring/kubernetes/podmonitor-kafka.yaml"
FLINK_LABEL = "pipegen/flink-job"  # the flink family's pod label (its METRICS_LABEL)


def _labels(s: Scope) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": s.pipeline.replace("_", "-")[:63].strip("-"),
            "app.kubernetes.io/managed-by": "pipegen"}  # fmt: skip


def _name(s: Scope, suffix: str) -> str:
    return s.pipeline.replace("_", "-")[:50].strip("-") + suffix


def flink(s: Scope) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "PodMonitor",
        "metadata": {"name": _name(s, "-flink"), "namespace": s.namespace, "labels": _labels(s)},
        "spec": {
            "selector": {"matchExpressions": [{"key": FLINK_LABEL, "operator": "Exists"}]},
            "namespaceSelector": {"matchNames": [s.namespace]},
            "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
        },
    }


def kafka(s: Scope) -> dict[str, Any]:
    kinds = ["Kafka", "KafkaConnect"] if s.cdc else ["Kafka"]  # Connect: its JMX exporter (Debezium's metrics)
    return {
        "apiVersion": API,
        "kind": "PodMonitor",
        "metadata": {"name": _name(s, "-kafka"), "namespace": s.namespace, "labels": _labels(s)},
        "spec": {
            "selector": {"matchExpressions": [{"key": "strimzi.io/kind", "operator": "In", "values": kinds}]},
            "namespaceSelector": {"matchNames": [s.namespace]},
            "podMetricsEndpoints": [{"port": "tcp-prometheus", "path": "/metrics", "interval": "30s"}],
        },
    }


def resources(s: Scope) -> dict[str, dict[str, Any]]:
    """path -> PodMonitor, for the stream systems the plan runs."""
    out = {}
    if s.flink:
        out[FLINK] = flink(s)
    if s.kafka:
        out[KAFKA] = kafka(s)
    return out
