"""docs/operations.md: how to operate the generated pipeline (deploy per environment, backfill,
replay, schema change, dead-letter reprocessing, secret rotation, scaling), naming only the
commands, targets and tables this plan generates (a test checks every `make` target and
`python -m` module it names exists in the project)."""

from __future__ import annotations

from typing import Any

from pipegen.common.stream_rules import dead_letter_tables
from pipegen.generators.base import GenContext
from pipegen.plan.cloudnames import environments
from pipegen.plan.components import Kind
from pipegen.safe import trusted


def operations_context(ctx: GenContext) -> dict[str, Any]:
    spec, plan, names = ctx.spec, ctx.plan, ctx.plan.names
    targets = {t.name: t.help for t in ctx.shared.make_targets}
    batch = [spec.sources[i] for i in plan.graph.batch_sources]
    datasets = [names.dataset(s.name, d.name) for s in batch for d in (*s.tables, *s.topics)]
    kinds = plan.graph.kinds
    steps = [s.name for s in ctx.shared.run_steps if s.command[1:2] != ("pipeline.synthesize",)]
    return {
        "pipeline": str(names.pipeline),
        "version": trusted(ctx.version),
        "orchestrator": spec.orchestrator.value if ctx.shared.run_steps else "",
        "environments": list(environments(spec)),
        "terraform": "terraform" in ctx.families and spec.deploy.terraform.enabled,
        "kafka_k8s": "kafka" in ctx.families,
        "runbooks": "monitoring" in ctx.families,  # docs/runbooks.md is the monitoring family's
        "flink": "flink" in ctx.families,
        "targets": targets,
        "batch": bool(datasets),
        "steps": steps,
        "dead_letters": [f"{d.raw_schema}.{d.dead_letter_table}" for d in datasets],
        "quarantine": [f"{d.raw_schema}.{d.quarantine_table}" for d in datasets] if "gx" in ctx.families else [],
        "dlq_topics": sorted({str(q.dead_letters.output_topic) for q in names.stream_quality})
        if Kind.FLINK_JOBS in kinds
        else [],
        # the flink family's redrive of the stream dead letters (its `stream-redrive` target): table -> why not
        "redrive": [
            {"table": f"{r.source.name}.{r.dataset.name}", "blocked": b} for r, b in dead_letter_tables(spec, names)
        ]
        if "stream-redrive" in targets
        else [],
        "secrets": sorted(v.name for v in ctx.shared.env if v.secret and v.name not in names.env.compose_only()),
        "kafka": Kind.KAFKA_TOPICS in kinds,
    }
