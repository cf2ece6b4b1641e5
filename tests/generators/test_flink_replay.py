"""The generated replay tool (pipeline/replay.py), production side: `plan` writes a new job version
whose Kafka sources carry exactly the Kafka connector's documented startup options, its own consumer
group and a side-by-side sink, plus a FlinkDeployment that passes the strict CRD judge; `switch` and
`rollback` print the savepoint/suspend/readers steps and record them; bad input is one line, exit 2.

Runs the generated module in this interpreter (plan/switch need no PyFlink; ruamel.yaml is here).
The local PyFlink run is judged in tests/judges/test_flink_replay.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare
from tests.conftest import REPO, generate
from tests.judges.crds import CrdCatalog, load_resources, shared_crds_dir
from tests.judges.kustomize import MISSING, build, kubectl

JOB = "ecommerce_realtime__gmv_per_minute"
# flink-connector-kafka docs/content/docs/connectors/table/kafka.md, "Start Reading Position"
DOCUMENTED_MODES = {"earliest-offset", "latest-offset", "group-offsets", "timestamp", "specific-offsets"}
TIMESTAMP_KEY = "scan.startup.timestamp-millis"
_OPTION = re.compile(r"^\s*'((?:[^']|'')*)' = '((?:[^']|'')*)',?$", re.MULTILINE)


def replay(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.replay", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(project: Path, *args: str) -> str:
    proc = replay(project, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def tables_with_options(sql: str) -> dict[str, dict[str, str]]:
    """CREATE TABLE name -> its WITH options (the generated layout: the clause is last)."""
    out = {}
    for stmt in sql.split(";\n"):
        match = re.search(r"CREATE TABLE `([^`]+)`", stmt)
        if match and "WITH (\n" in stmt:
            clause = stmt.rpartition("WITH (\n")[2].split("\n)", 1)[0]
            out[match.group(1)] = dict(_OPTION.findall(clause))
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay") / "project"
    code, output = generate(REPO / "specs" / "ecommerce_realtime.yaml", out)
    assert code == 0, output
    return out


@pytest.fixture()
def project(generated: Path, tmp_path: Path) -> Path:
    """A copy of the generated project per test (the tests plan, switch and apply in it); generated
    once per module (it holds no absolute path: same spec, same bytes)."""
    return Path(shutil.copytree(generated, tmp_path / "project"))


def manifest(project: Path) -> dict[str, dict[str, Any]]:
    return {j["job"]: j for j in json.loads((project / "flink" / "jobs.json").read_text())["jobs"]}


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("earliest", {"scan.startup.mode": "earliest-offset"}),
        (
            "2026-01-01T00:03:00Z",
            {
                "scan.startup.mode": "timestamp",
                TIMESTAMP_KEY: str(int(datetime(2026, 1, 1, 0, 3, tzinfo=UTC).timestamp() * 1000)),
            },
        ),
    ],
)
def test_every_kafka_source_of_every_job_reads_from_exactly_the_documented_startup_options(
    project: Path, start: str, expected: dict[str, str]
) -> None:
    for name, job in manifest(project).items():
        ok(project, "plan", "--job", name, "--from", start, "--version", "2")
        sql = (project / "flink" / "replay" / f"{name}__v2.sql").read_text()
        live = tables_with_options((project / "flink" / "sql" / f"{name}.sql").read_text())
        tables = tables_with_options(sql)
        sources = [t for t, info in job["tables"].items() if info["role"] == "source"]
        assert sources, name
        for table in sources:
            options = tables[table]
            startup = {k: v for k, v in options.items() if k.startswith("scan.startup.")}
            assert startup == expected, (name, table)
            assert startup["scan.startup.mode"] in DOCUMENTED_MODES
            assert options["properties.group.id"] == f"{name}__v2"  # its own consumer group
            assert "properties.auto.offset.reset" not in options  # read only with group-offsets
            replaced = ("scan.startup.mode", "properties.group.id", "properties.auto.offset.reset")
            rest = {k: v for k, v in options.items() if k not in (*replaced, TIMESTAMP_KEY)}
            assert rest == {k: v for k, v in live[table].items() if k not in replaced}  # all else as generated
        assert f"SET 'pipeline.name' = '{name}__v2'" in sql


def test_the_sink_is_written_side_by_side_under_the_versioned_name(project: Path) -> None:
    for name, job in manifest(project).items():
        ok(project, "plan", "--job", name, "--from", "earliest", "--version", "3")
        sink = job["sink_table"]
        live = tables_with_options((project / "flink" / "sql" / f"{name}.sql").read_text())[sink]
        replayed = tables_with_options((project / "flink" / "replay" / f"{name}__v3.sql").read_text())
        assert sink not in replayed
        options = replayed[f"{sink}__v3"]
        if "quality" in job:  # a quality job writes its dead-letter or events topic (Kafka)
            assert live["connector"] == "kafka"
            renamed = {k: live[k] + "__v3" for k in ("topic", "sink.transactional-id-prefix") if k in live}
            assert renamed and options == {**live, **renamed}
        else:
            assert live["connector"] == "jdbc"  # the e-commerce stream jobs' sinks are JDBC tables
            assert options == {**live, "table-name": live["table-name"] + "__v3"}
        planned = json.loads((project / "flink" / "replay" / f"{name}__v3.json").read_text())
        assert planned["sink_table"] == f"{sink}__v3" and planned["tables"][f"{sink}__v3"]["role"] == "sink"


def test_kafka_and_upsert_kafka_sinks_version_their_topic_and_transactional_prefix(project: Path) -> None:
    code = (
        "import json; from pathlib import Path; from pipeline.replay import names_of, replay_sink_options as r;"
        "n = names_of(Path('.')); print(json.dumps(["
        "r({'connector': 'kafka', 'topic': 't', 'sink.transactional-id-prefix': 't', 'format': 'json'}, 4, n),"
        "r({'connector': 'upsert-kafka', 'topic': 't', 'key.format': 'json'}, 4, n)]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    kafka, upsert = json.loads(proc.stdout)
    assert kafka == {"connector": "kafka", "topic": "t__v4", "sink.transactional-id-prefix": "t__v4", "format": "json"}
    assert upsert == {"connector": "upsert-kafka", "topic": "t__v4", "key.format": "json"}


def test_the_runtime_takes_every_version_name_from_the_naming_layers_rules(project: Path) -> None:
    """flink/jobs.json carries plan.names.replay; pipeline/replay.py fills the rules in and invents none."""
    ready = prepare(REPO / "specs" / "ecommerce_realtime.yaml")
    path = project / "flink" / "jobs.json"
    doc = json.loads(path.read_text())
    assert doc["names"] == ready.plan.names.replay.as_data()
    doc["names"].update({"version": "{name}_r{version}", "k8s_version": "{name}-r{version}"})
    path.write_text(json.dumps(doc))
    out = ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2")
    folder = project / "flink" / "replay"
    assert {p.name for p in folder.iterdir()} == {
        f"{JOB}_r2.sql",
        f"{JOB}_r2.json",
        "ecommerce-realtime-gmv-per-minute-r2.yaml",
        "state.json",
    }
    assert f"--describe --group {JOB}_r2" in out and "`rt_gmv_per_minute_r2`" in out
    assert not re.search(r"__v\d", (folder / f"{JOB}_r2.sql").read_text())


def test_plan_names_the_serving_table_the_new_version_writes(project: Path) -> None:
    out = ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2")
    assert "CREATE TABLE `rt_gmv_per_minute__v2` LIKE `rt_gmv_per_minute`;" in out  # MySQL serving database
    assert "kubectl apply -n shop-realtime -f flink/replay/ecommerce-realtime-gmv-per-minute-v2.yaml" in out
    assert f"--describe --group {JOB}__v2" in out


REPLAY_DEPLOYMENT = "flink/replay/ecommerce-realtime-gmv-per-minute-v2.yaml"


def test_the_replay_flinkdeployment_passes_the_crd_judge(project: Path) -> None:
    folder = shared_crds_dir()
    if folder is None:  # as tests/judges/test_crds.py: the schemas no package ships live beside the clone
        print("CRD schemas not found next to the clone (../shared/crds): skipping")
        pytest.skip("../shared/crds is absent (it lives in the steering repo's shared/ folder)")
    ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2")
    (doc,) = load_resources((project / REPLAY_DEPLOYMENT).read_text())
    assert CrdCatalog.load(folder).validate(doc) == []


def test_the_replay_flinkdeployment_is_a_fresh_state_copy_of_the_generated_one(project: Path) -> None:
    ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2")
    base = load_resources((project / "flink" / "deploy" / "ecommerce-realtime-gmv-per-minute.yaml").read_text())[0]
    (doc,) = load_resources((project / REPLAY_DEPLOYMENT).read_text())
    assert doc["metadata"]["name"] == "ecommerce-realtime-gmv-per-minute-v2"
    job = doc["spec"]["job"]
    assert "initialSavepointPath" not in job and job["upgradeMode"] == "savepoint" and job["state"] == "running"
    assert job["args"][-1] == f"/opt/flink/usrlib/flink/replay/{JOB}__v2.sql"
    conf = doc["spec"]["flinkConfiguration"]
    assert conf["execution.checkpointing.savepoint-dir"].endswith(f"/{JOB}__v2/savepoints")
    assert conf["execution.checkpointing.dir"].endswith(f"/{JOB}__v2/checkpoints")
    assert conf["high-availability.storageDir"].endswith(f"/{JOB}__v2/ha")
    # everything else is the generated deployment's (the same builder's output, not a copy)
    assert doc["spec"]["image"] == base["spec"]["image"] and doc["spec"]["podTemplate"] == base["spec"]["podTemplate"]
    assert {k: v for k, v in conf.items() if "/" not in v} == {
        k: v for k, v in base["spec"]["flinkConfiguration"].items() if "/" not in v
    }


def test_switch_suspends_with_a_savepoint_repoints_readers_and_rollback_undoes_it(project: Path) -> None:
    ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2")
    out = ok(project, "switch", "--job", "gmv_per_minute", "--version", "2")
    suspend = (
        "kubectl -n shop-realtime patch flinkdeployment ecommerce-realtime-gmv-per-minute --type merge "
        """-p '{"spec":{"job":{"upgradeMode":"savepoint","state":"suspended"}}}'"""
    )
    assert suspend in out
    assert "jsonpath={.status.jobStatus.upgradeSavepointPath}" in out
    assert "RENAME TABLE `rt_gmv_per_minute` TO `rt_gmv_per_minute__v1`;" in out
    assert "CREATE OR REPLACE VIEW `rt_gmv_per_minute` AS SELECT * FROM `rt_gmv_per_minute__v2`;" in out
    state = json.loads((project / "flink" / "replay" / "state.json").read_text())["jobs"][JOB]
    assert state["active"] == 2
    (entry,) = state["switches"]
    assert entry["from"] == 1 and entry["to"] == 2 and entry["suspended"] == "ecommerce-realtime-gmv-per-minute"
    assert entry["offsets_from"] == "earliest" and entry["group_id"] == f"{JOB}__v2"
    assert entry["savepoint_dir"].endswith(f"/{JOB}/savepoints")
    assert state["versions"]["1"]["status"] == "suspended" and state["versions"]["2"]["status"] == "active"

    back = ok(project, "rollback", "--job", "gmv_per_minute")
    assert "patch flinkdeployment ecommerce-realtime-gmv-per-minute-v2" in back and '"state":"suspended"' in back
    assert (
        "patch flinkdeployment ecommerce-realtime-gmv-per-minute --type merge" in back and '"state":"running"' in back
    )
    assert back.index("DROP VIEW `rt_gmv_per_minute`;") < back.index(
        "RENAME TABLE `rt_gmv_per_minute__v1` TO `rt_gmv_per_minute`;"
    )
    state = json.loads((project / "flink" / "replay" / "state.json").read_text())["jobs"][JOB]
    assert state["active"] == 1 and state["switches"] == [] and state["rolled_back"][0]["to"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "--job", "nope", "--from", "earliest", "--version", "2"), "unknown job 'nope'"),
        (("plan", "--job", "gmv_per_minute", "--from", "yesterday", "--version", "2"), "neither 'earliest' nor"),
        (("plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "1"), "version 1 is the generated"),
        (("switch", "--job", "gmv_per_minute", "--version", "5"), "version 5 is not planned"),
        (("rollback", "--job", "gmv_per_minute"), "no switch to roll back"),
        (("run", "--job", "gmv_per_minute", "--version", "2"), "add --local"),
        (("plan", "--job", "gmv_per_minute", "--version", "2"), "plan needs --from"),
        (("explode", "--job", "gmv_per_minute"), "invalid choice: 'explode'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(project: Path, args: tuple[str, ...], message: str) -> None:
    proc = replay(project, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("replay: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_active_version_is_refused_for_plan_and_switch(project: Path) -> None:
    ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2")
    ok(project, "switch", "--job", "gmv_per_minute", "--version", "2")
    again = ("--job", "gmv_per_minute", "--version", "2")
    for args in (("switch", *again), ("plan", *again, "--from", "earliest")):
        proc = replay(project, *args)
        assert proc.returncode == 2 and "version 2 is already active" in proc.stderr and "Traceback" not in proc.stderr


def test_make_targets_run_the_replay_commands(project: Path) -> None:
    mk = (project / "pipegen.mk").read_text()
    for target, command in (
        ("stream-replay-plan", "-m pipeline.replay plan --job $(JOB) --from $(FROM) --version $(VERSION)"),
        ("stream-replay-switch", "-m pipeline.replay switch --job $(JOB) --version $(VERSION) $(APPLY)"),
        ("stream-replay-rollback", "-m pipeline.replay rollback --job $(JOB) $(APPLY)"),
        ("stream-replay-local", "-m pipeline.replay compare --local --job $(JOB) --version $(VERSION)"),
        ("stream-replay-local-switch", "-m pipeline.replay switch --local --job $(JOB) --version $(VERSION)"),
        ("stream-replay-local-rollback", "-m pipeline.replay rollback --local --job $(JOB)"),
    ):
        assert f"\n{target}:" in mk and command in mk, target


def test_apply_runs_the_kubectl_commands_and_records_the_savepoint_path(project: Path, tmp_path: Path) -> None:
    """A stand-in kubectl on PATH (no cluster here) logs its arguments and answers the savepoint query."""
    bin_dir, log = tmp_path / "bin", tmp_path / "kubectl.log"
    bin_dir.mkdir()
    savepoint = "s3://ecommerce-realtime-checkpoints/ecommerce_realtime__gmv_per_minute/savepoints/savepoint-1a2b"
    fake = bin_dir / "kubectl"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {log}\ncase "$*" in *" get "*) printf "{savepoint}";; esac\n')
    fake.chmod(0o755)
    ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.replay", "switch", "--job", "gmv_per_minute", "--version", "2", "--apply"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("-n shop-realtime patch flinkdeployment ecommerce-realtime-gmv-per-minute --type merge")
    assert '"state":"suspended"' in calls[0]
    assert calls[1] == (
        "-n shop-realtime get flinkdeployment ecommerce-realtime-gmv-per-minute "
        "-o jsonpath={.status.jobStatus.upgradeSavepointPath}"
    )
    state = json.loads((project / "flink" / "replay" / "state.json").read_text())["jobs"][JOB]
    assert state["switches"][0]["savepoint"] == savepoint and state["versions"]["1"]["savepoint"] == savepoint
    assert savepoint in proc.stdout

    failing = bin_dir / "kubectl"
    failing.write_text("#!/bin/sh\necho 'error: the server could not find the requested resource' >&2\nexit 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.replay", "rollback", "--job", "gmv_per_minute", "--apply"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "could not find" in proc.stderr
    state = json.loads((project / "flink" / "replay" / "state.json").read_text())["jobs"][JOB]
    assert state["active"] == 2  # nothing recorded when kubectl failed


def test_a_replayed_deployment_name_stays_a_dns_label_at_any_version(project: Path) -> None:
    """`<k8s-name>-v<N>` of a 63-character k8s name would be 66: the runtime cuts it to 63 with a
    stable hash of the whole name, so two long names stay distinct."""
    code = (
        "import json; from pathlib import Path; from pipeline.replay import names_of;"
        "n = names_of(Path('.')); a, b = 'a' * 60 + '-x1', 'a' * 60 + '-x2';"
        "print(json.dumps([n.k8s_versioned(a, 12), n.k8s_versioned(b, 12), n.k8s_versioned(a, 12),"
        " n.k8s_versioned('short', 3)]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    first, second, again, short = json.loads(proc.stdout)
    label = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
    assert all(len(n) <= 63 and label.match(n) for n in (first, second)), (first, second)
    assert first.endswith("-v12") and first != second and first == again
    assert short == "short-v3"


def test_a_replay_in_a_later_environment_keeps_its_state_in_that_environments_bucket(tmp_path: Path) -> None:
    """A replay planned for another environment than the first derived its FlinkDeployment from the generated
    one, whose state directories name the first environment's checkpoints bucket (its overlay patches the
    live job's, not the replay's). With dev before prod, `--environment prod` (else PIPEGEN_ENVIRONMENT):
    the version's checkpoints, savepoints and HA under prod's bucket (Terraform's tfvars), version 1's
    savepoint directory the one prod's overlay patches in, both recorded apart from dev's."""
    from pipegen.pipeline import render_tree

    text = (REPO / "specs" / "ecommerce_realtime.yaml").read_text(encoding="utf-8")
    assert text.count("  environments:\n    prod:\n") == 1
    (tmp_path / "pipegen.yaml").write_text(text.replace("  environments:\n", "  environments:\n    dev: {}\n"))
    ready = prepare(tmp_path / "pipegen.yaml")
    project = tmp_path / "project"
    for rel, content in render_tree(ready.spec, ready.plan).items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(str(content), encoding="utf-8")
    tfvars = (project / "terraform" / "envs" / "prod" / "terraform.tfvars").read_text()
    [bucket] = re.findall(r'^checkpoints_bucket\s*=\s*"([^"]+)"', tfvars, re.MULTILINE)
    assert bucket == "ecommerce-realtime-prod-checkpoints"
    import yaml

    overlay = project / "k8s" / "overlays" / "prod" / "flink-state-ecommerce-realtime-gmv-per-minute.yaml"
    patch = yaml.safe_load(overlay.read_text())

    out = ok(project, "plan", "--job", "gmv_per_minute", "--from", "earliest", "--version", "2", "--environment=prod")
    deployment = "flink/replay/prod/ecommerce-realtime-gmv-per-minute-v2.yaml"
    assert f"-f {deployment}" in out and "--environment prod" in out
    (doc,) = load_resources((project / deployment).read_text())
    conf = doc["spec"]["flinkConfiguration"]
    dirs = {"execution.checkpointing.dir": "checkpoints", "execution.checkpointing.savepoint-dir": "savepoints",
            "high-availability.storageDir": "ha"}  # fmt: skip
    for key, folder in dirs.items():
        assert conf[key] == f"s3://{bucket}/{JOB}__v2/{folder}", (key, conf[key])
    state = json.loads((project / "flink" / "replay" / "prod" / "state.json").read_text())["jobs"][JOB]
    patched = {p["path"].rsplit("/", 1)[1]: p["value"] for p in patch}
    assert state["versions"]["1"]["savepoint_dir"] == patched["execution.checkpointing.savepoint-dir"]
    assert state["versions"]["1"]["savepoint_dir"] == f"s3://{bucket}/{JOB}/savepoints"
    # in the namespace prod's overlay deploys the live job to (kustomize's build of it), the version's
    # FlinkDeployment, its record and the kubectl command alike
    binary = kubectl()
    assert binary, MISSING
    [live] = [
        o
        for o in build(binary, project / "k8s" / "overlays" / "prod")
        if o["kind"] == "FlinkDeployment" and o["metadata"]["name"] == "ecommerce-realtime-gmv-per-minute"
    ]
    namespace = live["metadata"]["namespace"]
    assert namespace == doc["metadata"]["namespace"] == state["versions"]["2"]["namespace"] == "shop-realtime"
    assert state["versions"]["1"]["namespace"] == namespace and f"kubectl apply -n {namespace} " in out

    # the first environment's replay (no --environment, no PIPEGEN_ENVIRONMENT) is apart, in dev's bucket
    assert not (project / "flink" / "replay" / "state.json").exists()
    env = {k: v for k, v in os.environ.items() if k != "PIPEGEN_ENVIRONMENT"}
    argv = [sys.executable, "-m", "pipeline.replay", "plan", "--job", "gmv_per_minute", "--from", "earliest"]
    subprocess.run([*argv, "--version", "2"], cwd=project, env=env, check=True, capture_output=True)
    (dev,) = load_resources((project / "flink" / "replay" / "ecommerce-realtime-gmv-per-minute-v2.yaml").read_text())
    assert dev["spec"]["flinkConfiguration"]["execution.checkpointing.dir"] == (
        f"s3://ecommerce-realtime-dev-checkpoints/{JOB}__v2/checkpoints"
    )
    proc = subprocess.run([*argv, "--version", "3"], cwd=project, env={**env, "PIPEGEN_ENVIRONMENT": "qa"},
                          capture_output=True, text=True, check=False)  # fmt: skip
    refused = "unknown environment 'qa' (PIPEGEN_ENVIRONMENT): the environments are dev, prod"
    assert proc.returncode == 2 and refused in proc.stderr, proc.stderr
