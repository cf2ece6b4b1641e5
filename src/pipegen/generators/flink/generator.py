"""flink family: Flink SQL per stream job and its deployment.

Writes, per stream job of the spec, `flink/sql/<pipeline>__<job>.sql` (the statements of
builder.py: settings, source and dimension tables, views, and the sink as
`CREATE TABLE ... AS SELECT`) and `flink/deploy/<job>.yaml`, a `FlinkDeployment`
(flink.apache.org/v1beta1, application mode, savepoint upgrades) that runs the script with the
project's SQL runner (`pipeline/flink_runner.py` through PyFlink's PythonDriver, which
substitutes `${VAR}` option values from the environment: secrets never sit in a script).
`flink/jobs.json` names each table's role (and carries the naming layer's replay rules for
`pipeline/replay.py`, which never derives a name itself); `pipeline/flink_local.py` uses it to swap external
connectors for local ones (EXPLAIN with datagen/blackhole; a local run over `data/cdc/`), and
`docs/flink.md` describes the jobs, what differs locally, and the replay/savepoint runbook.

PyFlink conflicts with the batch pins (pandas, pyarrow), so it is not in requirements.txt but
in `requirements-flink.txt` (the judge env requirements/judges/flink.txt has the same pins)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from pipegen.common.stream_landing import STREAM_ORDER, streamed_to_bronze
from pipegen.common.stream_rules import EventRule, event_rules, streamed_tables
from pipegen.common.synthetic_tables import START, config_name, seed_and_locale, table_config
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget, RunStep
from pipegen.generators.flink import redrive
from pipegen.generators.flink import tls as tls_stores
from pipegen.generators.flink.bronze import build_bronze_jobs
from pipegen.generators.flink.builder import JobBuilder, JobSql
from pipegen.generators.flink.options import Settings, settings_for
from pipegen.generators.flink.quality import WINDOW_SECONDS, build_quality_jobs
from pipegen.generators.flink.windows import describe_window
from pipegen.plan.cloudnames import environments, flink_state_paths, k8s_namespace
from pipegen.plan.envsizes import flink_slots
from pipegen.plan.names import ENV, FLINK_SERVICE_ACCOUNT
from pipegen.render.env import render, static
from pipegen.safe import trusted
from pipegen.spec import rulekinds
from pipegen.spec.index import TableRef, index_of
from pipegen.spec.model import Ingestion, OnFailure, Spec
from pipegen.spec.types import format_duration

FLINK_REQUIREMENTS = ("apache-flink==2.3.0", "duckdb==2.0.1", "Faker==40.63.0")
FLINK_VERSION = "v2_2"  # the newest flinkVersion the released operator CRD (1.15.0) accepts
FLINK_IMAGE_TAG = "2.2"
RUNTIME = (
    "flink_sql.py",
    "flink_local.py",
    "flink_runner.py",
    "change_events.py",
    "stream.py",
    "stream_quality.py",
    "replay.py",
)
# shared runtime modules (templates/runtime/) the stream's quality jobs record their events with
QUALITY_RUNTIME = ("quality_log.py", "quality_model.py")
REPLAY = ("$(FLINK_PYTHON)", "-m", "pipeline.replay")
REPLAY_JOB = ("--job", "$(JOB)")
REPLAY_VERSION = ("--version", "$(VERSION)")
FACT_ROWS = 1000  # inserts per fact table for `make stream-local` (--rows scales)
DIMENSION_ROWS = 50
UPDATE_RATE = 0.1
DELETE_RATE = 0.05
USRLIB = "/opt/flink/usrlib"


LOCAL_TARGETS = (
    MakeTarget(
        "flink-install",
        "install PyFlink for the Flink SQL jobs (requirements-flink.txt, its own environment)",
        (("$(FLINK_PYTHON)", "-m", "pip", "install", "-r", "requirements-flink.txt"),),
    ),
    MakeTarget(
        "stream-local",
        "run the Flink SQL jobs in PyFlink over data/cdc (synthetic change events when empty; ROWS=N, BAD_ROW_RATE=R)",
        (("$(FLINK_PYTHON)", "-m", "pipeline.stream"),),
        options=(("ROWS", "--rows"), ("BAD_ROW_RATE", "--bad-row-rate")),
    ),
    MakeTarget(
        "stream-quality-report",
        "print the quality read model (validation events of the stream's quality jobs)",
        (("$(PROJECT_PYTHON)", "-m", "pipeline.stream_quality", "--report"),),
    ),
)
# the stream layer's step of the local run, in PyFlink's own environment (requirements-flink.txt);
# before the Lambda serving step (45), which reads its results
STREAM_STEP = RunStep(
    42, "stream", "the Flink SQL jobs in PyFlink over change events (synthetic when none were captured)",
    ("-m", "pipeline.stream"), environment="requirements-flink.txt",
    options=(("rows", "--rows"), ("bad_row_rate", "--bad-row-rate")), orchestrated=False, java=(11, 17),
)  # fmt: skip
EXPLAIN_TARGET = MakeTarget(
    "flink-explain",
    "plan every Flink SQL statement in PyFlink (external connectors swapped)",
    (("$(FLINK_PYTHON)", "-m", "pipeline.flink_local", "explain"),),
)


def replay_targets(replayed: str) -> tuple[MakeTarget, ...]:
    """The replay runbook's targets; `replayed`: the local results table of a version (naming layer)."""
    return (
        MakeTarget(
            "stream-replay-plan",
            "plan version VERSION of stream job JOB reading from FROM (earliest or an ISO-8601 time)",
            ((*REPLAY, "plan", *REPLAY_JOB, "--from", "$(FROM)", *REPLAY_VERSION),),
        ),
        MakeTarget(
            "stream-replay-switch",
            "switch readers of JOB to version VERSION (prints kubectl and SQL; APPLY=--apply runs kubectl)",
            ((*REPLAY, "switch", *REPLAY_JOB, *REPLAY_VERSION, "$(APPLY)"),),
        ),
        MakeTarget(
            "stream-replay-rollback",
            "undo the last switch of JOB (APPLY=--apply runs kubectl)",
            ((*REPLAY, "rollback", *REPLAY_JOB, "$(APPLY)"),),
        ),
        MakeTarget(
            "stream-replay-local",
            f"run version VERSION of JOB locally ({replayed}), compare with the live results",
            (
                (*REPLAY, "run", "--local", *REPLAY_JOB, *REPLAY_VERSION),
                (*REPLAY, "compare", "--local", *REPLAY_JOB, *REPLAY_VERSION),
            ),
        ),
        MakeTarget(
            "stream-replay-local-switch",
            "make results.<sink> version VERSION of JOB locally (one DuckDB transaction)",
            ((*REPLAY, "switch", "--local", *REPLAY_JOB, *REPLAY_VERSION),),
        ),
        MakeTarget(
            "stream-replay-local-rollback",
            "undo the last local switch of JOB",
            ((*REPLAY, "rollback", "--local", *REPLAY_JOB),),
        ),
    )


