"""The family contract.

A family is a package `generators/<family>/` whose `__init__.py` holds its `FAMILY`, a
`Declaration`: its tag, a one-line description, when it is on (always, or the kinds of plan
component that need it), the judge that proves its output, and its generator:
- `contribute(ctx) -> Contribution`: what it adds to files every project shares
  (pinned requirements, environment variables and secrets it reads, Makefile targets,
  local-run steps, Compose services, CI steps). Pure; it sees the spec and plan only;
- `render(ctx) -> Files`: its own files, by relative POSIX path. Pure; never writes.

`pipeline.render_tree` asks every family of the plan for its contribution first, merges
them into `ctx.shared`, then renders every family with that context. Families never import
each other or the registry: shared files are rendered from `ctx.shared` by the project
family.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, cast

from pipegen.plan.plan import Plan
from pipegen.spec.model import Spec

Files = dict[str, str]
Family = str  # a family's tag, as its Declaration states it (the registry holds the vocabulary)
T = TypeVar("T")


@dataclass(frozen=True)
class EnvVar:
    """An environment variable the generated code reads."""

    name: str
    uses: tuple[str, ...]  # one line each: what reads it, or where the spec references it
    secret: bool = False
    default: str | None = None  # local default written to .env.example (never for secrets)


@dataclass(frozen=True)
class MakeTarget:
    """A target of the generated `pipegen.mk` (included by the project's own Makefile)."""

    name: str
    help: str
    recipe: tuple[tuple[str, ...], ...]  # lines, each an argv (quoted by the template; `$(VAR)` kept)
    deps: tuple[str, ...] = ()
    # optional make variables and the flag each becomes on the last recipe line when set:
    # (("ROWS", "--rows"),) runs `... --rows 500` for `make TARGET ROWS=500`, nothing without it
    options: tuple[tuple[str, str], ...] = ()
    # optional make variables that add a flag without a value: (("QUIET", "--quiet"),) runs
    # `... --quiet` for `make TARGET QUIET=1` (any non-empty value), nothing without it
    switches: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RunStep:
    """A step of the local run (`make run` / `pipegen run`), ordered by `order` then name."""

    order: int
    name: str
    help: str
    command: tuple[str, ...]  # argv after the project's Python (`python -m ...`), run from the project root
    # the requirements file of the step's own environment ("" = requirements.txt's), e.g. PyFlink's
    environment: str = ""
    # (("rows", "--rows"),): `pipegen run --rows 500` (and `make run ROWS=500`) runs the step with `--rows 500`
    options: tuple[tuple[str, str], ...] = ()
    orchestrated: bool = True  # False: a local stand-in for what runs elsewhere (the stream jobs, on Flink)
    # the Java releases the step runs on (PyFlink: (11, 17)): `pipegen run` checks `java` before it
    # builds any environment, and refuses a missing or older one, naming what to install
    java: tuple[int, ...] = ()
    # the variables naming the local stand-in the step works on (a CDC source's DSN): the step runs when
    # one of them is set (in the environment or .env); otherwise it is skipped, its environment is not
    # built nor its Java checked, and the run prints `without`: what happens instead, and how to have it
    needs: tuple[str, ...] = ()
    without: str = ""


@dataclass(frozen=True)
class RunResult:
    """A table the local run leaves, as its summary lists it, with rows counted after the run."""

    table: str  # the name the spec gives it (`serving.rt_sales`, `silver.orders`)
    where: str  # the file or folder under the project that holds it
    spec_path: str  # where pipegen.yaml declares it (`transforms.streams[0]`)
    # the `pipeline` module whose `result_rows(result)` counts it, with the keys it reads
    # (`lake`: target, layer, name); "" = a DuckDB table at `where`
    counter: str = ""
    keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ComposeService:
    """A service of the generated `compose.yaml` (local infrastructure)."""

    name: str
    image: str  # a pinned tag
    ports: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()  # a secret as `${NAME:?...}`: its value comes from .env
    command: tuple[str, ...] = ()
    healthcheck: tuple[str, ...] = ()  # a CMD-SHELL command line
    depends_on: tuple[str, ...] = ()  # services that must be healthy first
    after: tuple[str, ...] = ()  # one-shot services that must have completed successfully first
    volumes: tuple[str, ...] = ()  # bind mounts `./<project path>:<container path>[:ro]`
    build: str = ""  # a Dockerfile of the project (context: the project folder) that builds `image`
    user: str = ""  # `uid:gid` the container runs as (may be a `${VAR:-default}` reference)
    env_file: bool = False  # also every variable of the project's `.env`, when there is one
    scale: int = 1  # containers of the service
    start_seconds: int = 0  # the health check's start period: failures before it do not count (slow starts)
    # a one-shot (no health check; runs once and exits 0): `make up`'s `--wait` accepts its exit only because a
    # long-running service waits for it (`after`), so every one-shot must be some service's `after`
    one_shot: bool = False


# `make up` / `make down`: contributed (identically) by every family that contributes a compose service
COMPOSE_TARGETS = (
    MakeTarget("up", "start the local services (compose.yaml; secrets from .env)",
               (("docker", "compose", "up", "-d", "--wait"),)),
    MakeTarget("down", "stop the local services and remove their volumes", (("docker", "compose", "down", "-v"),)),
)  # fmt: skip


@dataclass(frozen=True)
class CiStep:
    """A step of the generated CI workflow (after pipegen's own checks), in family order."""

    name: str
    run: str
    requirements: tuple[str, ...] = ()  # requirement files of the project the step needs installed


@dataclass(frozen=True)
class SecretKey:
    """A key of a Kubernetes Secret a family's workload manifests reference (docs/kubernetes.md lists them all)."""

    secret: str  # the Secret's name (naming layer)
    key: str
    source: str  # where its value comes from, one line of Markdown


@dataclass(frozen=True)
class Contribution:
    requirements: tuple[str, ...] = ()
    env: tuple[EnvVar, ...] = ()
    make_targets: tuple[MakeTarget, ...] = ()
    run_steps: tuple[RunStep, ...] = ()
    compose_services: tuple[ComposeService, ...] = ()
    ci_steps: tuple[CiStep, ...] = ()
    python_modules: bool = False  # writes modules into the generated `pipeline/` package
    # shared runtime modules its generated code imports: files of templates/runtime/ that the
    # project family writes once as `pipeline/<name>`, whichever families ask for them (and
    # `rules.json`, the quality rule kinds, written from spec/rulekinds.py)
    runtime: tuple[str, ...] = ()
    # Kubernetes resource files it writes (paths): the kubernetes family lists them in the kustomization
    manifests: tuple[str, ...] = ()
    results: tuple[RunResult, ...] = ()  # tables its local-run steps leave (the summary counts them)
    secret_keys: tuple[SecretKey, ...] = ()  # keys of the Secrets its manifests' workloads read


@dataclass(frozen=True)
class Shared:
    """Every family's contribution, merged: what the shared files are rendered from."""

    requirements: tuple[str, ...] = ()
    env: tuple[EnvVar, ...] = ()
    make_targets: tuple[MakeTarget, ...] = ()
    run_steps: tuple[RunStep, ...] = ()
    compose_services: tuple[ComposeService, ...] = ()
    ci_steps: tuple[CiStep, ...] = ()
    python_modules: bool = False  # some family writes `pipeline/` modules (the package needs its __init__)
    runtime: tuple[str, ...] = ()  # shared runtime modules, sorted, each once
    manifests: tuple[str, ...] = ()  # every family's Kubernetes resource files, sorted
    results: tuple[RunResult, ...] = ()  # in family order, each family's in its own order
    secret_keys: tuple[SecretKey, ...] = ()  # by (secret, key), each once (the first family's source)
    by_family: tuple[tuple[Family, Contribution], ...] = ()


def no_previous(path: str) -> str | None:
    """A first generate: no file was generated before."""
    return None


@dataclass(frozen=True)
class GenContext:
    spec: Spec
    plan: Plan
    families: frozenset[Family]  # every family generated in this run
    version: str  # pipegen version, stated in generated files
    shared: Shared = field(default_factory=Shared)
    # component kind -> the family that makes it (generated or planned), from the declarations
    owners: Mapping[str, Family] = field(default_factory=dict)
    # families the plan needs that this version does not generate: (tag, description), in order
    planned: tuple[tuple[Family, str], ...] = ()
    # The last generated copy of a file (.pipegen/base/<path>), None when there is none. Output
    # stays a function of its inputs: (spec, the previous generation). Read only what you need.
    previous: Callable[[str], str | None] = no_previous


class Generator(Protocol):
    def contribute(self, ctx: GenContext) -> Contribution:
        """What this family adds to the shared project files."""
        ...

    def render(self, ctx: GenContext) -> Files:
        """The files of this family, by relative POSIX path."""
        ...


@dataclass(frozen=True)
class Lazy:
    """A family's generator, imported when the plan first asks it for something: a command imports
    the generator modules (and what they import) of the families its spec turns on, not of all
    twenty (docs/benchmarks.md, "generate's constant cost"). `module` holds `GENERATOR`."""

    module: str

    def load(self) -> Generator:
        return cast(Generator, importlib.import_module(self.module).GENERATOR)

    def contribute(self, ctx: GenContext) -> Contribution:
        return self.load().contribute(ctx)

    def render(self, ctx: GenContext) -> Files:
        return self.load().render(ctx)


@dataclass(frozen=True)
class Judge:
    """The real tool that proves a family's output, and the test modules of pipegen's suite
    that run it (paths from the repository root)."""

    tool: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Declaration:
    """A family as it describes itself. `needs`: the kinds of plan component it makes (the
    plan's component graph, src/pipegen/plan/components.py); `always`: on for every plan.
    `generator` None: planned, i.e. the plan can ask for it and this version does not generate
    it yet (listed as planned by `pipegen plan` and the generated docs, never dropped)."""

    tag: Family
    description: str
    needs: tuple[str, ...] = ()
    always: bool = False
    generator: Generator | None = None
    judge: Judge | None = None

    def on(self, kinds: frozenset[str]) -> bool:
        """Whether a plan whose component graph has these kinds needs this family."""
        return self.always or any(k in kinds for k in self.needs)


class ContributionConflict(ValueError):
    """Two families contributed incompatible entries (a bug in pipegen)."""


def _unique_by_name(items: Iterable[tuple[Family, T]], key: str) -> tuple[T, ...]:
    seen: dict[str, tuple[Family, T]] = {}
    for family, item in items:
        name = getattr(item, key)
        if name in seen and seen[name][1] != item:
            raise ContributionConflict(f"{family} and {seen[name][0]} both contribute {key} {name!r}, differently")
        seen.setdefault(name, (family, item))
    return tuple(item for _, (_, item) in sorted(seen.items()))


def _env_vars(items: Iterable[tuple[Family, EnvVar]]) -> tuple[EnvVar, ...]:
    """One entry per variable, its uses united; a secret if any family reads it as one. Two
    different defaults, or a default for a secret, is a bug."""
    merged: dict[str, tuple[Family, EnvVar]] = {}
    for family, var in items:
        first_family, first = merged.get(var.name, (family, var))
        secret = first.secret or var.secret
        default = first.default if first.default is not None else var.default
        if (first.default is not None and var.default is not None and first.default != var.default) or (
            secret and default is not None
        ):
            raise ContributionConflict(f"{family} and {first_family} declare {var.name} differently")
        uses = tuple(sorted({*first.uses, *var.uses}))
        merged[var.name] = (first_family, EnvVar(var.name, uses, secret, default))
    return tuple(var for _, (_, var) in sorted(merged.items()))


def _requirement_name(req: str) -> str:
    for sep in ("==", ">=", "<=", "~=", "!=", "<", ">", "[", ";", " "):
        req = req.split(sep, 1)[0]
    return req.strip().lower().replace("_", "-")


def _requirements(items: Iterable[tuple[Family, str]]) -> tuple[str, ...]:
    """One pin per package; two families pinning one package differently is a bug."""
    pins: dict[str, tuple[Family, str]] = {}
    for family, req in items:
        name = _requirement_name(req)
        if name in pins and pins[name][1] != req:
            raise ContributionConflict(f"{family} pins {req!r} but {pins[name][0]} pins {pins[name][1]!r}")
        pins.setdefault(name, (family, req))
    return tuple(req for _, (_, req) in sorted(pins.items()))


def _secret_keys(keys: Iterable[SecretKey]) -> tuple[SecretKey, ...]:
    first: dict[tuple[str, str], SecretKey] = {}
    for k in keys:
        first.setdefault((k.secret, k.key), k)
    return tuple(v for _, v in sorted(first.items()))


def collect(parts: Mapping[Family, Contribution]) -> Shared:
    """Merge contributions: sorted, de-duplicated, conflicts refused."""
    items = list(parts.items())
    env_vars = _env_vars((f, e) for f, c in items for e in c.env)
    steps = sorted({s for _, c in items for s in c.run_steps}, key=lambda s: (s.order, s.name))
    return Shared(
        requirements=_requirements((f, r) for f, c in items for r in c.requirements),
        env=env_vars,
        make_targets=_unique_by_name(((f, t) for f, c in items for t in c.make_targets), "name"),
        run_steps=tuple(steps),
        compose_services=_unique_by_name(((f, s) for f, c in items for s in c.compose_services), "name"),
        ci_steps=tuple(s for _, c in items for s in c.ci_steps),
        python_modules=any(c.python_modules or c.run_steps or c.runtime for _, c in items),
        runtime=tuple(sorted({m for _, c in items for m in c.runtime})),
        manifests=tuple(sorted({m for _, c in items for m in c.manifests})),
        results=tuple(r for _, c in items for r in c.results),
        secret_keys=_secret_keys(k for _, c in items for k in c.secret_keys),
        by_family=tuple(items),
    )


def merge(parts: Mapping[Family, Files]) -> Files:
    """Join families' outputs; two families claiming one path is a bug."""
    out: Files = {}
    owner: dict[str, Family] = {}
    for family, files in parts.items():
        for path, text in files.items():
            if path in out:
                raise ValueError(f"family {family} writes {path}, which family {owner[path]} already wrote")
            out[path] = text
            owner[path] = family
    return dict(sorted(out.items()))
