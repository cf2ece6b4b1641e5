"""Pieces every cloud's module shares: variables of names with their cloud's limits as validation
blocks, which spec secrets each workload reads, tiering days from the plan's retention."""

from __future__ import annotations

from pipegen.generators.terraform.hcl import Ref, quote
from pipegen.generators.terraform.model import Infra, Var
from pipegen.plan.capacity import HOT_DAYS, WARM_DAYS
from pipegen.spec.secretscan import secret_uses

PREFIX_RE = "^[a-z][a-z0-9-]{0,38}[a-z0-9]$"


def regex_var(name: str, description: str, pattern: str, message: str) -> Var:
    return Var(name, "string", description, ((f"can(regex({quote(pattern)}, var.{name}))", message),))


def prefix_var() -> Var:
    return regex_var("name_prefix", "Prefix of every resource name: <pipeline>-<environment>.", PREFIX_RE,
                     "name_prefix: 2-40 lowercase letters, digits and hyphens, starting with a letter.")  # fmt: skip


def tags_var(max_key: int, max_value: int) -> Var:
    cond = f"alltrue([for k, v in var.tags : length(k) <= {max_key} && length(v) <= {max_value}])"
    return Var("tags", "map(string)", "Tags (labels) every resource carries: pipeline, environment, owner, spec tags.",
               ((cond, f"tags: keys of at most {max_key} characters, values of at most {max_value}."),))  # fmt: skip


def names_map_var(name: str, description: str, pattern: str, message: str) -> Var:
    cond = f"alltrue([for n in values(var.{name}) : can(regex({quote(pattern)}, n))])"
    return Var(name, "map(string)", description, ((cond, message),))


def number_var(name: str, description: str, low: int, high: int) -> Var:
    cond = f"var.{name} >= {low} && var.{name} <= {high} && floor(var.{name}) == var.{name}"
    return Var(name, "number", description, ((cond, f"{name}: a whole number from {low} to {high}."),))


def retention_var() -> Var:
    return number_var("retention_days", "Days data is kept in the lake (volume.retention_days).", 1, 36500)


def secret_readers(inf: Infra) -> dict[str, tuple[str, ...]]:
    """Workload -> the spec secrets it reads: sources' secrets for the extract and the stream jobs,
    targets' for every workload that writes a target, the rest (notifications) for the transform step."""
    out: dict[str, set[str]] = {w: set() for w in inf.workloads}
    for use in secret_uses(inf.ctx.spec):
        if use.kind != "secret":
            continue
        if use.used_at.startswith("sources"):
            readers: tuple[str, ...] = ("ingest", "stream")
        elif use.used_at.startswith("targets"):
            readers = ("ingest", "transform", "stream")
        else:
            readers = ("transform",)
        for w in readers:
            if w in out:
                out[w].add(use.name)
    return {w: tuple(sorted(s)) for w, s in out.items()}


def each_secret(resource: str, names: tuple[str, ...], attr: str) -> Ref:
    """A list of the secret store entries `names` (a for_each resource keyed by spec secret name)."""
    keys = ", ".join(quote(n) for n in names)
    return Ref(f"[for k in [{keys}] : {resource}[k].{attr}]")


def tier_days(retention_days: int) -> tuple[int | None, int | None]:
    """Days after which data moves to the warm and the cold tier (None: it is deleted before)."""
    warm = HOT_DAYS if retention_days > HOT_DAYS else None
    cold = WARM_DAYS if retention_days > WARM_DAYS else None
    return warm, cold
