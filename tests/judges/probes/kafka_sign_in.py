"""Runs in the `batch` judge env, in a generated project: the managed cloud's sign-in of the production topic
reader (pipeline/topics.py) or, with `publisher`, of the quality step's validation-events publisher
(pipeline/quality_events.py), both pipeline/kafka_sign_in.py's, with a fake token provider in place of the
cloud's (no cloud here).

    python kafka_sign_in.py CLOUD BOOTSTRAP [publisher]

Evaluates the `options = sign_in(...)` line of the generated pipeline/sources.py as written, with `sign_in`
given the fake (the signer, credentials or credential the cloud's default chain would make), builds the
consumer's settings (`client_config`), calls the token callback as librdkafka does and hands the settings to
confluent-kafka's Consumer (librdkafka refuses an unknown or inconsistent setting). The publisher: its settings
as the generated gx/checks.json's `events` make them (`kafka_settings`, `producer_config`), handed to a Producer
the same way. Prints JSON."""

from __future__ import annotations

import ast
import base64
import json
import sys
import time
from collections import namedtuple
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer
from pipeline import topics

EXPIRY = datetime(2030, 1, 1)  # the fakes' tokens expire then (naive UTC, as google-auth keeps it)
AccessToken = namedtuple("AccessToken", "token expires_on")
seen: dict[str, Any] = {}


def called() -> None:
    seen["calls"] = seen.get("calls", 0) + 1


def signer(region: str) -> tuple[str, int]:
    called()
    seen["region"] = region
    return "signed-url-token", 1_893_456_000_000


class Credentials:
    valid, token, expiry, service_account_email = False, None, None, "default"

    def refresh(self, request: Any) -> None:
        called()
        self.valid, self.token, self.expiry = True, "ya29.access-token", EXPIRY
        self.service_account_email = "ingest@project.iam.gserviceaccount.com"


class Credential:
    def get_token(self, *scopes: str) -> AccessToken:
        called()
        seen["scopes"] = list(scopes)
        return AccessToken("entra-token", 1_893_456_000)


FAKES = {"aws": {"signer": signer}, "gcp": {"credentials": Credentials(), "request": object()},
         "azure": {"credential": Credential()}}  # fmt: skip


def generated_options(bootstrap: str, cloud: str) -> Any:
    """The generated sources.py's `options = ...` expression, evaluated with the fake provider."""
    tree = ast.parse(Path("pipeline/sources.py").read_text(encoding="utf-8"))
    [value] = [n.value for n in ast.walk(tree) if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "options"]
    seen["options_line"] = ast.unparse(value)
    names = {"sign_in": partial(topics.sign_in, **FAKES[cloud]), "bootstrap": bootstrap}
    return eval(compile(ast.Expression(value), "sources.py", "eval"), names)


def decode(part: str) -> Any:
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
    return json.loads(raw) if raw.startswith("{") else raw


def reader_config(cloud: str, bootstrap: str) -> dict[str, Any]:
    return topics.client_config(bootstrap, "shop.orders.ingest", generated_options(bootstrap, cloud))


def publisher_config(cloud: str, bootstrap: str) -> dict[str, Any]:
    """The events producer's settings from the generated gx/checks.json, as `sink` makes them."""
    from pipeline import quality_events  # the gx family's (a reader-only project has none)

    events = json.loads(Path("gx/checks.json").read_text(encoding="utf-8"))["events"]
    seen["events"] = events
    return quality_events.producer_config(bootstrap, quality_events.kafka_settings(events, bootstrap, **FAKES[cloud]))


def main(cloud: str, bootstrap: str, client: str = "reader") -> dict[str, Any]:
    config = (publisher_config if client == "publisher" else reader_config)(cloud, bootstrap)
    token, expiry = config["oauth_cb"]("")
    out: dict[str, Any] = {
        "settings": {k: v for k, v in config.items() if k != "oauth_cb"}, "callback": callable(config["oauth_cb"]),
        "token": token, "expiry": expiry,
        **({"parts": [decode(p) for p in token.split(".")]} if cloud == "gcp" else {}),
    }  # fmt: skip
    calls: list[Any] = []
    callback = config["oauth_cb"]
    made = Producer if client == "publisher" else Consumer
    kafka = made(config | {"oauth_cb": lambda c: (calls.append(c), callback(c))[1]})  # KafkaException if bad
    deadline = time.monotonic() + 10
    while not calls and time.monotonic() < deadline:  # until the client asked for its first token (else the test fails)
        kafka.poll(0.05)  # serves the client's token refresh: it calls oauth_cb for its first token
    if client != "publisher":
        kafka.close()
    out["accepted"], out["client_calls"] = True, len(calls)
    return out | seen


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4]), default=str))
