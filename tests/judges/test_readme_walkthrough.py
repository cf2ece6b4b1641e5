"""The README's walk-through, as a new user types it (issue 23): the commands between its
`walkthrough` markers run in one bash session in a fresh folder, with `pipegen` on the PATH and
the judge environments standing in for the ones `pipegen run` would build (PIPEGEN_RUN_PYTHON,
PIPEGEN_FLINK_PYTHON: no pip install here). One batch example (hello) and one streaming example
(ecommerce_realtime: Kappa with batch marts, both layers in one `pipegen run`) each end with
the summary and a report. Then, on the same two projects (the run is the slow part: done
once per module), the checks the README promises:
- every step ran, the stream step with PyFlink over synthetic change events;
- the stream jobs' results are in data/stream.duckdb under the names the spec gives them
  (`serving.rt_*`), with the rows of the job's own table, read here with DuckDB;
- the summary's rows per result are the rows DuckDB counts in the warehouse;
- the report exists, its links resolve to files (GX Data Docs and dbt's static docs among them,
  built by the run), and `pipegen report` prints its path;
- no page of the report loads anything from the network (GX Data Docs rewritten by the run), and
  none has a script or handler calling a library it does not ship (GX's jQuery, Vega calls);
- each run is judged as tests/families/test_local_run.py judges a local run (`judge_run`), which
  leaves these examples out: the walk-through's run is their local run (one run, not two)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, pipegen_exe
from tests.families import test_local_run as local
from tests.judges import offline_env
from tests.offline_assets import remote_assets, unshipped_scripts

pytestmark = pytest.mark.judge

COUNT = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
out = {}
for name in sys.argv[2:]:
    schema, table = name.split(".", 1)
    out[name] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
print(json.dumps(out))
"""


