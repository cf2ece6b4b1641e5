"""Notifications of the quality step, judged by real deliveries: an email through GX's
EmailAction to a local SMTP server, and pipegen's webhook action POSTing the run's validation
events to a local HTTP server. A notification whose `on` does not match the run's worst
failure (warn-only, while the failures are errors) receives nothing; without its variables a
notification is off and the summary says so."""

from __future__ import annotations

import email
import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.families.test_gx_quality import HELLO, NOW, events, landed
from tests.judges import offline_env


class Mailbox(socketserver.ThreadingTCPServer):
    """A minimal SMTP server (RFC 5321 commands smtplib sends, no extensions): keeps every message."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages: list[tuple[str, list[str], bytes]] = []


class _SmtpSession(socketserver.StreamRequestHandler):
    server: Mailbox

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost pipegen-test SMTP")
        sender, rcpt = "", []
        while line := self.rfile.readline():
            cmd = line.decode().strip()
            verb = cmd.split(" ", 1)[0].split(":", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender = cmd.split(":", 1)[1].strip().strip("<>")
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt.append(cmd.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk
                self.server.messages.append((sender, rcpt, body))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK" if verb in ("RSET", "NOOP") else "502 not implemented")


class Hooks(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.posts: list[tuple[str, str, Any]] = []


class _Hook(BaseHTTPRequestHandler):
    server: Hooks

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[Mailbox, Hooks]]:
    mail, hooks = Mailbox(), Hooks()
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (mail, hooks)]
    for t in threads:
        t.start()
    yield mail, hooks
    for s in (mail, hooks):
        s.shutdown()
        s.server_close()


NOTIFICATIONS = [
    {"type": "email", "to": ["dq@example.com", "oncall@example.com"], "on": ["error"]},
    {"type": "webhook", "webhook": "${secret:DQ_WEBHOOK}", "on": ["error", "warn"]},
    {"type": "webhook", "webhook": "${secret:DQ_WEBHOOK_WARN}", "on": ["warn"]},
]


@pytest.mark.judge
def test_failures_are_emailed_and_posted_as_events_to_the_webhook_and_only_matching_severities_notify(
    tmp_path: Path, batch_python: Path, servers: tuple[Mailbox, Hooks]
) -> None:
    import subprocess

    mail, hooks = servers
    yaml = YAML()
    spec = yaml.load(HELLO.read_text())
    spec["quality"] = {"notifications": NOTIFICATIONS}
    spec_path = tmp_path / "pipegen.yaml"
    yaml.dump(spec, spec_path)
    project = landed(spec_path, tmp_path, batch_python, "--rows", "300", "--bad-row-rate", "0.05")
    env_example = (project / ".env.example").read_text()
    assert "PIPEGEN_SMTP_HOST" in env_example and "DQ_WEBHOOK" in env_example
    assert "QUALITY_SMTP" not in env_example  # one SMTP set for every notification (pipeline/notify.py)
    base = {**offline_env(tmp_path / "home"), "PIPEGEN_QUALITY_NOW": NOW}

    def quality(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        argv = [str(batch_python), "-m", "pipeline.quality", "--on-failure", "warn"]
        return subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=600, check=False,
                              env={**base, **extra})  # fmt: skip

    off = quality({})  # no SMTP server, no webhook URL: nobody is notified, and the summary says why
    assert off.returncode == 0, off.stderr[-3000:]
    assert not mail.messages and not hooks.posts
    assert "email notification off: PIPEGEN_SMTP_HOST is not set" in off.stdout
    port = hooks.server_address[1]
    on = quality({
        "PIPEGEN_SMTP_HOST": "127.0.0.1", "PIPEGEN_SMTP_PORT": str(mail.server_address[1]),
        "PIPEGEN_SMTP_SECURITY": "none", "PIPEGEN_SMTP_FROM": "pipegen@example.com",
        "DQ_WEBHOOK": f"http://127.0.0.1:{port}/dq", "DQ_WEBHOOK_WARN": f"http://127.0.0.1:{port}/warn",
    })  # fmt: skip
    assert on.returncode == 0, on.stderr[-3000:]
    assert len(mail.messages) == 1
    sender, rcpt, raw = mail.messages[0]
    assert sender == "pipegen@example.com" and rcpt == ["dq@example.com", "oncall@example.com"]
    message = email.message_from_bytes(raw)
    assert message["Subject"] == "hello_quality: False"  # GX's title: the checkpoint and its success
    html = "".join(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/html")
    assert "stg_shop__orders" in html
    assert [(path, kind) for path, kind, _ in hooks.posts] == [("/dq", "application/json")]  # not /warn
    body = hooks.posts[0][2]
    run_events = [e for e in events(project) if e["run_id"] == body["run_id"]]
    assert body["success"] is False and body["events"] == run_events
    assert {"ValidationFailed", "ThresholdBreached"} <= {e["event_type"] for e in body["events"]}
