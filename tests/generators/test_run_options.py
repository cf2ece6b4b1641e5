"""The generated local run's options and report (issue 23), on stand-in steps so no tool runs:
`--only`/`--from` pick the steps, `--rows`/`--bad-row-rate` reach exactly the steps that take
them, a step with its own environment (PyFlink's) runs with the interpreter its variable names
and is skipped, saying which variable, without one; `--quiet` prints the summary only and keeps
each step's output in reports/logs/, `--verbose` adds each step's command; the report
(reports/index.html and run.json) exists, every link in it resolves to a file, and its numbers
are the ones the steps reported. The project is rendered once (ecommerce_realtime: batch steps
and the stream step), and its STEPS replaced by stand-ins that echo what they were given."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO
from tests.offline_assets import remote_assets, unshipped_scripts

# each stand-in step reports the rows it was told to make (its --rows, else 3), and echoes its argv
STAND_IN = (
    "import json, os, sys; args = sys.argv[1:]; rows = int(args[args.index('--rows') + 1]) if '--rows' in args else 3; "
    "print('output of', os.environ['STEP'], args, flush=True); "
    "print('docs of', os.environ['STEP'], [os.environ.get(v) is not None for v in ('PIPEGEN_DBT_DOCS', "
    "'PIPEGEN_DATA_DOCS')], flush=True); "
    "open(os.environ['PIPEGEN_STEP_SUMMARY'], 'w').write(json.dumps({'summary': 'made ' + str(rows), "
    "'rows': {os.environ['STEP'] + '_table': rows}, 'argv': args, 'python': sys.executable}))"
)
DRIVER = """
import os, sys
sys.path.insert(0, sys.argv[1])
from pipeline import run
for step in run.STEPS:
    step["argv"] = ["-c", os.environ["STAND_IN"].replace("os.environ['STEP']", repr(step["name"]))]
sys.exit(run.main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runopts")
    spec = root / "pipegen.yaml"  # without metrics: the stand-in interpreter has no prometheus_client
    text = (REPO / "specs" / "ecommerce_realtime.yaml").read_text()
    assert text.count("  prometheus: true\n") == 1, "the example's monitoring changed: update this fixture"
    spec.write_text(text.replace("  prometheus: true\n", "  prometheus: false\n"))
    ready = prepare(spec)
    tree = render_tree(ready.spec, ready.plan)
    for path in ("pipeline/__init__.py", "pipeline/run.py", "pipeline/run_report.py", "pipeline/lineage.py",
                 "docs/architecture.md", "docs/architecture.svg", "docs/plan.md"):  # fmt: skip
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(tree[path], encoding="utf-8")
    return root


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PIPEGEN_")}
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(project), *args],
        capture_output=True, text=True, cwd=project, check=False, env={**base, "STAND_IN": STAND_IN, **env},
    )  # fmt: skip


