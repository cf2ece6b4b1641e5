"""What the orchestrator families (airflow, prefect) share: the run policy (schedule,
retries, timeouts, concurrency) and the task plan, both pure functions of the spec, the plan
and the merged contributions. Not a family: both families import it, so a DAG and a flow
generated from one spec always agree on what runs, in which order, how often and how it
retries.

The task plan comes from `ctx.shared.run_steps` (the steps of the local run, which every
family with runnable code contributes) with the ingestion step split per batch source, so
the local run, the DAG and the flow stay one source of truth: a step whose family is not
generated for a spec is in none of them.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from itertools import pairwise

from pipegen.common.notifications import email_env
from pipegen.generators.base import EnvVar, GenContext, RunStep
from pipegen.plan.names import snake
from pipegen.safe import Ident, Safe, trusted
from pipegen.spec.model import Spec
from pipegen.spec.secretscan import candidates, dotted
from pipegen.spec.types import NO_SCHEDULE, format_duration, parse_secret_ref

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0

# Run-policy values the spec does not state (`orchestration:` gives retries, delays, backoff
# on/off, timeouts, catchup and concurrency; these fill the rest). Durations in seconds.
DEFAULTS: dict[str, float | int | bool] = {
    "retries": 3,
    "retry_delay": 1 * MINUTE,
    "backoff": 2.0,  # each retry waits this many times the previous delay
    "max_retry_delay": 30 * MINUTE,
    "catchup": False,
    "max_active_runs": 1,
}

# Batch cadences (seconds, cron), shortest first: the schedule derived from latency is the
# longest cadence that still refreshes the data within the latency.
CADENCES: tuple[tuple[float, str], ...] = (
    (5 * MINUTE, "*/5 * * * *"),
    (15 * MINUTE, "*/15 * * * *"),
    (30 * MINUTE, "*/30 * * * *"),
    (1 * HOUR, "0 * * * *"),
    (2 * HOUR, "0 */2 * * *"),
    (3 * HOUR, "0 */3 * * *"),
    (6 * HOUR, "0 */6 * * *"),
    (12 * HOUR, "0 */12 * * *"),
    (1 * DAY, "0 0 * * *"),
    (7 * DAY, "0 0 * * 1"),
)

# How an orchestrator task calls a step's `run(...)`, by step name: Python keyword
# arguments (pipegen's own text; `local` is the run's parameter, `DBT_TARGET` a constant of
# the generated module). A step not listed is called as `run()`.
STEP_CALLS: dict[str, str] = {
    "transform": 'target="local" if local else DBT_TARGET',
    "stage": 'target="local" if local else DBT_TARGET, staging_only=True',
    "quarantine": 'stage="staging", target="local" if local else DBT_TARGET',
    "quality": 'target="local" if local else DBT_TARGET',
    "lake": 'layers=("bronze", "silver")',
    "lake_gold": 'layers=("gold",)',
    "lake_maintain": 'layers=("maintain",)',
}
# Steps that make local stand-in data: they run only in a local run (`local=True`).
LOCAL_ONLY_STEPS = frozenset({"synthesize"})
# The run step that extract-loads every source: orchestrators run it once per batch source.
INGEST_STEP = "ingest"


@dataclass(frozen=True)
class RunPolicy:
    schedule: str  # a five-field cron expression, UTC
    schedule_origin: str  # why: "pipeline.schedule" or "latency 1h"
    retries: int
    retry_delay: float  # seconds, before the first retry
    backoff: float  # multiplier per retry (Airflow's retry_exponential_backoff; Prefect's backoff factor)
    max_retry_delay: float  # seconds
    execution_timeout: float | None  # seconds a task may run; None: no limit
    catchup: bool
    max_active_runs: int
    freshness_sla: float | None  # seconds; Airflow: a DeadlineAlert; Prefect: documented

    def retry_delays(self) -> tuple[float, ...]:
        """The wait before each retry: delay x backoff^n, capped at max_retry_delay."""
        return tuple(min(self.retry_delay * self.backoff**n, self.max_retry_delay) for n in range(self.retries))


def derived_schedule(latency: float) -> str:
    """The longest cadence at or below the latency (the shortest one below five minutes)."""
    fitting = [cron for seconds, cron in CADENCES if seconds <= latency]
    return fitting[-1] if fitting else CADENCES[0][1]


def run_policy(spec: Spec) -> RunPolicy:
    """The run policy of the spec's batch pipeline: its schedule, else one derived from its
    latency; retries, backoff, timeouts, catchup and concurrency from `orchestration:` (the
    spec's own defaults), a max retry delay from DEFAULTS when the spec gives none."""
    o = spec.orchestration
    if spec.pipeline.schedule:
        schedule, origin = spec.pipeline.schedule, "pipeline.schedule"
    else:
        schedule, origin = derived_schedule(spec.latency), f"latency {format_duration(spec.latency)}"
    return RunPolicy(
        schedule=schedule,
        schedule_origin=origin,
        retries=o.retries,
        retry_delay=o.retry_delay,
        backoff=float(DEFAULTS["backoff"]) if o.exponential_backoff else 1.0,
        max_retry_delay=o.max_retry_delay or max(float(DEFAULTS["max_retry_delay"]), o.retry_delay),
        execution_timeout=o.execution_timeout,
        catchup=o.catchup,
        max_active_runs=o.max_active_runs,
        freshness_sla=spec.monitoring.freshness_sla,
    )


@dataclass(frozen=True)
class EnvironmentSchedule:
    """The batch schedule of one deployment environment (`deploy.environments.<env>.schedule`)."""

    environment: str  # the spec's name: what PIPEGEN_ENVIRONMENT holds there (print with py_str)
    schedule: str | None  # a five-field cron expression or preset, UTC; None: no schedule (manual runs only)
    origin: str  # why: "deploy.environments.<env>.schedule", or the run policy's origin

    @property
    def described(self) -> str:
        """The schedule in words (docs and docstrings): `0 * * * * UTC`, or none."""
        return f"{self.schedule} UTC" if self.schedule else "none (manual runs only)"


def environment_schedules(spec: Spec, policy: RunPolicy, every: bool = False) -> tuple[EnvironmentSchedule, ...]:
    """The environments that set their own schedule, in the spec's order (the Airflow DAG's mapping; the
    others run the policy's); `every`: each of the spec's environments, the others with the policy's schedule
    (a Prefect deployment per environment)."""
    out = []
    for name, env in spec.deploy.environments.items():
        if env.schedule is not None:
            cron = None if env.schedule == NO_SCHEDULE else env.schedule
            out.append(EnvironmentSchedule(name, cron, f"deploy.environments.{name}.schedule"))
        elif every:
            out.append(EnvironmentSchedule(name, policy.schedule, policy.schedule_origin))
    return tuple(out)


# ---------------------------------------------------------------- the task plan


@dataclass(frozen=True)
class SourceTask:
    """Extract-load of one batch source: an Airflow task group, a Prefect task run."""

    source: str  # the spec's name (print with py_str): what `pipeline.ingest.run(source=...)` takes
    task: Ident  # task group id / task name
    tables: tuple[Ident, ...]  # the landed tables (raw_<source>.<table>)
    raw_schema: Ident


@dataclass(frozen=True)
class StepTask:
    """A run step other than ingestion: a task calling `<module>.run(<call>)`."""

    name: Ident  # task id: the run step's name
    module: Ident  # e.g. pipeline.transform
    call: Safe  # keyword arguments of run(...)
    local_only: bool
    help: str

    @property
    def uses_local(self) -> bool:
        return "local" in self.call


@dataclass(frozen=True)
class TaskPlan:
    before: tuple[StepTask, ...]  # steps ordered before ingestion (local stand-in data)
    sources: tuple[SourceTask, ...]  # empty when no ingestion step is generated
    after: tuple[StepTask, ...]  # transform, quality, ... in run-step order

    @property
    def steps(self) -> tuple[StepTask, ...]:
        return (*self.before, *self.after)

    def layers(self) -> tuple[tuple[Ident, ...], ...]:
        """Task ids in dependency layers: every task of a layer runs after every task of the
        layer before (the sources' groups form one layer and run in parallel)."""
        sources = (tuple(s.task for s in self.sources),) if self.sources else ()
        return (*((s.name,) for s in self.before), *sources, *((s.name,) for s in self.after))

    def edges(self) -> tuple[tuple[Ident, Ident], ...]:
        layers = self.layers()
        return tuple((a, b) for up, down in pairwise(layers) for a in up for b in down)

    def names(self) -> tuple[Ident, ...]:
        return tuple(name for layer in self.layers() for name in layer)


def step_module(step: RunStep) -> Ident:
    """The module a run step runs (`-m pipeline.transform`)."""
    argv = list(step.command)
    if "-m" not in argv or argv.index("-m") + 1 >= len(argv):
        raise ValueError(f"run step {step.name!r} is not `-m <module>`: {step.command} (a bug in its family)")
    return Ident(argv[argv.index("-m") + 1])


def _step_task(step: RunStep) -> StepTask:
    if not step.name.isidentifier():
        raise ValueError(f"run step {step.name!r} is not a Python identifier (a bug in its family)")
    return StepTask(
        name=Ident(step.name),
        module=step_module(step),
        call=trusted(STEP_CALLS.get(step.name, "")),
        local_only=step.name in LOCAL_ONLY_STEPS,
        help=step.help,
    )


def source_tasks(ctx: GenContext) -> tuple[SourceTask, ...]:
    spec, names = ctx.spec, ctx.plan.names
    out = []
    for i in ctx.plan.graph.batch_sources:
        source = spec.sources[i]
        datasets = [names.dataset(source.name, d.name) for d in (*source.tables, *source.topics)]
        out.append(
            SourceTask(
                source=source.name,
                task=names.source_task(source.name),
                tables=tuple(d.raw_table for d in datasets),
                raw_schema=names.source_schema(source.name),
            )
        )
    return tuple(out)


def task_plan(ctx: GenContext) -> TaskPlan:
    """The orchestrated tasks: the local run's steps in order (those that are only local left
    out: the stream jobs run on Flink, not in a batch schedule), ingestion split per source."""
    steps = [s for s in ctx.shared.run_steps if s.orchestrated]
    ingest = next((s for s in steps if s.name == INGEST_STEP), None)
    if ingest is None:
        return TaskPlan((), (), tuple(_step_task(s) for s in steps))
    before = tuple(_step_task(s) for s in steps if (s.order, s.name) < (ingest.order, ingest.name))
    after = tuple(_step_task(s) for s in steps if (s.order, s.name) > (ingest.order, ingest.name))
    return TaskPlan(before, source_tasks(ctx), after)


def dbt_target(ctx: GenContext) -> Ident:
    """The dbt target a production run builds in: the first warehouse target, else local."""
    from pipegen.spec.catalog import TARGET_SYSTEMS

    for target in ctx.spec.targets:
        if (TARGET_SYSTEMS[target.type].dbt_adapter or "duckdb") != "duckdb":
            return Ident(target.name.lower())
    return Ident("local")


# ---------------------------------------------------------------- text for generated Python


def chunks(text: str, width: int = 80) -> list[str]:
    """Pieces of `text` of at most `width` characters that concatenate back to it exactly
    (for a parenthesized string literal that stays within the line length)."""
    pieces = textwrap.wrap(
        text, width, drop_whitespace=False, replace_whitespace=False, expand_tabs=False, break_on_hyphens=False
    )
    return pieces if "".join(pieces) == text else [text[i : i + width] for i in range(0, len(text), width)] or [""]


def docstring_lines(text: str, width: int = 88) -> list[Safe]:
    """pipegen's own text (task names, arrows) wrapped for a docstring."""
    return [trusted(line) for line in textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)]


