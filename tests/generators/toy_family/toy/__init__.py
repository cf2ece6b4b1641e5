"""The toy family: one Markdown file listing the spec's tables."""

from pipegen.generators.base import CiStep, Contribution, Declaration, EnvVar, Files, GenContext, Judge, MakeTarget
from pipegen.render.env import render


class ToyGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        return Contribution(
            env=(EnvVar("TOY_LEVEL", ("docs/toy.md: how loud the toy is",), default="1"),),
            make_targets=(MakeTarget("toy", "print the toy notes", (("cat", "docs/toy.md"),)),),
            ci_steps=(CiStep("Toy notes exist", "test -s docs/toy.md"),),
        )

    def render(self, ctx: GenContext) -> Files:
        tables = [d.name for s in ctx.spec.sources for d in (*s.tables, *s.topics)]
        return {"docs/toy.md": render("toy/toy.md.j2", {"pipeline": ctx.plan.names.pipeline, "tables": tables})}


FAMILY = Declaration(
    tag="toy",
    description="toy notes: the spec's tables in one Markdown file",
    always=True,
    generator=ToyGenerator(),
    judge=Judge("a non-empty Markdown file", ("tests/generators/test_adding_a_family.py",)),
)
