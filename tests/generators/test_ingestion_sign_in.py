"""The production topic reader's sign-in to the project's managed Kafka cluster on each cloud (pipeline/topics.py
`sign_in`, the generated pipeline/sources.py's `options = sign_in(<cloud>, bootstrap)`), judged in the batch
judge env by tests/judges/probes/kafka_sign_in.py with a fake token provider in place of the cloud's:

- settings: SASL_SSL and OAUTHBEARER with a token callback, no password or key among them (each cloud signs the
  workload in as its own identity);
- the callback returns (token, expiry in seconds since the epoch) as confluent-kafka's `oauth_cb` must: MSK IAM's
  signed URL with the signer's expiry in ms made seconds, the region read from the MSK broker's host name;
  Google's documented Managed Kafka token (a JWT-shaped header, the claims with the service account as `sub`,
  the access token) after a refresh; an Entra ID token for `https://<namespace host>/.default`;
- confluent-kafka's Consumer accepts the settings and librdkafka itself calls the callback for its token;
- the quality step's validation-events publisher (`quality.events.sink: kafka`) signs in the same way through the
  same shared module (pipeline/kafka_sign_in.py): its idempotent producer's settings, made from the generated
  gx/checks.json's `events` (`sign_in: <cloud>`), are accepted by confluent-kafka's Producer, whose librdkafka
  calls the callback; the cloud's package is pinned in requirements.txt.

A real TLS/IAM handshake cannot run here (no MSK, Managed Kafka or Event Hubs, nor their token services, is
reachable offline): the providers' own packages (aws-msk-iam-sasl-signer-python, google-auth, azure-identity)
are pinned in the generated requirements, not installed in the judge env, and faked here."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.generators.test_ingestion_runs import project_from
from tests.judges import judge_python

PROBE = Path(__file__).parents[1] / "judges" / "probes" / "kafka_sign_in.py"
BOOTSTRAP = {"aws": "b-1.shop.abc123.c2.kafka.eu-central-1.amazonaws.com:9098,b-2.shop.abc123.c2.kafka.eu-central-1"
                    ".amazonaws.com:9098",
             "gcp": "bootstrap.shop.europe-west1.managedkafka.project.cloud.goog:9092",
             "azure": "shop-prod-events.servicebus.windows.net:9093"}  # fmt: skip
EXPIRY = datetime(2030, 1, 1, tzinfo=UTC).timestamp()  # the fakes' expiry (tests/judges/probes)
SECRET_KEYS = ("sasl.password", "sasl.username", "ssl.key.password", "sasl.oauthbearer.client.secret")


def spec(cloud: str) -> dict[str, Any]:
    topic = {"name": "orders", "format": "json", "primary_key": "order_id",
             "columns": [{"name": "order_id", "type": "bigint", "not_null": True}]}  # fmt: skip
    return {
        "version": 1, "pipeline": {"name": "shop_topics"}, "latency": "1h", "architecture": "elt", "cloud": cloud,
        "sources": [{"name": "shop", "type": "kafka", "ingestion": "stream", "topics": [topic]}],
        "targets": [{"name": "warehouse", "type": "duckdb", "connection": {"path": "warehouse.duckdb"}}],
    }  # fmt: skip


def probe(project: Path, cloud: str, client: str = "reader") -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEGEN_", "DLT", "RUNTIME__", "KAFKA_", "AWS_"))}
    done = subprocess.run([str(judge_python("batch")), str(PROBE), cloud, BOOTSTRAP[cloud], client], cwd=project,
                          env={**env, "PYTHONPATH": str(project), "RUNTIME__DLTHUB_TELEMETRY": "false"},
                          capture_output=True, text=True, timeout=180, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


PINS = {"aws": "aws-msk-iam-sasl-signer-python==1.0.2", "gcp": "google-auth==2.63.1", "azure": "azure-identity==1.27.0"}


def assert_token(out: dict[str, Any], cloud: str) -> None:
    """The callback's token as each cloud's fake provider made it (see the probe's fakes)."""
    assert out["expiry"] == EXPIRY  # seconds since the epoch, as librdkafka expects
    assert out["accepted"] and out["client_calls"] >= 1  # librdkafka itself asked the callback for a token
    if cloud == "aws":
        assert (out["token"], out["region"]) == ("signed-url-token", "eu-central-1")
    elif cloud == "gcp":
        header, claims, access = out["parts"]
        assert header == {"typ": "JWT", "alg": "GOOG_OAUTH2_TOKEN"} and access == "ya29.access-token"
        assert claims["sub"] == "ingest@project.iam.gserviceaccount.com" and claims["exp"] == EXPIRY
        assert (claims["iss"], claims["scope"]) == ("Google", "kafka")
    else:
        assert out["token"] == "entra-token"
        assert out["scopes"] == ["https://shop-prod-events.servicebus.windows.net/.default"]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_the_topic_reader_signs_in_to_the_clouds_managed_cluster_with_its_own_identity(
    cloud: str, tmp_path: Path
) -> None:
    project = project_from(spec(cloud), tmp_path / cloud)
    out = probe(project, cloud)
    assert out["options_line"] == f"sign_in('{cloud}', bootstrap)"
    settings = out["settings"]
    assert settings["security.protocol"] == "SASL_SSL" and settings["sasl.mechanisms"] == "OAUTHBEARER"
    assert out["callback"] and not any(key in settings for key in SECRET_KEYS)
    assert settings["group.id"] == "shop.orders.ingest" and settings["bootstrap.servers"] == BOOTSTRAP[cloud]
    assert_token(out, cloud)


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_the_quality_events_publisher_signs_in_to_the_same_cluster_with_its_own_identity(
    cloud: str, tmp_path: Path
) -> None:
    events = {**spec(cloud), "quality": {"events": {"sink": "kafka", "topic": "shop.dq_events"}}}
    project = project_from(events, tmp_path / cloud)
    out = probe(project, cloud, "publisher")
    assert out["events"] == {"sink": "kafka", "topic": "shop.dq_events", "sign_in": cloud}
    settings = out["settings"]
    assert settings["security.protocol"] == "SASL_SSL" and settings["sasl.mechanisms"] == "OAUTHBEARER"
    assert out["callback"] and not any(key in settings for key in SECRET_KEYS)
    assert settings["enable.idempotence"] is True and settings["bootstrap.servers"] == BOOTSTRAP[cloud]
    assert_token(out, cloud)
    assert PINS[cloud] in (project / "requirements.txt").read_text(encoding="utf-8").splitlines()
