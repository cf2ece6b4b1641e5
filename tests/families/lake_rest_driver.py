"""Runs inside the `lake` judge environment, in a generated project whose Iceberg target names a REST or
Unity catalog (`lake.catalog`): opens the lake step's catalog (pipeline/lake_store.py's `Iceberg.catalog`) as
the local run does (no PIPEGEN_LAKE_ROOT) and as a deployment does (PIPEGEN_LAKE_ROOT set, the token's
secret in its environment variable), with the catalog's URL a local HTTP server that records every request
pyiceberg's RestCatalog makes and answers the Iceberg REST handshake (`GET /v1/config`) and one listing
(`GET .../v1/namespaces`) with empty bodies: what the client sent (path, query, the bearer token, the
access-delegation header) is what a real catalog would receive. No REST catalog server runs here (see
docs/families.md, lakehouse). Also the deployment without the secret set. Prints what it saw as JSON.

Usage: python lake_rest_driver.py PROJECT URL_VARIABLE TOKEN_VARIABLE"""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SEEN: list[dict[str, Any]] = []
ANSWERS = {"/v1/config": {"defaults": {}, "overrides": {}}, "/v1/namespaces": {"namespaces": []}}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        SEEN.append({"path": url.path, "query": parse_qs(url.query), "authorization": self.headers.get("Authorization"),
                     "delegation": self.headers.get("X-Iceberg-Access-Delegation")})  # fmt: skip
        body = next((v for k, v in ANSWERS.items() if url.path.endswith(k)), None)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body or {"error": {"message": "no", "type": "NotFound", "code": 404}}).encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    project, url_variable, token_variable = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ[url_variable] = f"http://127.0.0.1:{server.server_address[1]}/base"
    sys.path.insert(0, str(project))
    from pipeline import lake, lake_store

    target = lake.CONFIG["targets"][0]
    out: dict[str, Any] = {"local": type(lake_store.Iceberg(target).catalog()).__name__, "local_requests": len(SEEN)}
    os.environ["PIPEGEN_LAKE_ROOT"] = (project / "objstore").as_uri()
    try:
        lake_store.Iceberg(target).catalog()
    except RuntimeError as missing:  # the token's secret not in the environment
        out["without_secret"] = str(missing)
    os.environ[token_variable] = "judge-token"
    catalog = lake_store.Iceberg(target).catalog()
    out["deployed"] = type(catalog).__name__
    out["namespaces"] = [list(n) for n in catalog.list_namespaces()]
    out["requests"] = SEEN
    server.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