def description_chunks(spec: Spec) -> list[str]:
    """The pipeline's description for `DESCRIPTION = ...`: one literal when the line fits in
    120 columns, else pieces of a parenthesized literal (as ruff format leaves them)."""
    text = spec.pipeline.description or f"{spec.pipeline.name}, generated by pipegen"
    return [text] if len(repr(text)) + len("DESCRIPTION = ") <= 120 else chunks(text)


# ---------------------------------------------------------------- secrets by id

# Where an orchestrator holds the value a `${secret:NAME}`/`${env:NAME}` names, by kind of
# place in the spec. Airflow: a field of a source's or target's connection is a field of the
# Airflow Connection named after it (password, login, host, port, schema; anything else in
# its extras); any other reference is an Airflow Variable. Prefect: a secret is a Secret
# block, a plain setting a Prefect Variable. The generated code fetches each by id at run
# time and exports it under NAME, the environment variable the steps read; it never holds
# a value.
AIRFLOW_CONNECTION_FIELDS: dict[str, str] = {
    "host": "host",
    "port": "port",
    "user": "login",
    "password": "password",
    "database": "schema",
}
PREFECT_STORES: dict[str, str] = {"secret": "secret_block", "env": "variable"}


@dataclass(frozen=True)
class SecretBinding:
    env: str  # the environment variable the steps read: the spec's NAME
    store: str  # airflow: connection | variable; prefect: secret_block | variable
    id: str  # connection id, variable key or block name
    field: str  # connection: its attribute, or `extra.<key>`; else ""
    used_at: str  # where the spec names it (dotted)


