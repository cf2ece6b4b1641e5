"""`pipegen generate` as the spec widens: every example spec widened to N tables
(benchmarks/widen.py), whole process, beside cookiecutter rendering the same number of files
in the same run (the anchor: a template engine that compiles and renders one template a file).
Not a test: a measurement, for docs/benchmarks.md.

    python -m benchmarks.bench_scale [--sizes 100 1000 5000] [--specs hello saas_elt] [--runs 1]
                                     [--max-bytes 8388608]

Per example and size: files written, CPU seconds of the child (user + system, from wait4,
so the machine's other load does not count), ms of CPU per file, peak RSS of the child, the
same for a no-change regenerate (which must write nothing: every file's mtime is compared) and
the anchor. Runs are interleaved (pipegen, anchor, regenerate, ...) and the minimum CPU of
--runs is kept. --reads also counts, with an audit hook in a separate untimed run, how often
the no-change regenerate opens each file of the output and each base copy ("max"), and
.pipegen/manifest.json apart (read before recovery, then for the decision). A widened spec over
the loader's MAX_BYTES (e-commerce at 5,000 tables) is reported as refused, unless --max-bytes is
given: then pipegen runs with the budget raised to it in that process only, and the row says so.

Every run writes into a folder of its own, and nothing the benchmark wrote is deleted before its
last run: on ext4 without a journal (this machine kind's root file system) creating a file soon after
many were deleted makes the kernel scan past each recently freed inode (`find_inode_bit` ->
`recently_deleted`, 5 s after a delete, 305 s while its inode-table block is dirty), and the writers
waiting on the folder's lock spin meanwhile: the same generate costs 1-2 s of system CPU on a quiet
file system and 5-9 s right after a few thousand deletions (perf, docs/benchmarks.md). A benchmark
that deleted its previous run's output before each run measured its own deletions. `--churn N`
measures them on purpose: N files are created and deleted just before each timed run (pipegen's
and the anchor's alike).

pipegen runs as installed: the package this interpreter imports is copied with its templates
(the wheel's layout, `pipegen/_data/`) and byte-compiled once, untimed, as `pip install` does, and
every pipegen process imports that copy. Run from a source tree under PYTHONDONTWRITEBYTECODE=1 (as
engineers' shells here are), each process would compile all of pipegen's modules from source
first, ~0.3 s of CPU a command that no installed pipegen pays (docs/benchmarks.md, "generate's
constant cost"); `--source` measures that way instead. The anchor's cookiecutter is installed
(compiled) either way.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.widen import load, widen
from pipegen.spec.load import MAX_BYTES

REPO = Path(__file__).resolve().parents[1]
SIZES = (100, 1000, 5000)

# One cookiecutter template file: a header, a loop over eight columns and a filter per line,
# about the size and shape of a generated staging model or YAML entry.
ANCHOR_FILE = """\
-- {{ cookiecutter.project_slug }}: file NUMBER, generated
{%- for column in cookiecutter.columns %}
{{ column.name | upper }}: {{ column.type }}{% if column.not_null %} not null{% endif %} -- {{ column.description }}
  tests: [{% for t in column.tests %}{{ t | tojson }}{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endfor %}
select {% for column in cookiecutter.columns %}{{ column.name }}{% if not loop.last %}, {% endif %}{% endfor %}
from {{ cookiecutter.project_slug }}.source_NUMBER
"""

ANCHOR_COLUMNS = [
    {
        "name": f"column_{i}",
        "type": "bigint" if i % 2 else "varchar",
        "not_null": i % 3 == 0,
        "description": f"The {i}th column of the anchor table, described at some length as specs do.",
        "tests": ["not_null", "unique", {"accepted_values": ["a", "b", "c"]}][: 1 + i % 3],
    }
    for i in range(8)
]

ANCHOR_RUN = """\
import sys
from cookiecutter.generate import generate_files
generate_files(sys.argv[1], context={"cookiecutter": {"project_slug": "anchor", "columns": COLUMNS}},
               output_dir=sys.argv[2], accept_hooks=False)
""".replace("COLUMNS", repr(ANCHOR_COLUMNS))

READS_RUN = """\
import collections, json, os, sys
out = os.path.realpath(sys.argv[1])
opens = collections.Counter()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        mode, flags = args[1], args[2]
        reading = "r" in mode if isinstance(mode, str) else (flags or 0) & os.O_ACCMODE == os.O_RDONLY
        if reading and path.startswith(out + os.sep):
            opens[path] += 1
sys.addaudithook(hook)
from pipegen.entry import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
sys.stdout.flush()
manifest = opens.pop(os.path.join(out, ".pipegen", "manifest.json"), 0)
print(json.dumps({"opened": len(opens), "max": max(opens.values(), default=0), "manifest": manifest}), file=sys.stderr)
"""


@dataclass
class Run:
    cpu_s: float
    rss_kib: int
    sys_s: float = 0.0


def pipegen(max_bytes: int | None = None) -> list[str]:
    """The command line; with `max_bytes`, the loader's spec-size budget raised to it in that
    process first (a benchmark-only switch for widened specs over MAX_BYTES, never a user option)."""
    if max_bytes is None:
        return [sys.executable, "-m", "pipegen"]
    raised = f"import pipegen.spec.load as load; load.MAX_BYTES = {max_bytes}; from pipegen.entry import main; main()"
    return [sys.executable, "-c", raised]


def installed(work: Path) -> dict[str, str]:
    """The environment of a child that imports pipegen as installed: the package this interpreter
    imports, copied into `work` with its templates and example specs where a wheel has them, and
    byte-compiled there (untimed), first on PYTHONPATH."""
    import pipegen
    from pipegen.resources import data_dir

    site = work / "installed"
    package = site / "pipegen"
    shutil.copytree(Path(pipegen.__file__).resolve().parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    for kind in ("templates", "specs"):
        shutil.copytree(data_dir(kind), package / "_data" / kind)
    assert compileall.compile_dir(str(site), quiet=1), "byte-compiling the installed copy failed"
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)}


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[Run, str]:
    """CPU seconds (user + system) and peak RSS of the child alone, from wait4."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed ({code}): {err[-800:]}")
    return Run(usage.ru_utime + usage.ru_stime, usage.ru_maxrss, usage.ru_stime), err


