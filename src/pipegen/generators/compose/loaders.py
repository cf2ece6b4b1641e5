"""compose.yaml's Delta loaders: where compose runs the Flink jobs (engines.py) and a job is relayed into Delta
(common/workload_identity.delta_loader_jobs: the stream jobs sinking into Delta, the bronze jobs into a Delta
bronze), a service per job, `<job>-delta-loader`, running the project's `pipeline/delta_relay.py` for it against
compose's broker, as the kubernetes family's `<app>-delta-<job>` Deployment does against the project's cluster.

Each runs in the pinned `python` image the Faker generators use (generators.py), the loader's requirements
(common/delta_loader.REQUIREMENTS) installed at start, `pipeline/` and `flink/delta_relays.json` mounted read-only.
Its tables go to the `flink-output` volume the Flink jobs' file sinks write (`docker compose cp` reads it): a stream
job's under PIPEGEN_DELTA_RELAY_ROOT (the volume's root, where a `${LAKE_PATH}` Delta sink would have written), a
bronze job's at the bronze layer's path under PIPEGEN_LAKE_ROOT (and an Azure lake's PIPEGEN_LAKE_ROOT_BRONZE), the
volume's `lake/` (after flink-jobmanager: its image makes the volume, owned by Flink's user, which the task managers
write). Compose's broker is plaintext: no TLS variable, no credential; nothing from `.env`. It starts once
the broker is healthy and `kafka-topics` created the relay topics (compose/generator.with_topics); healthy while its
heartbeat (PIPEGEN_HEARTBEAT, common/delta_loader.py) is fresh."""

from __future__ import annotations

import shlex

from pipegen.common.delta_loader import HEARTBEAT, LOADER_STALE_S, REQUIREMENTS, fresh_check
from pipegen.common.workload_identity import delta_loader_jobs
from pipegen.generators.base import ComposeService, GenContext
from pipegen.generators.compose.engines import FLINK_OUTPUT, FLINK_OUTPUT_VOLUME, has_flink
from pipegen.generators.compose.generators import IMAGE, INSTALL_SECONDS
from pipegen.plan.components import Kind
from pipegen.plan.names import COMPOSE_FLINK_JOBMANAGER, COMPOSE_KAFKA, ENV, compose_delta_loader

WORKDIR = "/opt/pipegen/loader"


def loader_jobs(ctx: GenContext) -> list[str]:
    """The jobs compose runs a Delta loader for: every relayed Delta job, where compose runs the Flink jobs and a
    broker (none without either)."""
    if not has_flink(ctx) or Kind.KAFKA_TOPICS not in ctx.plan.graph.kinds:
        return []
    return delta_loader_jobs(ctx)


def loader_names(ctx: GenContext) -> tuple[str, ...]:
    return tuple(str(compose_delta_loader(job)) for job in loader_jobs(ctx))


def loader_service(job: str, bootstrap: str) -> ComposeService:
    """`bootstrap`: the broker inside the Compose network."""
    pins = " ".join(REQUIREMENTS)
    start = (
        f"cd {WORKDIR} && pip install --no-cache-dir --quiet --root-user-action=ignore {pins}"
        f" && exec python -m pipeline.delta_relay {shlex.quote(job)}"
    )
    lake = f"{FLINK_OUTPUT}/lake"
    return ComposeService(
        name=str(compose_delta_loader(job)), image=IMAGE, command=("sh", "-c", start),
        environment=((str(ENV.kafka_bootstrap), bootstrap), (str(ENV.heartbeat), HEARTBEAT),
                     (str(ENV.delta_relay_root), FLINK_OUTPUT), (str(ENV.lake_root), lake),
                     (str(ENV.lake_root_bronze), lake)),
        volumes=(f"./pipeline:{WORKDIR}/pipeline:ro",
                 f"./flink/delta_relays.json:{WORKDIR}/flink/delta_relays.json:ro",
                 f"{FLINK_OUTPUT_VOLUME}:{FLINK_OUTPUT}"),
        healthcheck=(f'python -c "{fresh_check(HEARTBEAT, LOADER_STALE_S)}"',),
        start_seconds=INSTALL_SECONDS,
        depends_on=(str(COMPOSE_KAFKA), str(COMPOSE_FLINK_JOBMANAGER)),  # Flink's image makes the volume, Flink's
    )  # fmt: skip


def loader_services(ctx: GenContext, bootstrap: str) -> tuple[ComposeService, ...]:
    return tuple(loader_service(job, bootstrap) for job in loader_jobs(ctx))