def _references(spec: Spec) -> list[tuple[tuple[str | int, ...], str, str]]:
    """(spec path, kind, NAME) of every secret/env reference, in spec order."""
    data = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    out = []
    for path, _key, value in candidates(data):
        ref = parse_secret_ref(value) if isinstance(value, str) else None
        if ref and path[0] != "deploy":  # per-environment overrides belong to the deploy families
            out.append((tuple(path), ref.kind, ref.name))
    return out


def airflow_bindings(spec: Spec) -> tuple[SecretBinding, ...]:
    """Each referenced name once (its first place): a connection field, else a Variable."""
    seen: dict[str, SecretBinding] = {}
    for path, _kind, name in _references(spec):
        if name in seen:
            continue
        if path[0] in ("sources", "targets") and len(path) >= 4 and path[2] == "connection":
            entry = (spec.sources if path[0] == "sources" else spec.targets)[int(path[1])]
            key = str(path[-1])
            attr = AIRFLOW_CONNECTION_FIELDS.get(key, f"extra.{key}")
            seen[name] = SecretBinding(name, "connection", entry.name, attr, dotted(path))
        else:
            seen[name] = SecretBinding(name, "variable", name, "", dotted(path))
    return tuple(sorted(seen.values(), key=lambda b: b.env))


def prefect_bindings(spec: Spec) -> tuple[SecretBinding, ...]:
    """Each referenced name once: a Secret block for a secret, a Variable for a setting
    (Prefect's names: lowercase; block names with dashes)."""
    seen: dict[str, SecretBinding] = {}
    for path, kind, name in _references(spec):
        if name not in seen:
            store = PREFECT_STORES[kind]
            key = name.lower().replace("_", "-") if store == "secret_block" else name.lower()
            seen[name] = SecretBinding(name, store, key, "", dotted(path))
    return tuple(sorted(seen.values(), key=lambda b: b.env))


