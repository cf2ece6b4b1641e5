"""`pipegen new`: a project skeleton from a cookiecutter template, its pipegen.yaml, then generate."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipegen import __version__
from pipegen.errors import UserError
from pipegen.examples import MODELINE_PREFIX, find
from pipegen.resources import data_dir

PROJECT_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
MODELINE = f"{MODELINE_PREFIX} $schema=./pipegen.schema.json\n"


@dataclass(frozen=True)
class NewProject:
    path: Path
    spec: Path
    slug: str


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def resolve_spec(ref: str | None) -> tuple[Path, bool]:
    """--spec value -> (file, whether the user named it). Files win over example names."""
    if ref is None:
        return find("hello").path, False
    path = Path(ref)
    if path.is_file():
        return path, True
    if path.suffix in (".yaml", ".yml") and (os.sep in ref or "/" in ref):
        raise UserError(f"spec file {ref} does not exist", hint="check the path, or name an example: pipegen examples")
    return find(ref).path, True


def check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a directory", hint="choose another name or --output")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UserError(
            f"{target} already exists and is not empty",
            hint="choose another name, or pass --force to write into it (existing files may be overwritten)",
        )


def renamed_spec(text: str, slug: str) -> str:
    """The spec text with pipeline.name set to the project's slug and the editor modeline first.

    The name is replaced in place at the position the loader recorded, so comments, quoting
    and layout stay byte for byte as the user (or the example) wrote them.
    """
    from pipegen.spec.load import parse

    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith(MODELINE_PREFIX))
    loaded = parse(body, "pipegen.yaml")
    pos = loaded.positions.get(("pipeline", "name"))
    old = loaded.data["pipeline"]["name"] if loaded.data else None
    if pos is None or not isinstance(old, str):
        raise UserError("the spec has no pipeline.name to rename", hint="add `pipeline: {name: ...}`")
    lines = body.splitlines(keepends=True)
    line = lines[pos.line - 1]
    start = pos.column - 1
    for token in (old, f'"{old}"', f"'{old}'"):
        if line.startswith(token, start):
            lines[pos.line - 1] = line[:start] + slug + line[start + len(token) :]
            return MODELINE + "".join(lines)
    raise UserError("pipeline.name is written in a form pipegen cannot rename", hint="write it as `name: my_name`")


def skeleton_context(
    name: str, slug: str, orchestrator: str, architecture: str, cloud: str, families: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Only validated identifiers and enum values: cookiecutter renders context values as templates.
    `_tags` (the family tags, space-separated) is what the README's sections and folder table are
    chosen by, so that it names only folders and docs this project has."""
    tags = [tag for tag in families if tag.isidentifier()]
    return {
        "_families": ", ".join(f"`{tag}`" for tag in tags),
        "_tags": " ".join(tags),
        "project_name": name,
        "project_slug": slug,  # for users' templates that prompt for it
        "_project_slug": slug,
        "_pipeline_name": slug,
        "_orchestrator": orchestrator,
        "_architecture": architecture,
        "_cloud": cloud,
        "_pipegen_version": __version__,
    }


def run_cookiecutter(template: Path, context: dict[str, Any], no_input: bool, out: Path) -> Path:
    """Render a cookiecutter template into `out` without touching the user's cookiecutter replay dir."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    config = template / "cookiecutter.json"
    if not config.is_file():
        raise UserError(f"{template} is not a cookiecutter template (no cookiecutter.json)")
    try:
        ctx = generate_context(context_file=str(config), extra_context=context)
        ctx["cookiecutter"] = prompt_for_config(ctx, no_input=no_input)
        ctx["cookiecutter"]["_template"] = str(template)
        return Path(generate_files(repo_dir=str(template), context=ctx, output_dir=str(out)))
    except CookiecutterException as exc:
        raise UserError(f"the project template failed: {exc}", hint=f"check the template at {template}") from exc


def interactive(no_input: bool) -> bool:
    return not no_input and sys.stdin.isatty()


def place(staged: Path, target: Path) -> None:
    """Move a staged project into place: one rename when the target is new."""
    if not target.exists():
        staged.replace(target)
        return
    for item in sorted(staged.rglob("*")):
        dest = target / item.relative_to(staged)
        if item.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            item.replace(dest)


def stage_dir(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".pipegen-new-", dir=parent))


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def new_project(
    name: str,
    spec_ref: str | None,
    template: Path | None,
    no_input: bool,
    output: Path,
    force: bool,
) -> tuple[NewProject, Any]:
    """Scaffold NAME under `output`, then generate into it. Returns the project and write report."""
    from pipegen.pipeline import families_for, prepare, renderer, spec_hash
    from pipegen.write import WriteMeta, write_tree

    if not PROJECT_NAME_RE.match(name):
        raise UserError(
            f"'{name}' is not a usable project name",
            hint="use letters, digits, '-' and '_', starting with a letter (at most 63 characters)",
        )
    slug = slug_of(name)
    target = output / name
    check_target(target, force)
    spec_file, named = resolve_spec(spec_ref)
    ready = prepare(spec_file)  # refuse an invalid spec before writing anything
    skeleton = template or data_dir("templates") / "skeleton"
    if not skeleton.is_dir():
        raise UserError(f"template {skeleton} does not exist", hint="--template takes a cookiecutter template folder")
    context = skeleton_context(
        name, slug, ready.spec.orchestrator.value, ready.plan.architecture.value, ready.spec.cloud.value,
        tuple(families_for(ready.plan)),
    )  # fmt: skip
    staging = stage_dir(output)
    try:
        project = run_cookiecutter(skeleton, context, not interactive(no_input), staging)
        spec_out = project / "pipegen.yaml"
        if named or not spec_out.exists():
            spec_out.write_text(renamed_spec(spec_file.read_text(encoding="utf-8"), slug), encoding="utf-8")
        ready = prepare(spec_out)
        meta = WriteMeta(__version__, spec_hash(ready.spec))
        files = renderer(ready)
        del ready  # released once rendered, before the write stage
        report = write_tree(project, files, meta)
        place(project, target)
    finally:
        cleanup(staging)
    return NewProject(target, target / "pipegen.yaml", slug), dataclasses.replace(report, out=target)