def output_files(out: Path) -> dict[str, int]:
    """Every file pipegen owns in `out` (its .pipegen/ bookkeeping excluded), with its mtime."""
    found = {}
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if d != ".pipegen"]
        for name in files:
            path = Path(root) / name
            found[str(path)] = path.stat().st_mtime_ns
    return found


def anchor_template(root: Path, n_files: int) -> Path:
    project = root / "{{cookiecutter.project_slug}}"
    project.mkdir(parents=True)
    (root / "cookiecutter.json").write_text(json.dumps({"project_slug": "anchor", "columns": []}), encoding="utf-8")
    for i in range(n_files):
        (project / f"file_{i:05d}.sql").write_text(ANCHOR_FILE.replace("NUMBER", str(i)), encoding="utf-8")
    return root


def churn(work: Path, n_files: int) -> None:
    """Create and delete `n_files` small files in `work` (untimed): the file system just after
    many deletions, as a test suite or `rm -rf out && pipegen generate` leaves it (--churn)."""
    folder = work / "churn"
    folder.mkdir()
    for i in range(n_files):
        (folder / f"f{i}").write_bytes(b"x" * 512)
    shutil.rmtree(folder)


def measure(
    example: str,
    n: int,
    work: Path,
    runs: int,
    reads: bool,
    max_bytes: int | None = None,
    env: dict[str, str] | None = None,
    churned: int = 0,
) -> dict[str, object]:
    """One example at one size; `env`: the children's environment (None: this process's). Each
    run writes into a new folder under `work`; the caller deletes `work` after the last run."""
    spec = work / f"{example}_{n}.yaml"
    spec.write_text(json.dumps(widen(load(REPO / "specs" / f"{example}.yaml"), n), separators=(",", ":")), "utf-8")
    size = spec.stat().st_size
    raised = max_bytes if size > MAX_BYTES and max_bytes is not None and size <= max_bytes else None
    if size > MAX_BYTES and raised is None:  # pipegen refuses it (the loader's budget, spec/load.py): not a spec
        return {"example": example, "tables": n, "refused": f"{size:,} bytes > MAX_BYTES"}
    fresh: list[Run] = []
    again: list[Run] = []
    anchor: list[Run] = []
    template: Path | None = None
    n_files = 0
    for i in range(runs):
        out, anchor_out = work / f"out_{example}_{n}_{i}", work / f"anchor_{example}_{n}_{i}"
        if churned:
            churn(work, churned)
        fresh.append(run([*pipegen(raised), "generate", str(spec), "-o", str(out)], env)[0])
        files = output_files(out)
        n_files = len(files)
        if template is None:
            template = anchor_template(work / f"template_{example}_{n}", n_files)
        if churned:
            churn(work, churned)
        anchor.append(run([sys.executable, "-c", ANCHOR_RUN, str(template), str(anchor_out)], env)[0])
        again.append(run([*pipegen(raised), "generate", str(spec), "-o", str(out)], env)[0])
        rewritten = sum(1 for path, mtime in output_files(out).items() if files.get(path) != mtime)
        assert rewritten == 0, f"{example} at {n}: a no-change regenerate rewrote {rewritten} file(s)"
    best = min(fresh, key=lambda r: r.cpu_s)
    result: dict[str, object] = {
        "example": example,
        "tables": n,
        "files": n_files,
        "cpu_s": best.cpu_s,
        "sys_s": best.sys_s,
        "rss_mib": max(r.rss_kib for r in fresh) / 1024,
        "again_cpu_s": min(r.cpu_s for r in again),
        "again_rss_mib": max(r.rss_kib for r in again) / 1024,
        "anchor_cpu_s": min(r.cpu_s for r in anchor),
        "anchor_rss_mib": max(r.rss_kib for r in anchor) / 1024,
        "runs": runs,
    }
    if churned:
        result["churn"] = churned
    if raised is not None:
        result["limit_raised"] = f"{size:,} bytes > MAX_BYTES: the loader's budget raised to {raised:,} for this run"
    if reads:
        out = work / f"out_{example}_{n}_{runs - 1}"  # the last run's output: regenerated, nothing changes
        _, err = run([sys.executable, "-c", READS_RUN, str(out), "generate", str(spec), "-o", str(out)], env)
        result["regenerate_reads"] = json.loads(err.strip().splitlines()[-1])
    return result


