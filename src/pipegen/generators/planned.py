"""Families the plan can ask for that this version does not generate yet. Each declares itself
like a generated one (tag, description, when it is on) without a generator: `pipegen plan` and
the generated docs list it as planned, so nothing the plan names is silently missing. Building
one moves its declaration into its own package `generators/<family>/` with a generator."""

from pipegen.generators.base import Declaration

PLANNED: tuple[Declaration, ...] = ()