def last_run(project: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((project / "reports" / "run.json").read_text())


def ran(project: Path) -> list[str]:
    return [s["name"] for s in last_run(project)["steps"] if s["status"] == "ok"]


def test_the_stream_step_runs_with_its_own_environment_between_transform_and_quality(project: Path) -> None:
    proc = run(project, "--from", "transform", PIPEGEN_FLINK_PYTHON=sys.executable)
    assert proc.returncode == 0, proc.stderr
    assert ran(project) == ["transform", "stream", "quality"]


def test_only_and_from_pick_the_steps(project: Path) -> None:
    assert run(project, "--only", "ingest,quality").returncode == 0
    assert ran(project) == ["ingest", "quality"]
    assert run(project, "--only", "synthesize", "--only", "stage").returncode == 0
    assert ran(project) == ["synthesize", "stage"]
    bad = run(project, "--only", "nosuchstep")
    assert bad.returncode == 2 and "no step nosuchstep" in bad.stderr and "synthesize" in bad.stderr


def test_rows_and_bad_row_rate_reach_the_steps_that_take_them_only(project: Path) -> None:
    proc = run(project, "--only", "synthesize,ingest,stream", "--rows", "7", "--bad-row-rate", "0.25",
               PIPEGEN_FLINK_PYTHON=sys.executable)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    steps = {s["name"]: s for s in last_run(project)["steps"]}
    assert "output of synthesize ['--rows', '7', '--bad-row-rate', '0.25']" in proc.stdout
    assert "output of stream ['--rows', '7', '--bad-row-rate', '0.25']" in proc.stdout
    assert "output of ingest []" in proc.stdout
    assert steps["synthesize"]["rows"] == 7 and steps["ingest"]["rows"] == 3


def test_no_docs_keeps_the_docs_variables_from_every_step(project: Path) -> None:
    """The transform step builds dbt's docs when PIPEGEN_DBT_DOCS is set, the quality step GX's
    Data Docs when PIPEGEN_DATA_DOCS is (their templates read them; the local-run judge checks the
    files): both are set by default and neither with --no-docs."""
    proc = run(project, "--only", "transform,quality")
    assert proc.returncode == 0, proc.stderr
    assert "docs of transform [True, True]" in proc.stdout and "docs of quality [True, True]" in proc.stdout
    proc = run(project, "--only", "transform,quality", "--no-docs")
    assert proc.returncode == 0, proc.stderr
    assert "docs of transform [False, False]" in proc.stdout and "docs of quality [False, False]" in proc.stdout


def test_a_step_without_its_environment_is_skipped_saying_which_variable(project: Path) -> None:
    proc = run(project, "--only", "stream,quality")
    assert proc.returncode == 0, proc.stderr
    steps = {s["name"]: s for s in last_run(project)["steps"]}
    assert steps["stream"]["status"] == "skipped" and "PIPEGEN_FLINK_PYTHON" in steps["stream"]["text"]
    assert steps["quality"]["status"] == "ok"
    # recorded by `pipegen run` in .pipegen/local/env.mk: found there too
    local = project / ".pipegen" / "local" / "env.mk"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(f"PIPEGEN_FLINK_PYTHON ?= {sys.executable}\n")
    try:
        assert run(project, "--only", "stream").returncode == 0
        assert ran(project) == ["stream"]
    finally:
        local.unlink()


def test_environments_lists_what_pipegen_run_must_build_for_the_chosen_steps(project: Path) -> None:
    every = run(project, "--environments")
    assert json.loads(every.stdout) == {"requirements-flink.txt": "PIPEGEN_FLINK_PYTHON"}
    assert json.loads(run(project, "--environments", "--only", "ingest").stdout) == {}


DSN = "PIPEGEN_CDC_ECOMMERCE_REALTIME_SHOP_DSN"  # the example's CDC source: its local database


def test_the_capture_step_runs_before_stream_only_when_a_local_database_is_named(project: Path) -> None:
    """Without the CDC source's DSN the capture step is skipped with the line saying why (the stream
    step then runs on synthetic change events), its environment is not asked for, and the stream step
    runs; with it (the environment or .env) the step runs in its own environment before the stream."""
    flink = {"PIPEGEN_FLINK_PYTHON": sys.executable}
    proc = run(project, "--only", "capture,stream", **flink)
    assert proc.returncode == 0, proc.stderr
    steps = {s["name"]: s for s in last_run(project)["steps"]}
    assert steps["capture"]["status"] == "skipped" and DSN in steps["capture"]["text"]
    assert "synthetic change events" in steps["capture"]["text"]
    assert f"==> capture: skipped: no local database to capture ({DSN} not set" in proc.stdout
    assert ran(project) == ["stream"]
    assert "requirements-cdc.txt" not in json.loads(run(project, "--environments").stdout)

    given = {DSN: "postgresql://debezium@127.0.0.1:5432/shop", "PIPEGEN_CDC_PYTHON": sys.executable, **flink}
    assert run(project, "--only", "capture,stream", **given).returncode == 0
    assert ran(project) == ["capture", "stream"]
    assert "output of capture []" in run(project, "--only", "capture", **given).stdout
    dotenv = project / ".env"
    dotenv.write_text(f"{DSN}=postgresql://debezium@127.0.0.1:5432/shop\n")
    try:
        assert json.loads(run(project, "--environments", "--only", "capture").stdout) == {
            "requirements-cdc.txt": "PIPEGEN_CDC_PYTHON"
        }
    finally:
        dotenv.unlink()


def test_quiet_prints_the_summary_only_and_keeps_each_steps_output(project: Path) -> None:
    proc = run(project, "--only", "synthesize,ingest", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "output of" not in proc.stdout and "==>" not in proc.stdout
    assert "local run" in proc.stdout and "synthesize" in proc.stdout  # the summary table
    log = project / "reports" / "logs" / "ingest.log"
    assert "output of ingest" in log.read_text()


def test_verbose_prints_each_steps_command(project: Path) -> None:
    proc = run(project, "--only", "ingest", "--verbose")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^==> ingest\n    \$ \S*python\S* -c ", proc.stdout, re.M), proc.stdout


def test_a_failing_step_stops_the_run_and_the_report_names_it(project: Path) -> None:
    failing = STAND_IN + "; sys.exit(4)"
    proc = run(project, "--only", "ingest,stage", STAND_IN=failing)
    assert proc.returncode == 4
    run_json = last_run(project)
    assert [s["name"] for s in run_json["steps"]] == ["ingest"]
    assert run_json["failures"] == [{"step": "ingest", "message": "exit 4", "severity": "failed"}]
    assert "failed: ingest" in proc.stdout


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.cells: list[str] = []
        self.loads: list[str] = []  # what a browser would fetch: every URL-valued attribute, scripts, styles
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]
        self.tags.append(tag)
        urls = ("src", "href", "xlink:href", "srcset", "data", "action", "poster", "background", "style")
        self.loads += [v for k, v in attrs if k in urls and v]

    def handle_data(self, data: str) -> None:
        self.cells.append(data.strip())


REMOTE = re.compile(r"(https?:)?//|url\(\s*['\"]?[a-z][a-z0-9+.-]*:|@import", re.I)


def test_the_report_is_self_contained_and_draws_the_diagram_inline(project: Path) -> None:
    """Offline, the whole report shows: no script, stylesheet, frame or image comes from the
    network (no http(s) URL anywhere in the page), and the data-flow diagram is the inline SVG
    of docs/architecture.svg with every edge of docs/architecture.md's Mermaid diagram."""
    proc = run(project, "--only", "ingest", "--quiet")
    assert proc.returncode == 0, proc.stderr
    page = (project / "reports" / "index.html").read_text()
    parser = Links()
    parser.feed(page)
    assert not re.search(r"https?://", page, re.I)
    assert not [v for v in parser.loads if REMOTE.search(v)], parser.loads
    assert not {"script", "link", "iframe", "img", "object", "embed"} & set(parser.tags), parser.tags
    assert "svg" in parser.tags
    mermaid = (project / "docs" / "architecture.md").read_text().split("```mermaid\n", 1)[1].split("```", 1)[0]
    expected = set(re.findall(r"^\s+(\w+) --> (\w+)$", mermaid, re.M))
    drawn = set(re.findall(r'<g class="edge" data-from="(\w+)" data-to="(\w+)">', page))
    assert expected and drawn == expected


def test_the_report_exists_its_links_resolve_and_its_numbers_are_the_runs(project: Path) -> None:
    proc = run(project, "--only", "synthesize,ingest", "--rows", "11", "--quiet")
    assert proc.returncode == 0, proc.stderr
    page = project / "reports" / "index.html"
    assert f"report: {page}" in proc.stdout
    parser = Links()
    parser.feed(page.read_text())
    assert parser.hrefs, "the report links nothing"
    for href in parser.hrefs:
        assert (page.parent / href).resolve().is_file(), f"{href} does not resolve"
    assert {"../docs/architecture.md", "../docs/plan.md", "logs/ingest.log"} <= set(parser.hrefs)
    # the numbers: what the stand-ins were told to make (11 rows from --rows, else 3)
    cells = parser.cells
    synthesize, ingest = cells.index("synthesize"), cells.index("ingest")
    assert cells[synthesize + 1 : synthesize + 3] == ["ok", "11"] and cells[ingest + 1 : ingest + 3] == ["ok", "3"]
    assert '<g class="edge" data-from="' in page.read_text()  # the architecture diagram, inlined
    # every result under its spec name, with the spec path it comes from
    tables = {r["table"]: r["spec_path"] for r in last_run(project)["results"]}
    assert tables["marts.fact_orders"] == "transforms.marts[0]"
    assert tables["raw_shop.orders"] == "sources[0].tables[0]"


# The head and images of a GX 1.24.1 Data Docs page, as GX writes them (great_expectations/render/
# view/templates: page.j2, js_script_imports.j2, top_navbar.j2), around a result the page shows.
GX_PAGE = "\n".join([
    "<!DOCTYPE html><html><head><title>Data Docs created by Great Expectations</title>",
    '<link rel="stylesheet" href="https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css">',
    '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>',
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/'
    'bootstrap-prefers-dark.css" />',
    "<style>.navbar-brand a { background: url('https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
    "full_logo_dark.png') 0 0 no-repeat; }</style>",
    '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
    '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>',
    '<script src="https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js" integrity="sha384-'
    'ApNbgh9B+Y1QKtv3Rn7W3mgPxhU9K/ScQsAP7hUibX39j7fakFPskvXusvfa0b4Q" crossorigin="anonymous"></script>',
    '<link rel="shortcut icon" href="./static/images/favicon.ico" type="image/x-icon"/>',
    '</head><body><nav><a href="https://greatexpectations.io"><img src="https://great-expectations-web-assets.s3.'
    'us-east-2.amazonaws.com/logo-long.png?d=20261205T062537.810670Z" alt="Great Expectations"></a></nav>',
    "<table><tr><td>values must never be null.</td><td>100% not null</td></tr></table>",
    # GX's own scripts (its templates page.j2, bootstrap_table.j2, bootstrap_table_js_functions.j2,
    # graph.j2): each calls a library the page loads from a CDN
    "<script>try { if (localStorage.getItem('ge-walkthrough-modal-dismissed') !== 'true') {",
    '    $(".ge-walkthrough-modal").modal(); } } catch(error) { $(".ge-walkthrough-modal").modal(); }</script>',
    '<div id="t-toolbar"><button class="btn btn-sm" onclick="clearTableFilters(\'t-table\')">Clear Filters</button>',
    '</div><table id="t-table" data-toggle="table"></table>',
    "<script>function clearTableFilters(tableId) { $(`#${tableId}`).bootstrapTable('clearFilterControl'); }</script>",
    "<script>$('#t-table').bootstrapTable(Object.assign({columns: [], data: []}, {}));</script>",
    '<div id="g-graph"></div><script>var vlSpec = {}; vegaEmbed(\'#g-graph\', vlSpec, {actions: false});</script>',
    '<img src="./static/images/local.png" onload="console.log(1)" alt="x"></body></html>',
])  # fmt: skip


def test_gx_data_docs_pages_are_rewritten_to_load_nothing_from_the_network(project: Path) -> None:
    """GX Data Docs load Bootstrap, jQuery and Vega from CDNs (no installed package ships them):
    the report's pages must open offline, with a note saying what is missing, their results
    kept, and the index listing the pages its script-drawn table would have listed."""
    site = project / "reports" / "data_docs"
    pages = [site / "index.html", site / "validations" / "orders" / "run" / "orders.html"]
    for page in pages:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(GX_PAGE)
    assert len(remote_assets(GX_PAGE)) == 8  # what the rewrite must remove (the anchor stays a link)
    # and what GX's own scripts call that the page would no longer load (console errors)
    assert unshipped_scripts(pages[0])[3:] == ["a call of $ (no shipped script defines it)",
                                               "a call of vegaEmbed (no shipped script defines it)"]  # fmt: skip
    proc = run(project, "--only", "ingest", "--quiet")
    assert proc.returncode == 0, proc.stderr
    for page in pages:
        text = page.read_text()
        assert remote_assets(text) == [] and unshipped_scripts(page) == [], page
        assert "<script" not in text and "onclick" not in text and "onload" not in text
        assert "Clear Filters</button>" in text and '<img src="./static/images/local.png" alt="x">' in text
        assert "100% not null" in text and 'href="https://greatexpectations.io"' in text
        assert "no installed package ships them" in text and text.count('class="pipegen-offline"') == 2
        assert '<link rel="shortcut icon" href="./static/images/favicon.ico"' in text  # local: kept
    assert 'href="validations/orders/run/orders.html"' in pages[0].read_text()
    report = (project / "reports" / "index.html").read_text()
    assert "The Data Docs pages open offline" in report
    once = pages[1].read_text()
    assert run(project, "--only", "ingest", "--quiet").returncode == 0 and pages[1].read_text() == once
