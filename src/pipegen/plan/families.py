"""Artifact families by name: the tags the plan's component graph puts on components and
the keys of the generator registry (src/pipegen/generators/registry.py). One vocabulary,
so the plan decides WHICH families a spec needs and the registry says HOW each is made."""

from __future__ import annotations

from enum import StrEnum


class Family(StrEnum):
    PROJECT = "project"
    DOCS = "docs"
    SYNTHETIC = "synthetic"
    INGESTION = "ingestion"
    DBT = "dbt"
    GX = "gx"
    AIRFLOW = "airflow"
    PREFECT = "prefect"
    DEBEZIUM = "debezium"
    KAFKA = "kafka"
    FLINK = "flink"
    KUBERNETES = "kubernetes"
    TERRAFORM = "terraform"
    MONITORING = "monitoring"


# Families every project gets, whatever its architecture (they describe the project itself).
ALWAYS: tuple[Family, ...] = (Family.PROJECT, Family.DOCS)

DESCRIPTIONS: dict[Family, str] = {
    Family.PROJECT: "shared project files: requirements, environment variables, Makefile targets, local run steps",
    Family.DOCS: "architecture and capacity documentation",
    Family.SYNTHETIC: "local stand-in source data (Faker) for the local run",
    Family.INGESTION: "extract-load code (dlt)",
    Family.DBT: "dbt project: sources, staging and mart models, data tests",
    Family.GX: "Great Expectations suites and checkpoints",
    Family.AIRFLOW: "Airflow 3 DAG",
    Family.PREFECT: "Prefect 3 flow and deployment",
    Family.DEBEZIUM: "Debezium CDC connector configurations",
    Family.KAFKA: "Kafka on Strimzi: cluster, topics, users, Kafka Connect",
    Family.FLINK: "Flink SQL jobs and their deployment",
    Family.KUBERNETES: "Kubernetes manifests",
    Family.TERRAFORM: "Terraform infrastructure",
    Family.MONITORING: "Prometheus rules and Grafana dashboards",
}


def ordered(families: set[Family] | frozenset[Family]) -> tuple[Family, ...]:
    """Families in declaration order: the order files and docs list them in."""
    return tuple(f for f in Family if f in families)
