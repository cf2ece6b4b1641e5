"""The generated notification module (templates/runtime/notify.py, written to every orchestrated
or quality-checked project as pipeline/notify.py), run for real: slack, teams and webhook POST
their JSON to a local HTTP endpoint, PagerDuty posts an Events API v2 trigger, email speaks SMTP to
a local server through the one PIPEGEN_SMTP_* set (also the quality step's: test_gx_notify.py); a
channel that cannot be reached, or email without a server, is reported and never raises."""

from __future__ import annotations

import importlib.util
import socketserver
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest

from tests.families.webhook import Webhook

NOTIFY = Path(__file__).parents[2] / "templates" / "runtime" / "notify.py"


@pytest.fixture(scope="module")
def notify() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generated_notify", NOTIFY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (RFC 5321's happy path)."""

    messages: ClassVar[list[dict[str, Any]]] = []

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 sink")
        envelope: dict[str, Any] = {"to": []}
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                envelope["from"] = line[10:]
                self.reply("250 ok")
            elif verb == "RCPT":
                envelope["to"].append(line[8:])
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                body = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    body.append(data)
                envelope["data"] = "".join(body)
                SmtpSink.messages.append(envelope)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    SmtpSink.messages = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], SmtpSink.messages
    finally:
        server.shutdown()
        server.server_close()


def test_each_http_channel_posts_its_message(
    notify: ModuleType, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_URL", webhook.url)
    monkeypatch.setenv("PD_KEY", "routing-123")
    monkeypatch.setenv("PIPEGEN_PAGERDUTY_URL", webhook.url)
    channels = [
        {"type": "slack", "channel": "#runs", "to": [], "url_env": "HOOK_URL", "key_env": ""},
        {"type": "teams", "channel": "", "to": [], "url_env": "HOOK_URL", "key_env": ""},
        {"type": "webhook", "channel": "", "to": [], "url_env": "HOOK_URL", "key_env": ""},
        {"type": "pagerduty", "channel": "", "to": [], "url_env": "", "key_env": "PD_KEY"},
    ]
    event = notify.event("shop", "failed", "shop failed at task transform", {"task": "transform"})
    assert notify.send(channels, event) == []
    slack, teams, hook, pagerduty = webhook.received
    assert slack == {"text": "shop failed at task transform", "channel": "#runs"}
    assert teams == {"text": "shop failed at task transform"}
    assert hook == event
    assert pagerduty["routing_key"] == "routing-123" and pagerduty["event_action"] == "trigger"
    assert pagerduty["payload"] == {"summary": "shop failed at task transform", "source": "shop", "severity": "error"}


def test_email_goes_to_every_recipient_over_smtp(
    notify: ModuleType, smtp: tuple[int, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, messages = smtp
    monkeypatch.setenv("PIPEGEN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PIPEGEN_SMTP_PORT", str(port))
    monkeypatch.setenv("PIPEGEN_SMTP_SECURITY", "none")
    monkeypatch.setenv("PIPEGEN_SMTP_FROM", "runs@example.com")
    channel = {"type": "email", "channel": "", "to": ["a@example.com", "b@example.com"], "url_env": "", "key_env": ""}
    assert notify.send([channel], notify.event("shop", "succeeded", "shop succeeded", {"rows": 3})) == []
    [message] = messages
    assert message["to"] == ["<a@example.com>", "<b@example.com>"] and message["from"] == "<runs@example.com>"
    assert "Subject: [shop] run succeeded" in message["data"] and '"rows": 3' in message["data"]


def test_smtp_settings_are_one_set_of_variables_with_defaults_by_security(notify: ModuleType) -> None:
    assert notify.smtp_settings({}) is None  # no server: email is off
    starttls = notify.smtp_settings({"PIPEGEN_SMTP_HOST": "mail", "PIPEGEN_SMTP_USER": "bot@example.com"})
    assert (starttls.port, starttls.security, starttls.sender) == (587, "starttls", "bot@example.com")
    ssl = notify.smtp_settings({"PIPEGEN_SMTP_HOST": "mail", "PIPEGEN_SMTP_SECURITY": "ssl"})
    assert (ssl.port, ssl.user, ssl.sender) == (465, None, "pipegen@localhost")
    given = notify.smtp_settings({"PIPEGEN_SMTP_HOST": "mail", "PIPEGEN_SMTP_PORT": "2525",
                                  "PIPEGEN_SMTP_SECURITY": "none", "PIPEGEN_SMTP_FROM": "dq@example.com"})  # fmt: skip
    assert (given.port, given.security, given.sender) == (2525, "none", "dq@example.com")
    with pytest.raises(ValueError, match="PIPEGEN_SMTP_SECURITY='tls': use one of starttls, ssl, none"):
        notify.smtp_settings({"PIPEGEN_SMTP_HOST": "mail", "PIPEGEN_SMTP_SECURITY": "tls"})


def test_an_unreachable_or_unset_channel_is_reported_not_raised(
    notify: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_HOOK", raising=False)
    monkeypatch.delenv("PIPEGEN_SMTP_HOST", raising=False)
    monkeypatch.setenv("DEAD_HOOK", "http://127.0.0.1:9/hook")  # the discard port: refused
    channels = [
        {"type": "webhook", "channel": "", "to": [], "url_env": "NO_SUCH_HOOK", "key_env": ""},
        {"type": "webhook", "channel": "", "to": [], "url_env": "DEAD_HOOK", "key_env": ""},
        {"type": "email", "channel": "", "to": ["a@example.com"], "url_env": "", "key_env": ""},
    ]
    problems = notify.send(channels, notify.event("shop", "failed", "x"))
    assert len(problems) == 3
    assert problems[0] == "webhook: environment variable NO_SUCH_HOOK is not set"
    assert problems[1].startswith("webhook: ")
    assert problems[2] == "email: environment variable PIPEGEN_SMTP_HOST is not set (email off)"