# ---------------------------------------------------------------- notifications


@dataclass(frozen=True)
class Channel:
    """One notification target of `orchestration.on_failure`/`on_success`, as the generated
    code's `pipeline/notify.py` takes it: secrets by the name of their environment variable."""

    type: str  # slack | email | pagerduty | teams | webhook
    channel: str  # slack channel, "" otherwise
    to: tuple[str, ...]  # email recipients
    url_env: str  # webhook / slack / teams: the env var holding the URL ("" if none)
    key_env: str  # pagerduty: the env var holding the routing key


def _ref_name(value: str | None) -> str:
    ref = parse_secret_ref(value) if value else None
    return ref.name if ref else ""


def channels(spec: Spec, when: str) -> tuple[Channel, ...]:
    notes = spec.orchestration.on_failure if when == "failure" else spec.orchestration.on_success
    return tuple(
        Channel(
            type=n.type.value,
            channel=n.channel or "",
            to=tuple(n.to or ()),
            url_env=_ref_name(n.webhook),
            key_env=_ref_name(n.routing_key),
        )
        for n in notes
    )


def notification_env(ctx: GenContext) -> tuple[EnvVar, ...]:
    """The variables pipeline/notify.py reads for the run notifications beyond the spec's own
    secrets: the project's SMTP set when a channel is email."""
    return email_env((*ctx.spec.orchestration.on_failure, *ctx.spec.orchestration.on_success), ctx.plan.names.env)


# ---------------------------------------------------------------- upstream pipelines


@dataclass(frozen=True)
class UpstreamWait:
    """A pipeline this one waits for (`orchestration.depends_on`)."""

    pipeline: str  # the other DAG/flow (print with py_str)
    task: str | None  # Airflow: wait for this task only
    sensor: Ident  # the waiting task's id: wait_for_<pipeline>
    timeout: float
    poke_interval: float


def upstreams(spec: Spec) -> tuple[UpstreamWait, ...]:
    return tuple(
        UpstreamWait(up.pipeline, up.task, Ident(f"wait_for_{snake(up.pipeline)}"), up.timeout, up.poke_interval)
        for up in spec.orchestration.depends_on
    )


def run_outline(plan: TaskPlan, sources: str, last: str) -> str:
    """One line: what runs, in order; `sources` says how the per-source tasks run, `last` what
    closes the run (the orchestrator's own final task)."""
    parts: list[str] = [s.name for s in plan.before]
    if plan.sources:
        parts.append(f"{sources} (" + ", ".join(s.task for s in plan.sources) + ")")
    parts += [s.name for s in plan.after]
    return " -> ".join([*parts, last])