def ms_per_file(r: dict[str, object], key: str = "cpu_s") -> float:
    return 1000 * float(r[key]) / int(r["files"])  # type: ignore[call-overload]


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| example | tables | files | generate CPU (s) | of it system (s) | ms/file | peak RSS (MiB) | "
        "regenerate CPU (s) | cookiecutter CPU (s) | cookiecutter ms/file | / cookiecutter |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "refused" in r:
            lines.append(f"| {r['example']} | {r['tables']} | refused by pipegen: {r['refused']} |" + " |" * 8)
            continue
        lines.append(
            f"| {r['example']}{' (MAX_BYTES raised)' if 'limit_raised' in r else ''} | {r['tables']} | {r['files']} | "
            f"{r['cpu_s']:.2f} | {r['sys_s']:.2f} | {ms_per_file(r):.2f} | "
            f"{r['rss_mib']:.0f} | {r['again_cpu_s']:.2f} | {r['anchor_cpu_s']:.2f} | "
            f"{ms_per_file(r, 'anchor_cpu_s'):.2f} | {float(r['cpu_s']) / float(r['anchor_cpu_s']):.2f}x |"  # type: ignore[arg-type]
        )
    by = {(r["example"], r["tables"]): r for r in results if "refused" not in r}
    ratios = [
        (
            ex,
            ms_per_file(by[(ex, 5000)]),
            ms_per_file(by[(ex, 1000)]),
            float(by[(ex, 5000)]["cpu_s"]) / float(by[(ex, 1000)]["cpu_s"]),
        )  # type: ignore[arg-type]
        for ex, n in by
        if n == 5000 and (ex, 1000) in by
    ]
    if ratios:
        lines += [
            "",
            "| example | ms/file at 1,000 | ms/file at 5,000 | CPU 5,000 / 1,000 (linear: 5.0x) |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {ex} | {m1:.2f} | {m5:.2f} | {ratio:.2f}x |" for ex, m5, m1, ratio in ratios]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--specs", nargs="+", default=sorted(p.stem for p in (REPO / "specs").glob("*.yaml")))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--reads", action="store_true", help="count the regenerate's opens per file (untimed run)")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--source", action="store_true", help="run pipegen from its source tree, not a byte-compiled installed copy"
    )
    parser.add_argument(
        "--max-bytes", type=int, help="run a widened spec over the loader's MAX_BYTES with the budget raised to this"
    )
    parser.add_argument(
        "--churn", type=int, default=0, help="create and delete this many files just before each timed run"
    )
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = None if args.source else installed(Path(tmp))
        for n in args.sizes:
            for example in args.specs:
                results.append(measure(example, n, Path(tmp), args.runs, args.reads, args.max_bytes, env, args.churn))
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; pipegen "
        f"{'from its source tree' if args.source else 'byte-compiled, as installed'}"
        f"{f'; {args.churn:,} files created and deleted before each timed run' if args.churn else ''}\n"
    )
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