def deploy_path(k8s_name: str) -> str:
    """A job's FlinkDeployment file."""
    return f"flink/deploy/{k8s_name}.yaml"


class FlinkGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        replayed = ctx.plan.names.replay.versioned("results.<sink>", "<VERSION>")
        quality = quality_jobs(ctx)
        bronze = bronze_jobs(ctx)
        deployments = [ctx.plan.names.stream(j.name).k8s_name for j in ctx.spec.transforms.streams]
        deployments += [q.job.k8s_name for q in (*quality, *bronze)]
        return Contribution(
            manifests=tuple(deploy_path(name) for name in deployments),
            python_modules=True,
            # the runner's `${VAR}` substitution; the stream's validation events are recorded in the
            # project's quality log and read model, whether or not GX is generated; change_events.py
            # builds on the synthetic data's table model, values and bad values (synthetic.py, which
            # reads the rule kinds' bad-value strategies from rules.json)
            runtime=("envsubst.py", "rules.json", "synthetic.py", *(QUALITY_RUNTIME if quality else ())),
            env=(
                EnvVar(
                    ctx.plan.names.env.kafka_bootstrap,
                    ("flink/sql/*.sql: Kafka sources and sinks",),
                    default="localhost:9092",
                ),
                *option_variables([*build_jobs(ctx), *quality, *bronze]),
            ),
            make_targets=(
                *LOCAL_TARGETS,
                *replay_targets(replayed),
                EXPLAIN_TARGET,
                *(redrive.TARGETS if quality else ()),
            ),
            run_steps=(stream_step(bronze),),
            requirements=redrive.REQUIREMENTS if quality else (),  # pipeline/redrive.py
        )

    def render(self, ctx: GenContext) -> Files:
        streams = build_jobs(ctx)
        quality = quality_jobs(ctx)
        bronze = bronze_jobs(ctx)
        jobs = [*streams, *quality, *bronze]
        files: Files = {}
        for j in jobs:
            files[f"flink/sql/{j.job.flink_job}.sql"] = render("flink/job.sql.j2", _job_context(ctx, j))
            files[deploy_path(j.job.k8s_name)] = render(
                "flink/flinkdeployment.yaml.j2", {"doc": flink_deployment(ctx, j)}
            )
        files["flink/jobs.json"] = json.dumps(jobs_manifest(ctx, jobs), indent=2, sort_keys=True) + "\n"
        files["pipeline/change_events.json"] = (
            json.dumps(change_events_config(ctx), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )
        for name in RUNTIME:
            files[f"pipeline/{name}"] = static(f"flink/{name}")
        if quality:  # the dead letters' redrive
            files[redrive.CONFIG] = json.dumps(redrive.dead_letters_config(ctx), indent=2, sort_keys=True) + "\n"
            files[f"pipeline/{redrive.MODULE}"] = static(f"flink/{redrive.MODULE}")
        files["requirements-flink.txt"] = render(
            "flink/requirements-flink.txt.j2", {"pins": [trusted(p) for p in FLINK_REQUIREMENTS]}
        )
        files["docs/flink.md"] = render("flink/flink.md.j2", _docs_context(ctx, streams, quality, bronze))
        return files


PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # what pipeline/flink_sql.py substitutes
CONNECTOR_USES: dict[str, str] = {
    ENV.connectors.aws_region: "the Kinesis sources' AWS region (the spec gives no `region`)",
    ENV.connectors.aws_account_id: "the AWS account of the Kinesis streams' ARNs (built from `stream`)",
    ENV.connectors.kinesis_stream_arn: "the Kinesis stream's ARN (the spec gives no `stream`)",
    ENV.connectors.eventhubs_bootstrap: "Event Hubs' Kafka endpoint, host:9093 (the spec gives no `namespace`)",
    ENV.connectors.eventhubs_jaas: "Event Hubs' SASL login (the spec gives no `connection_string`)",
    ENV.connectors.lake_path: "where file and Delta sinks write (the target gives no url, path or bucket)",
    ENV.lake_root: "the lake root the bronze jobs' Delta sinks write under (the lake step's PIPEGEN_LAKE_ROOT)",
    ENV.lake_root_bronze: "the bronze layer's container the bronze jobs' Delta sinks write under (Azure)",
    ENV.connectors.azure_storage_account: "the Azure storage account file and Delta sinks write to (no `account`)",
    # the project's cluster (mutual TLS): each FlinkDeployment sets them from Strimzi's Secrets (flink/tls.py)
    ENV.kafka_truststore: "the project's Kafka cluster CA (ca.p12; the FlinkDeployment mounts it)",
    ENV.kafka_truststore_password: "ca.password of the cluster CA (the FlinkDeployment reads its Secret)",
    ENV.kafka_keystore: "the Flink KafkaUser's certificate (user.p12; the FlinkDeployment mounts it)",
    ENV.kafka_keystore_password: "user.password of the Flink KafkaUser (the FlinkDeployment reads its Secret)",
}


def option_variables(jobs: list[JobSql]) -> tuple[EnvVar, ...]:
    """Every `${NAME}` a job's options read from the environment (the runner fills them), but the
    project's Kafka cluster (declared with its local default): a connector's setting the spec
    leaves out, a connection's user or password, a spec reference (also listed as the spec's)."""
    files: dict[str, list[str]] = {}
    for j in jobs:
        for name in dict.fromkeys(PLACEHOLDER.findall(j.script)):
            files.setdefault(name, []).append(f"flink/sql/{j.job.flink_job}.sql")
    files.pop(ENV.kafka_bootstrap, None)
    return tuple(
        EnvVar(name, (f"{paths[0] if len(paths) == 1 else f'flink/sql/*.sql ({len(paths)} jobs)'}: "
                      f"{CONNECTOR_USES.get(name, 'a Flink table option')}",))
        for name, paths in sorted(files.items())
    )  # fmt: skip


def build_jobs(ctx: GenContext) -> list[JobSql]:
    spec = ctx.spec
    builder = JobBuilder(spec, index_of(spec), ctx.plan.names, _settings(ctx), quarantined(ctx))
    return [builder.build(job) for job in spec.transforms.streams]


def bronze_jobs(ctx: GenContext) -> list[JobSql]:
    """A Lakehouse plan's bronze jobs: each table its stream lands in bronze (flink/bronze.py)."""
    refs = streamed_to_bronze(ctx.spec, ctx.plan.architecture, ctx.plan.graph.kinds)
    return build_bronze_jobs(ctx.spec, ctx.plan.names, _settings(ctx), refs) if refs else []


def stream_step(bronze: list[JobSql]) -> RunStep:
    """The local run's stream step; before the lake step when it lands the stream in bronze (the lake
    step lands its rows, so silver and gold have them in the same run)."""
    return replace(STREAM_STEP, order=STREAM_ORDER) if bronze else STREAM_STEP


def _settings(ctx: GenContext) -> Settings:
    sized = {s.name: s.value for s in ctx.plan.capacity.sizing}
    return settings_for(ctx.plan.capacity.flink_parallelism, sized.get("Flink checkpoint interval"))


def jobs_manifest(ctx: GenContext, jobs: list[JobSql]) -> dict[str, Any]:
    """flink/jobs.json: every job's tables and roles, its state directories per deployment environment
    (`state`: the naming layer's flink_state_paths, what each environment's overlay deploys; a replay
    planned for an environment starts there) and its Kubernetes namespace per environment (`namespace`:
    the naming layer's k8s_namespace, where that environment's overlay deploys it and the replay's
    FlinkDeployments and kubectl commands go), the environments in order and the replay versions' naming
    rules."""
    envs, names = environments(ctx.spec), ctx.plan.names
    return {
        "jobs": [{**j.manifest, "state": {env: flink_state_paths(ctx.spec, env, j.job.flink_job) for env in envs},
                  "namespace": {env: str(k8s_namespace(names, env)) for env in envs}}
                 for j in jobs],
        "environments": list(envs),
        "names": ctx.plan.names.replay.as_data(),
    }  # fmt: skip


def quality_jobs(ctx: GenContext) -> list[JobSql]:
    """The dead-letter and validation-event jobs of every streamed table with per-event rules."""
    return build_quality_jobs(ctx.spec, ctx.plan.names, _settings(ctx))


def quarantined(ctx: GenContext) -> dict[str, list[EventRule]]:
    """`quality.on_failure: quarantine`: streamed table (qualified) -> its per-event rules; the stream
    jobs reading it exclude the events that break a critical one (the quality job dead-letters them)."""
    if ctx.spec.quality.on_failure != OnFailure.QUARANTINE:
        return {}
    index = index_of(ctx.spec)
    found = {ref.qualified: event_rules(ctx.spec, ref) for ref in streamed_tables(ctx.spec, index)}
    return {k: v for k, v in found.items() if any(r.critical for r in v)}


def change_events_config(ctx: GenContext) -> dict[str, Any]:
    """The synthetic change events' config: the synthetic data's table model (common/synthetic_tables.py,
    the shape `pipeline/synthetic.py` parses) for every table a stream job reads (facts: the jobs'
    inputs; dimensions: their joins), plus `change_events`: what only change events need (each
    table's topic, role, event time and the per-event rules bad events break, the op rates)."""
    spec, index, names = ctx.spec, index_of(ctx.spec), ctx.plan.names
    roles: dict[str, tuple[TableRef, str]] = {}
    for job in spec.transforms.streams:
        base = index.resolve(job.from_, allow_marts=False).table
        if base is not None:
            roles[base.qualified] = (base, "fact")
        for j in job.joins:
            dim = index.resolve(j.table, allow_marts=False).table
            if dim is not None and roles.get(dim.qualified, (dim, ""))[1] != "fact":
                roles[dim.qualified] = (dim, "dimension")
    for ref in streamed_to_bronze(spec, ctx.plan.architecture, ctx.plan.graph.kinds):
        roles.setdefault(ref.qualified, (ref, "fact"))  # a table the stream lands in bronze: its events
    included = {config_name(ref.source, ref.dataset) for ref, _ in roles.values()}
    tables, events = [], {}
    for _qualified, (ref, role) in sorted(roles.items()):
        # no `recent`: the stream's quality jobs check no freshness (the change events' times move anyway)
        table = table_config(ref.source, ref.dataset, index, included, {}, keep=lambda c: c.metadata is None,
                             fresh=False)  # fmt: skip
        rules = _injectable_rules(spec, ref)
        time = _event_time(ref, role)
        stated = ref.dataset.synthetic.rows if ref.dataset.synthetic else None
        table["rows"] = stated or (FACT_ROWS if role == "fact" else DIMENSION_ROWS)  # the spec's synthetic.rows wins
        table["bad_rules"] = list(dict.fromkeys(r["rule"] for r in rules))  # kinds bad events break
        table["intact"] = list(dict.fromkeys([*ref.dataset.primary_key, *([time] if time else [])]))
        tables.append(table)
        events[table["name"]] = {
            "table": ref.dataset.name,
            "topic": names.dataset(ref.source.name, ref.dataset.name).topic,
            "role": role,
            "event_time": time,
            "rules": rules,
            # a CDC table's changes are Debezium envelopes; a topic's events are its records
            "changelog": ref.source.ingestion == Ingestion.CDC,
        }
    seed, locale = seed_and_locale(spec.sources)
    return {
        "seed": seed,
        "locale": locale,
        "start": START,
        "bad_row_rate": 0.0,  # --bad-rate: fact inserts that break one rule (recorded in _injected.json)
        "tables": tables,
        "change_events": {
            "step_seconds": 1,
            "update_rate": UPDATE_RATE,
            "delete_rate": DELETE_RATE,
            "tables": events,
        },
    }


def _event_time(ref: TableRef, role: str) -> str | None:
    """The column a change event's time is written to: a fact's event time; a dimension's version
    time (event time or watermark, a timestamp), as the local temporal join reads it."""
    candidates = (ref.dataset.event_time,) if role == "fact" else (ref.dataset.event_time, ref.dataset.watermark)
    for name in candidates:
        column = ref.column(name or "")
        if column is not None and column.metadata is None and (role == "fact" or column.type.startswith("timestamp")):
            return column.name
    return None


def _injectable_rules(spec: Spec, ref: TableRef) -> list[dict[str, Any]]:
    """The per-event rules of the table's physical columns that synthetic bad events may break
    (not its keys or event time: a CDC event always has them; kinds with a bad-value strategy,
    spec/rulekinds.py), with the spec paths the quality jobs report; their arguments are the
    columns' own (the table model)."""
    out = []
    fixed = {k.lower() for k in ref.dataset.primary_key} | {(ref.dataset.event_time or "").lower()}
    for r in event_rules(spec, ref):
        column = ref.column(r.column)
        if column is None or r.column.lower() in fixed or rulekinds.kind(r.rule).bad_value is None:
            continue
        out.append({"rule": r.rule, "column": column.name, "spec_path": r.spec_path})
    return out


def _job_context(ctx: GenContext, j: JobSql) -> dict[str, Any]:
    return {"version": trusted(ctx.version), "job": j.job.flink_job, "script": trusted(j.script)}


METRICS_PORT = 9249  # Flink's Prometheus reporter (plugins/metrics-prometheus of the Flink image)
METRICS_LABEL = "pipegen/flink-job"  # on the job's pods: the monitoring family's PodMonitor selects it


def _metrics_reporter(ctx: GenContext) -> dict[str, str]:
    """Flink's Prometheus reporter on every JobManager and TaskManager, when monitoring is on: the
    checkpoint and backpressure alerts read its metrics (PodMonitor port `metrics`)."""
    if not ctx.spec.monitoring.prometheus:
        return {}
    return {"metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
            "metrics.reporter.prom.port": str(METRICS_PORT)}  # fmt: skip


def state_environment(spec: Spec) -> str:
    """The environment whose checkpoints bucket the base FlinkDeployments name (the first deployed;
    the kubernetes family's overlay of every other environment points each job at its own)."""
    return environments(spec)[0]


def _pod_spec(ctx: GenContext, j: JobSql) -> dict[str, Any]:
    """The job's pods (JobManager and TaskManagers): the job's environment Secret, the mutual TLS stores
    of the project's cluster where its SQL has a table on it (flink/tls.py), the metrics port."""
    kafka = ctx.plan.names.kafka
    tls = tls_stores.pod_tls(kafka) if kafka and tls_stores.reads_cluster(j.script) else {}
    container: dict[str, Any] = {"name": "flink-main-container"}
    container |= {"env": tls["env"]} if tls else {}
    container["envFrom"] = [{"secretRef": {"name": ctx.plan.names.flink_env_secret}}]
    container |= {"volumeMounts": tls["volumeMounts"]} if tls else {}
    if ctx.spec.monitoring.prometheus:
        container["ports"] = [{"name": "metrics", "containerPort": METRICS_PORT}]
    return {"containers": [container], **({"volumes": tls["volumes"]} if tls else {})}


def flink_deployment(ctx: GenContext, j: JobSql) -> dict[str, Any]:
    """The FlinkDeployment of one job (application mode; the SQL runner is a Python job)."""
    sized = {s.name: s.value for s in ctx.plan.capacity.sizing}
    parallelism = int(ctx.plan.capacity.flink_parallelism or 1)
    state = flink_state_paths(ctx.spec, state_environment(ctx.spec), j.job.flink_job)
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {
            "name": j.job.k8s_name,
            "namespace": ctx.plan.names.k8s_namespace,
            "labels": {"app.kubernetes.io/part-of": ctx.plan.names.k8s_namespace, "pipegen/job": j.job.k8s_name},
        },
        "spec": {
            "image": f"flink-sql-runner:{FLINK_IMAGE_TAG}",
            "flinkVersion": FLINK_VERSION,
            "serviceAccount": str(FLINK_SERVICE_ACCOUNT),
            "flinkConfiguration": {
                "taskmanager.numberOfTaskSlots": str(flink_slots(ctx.plan.capacity)),
                "state.backend.type": "rocksdb",
                "execution.checkpointing.incremental": "true",
                "execution.checkpointing.interval": f"{int(sized.get('Flink checkpoint interval', 60))} s",
                "execution.checkpointing.mode": "EXACTLY_ONCE",
                "execution.checkpointing.dir": state["execution.checkpointing.dir"],
                "execution.checkpointing.savepoint-dir": state["execution.checkpointing.savepoint-dir"],
                "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
                "high-availability.type": "kubernetes",
                "high-availability.storageDir": state["high-availability.storageDir"],
                "kubernetes.operator.savepoint.history.max.count": "5",
                "kubernetes.operator.periodic.savepoint.interval": "6h",
                **_metrics_reporter(ctx),
            },
            "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "4096m", "cpu": 2}},
            "podTemplate": {
                **({"metadata": {"labels": {METRICS_LABEL: j.job.k8s_name}}} if ctx.spec.monitoring.prometheus else {}),
                "spec": _pod_spec(ctx, j),
            },
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python-2.2.0.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": ["-pym", "pipeline.flink_runner", f"{USRLIB}/flink/sql/{j.job.flink_job}.sql"],
                "parallelism": parallelism,
                "upgradeMode": "savepoint",
                "state": "running",
                "allowNonRestoredState": False,
            },
        },
    }


