"""`monitoring.publish: pushgateway` judged by the real Prometheus Pushgateway (Debian
`prometheus-pushgateway`, installed with apt-get like promtool when missing): a generated project's
pipeline/metrics.py pushes a local run's metrics there as well as to its textfile, and the gateway
serves exactly the file's samples under job=<pipeline> (a step's series in its group step=<step>),
run after run; orchestrated steps in separate pods (each its own file) never replace each other's
series; a gateway that cannot be
reached leaves the file written and says so on stderr. The generated prometheus.yml scrapes the
gateway (`promtool check config`), compose.yaml runs it and .env.example points the run at it."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, generate
from tests.judges import offline_env, promtool
from tests.servers import free_port

PROBE = REPO / "tests" / "judges" / "probes" / "metrics_push.py"
PACKAGE = "prometheus-pushgateway"


def pushgateway_binary() -> str:
    found = shutil.which(PACKAGE)
    if found is None:
        why = promtool._install(PACKAGE)
        found = shutil.which(PACKAGE)
        if found is None:
            pytest.fail(f"{PACKAGE} is missing and could not be installed ({why}): install Debian's `{PACKAGE}`")
    return found


@contextlib.contextmanager
def pushgateway() -> Iterator[str]:
    """A Pushgateway on a free port of 127.0.0.1 (no persistence); SIGKILLed by its PID at the end."""
    port = free_port()
    base = Path(tempfile.mkdtemp(prefix="pipegen-pushgateway-"))
    url = f"http://127.0.0.1:{port}"
    with (base / "log").open("ab") as log:
        proc = subprocess.Popen([pushgateway_binary(), f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=log, stderr=subprocess.STDOUT, cwd=base)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/-/ready", timeout=1):
                break
            assert proc.poll() is None and time.monotonic() < deadline, (base / "log").read_text()
            time.sleep(0.05)
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


def series(
    samples: list[list[Any]], drop: tuple[str, ...] = ()
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (name, tuple(sorted((k, v) for k, v in labels.items() if k not in drop))): value
        for name, labels, value in samples
        if name.startswith("pipegen_")
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = tmp_path_factory.mktemp("push")
    text = (REPO / "specs" / "hello.yaml").read_text(encoding="utf-8")
    assert "\nlatency: 1h\n" in text
    (scratch / "hello.yaml").write_text(
        text.replace("\nlatency: 1h\n", "\nlatency: 1h\nmonitoring: {publish: pushgateway}\n")
    )
    code, output = generate(scratch / "hello.yaml", scratch / "project")
    assert code == 0, output
    return scratch / "project"


@pytest.mark.judge
def test_the_local_run_pushes_the_same_metrics_to_the_pushgateway_as_to_its_file(
    project: Path, batch_python: Path, tmp_path: Path
) -> None:
    with pushgateway() as url:
        done = subprocess.run([str(batch_python), str(PROBE), url, f"http://127.0.0.1:{free_port()}"], cwd=project,
                              capture_output=True, text=True, timeout=120, check=False,
                              env=offline_env(tmp_path / "home"))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    first, second = report["runs"]
    for run in (first, second):
        want = {(n, tuple(sorted((*labels, ("job", "hello"))))): v for (n, labels), v in series(run["file"]).items()}
        assert len(want) >= 8 and series(run["gateway"], drop=("instance",)) == want
    runs = (
        "pipegen_step_runs_total",
        (("job", "hello"), ("outcome", "failure"), ("pipeline", "hello"), ("step", "transform")),
    )
    assert (series(first["gateway"], ("instance",))[runs], series(second["gateway"], ("instance",))[runs]) == (0, 1)
    assert "metrics: push to http://127.0.0.1:" in report["dead"]["stderr"] and report["dead"]["file"]
    # orchestrated steps in separate pods push to their own groups (job, step): the transform pod,
    # whose file knows nothing of the ingestion, replaces none of its series, and each table series is
    # held once, in the group of the step that set it
    gateway = series(report["pods"]["gateway"], drop=("instance",))
    for step in ("ingest_shop", "transform"):
        assert gateway[("pipegen_step_success", (("job", "hello"), ("pipeline", "hello"), ("step", step)))] == 1
    table = (("job", "hello"), ("pipeline", "hello"), ("step", "ingest_shop"), ("table", "raw_shop.orders"))
    assert [gateway[(f"pipegen_rows_{kind}_total", table)] for kind in ("loaded", "rejected", "extracted")] == [5, 2, 7]
    held = [labels for (name, labels) in gateway if name == "pipegen_rows_loaded_total"]
    assert held == [table], held  # not also the transform pod's zero under another group
    transform_file = series(report["pods"]["files"][1])
    assert transform_file[("pipegen_rows_loaded_total", (("pipeline", "hello"), ("table", "raw_shop.orders")))] == 0


def test_prometheus_scrapes_the_pushgateway_compose_runs_and_the_run_points_at_it(
    project: Path, tmp_path: Path
) -> None:
    config = yaml.safe_load((project / "monitoring/prometheus/prometheus.yml").read_text())
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "pipegen-pushgateway"]
    assert job["honor_labels"] is True  # the pushed `job` and `pipeline` labels are kept
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    [target] = job["static_configs"][0]["targets"]
    host, port = target.split(":")
    assert host in services and services[host]["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert host in services["prometheus"]["depends_on"]
    env = dict(
        line.split("=", 1)
        for line in (project / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert env["PIPEGEN_PUSHGATEWAY_URL"] == f"http://127.0.0.1:{port}"
    assert json.loads((project / "monitoring/metrics.json").read_text())["push"] == {
        "url_env": "PIPEGEN_PUSHGATEWAY_URL",
        "job": "hello",
    }
    shutil.copy(project / "monitoring/prometheus/prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(project / "monitoring/prometheus/rules.yml", tmp_path / "rules.yml")
    done = promtool.run("check", "config", "prometheus.yml", cwd=tmp_path)
    assert done.returncode == 0 and "SUCCESS: 1 rule files found" in done.stdout, done.stdout + done.stderr
