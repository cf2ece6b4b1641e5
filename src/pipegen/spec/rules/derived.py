"""Names pipegen derives from several spec names (`stg_<source>__<table>`, `<pipeline>.<source>.<table>.dlq`,
`<pipeline>__<source>__<table>__dead_letters`...): each must fit every system it reaches, and the
naming layer's own bound (255 bytes). A spec whose parts are each short enough can still make a
derived name too long: that is a located error on the part that makes it, never a crash later.
Names pipegen owns alone (Kubernetes labels, slots, buckets) are shortened with a hash suffix by
the naming layer instead (plan/idents.py)."""

from __future__ import annotations

import keyword
from collections.abc import Iterator

from pipegen.spec import reach
from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Spec
from pipegen.spec.snakecase import snake

CODE = "R321"
PYTHON_KEYWORD = "R322"
NAME_MAX = 255  # safe.Ident: the longest name the naming layer builds
KAFKA_TOPIC_MAX = 249


def derived_lengths(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    pipeline = snake(spec.pipeline.name)
    for t in index.tables:
        src, table = snake(t.source.name), snake(t.dataset.name)
        found = reach.tightest(frozenset(x.type.value for x in reach.landing_targets(spec.targets)))
        sql_limit, system = found if found and found[0] < NAME_MAX else (NAME_MAX, "pipegen")
        checks = [
            (f"stg_{src}__{table}", sql_limit, system, "staging model"),
            (f"raw_{src}", sql_limit, system, "raw schema"),
            (f"{table}__dead_letter", sql_limit, system, "dead-letter table"),
            (f"{src}__{table}__validation_events", NAME_MAX, "pipegen", "Flink sink table"),
            (f"{pipeline}__{src}__{table}__dead_letters", NAME_MAX, "pipegen", "Flink job"),
            (f"{pipeline}.{src}.{table}.dlq", KAFKA_TOPIC_MAX if reach.streamed_through_kafka(t.source) else NAME_MAX,
             "kafka" if reach.streamed_through_kafka(t.source) else "pipegen", "dead-letter topic"),
        ]  # fmt: skip
        for name, limit, where, what in checks:
            if len(name.encode()) > limit:
                yield _too_long((*t.path, "name"), name, limit, where, what, _parts(t.source.name, t.dataset.name))
                break
    for si, source in enumerate(spec.sources):
        heartbeat = f"__debezium-heartbeat.{pipeline}.{snake(source.name)}"
        if reach.streamed_through_kafka(source) and len(heartbeat.encode()) > KAFKA_TOPIC_MAX:
            yield _too_long(("sources", si, "name"), heartbeat, KAFKA_TOPIC_MAX, "kafka", "Debezium heartbeat topic",
                            _parts(source.name))  # fmt: skip
    for ji, job in enumerate(spec.transforms.streams):
        for name, limit, where, what in (
            (f"{pipeline}.{snake(job.name)}", KAFKA_TOPIC_MAX, "kafka", "output topic"),
            (f"{pipeline}__{snake(job.name)}", NAME_MAX, "pipegen", "Flink job"),
        ):
            if len(name.encode()) > limit:
                yield _too_long(("transforms", "streams", ji, "name"), name, limit, where, what, _parts(job.name))
                break
    for mi, mart in enumerate(spec.transforms.marts):
        found = reach.tightest(reach.mart_systems(mart, spec.targets))
        if found and len(snake(mart.name).encode()) > found[0]:
            yield _too_long(("transforms", "marts", mi, "name"), snake(mart.name), found[0], found[1], "mart model",
                            _parts(mart.name))  # fmt: skip


def python_function_names(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """The pipeline's name is the Python function of its Airflow DAG and Prefect flow (and the
    DAG id and deployment entrypoint that name it): a Python keyword cannot be one."""
    name = spec.pipeline.name
    if keyword.iskeyword(name):
        yield Finding(
            ("pipeline", "name"),
            PYTHON_KEYWORD,
            f"'{name}' is a Python keyword: the Airflow DAG and the Prefect flow are Python functions named "
            "after the pipeline",
            f"name the pipeline e.g. '{name}_pipeline'",
        )


def _parts(*names: str) -> str:
    return " or ".join(f"'{n}'" if len(n) <= 40 else f"'{n[:40]}…'" for n in names)


def _too_long(path: Path, name: str, limit: int, system: str, what: str, parts: str) -> Finding:
    shown = name if len(name) <= 60 else f"{name[:60]}…"
    bound = f"{system} allows at most {limit}" if system != "pipegen" else f"pipegen's names are at most {limit}"
    return Finding(
        path,
        CODE,
        f"the {what} name derived from this name, '{shown}', is {len(name.encode())} bytes long; {bound}",
        f"shorten {parts} so the derived name fits in {limit} bytes",
    )
