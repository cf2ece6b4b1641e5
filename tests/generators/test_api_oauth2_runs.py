"""An API source with OAuth2 client credentials RUNS authenticated: the generated project asks a
local token endpoint for an access token (client id and secret, grant type client_credentials)
and sends it as a bearer token; the API refuses every request without it. The server here is the
reference: it counts the token grants and what each request carried.

(Before, `auth: oauth2` with `client_id`/`client_secret` sent no authentication at all: docs/corpus.md.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest

from tests.generators.test_ingestion_runs import production_ingest, project_from, query

CLIENT_ID = "pipegen-client"
CLIENT_SECRET = "s3cr3t-value"  # the test's own client secret, set in the run's environment
ACCESS_TOKEN = "issued-token-42"


class OAuthApi(BaseHTTPRequestHandler):
    """POST /oauth/token: a token for the right client credentials (else 401);
    GET /items: three records for `Authorization: Bearer <that token>` (else 401)."""

    grants: ClassVar[list[dict[str, list[str]]]] = []
    seen: ClassVar[list[str | None]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        OAuthApi.grants.append(form)
        good = form == {
            "grant_type": ["client_credentials"],
            "client_id": [CLIENT_ID],
            "client_secret": [CLIENT_SECRET],
        }
        if self.path != "/oauth/token" or not good:
            self._json(401, {"error": "invalid_client"})
            return
        self._json(200, {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self) -> None:
        header = self.headers.get("Authorization")
        OAuthApi.seen.append(header)
        if header != f"Bearer {ACCESS_TOKEN}":
            self._json(401, {"error": "unauthorized"})
            return
        self._json(200, {"items": [{"id": i, "name": f"n{i}"} for i in (1, 2, 3)]})

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def oauth_api() -> Iterator[str]:
    OAuthApi.grants, OAuthApi.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), OAuthApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def oauth_spec(url: str) -> dict[str, Any]:
    return {
        "version": 1,
        "pipeline": {"name": "apis"},
        "latency": "1h",
        "sources": [
            {
                "name": "crm",
                "type": "api",
                "connection": {
                    "url": url,
                    "auth": "oauth2",
                    "client_id": CLIENT_ID,
                    "client_secret": "${secret:CRM_CLIENT_SECRET}",
                    "token_url": url + "/oauth/token",
                },
                "tables": [
                    {
                        "name": "items",
                        "endpoint": "/items",
                        "records_path": "items",
                        "primary_key": "id",
                        "columns": [{"name": "id", "type": "bigint"}, {"name": "name", "type": "string"}],
                    }
                ],
            }
        ],
        "targets": [{"name": "warehouse", "type": "duckdb"}],
    }


def test_oauth2_client_credentials_get_a_token_and_every_request_carries_it(
    tmp_path: Path, oauth_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = project_from(oauth_spec(oauth_api), tmp_path / "apis")
    monkeypatch.setenv("CRM_CLIENT_SECRET", CLIENT_SECRET)
    proc = production_ingest(project, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(OAuthApi.grants) == 1, OAuthApi.grants  # one token, reused until it expires
    assert OAuthApi.seen and set(OAuthApi.seen) == {f"Bearer {ACCESS_TOKEN}"}, OAuthApi.seen
    assert query(project, "select count(*), count(distinct id) from raw_crm.items") == [[3, 3]]


def test_a_wrong_client_secret_stops_the_load_at_the_token_endpoint(
    tmp_path: Path, oauth_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = project_from(oauth_spec(oauth_api), tmp_path / "apis")
    monkeypatch.setenv("CRM_CLIENT_SECRET", "not-the-secret")
    proc = production_ingest(project, timeout=120)
    assert proc.returncode != 0
    assert OAuthApi.grants and OAuthApi.seen == [], "no API request goes out without a token"