def walkthrough(marker: str = "walkthrough") -> list[str]:
    """The commands of one of the README's walk-throughs (between its markers), comments dropped."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker}:start -->\n", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("```")]


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory, batch_python: Path, flink_python: Path) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("walkthrough")
    script = "set -euo pipefail\n" + "\n".join(walkthrough()) + "\n"
    env = offline_env(root / "home", PIPEGEN_RUN_PYTHON=str(batch_python), PIPEGEN_FLINK_PYTHON=str(flink_python),
                      PATH=f"{Path(pipegen_exe()).parent}{os.pathsep}{os.environ['PATH']}",
                      PYTHONPATH=str(REPO / "src"))  # fmt: skip
    proc = subprocess.run(["bash", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=1500,
                          check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-4000:]
    return root, proc.stdout


def test_the_walkthrough_is_one_batch_and_one_streaming_example() -> None:
    commands = walkthrough()
    assert any("--spec hello" in c for c in commands) and any("--spec ecommerce_realtime" in c for c in commands)
    assert sum(c.startswith("pipegen run") for c in commands) == 2


def test_each_example_ends_with_its_summary_and_report(walked: tuple[Path, str]) -> None:
    root, out = walked
    for project in ("shop", "shop_rt"):
        assert f"report: {root / project / 'reports' / 'index.html'}" in out
    assert out.count("local run") >= 2  # the two summary tables' titles
    assert f"{root / 'shop' / 'reports' / 'index.html'}\n" in out  # `pipegen report`


def run_output(root: Path, out: str, project: str) -> str:
    """One `pipegen run`'s output in a walk-through's: up to its report line, from the one before."""
    runs = re.split(r"^report: .*$", out, flags=re.M)
    projects = re.findall(r"^report: (.*)/reports/index\.html$", out, flags=re.M)
    return runs[projects.index(str(root / project))]


def run_command(project: str) -> str:
    """The `pipegen run` command a walk-through gives for the project."""
    commands = walkthrough() + walkthrough("walkthrough-layers")
    at = next(i for i, c in enumerate(commands) if re.search(rf"pipegen new {project} ", c))
    return next(c for c in commands[at:] if c.startswith("pipegen run"))


def walked_examples() -> dict[str, str]:
    """Project folder -> the example it is made from, over every walk-through of the README."""
    commands = " ".join(walkthrough() + walkthrough("walkthrough-layers"))
    return dict(re.findall(r"pipegen new (\w+) --spec (\w+)", commands))


def test_each_walked_example_is_left_out_of_the_local_run_module() -> None:
    # a walked example's `pipegen run` is its local run, judged here by the same judge_run: the
    # local-run module leaves it out (one run instead of two); no example is judged nowhere
    assert set(walked_examples().values()) == local.WALKED
    assert {p.stem for p in local.with_local_run()} >= local.WALKED


@pytest.mark.parametrize("project", ["shop", "shop_rt"])
def test_each_run_is_judged_as_the_local_run_judges_the_others(
    project: str, walked: tuple[Path, str], batch_python: Path
) -> None:
    root, out = walked
    spec = root / project / "pipegen.yaml"  # the example under the project's name (`pipegen new` renames it)
    local.judge_run(
        spec,
        root / project,
        run_output(root, out, project),
        batch_python,
        root / "home",
        docs=True,
        sized="--rows" in run_command(project),
    )


def run_json(project: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((project / "reports" / "run.json").read_text())


def test_every_step_of_both_layers_ran(walked: tuple[Path, str]) -> None:
    root, _ = walked
    steps = {s["name"]: s["status"] for s in run_json(root / "shop_rt")["steps"]}
    assert steps == {**dict.fromkeys(("synthesize", "ingest", "stage", "quarantine", "transform"), "ok"),
                     "capture": "skipped", "stream": "ok", "quality": "ok"}  # fmt: skip
    assert {s["name"] for s in run_json(root / "shop")["steps"]} == {"synthesize", "ingest", "transform", "quality"}
    # the stream step's counts as it ran (the live display's, on a terminal): every job, with its rows
    (stream,) = [s for s in run_json(root / "shop_rt")["steps"] if s["name"] == "stream"]
    jobs = json.loads((root / "shop_rt" / "flink" / "jobs.json").read_text())
    assert stream["progress"]["jobs done"] == len(jobs["jobs"]), stream
    assert stream["progress"]["synthetic events written"] > 0, stream


def test_with_no_local_database_the_run_says_it_falls_back_to_synthetic_change_events(
    walked: tuple[Path, str],
) -> None:
    """The walk-through names no database for the CDC source: the capture step is skipped with the
    line saying so, and the stream step says it writes synthetic change events."""
    root, out = walked
    capture = next(s for s in run_json(root / "shop_rt")["steps"] if s["name"] == "capture")
    (variable,) = [
        e["dsn_env"] for e in json.loads((root / "shop_rt" / "pipeline" / "capture.json").read_text())["sources"]
    ]
    assert variable in capture["text"] and "synthetic change events" in capture["text"]
    streamed = run_output(root, out, "shop_rt")
    assert f"==> capture: skipped: no local database to capture ({variable} not set" in streamed
    assert "stream: no captured change events in " in streamed and "writing synthetic ones" in streamed


def test_the_stream_step_started_pyflink_in_a_process_of_its_own(walked: tuple[Path, str], flink_python: Path) -> None:
    """The one `pipegen run` of the suite whose stream step starts PyFlink's JVM itself, with the flink
    env's own interpreter (what `pipegen run` recorded for the project's make targets): the Lambda
    walk-through's stream step runs through the session's Flink service instead (its JVM already up)."""
    root, _ = walked
    recorded = (root / "shop_rt" / ".pipegen" / "local" / "env.mk").read_text(encoding="utf-8")
    assert f"PIPEGEN_FLINK_PYTHON ?= {shlex.quote(str(flink_python))}\n" in recorded, recorded


def spec_sinks() -> dict[str, str]:
    """`<target>.<table>` of every stream job with a sink in the example -> the job's own table."""
    spec = yaml.safe_load((REPO / "specs" / "ecommerce_realtime.yaml").read_text())
    return {
        f"{j['sink']['target']}.{j['sink']['table']}": f"results.{j['name']}" for j in spec["transforms"]["streams"]
    }


