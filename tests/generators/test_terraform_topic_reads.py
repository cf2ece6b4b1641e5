"""The batch topic reader's cloud identity is granted exactly what the generated reader reads (cross-file: the
reference is the generated pipeline/sources.py, the grants are parsed from the generated Terraform with
python-hcl2, which the dev environment pins as the `hcl` judge env does).

- AWS: the ingest role's policy has `kafka-cluster:Connect` on the MSK cluster, DescribeTopic/ReadData on exactly
  the topics sources.py reads and DescribeGroup/AlterGroup on exactly its consumer groups; no other Kafka action;
  the documented bootstrap is the cluster's IAM listener (`bootstrap_brokers_sasl_iam`, port 9098).
- GCP: the ingest service account is a Managed Kafka client (`roles/managedkafka.client`).
- Azure: the ingest identity is an Event Hubs Data Receiver on the namespace (Entra ID; local keys stay off).

No handshake with a real cluster can run here: tests/generators/test_ingestion_sign_in.py judges the client side."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.judges.terraform import parse_dir, write_terraform

TOPICS = ("orders", "payments")


def spec(cloud: str) -> dict[str, Any]:
    columns = [{"name": "id", "type": "bigint", "not_null": True}]
    return {
        "version": 1, "pipeline": {"name": "shop_topics"}, "latency": "1h", "architecture": "elt", "cloud": cloud,
        "sources": [{"name": "shop", "type": "kafka", "ingestion": "stream",
                     "topics": [{"name": t, "format": "json", "primary_key": "id", "columns": columns}
                                for t in TOPICS]}],
        "targets": [{"name": "warehouse", "type": "duckdb", "connection": {"path": "warehouse.duckdb"}}],
        "deploy": {"terraform": {"enabled": True}},
    }  # fmt: skip


def generated(cloud: str, tmp_path: Path, data: dict[str, Any] | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(data or spec(cloud)), encoding="utf-8")
    ready = prepare(path)
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    root = write_terraform(files, tmp_path / "project")
    docs = {p.split("/terraform/", 1)[1]: d for p, d in parse_dir(Path(sys.executable), root).items()}
    return files, docs


def reads(sources_py: str) -> set[tuple[str, str]]:
    """(topic, group) of every topic_resource(..., client_config(bootstrap, GROUP, options), TOPIC, ctx) call."""
    out = set()
    for node in ast.walk(ast.parse(sources_py)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "topic_resource":
            config, topic = node.args[1], node.args[2]
            assert isinstance(config, ast.Call) and isinstance(topic, ast.Constant)
            group = config.args[1]
            assert isinstance(group, ast.Constant)
            out.add((topic.value, group.value))
    return out


def test_the_ingest_role_may_read_exactly_the_msk_topics_and_groups_the_reader_reads(tmp_path: Path) -> None:
    files, docs = generated("aws", tmp_path)
    read = reads(files["pipeline/sources.py"])
    assert {t for t, _ in read} == set(TOPICS) and 'sign_in("aws", bootstrap)' in files["pipeline/sources.py"]
    policies = {
        k: v for e in docs["modules/platform/iam.tf"]["data"] for k, v in e.get("aws_iam_policy_document", {}).items()
    }
    ingest = policies["ingest"]["statement"]
    kafka = {st["sid"]: st for st in ingest if any(a.startswith("kafka-cluster:") for a in st["actions"])}
    arn = '${replace(aws_msk_cluster.kafka.arn, ":cluster/", ":%s/")}/%s'
    assert kafka["KafkaConnect"]["actions"] == ["kafka-cluster:Connect"]
    assert kafka["KafkaConnect"]["resources"] == ["${aws_msk_cluster.kafka.arn}"]
    assert kafka["KafkaReadTopics"]["actions"] == ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
    assert sorted(kafka["KafkaReadTopics"]["resources"]) == sorted(arn % ("topic", t) for t, _ in read)
    assert kafka["KafkaGroups"]["actions"] == ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
    assert sorted(kafka["KafkaGroups"]["resources"]) == sorted(arn % ("group", g) for _, g in read)
    assert set(kafka) == {"KafkaConnect", "KafkaReadTopics", "KafkaGroups"}
    outputs = {k: v for e in docs["modules/platform/outputs.tf"]["output"] for k, v in e.items()}
    assert outputs["kafka_bootstrap_brokers"]["value"] == "${aws_msk_cluster.kafka.bootstrap_brokers_sasl_iam}"


CLIENT_ROLES = [("gcp", "google_project_iam_member", "roles/managedkafka.client"),
                ("azure", "azurerm_role_assignment", "Azure Event Hubs Data Receiver")]  # fmt: skip


@pytest.mark.parametrize(("cloud", "kind", "role"), CLIENT_ROLES)
def test_the_ingest_identity_is_a_client_of_the_managed_cluster(
    cloud: str, kind: str, role: str, tmp_path: Path
) -> None:
    files, docs = generated(cloud, tmp_path)
    assert f'sign_in("{cloud}", bootstrap)' in files["pipeline/sources.py"]
    identities = docs["modules/platform/identities.tf"]
    if cloud == "gcp":
        grant = {k: v for e in identities["resource"] for k, v in e.get(kind, {}).items()}
        assert grant["kafka_client"]["role"] == role and '"ingest"' in grant["kafka_client"]["for_each"]
    else:
        [grants] = [e["grants"] for e in identities["locals"] if "grants" in e]
        assert grants["ingest-receiver"] == {"workload": "ingest", "role": role,
                                             "scope": "${azurerm_eventhub_namespace.stream.id}"}  # fmt: skip
        [namespace] = [e["azurerm_eventhub_namespace"]["stream"] for e in docs["modules/platform/stream.tf"]["resource"]
                       if "azurerm_eventhub_namespace" in e]  # fmt: skip
        assert namespace["local_authentication_enabled"] is False  # Entra ID only: no SAS key to leak


def published_topic(files: dict[str, str]) -> str:
    """The topic the generated publisher produces to, and that it signs in to the managed cluster (gx/checks.json
    `events`, read by pipeline/quality_events.py `sink`)."""
    events = json.loads(files["gx/checks.json"])["events"]
    assert events["sink"] == "kafka" and events["sign_in"] in ("aws", "gcp", "azure")
    return str(events["topic"])


def publishing(cloud: str, tmp_path: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """The same spec with the quality step publishing its validation events to the project's cluster."""
    events = {**spec(cloud), "quality": {"events": {"sink": "kafka", "topic": "shop.dq_events"}}}
    return generated(cloud, tmp_path, events)


