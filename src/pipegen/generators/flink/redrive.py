"""The stream dead letters' redrive: `flink/dead_letters.json`, what `pipeline/redrive.py`
(templates/flink/redrive.py) reads: per table the flink family dead-letters, its `.dlq` topic, the
topic its events are read from (where a redrive sends them back), the spec columns an event carries
there, the redrive's consumer group and transactional id (naming layer), and why a table's events
cannot go back (`common.stream_rules.redrive_blocker`: a CDC table, a topic of another cluster, a
non-JSON topic). The kafka family grants the redrive's KafkaUser exactly these topics."""

from __future__ import annotations

from typing import Any

from pipegen.common.stream_rules import dead_letter_tables
from pipegen.generators.base import GenContext, MakeTarget

REQUIREMENTS = ("confluent-kafka==2.16.1",)  # requirements/judges/kafka.txt
CONFIG = "flink/dead_letters.json"
MODULE = "redrive.py"
TARGETS = (
    MakeTarget(
        "stream-redrive",
        "the stream's dead letters held per table and the rules they broke (APPLY=--apply sends them back)",
        (("$(PROJECT_PYTHON)", "-m", "pipeline.redrive", "$(APPLY)"),),
    ),
)


def dead_letters_config(ctx: GenContext) -> dict[str, Any]:
    names = ctx.plan.names
    out = []
    for ref, blocker in dead_letter_tables(ctx.spec, names):
        ds = names.dataset(ref.source.name, ref.dataset.name)
        jobs = names.quality_jobs(ref.source.name, ref.dataset.name)
        out.append(
            {
                "table": str(ds.ref),
                "dead_letter_topic": str(ds.dead_letter_topic),
                "topic": ds.read_topic,
                "columns": [c.name for c in ref.dataset.columns if c.metadata is None],
                "group": str(jobs.redrive),
                "transactional_id": str(jobs.redrive),
                "dead_letters_job": str(jobs.dead_letters.flink_job),
                "blocked": blocker,
            }
        )
    return {"tables": out}
