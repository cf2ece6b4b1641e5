"""compose.yaml's Faker stream generators: a service per streamed table (common/faker_streams.py), wherever else the
plan runs them (plan/stream_generators.py `generator_host`: the Terraform root, the kustomize base, or nothing
deployed), since nothing else writes a Faker stream's topic on compose's broker, which the Flink session cluster's
jobs read.

Each runs the project's own `pipeline/stream_generator.py` for its table with `--local` (compose's broker is
plaintext and creates no topic: `kafka-topics` creates it with its declared partitions before the generator starts
(topics.py), and the generator still creates it, one partition, where it is missing; it signs in
to nothing whatever cloud the config names) in the pinned `python` image, the generator's requirements
(`requirements-generator.txt`) installed at start, `pipeline/` and that file mounted read-only; healthy while its
heartbeat (PIPEGEN_HEARTBEAT, touched after each event it sends) is fresh. `flink-sql` waits for them, so the
jobs are submitted once their topics exist (engines.py)."""

from __future__ import annotations

import shlex

from pipegen.common.faker_streams import FakerStream, faker_streams
from pipegen.generators.base import ComposeService, GenContext
from pipegen.plan.names import COMPOSE_KAFKA, ENV, compose_generator

IMAGE = "python:3.12-slim"  # the Python of the generator image's docs (terraform/kubernetes), a pinned minor release
WORKDIR = "/opt/pipegen/generator"
HEARTBEAT = "/tmp/pipegen-heartbeat"
INSTALL_SECONDS = 300  # the health check's start period: pip installs Faker, pyarrow and confluent-kafka first


def generator_names(ctx: GenContext) -> tuple[str, ...]:
    """The generator services of the plan (none without a Faker stream)."""
    return tuple(str(compose_generator(s.name)) for s in faker_streams(ctx.spec, ctx.plan))


def generator_service(stream: FakerStream, bootstrap: str) -> ComposeService:
    """`bootstrap`: the broker inside the Compose network."""
    start = (
        f"cd {WORKDIR} && pip install --no-cache-dir --quiet --root-user-action=ignore -r requirements-generator.txt"
        f" && exec python -m pipeline.stream_generator --table {shlex.quote(stream.table)} --local"
    )
    fresh = f"import os, sys, time; sys.exit(time.time() - os.path.getmtime('{HEARTBEAT}') > {stream.stale_after})"
    return ComposeService(
        name=str(compose_generator(stream.name)), image=IMAGE, command=("sh", "-c", start),
        environment=((str(ENV.kafka_bootstrap), bootstrap), (str(ENV.heartbeat), HEARTBEAT)),
        volumes=(f"./pipeline:{WORKDIR}/pipeline:ro",
                 f"./requirements-generator.txt:{WORKDIR}/requirements-generator.txt:ro"),
        healthcheck=(f'python -c "{fresh}"',),
        start_seconds=INSTALL_SECONDS,
        depends_on=(str(COMPOSE_KAFKA),),
    )  # fmt: skip


def generator_services(ctx: GenContext, bootstrap: str) -> tuple[ComposeService, ...]:
    return tuple(generator_service(s, bootstrap) for s in faker_streams(ctx.spec, ctx.plan))


__all__ = ["generator_names", "generator_services"]
