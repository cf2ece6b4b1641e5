"""Diagnostics: what went wrong, where (file:line:col and dotted path), and how to fix it; and
SpecError, the error that carries them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from pipegen.errors import UserError

# did_you_mean lives on the bottom floor (pipegen.examples needs it too); re-exported for the spec's
# modules and the registry, which import it from here.
from pipegen.errors import did_you_mean as did_you_mean  # noqa: PLC0414

Severity = Literal["error", "warning"]
Path = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in a spec. Lines and columns are 1-based, like a compiler's."""

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    path: str = ""
    hint: str | None = field(default=None, compare=False)

    def format_text(self) -> str:
        head = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.code}]"
        if self.path:
            head += f"\n    at {self.path}"
        if self.hint:
            head += f"\n    hint: {self.hint}"
        return head

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class SpecError(UserError):
    """The spec did not validate; carries every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        errors = [d for d in diagnostics if d.severity == "error"]
        super().__init__(f"the spec has {len(errors)} error(s)")
        self.diagnostics = list(diagnostics)


@dataclass(frozen=True)
class Finding:
    """A diagnostic before it is located: the rule knows the path, the loader knows where."""

    path: Path
    code: str
    message: str
    hint: str | None = None
    severity: Severity = "error"
    on_key: bool = False  # point at the key itself rather than its value


def printable(text: str) -> str:
    """Text safe to print on a terminal: control and bidi characters shown as escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def dotted(path: Path) -> str:
    """('sources', 0, 'tables', 1, 'name') -> 'sources[0].tables[1].name'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = printable(part)
            out += f".{text}" if out else text
    return out


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=lambda d: (d.file, d.line, d.column, d.code, d.message))


def has_errors(diags: Sequence[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)


def format_text(diags: Sequence[Diagnostic]) -> str:
    errors = sum(d.severity == "error" for d in diags)
    warnings = len(diags) - errors
    lines = [d.format_text() for d in diags]
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def format_json(diags: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diags], indent=2, ensure_ascii=False)


def _gh_escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (data: %, CR, LF; properties also : and ,)."""
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def github_annotation(level: str, file: str, line: int, column: int, title: str, message: str) -> str:
    """One `::error file=...,line=...,col=...,title=...::message` line for GitHub Actions."""
    props = f"file={_gh_escape(file, True)},line={line},col={column},title={_gh_escape(title, True)}"
    return f"::{level} {props}::{_gh_escape(message)}"


def format_github(diags: Sequence[Diagnostic]) -> str:
    """Workflow annotations (errors and warnings shown on the changed line of a pull request)."""
    return "\n".join(
        github_annotation(
            d.severity,
            d.file,
            d.line,
            d.column,
            f"pipegen {d.code}",
            d.message + (f" (hint: {d.hint})" if d.hint else ""),
        )
        for d in diags
    )
