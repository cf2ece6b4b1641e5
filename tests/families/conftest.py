"""Fixtures of the family judges."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.families.webhook import Webhook, serve


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A local HTTP endpoint recording the JSON bodies POSTed to it."""
    yield from serve()


@pytest.fixture(scope="module")
def moto_endpoint(moto_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local AWS endpoint (S3, Glue, ...): moto's server (the `moto` judge env) on a free port, stopped by
    its PID; the lake judges (test_lake_object_store, test_lake_production_catalog) point AWS_ENDPOINT_URL at it."""
    found = [moto_python.parent / "moto_server"]
    assert found[0].is_file(), f"{found[0]}: the moto judge env has no moto_server"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    server = subprocess.Popen([str(found[0]), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(endpoint, timeout=1).close()  # the local server
                break
            except OSError:
                assert server.poll() is None, f"moto_server exited ({server.returncode}): see {log.name}"
                time.sleep(0.2)
        else:
            raise AssertionError(f"moto_server did not answer on {endpoint} in 30 s")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