def bronze_row(j: JobSql) -> dict[str, Any]:
    """docs/flink.md's line of a bronze job: its lake table, sink and the local run's landing directory."""
    return {
        "name": j.job.flink_job,
        "table": trusted(j.manifest["bronze"]["table"]),
        "sink": trusted(f"{j.sink_connector} ({j.sink_target})"),
        "k8s": j.job.k8s_name,
        "landing": trusted(j.manifest["bronze"]["landing"]),
    }


def _docs_context(ctx: GenContext, jobs: list[JobSql], quality: list[JobSql], bronze: list[JobSql]) -> dict[str, Any]:
    by_name = {j.name: j for j in ctx.spec.transforms.streams}
    rows = []
    for j in jobs:
        spec_job = by_name[j.job.job]
        rows.append(
            {
                "name": j.job.flink_job,
                "description": spec_job.description or "",
                "window": trusted(describe_window(spec_job.window)),
                "sink": trusted(f"{j.sink_connector} ({j.sink_target})"),
                "outputs": trusted(", ".join(j.outputs)),
                "k8s": j.job.k8s_name,
                "lookups": bool(j.manifest["lookups"]),
            }
        )
    checks = [
        {
            "name": j.job.flink_job,
            "table": j.manifest["quality"]["table"],
            "kind": j.manifest["quality"]["kind"],
            "sink": trusted(str(j.job.output_topic)),
            "rules": trusted(", ".join(f"`{r['spec_path']}`" for r in j.manifest["quality"]["rules"])),
            "k8s": j.job.k8s_name,
        }
        for j in quality
    ]
    return {
        "pipeline": ctx.plan.names.pipeline,
        "jobs": rows,
        "namespace": ctx.plan.names.k8s_namespace,
        "quality": checks,
        "bronze": [bronze_row(j) for j in bronze],
        "on_failure": ctx.spec.quality.on_failure.value,
        "window": trusted(format_duration(WINDOW_SECONDS)),
        "per_event_rules": trusted(", ".join(k.name for k in rulekinds.per_event_kinds())),
    }


GENERATOR = FlinkGenerator()