def test_the_quality_workload_may_write_exactly_the_events_topic_the_publisher_publishes_to(tmp_path: Path) -> None:
    """AWS: the transform role (it runs the quality step) may connect, describe and write the events topic of
    the generated gx/checks.json and nothing else of the cluster; the ingest role still writes nothing."""
    files, docs = publishing("aws", tmp_path)
    topic = published_topic(files)
    policies = {
        k: v for e in docs["modules/platform/iam.tf"]["data"] for k, v in e.get("aws_iam_policy_document", {}).items()
    }
    kafka = {st["sid"]: st for st in policies["transform"]["statement"]
             if any(a.startswith("kafka-cluster:") for a in st["actions"])}  # fmt: skip
    arn = '${replace(aws_msk_cluster.kafka.arn, ":cluster/", ":topic/")}/%s'
    assert kafka == {
        "EventsConnect": {"sid": "EventsConnect", "actions": ["kafka-cluster:Connect"],
                          "resources": ["${aws_msk_cluster.kafka.arn}"]},
        "EventsTopic": {"sid": "EventsTopic", "actions": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
                        "resources": [arn % topic]},
    }  # fmt: skip
    ingest = [a for st in policies["ingest"]["statement"] for a in st["actions"]]
    assert "kafka-cluster:WriteData" not in ingest and "kafka-cluster:Connect" in ingest


def test_the_quality_workload_is_a_managed_kafka_client_where_it_publishes(tmp_path: Path) -> None:
    files, docs = publishing("gcp", tmp_path)
    published_topic(files)
    grant = {k: v for e in docs["modules/platform/identities.tf"]["resource"]
             for k, v in e.get("google_project_iam_member", {}).items()}  # fmt: skip
    assert grant["kafka_client"]["role"] == "roles/managedkafka.client"
    assert set(grant["kafka_client"]["for_each"].split('"')[1::2]) == {"ingest", "transform"}


def test_only_the_quality_workload_sends_and_only_to_the_events_hub(tmp_path: Path) -> None:
    """Azure: the transform identity is an Event Hubs Data Sender on exactly the event hub of the generated
    publisher's topic (an event hub the module creates); no other batch identity may send (the ingest identity
    only receives)."""
    files, docs = publishing("azure", tmp_path)
    topic = published_topic(files)
    [grants] = [e["grants"] for e in docs["modules/platform/identities.tf"]["locals"] if "grants" in e]
    senders = {k: g for k, g in grants.items() if g["role"] == "Azure Event Hubs Data Sender"}
    assert senders == {"transform-events-sender": {"workload": "transform", "role": "Azure Event Hubs Data Sender",
                                                   "scope": f'${{azurerm_eventhub.topic["{topic}"].id}}'}}  # fmt: skip
    assert grants["ingest-receiver"]["role"] == "Azure Event Hubs Data Receiver"
    assert topic in docs["envs/prod/terraform.tfvars"]["eventhubs"]  # the hub exists: the module's for_each


def test_a_publisher_with_no_managed_cluster_to_sign_in_to_is_warned_and_granted_nothing(tmp_path: Path) -> None:
    """A batch-only plan (no Kafka topics) on AWS whose quality step publishes to Kafka: Terraform creates no MSK
    cluster, so the publisher is not told to sign in to one (`sign_in` null), no role gets a Kafka grant, and
    validate says so at `quality.events.sink` (R474) instead of leaving it silent."""
    data = {**spec("aws"), "sources": [{"name": "shop", "type": "postgres", "connection": {
                "host": "db", "database": "shop", "user": "u", "password": "${secret:PG_PASSWORD}"},
            "tables": [{"name": "orders", "primary_key": "id", "columns": [{"name": "id", "type": "bigint"}]}]}],
            "quality": {"events": {"sink": "kafka", "topic": "shop.dq_events"}}}  # fmt: skip
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    [warning] = [d for d in prepare(path).diagnostics if d.code == "R474"]
    assert (warning.path, warning.severity) == ("quality.events.sink", "warning")
    files, docs = generated("aws", tmp_path, data)
    assert json.loads(files["gx/checks.json"])["events"]["sign_in"] is None
    assert "aws-msk-iam-sasl-signer-python==1.0.2" not in files["requirements.txt"].splitlines()
    actions = [a for e in docs["modules/platform/iam.tf"]["data"] for d in e.get("aws_iam_policy_document", {}).values()
               for st in d.get("statement", []) for a in st["actions"]]  # fmt: skip
    assert actions and not [a for a in actions if a.startswith("kafka-cluster:")]