def count(python: Path, database: Path, tables: list[str], home: Path) -> dict[str, int]:
    proc = subprocess.run([str(python), "-c", COUNT, str(database), *tables], capture_output=True, text=True,
                          check=False, env=offline_env(home))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_stream_results_are_under_the_spec_names_with_the_jobs_rows(
    walked: tuple[Path, str], batch_python: Path
) -> None:
    root, _ = walked
    sinks = spec_sinks()
    assert len(sinks) == 4
    counted = count(batch_python, root / "shop_rt" / "data" / "stream.duckdb", [*sinks, *sinks.values()], root)
    for name, own in sinks.items():
        assert counted[name] == counted[own], name
    assert any(counted[name] > 0 for name in sinks), counted
    reported = {r["table"]: r for r in run_json(root / "shop_rt")["results"]}
    for name in sinks:
        assert reported[name]["rows"] == counted[name] and reported[name]["where"] == "data/stream.duckdb"
        assert re.fullmatch(r"transforms\.streams\[\d\]\.sink", reported[name]["spec_path"])


def test_the_summary_rows_are_the_warehouses(walked: tuple[Path, str], batch_python: Path) -> None:
    root, _ = walked
    results = [r for r in run_json(root / "shop_rt")["results"] if r["where"] == "warehouse.duckdb"]
    assert {"marts.fact_orders", "marts.order_daily_stats", "raw_shop.orders"} <= {r["table"] for r in results}
    counted = count(batch_python, root / "shop_rt" / "warehouse.duckdb", [r["table"] for r in results], root)
    assert {r["table"]: r["rows"] for r in results} == counted
    assert counted["marts.fact_orders"] > 0


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]


def test_the_reports_links_resolve(walked: tuple[Path, str]) -> None:
    root, _ = walked
    for project in ("shop", "shop_rt"):
        page = root / project / "reports" / "index.html"
        links = Links()
        links.feed(page.read_text())
        assert all((page.parent / href).resolve().is_file() for href in links.hrefs), links.hrefs
        # what the run built: GX Data Docs and dbt's static docs, beside the architecture and capacity
        built = {"data_docs/index.html", "../dbt/target/static_index.html", "../docs/architecture.md",
                 "../docs/plan.md"}  # fmt: skip
        assert built <= set(links.hrefs), links.hrefs
        assert "<svg" in page.read_text() and not re.search(r"https?://", page.read_text())  # drawn inline, offline


def test_no_page_of_the_report_loads_anything_from_the_network(walked: tuple[Path, str]) -> None:
    """Opened offline, every page the report links shows: GX Data Docs (which GX writes with
    Bootstrap, jQuery and Vega from CDNs) were rewritten by the run, and dbt's static docs page has
    its scripts inline, its usage tracker (a script it would add from a CDN) off."""
    root, _ = walked
    for project in ("shop", "shop_rt"):
        pages = [root / project / "reports" / "index.html", root / project / "dbt" / "target" / "static_index.html",
                 *sorted((root / project / "reports" / "data_docs").rglob("*.html"))]  # fmt: skip
        assert len(pages) >= 5, pages  # the report, dbt docs, GX's index and a page per suite and result
        for page in pages:
            assert remote_assets(page.read_text(encoding="utf-8")) == [], page
        for page in pages[:1] + pages[2:]:  # the report and GX's pages (dbt's page inlines its own libraries)
            # no script error once opened: no script or handler needing a library the page lacks
            assert unshipped_scripts(page) == [], page
        dbt_docs = pages[1].read_text(encoding="utf-8")
        assert re.search(r'"send_anonymous_usage_stats":\s*false', dbt_docs)
        assert not re.search(r'"send_anonymous_usage_stats":\s*true', dbt_docs)
