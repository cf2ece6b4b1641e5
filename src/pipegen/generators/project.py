"""Project family: what the generated project needs beside its code — pinned requirements,
the environment variables and secrets it reads, and the spec's JSON Schema for editors."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pipegen.generators.base import Files, GenContext
from pipegen.plan.plan import Plan
from pipegen.render.env import render, taint
from pipegen.spec.model import Connection, Spec
from pipegen.spec.schema import spec_schema
from pipegen.spec.types import parse_secret_ref


@dataclass(frozen=True)
class SecretUse:
    kind: str  # secret | env
    name: str
    used_at: str  # dotted spec path


def secret_uses(spec: Spec) -> list[SecretUse]:
    """Every ${secret:X} / ${env:X} reference in the spec, sorted, one row per name and place."""
    found: set[SecretUse] = set()
    conns = [(f"sources.{s.name}.connection", s.connection) for s in spec.sources]
    conns += [(f"targets.{t.name}.connection", t.connection) for t in spec.targets]
    for env, environment in sorted(spec.deploy.environments.items()):
        conns += [(f"deploy.environments.{env}.targets.{n}", c) for n, c in sorted(environment.targets.items())]
    for where, conn in conns:
        for key, value in _conn_items(conn):
            ref = parse_secret_ref(value) if isinstance(value, str) else None
            if ref:
                found.add(SecretUse(ref.kind, ref.name, f"{where}.{key}"))
    notes = [(f"quality.notifications[{i}]", n) for i, n in enumerate(spec.quality.notifications)]
    notes += [
        (f"transforms.streams.{j.name}.notify[{i}]", n) for j in spec.transforms.streams for i, n in enumerate(j.notify)
    ]
    for when in ("on_failure", "on_success"):
        notes += [(f"orchestration.{when}[{i}]", n) for i, n in enumerate(getattr(spec.orchestration, when))]
    for where, note in notes:
        for key in ("webhook", "routing_key"):
            value = getattr(note, key)
            ref = parse_secret_ref(value) if value else None
            if ref:
                found.add(SecretUse(ref.kind, ref.name, f"{where}.{key}"))
    return sorted(found, key=lambda u: (u.name, u.kind, u.used_at))


def _conn_items(conn: Connection) -> list[tuple[str, object]]:
    items = [(info.alias or name, getattr(conn, name)) for name, info in Connection.model_fields.items()]
    items = [(k, v) for k, v in items if k != "options" and v is not None]
    return items + [(f"options.{k}", v) for k, v in sorted(conn.options.items())]


class ProjectGenerator:
    family = "project"
    description = "requirements.txt, .env.example and the spec's JSON Schema"

    def applies(self, spec: Spec, plan: Plan) -> bool:
        return True

    def requirements(self, ctx: GenContext) -> list[str]:
        return []

    def render(self, ctx: GenContext) -> Files:
        from pipegen.generators.registry import REGISTRY

        reqs = sorted({r for name in ctx.families for r in REGISTRY[name].requirements(ctx)})
        uses = secret_uses(ctx.spec)
        names = sorted({u.name for u in uses})
        context = {
            "version": ctx.version,
            "pipeline": taint(ctx.spec.pipeline.name),
            "requirements": taint(reqs),
            "variables": [
                {"name": taint(n), "uses": [taint(f"{u.kind}: {u.used_at}") for u in uses if u.name == n]}
                for n in names
            ],
        }
        return {
            "requirements.txt": render("project/requirements.txt.j2", context),
            ".env.example": render("project/env.example.j2", context),
            "pipegen.schema.json": json.dumps(spec_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        }


GENERATOR = ProjectGenerator()
