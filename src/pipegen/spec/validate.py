"""One code path for `validate`, `plan` and `generate`: file -> Spec + located diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from pipegen.spec import migrate
from pipegen.spec.diagnostics import Diagnostic, Finding, Path, dotted, has_errors, printable, sort_diagnostics
from pipegen.spec.load import Loaded, Pos, load_bytes, load_file
from pipegen.spec.model import SUPPORTED_VERSIONS, Spec
from pipegen.spec.pydantic_errors import findings_from_validation_error
from pipegen.spec.rules import check, secret_findings
from pipegen.spec.rules.text import text_findings
from pipegen.spec.types import abbreviate


@dataclass
class Checked:
    """The outcome of checking one spec file."""

    file: str
    spec: Spec | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    loaded: Loaded | None = None

    @property
    def ok(self) -> bool:
        return self.spec is not None and not has_errors(self.diagnostics)


def check_file(path: FsPath) -> Checked:
    return _check(load_file(path))


def check_bytes(raw: bytes, file: str = "<spec>") -> Checked:
    return _check(load_bytes(raw, file))


def check_data(data: Any, file: str = "<spec>", positions: Mapping[Path, Pos] | None = None) -> Checked:
    """Check plain data (a spec already read, e.g. a dict built in memory), with the positions
    of the file it came from when there is one (diagnostics are placed at 1:1 otherwise)."""
    return _check(Loaded(file, data, positions if positions is not None else {}))


def _check(loaded: Loaded) -> Checked:
    diags = [_diag(loaded, pos.line, pos.column, f) for pos, f in loaded.problems]
    if loaded.data is None:  # duplicate keys (P002) keep the data: validation goes on
        return Checked(loaded.file, None, sort_diagnostics(diags), loaded)
    if _migratable(loaded.data):
        migrated = migrate.migrate(loaded.data)
        loaded.data = migrated.data
        diags.append(_located(loaded, _migrated_finding(migrated.from_version, loaded.file)))
    version_problem = _version_finding(loaded.data)
    if version_problem:
        diags.append(_located(loaded, version_problem))
        return Checked(loaded.file, None, sort_diagnostics(diags), loaded)
    diags += [_located(loaded, f) for f in secret_findings(loaded.data)]
    diags += [_located(loaded, f) for f in text_findings(loaded.data)]
    try:
        spec = Spec.model_validate(loaded.data)
    except ValidationError as exc:
        findings = findings_from_validation_error(exc, loaded.data)
        diags += [_located(loaded, f) for f in findings]
        diags += [_located(loaded, f) for f in partial_check(loaded.data, findings)]
        return Checked(loaded.file, None, sort_diagnostics(diags), loaded)
    diags += [_located(loaded, f) for f in check(spec)]
    return Checked(loaded.file, spec, sort_diagnostics(diags), loaded)


# Stand-ins for required sections that did not validate: they only make a Spec to run the
# rules on; no rule that reads a stand-in runs, so nothing is ever reported about them.
_STAND_INS: dict[str, Any] = {
    "version": 1,
    "pipeline": {"name": "stand_in"},
    "latency": "1h",
    "sources": [
        {"name": "stand_in", "type": "faker", "tables": [{"name": "t", "columns": [{"name": "c", "type": "int"}]}]}
    ],
    "targets": [{"name": "stand_in", "type": "duckdb"}],
}


def partial_check(data: Any, structural: list[Finding]) -> list[Finding]:
    """Cross-field findings for the sections that validated, when others did not."""
    if not isinstance(data, dict):
        return []
    broken = {str(f.path[0]) for f in structural if f.path} | {k for k in _STAND_INS if k not in data}
    if any(not f.path for f in structural):
        return []  # a problem with the document as a whole: nothing is known to be valid
    partial = {k: v for k, v in data.items() if k not in broken}
    partial.update({k: v for k, v in _STAND_INS.items() if k in broken})
    try:
        spec = Spec.model_validate(partial)
    except ValidationError:
        return []  # the sections only validate together; the structural errors say enough
    valid = frozenset(Spec.model_fields) - broken
    return check(spec, valid_sections=valid)


def _migratable(data: Any) -> bool:
    version = data.get("version") if isinstance(data, dict) else None
    return isinstance(version, int) and not isinstance(version, bool) and migrate.can_migrate(version)


def _migrated_finding(version: int, file: str) -> Finding:
    return Finding(
        ("version",),
        "P012",
        f"spec version {version} was migrated in memory to version {migrate.CURRENT_VERSION}",
        f"run `pipegen migrate {file}` to rewrite the file (comments kept); "
        f"`pipegen migrate --check {file}` tells CI whether one is pending",
        severity="warning",
    )


def _version_finding(data: Any) -> Finding | None:
    version = data.get("version") if isinstance(data, dict) else None
    if version is None or isinstance(version, bool) or version in SUPPORTED_VERSIONS:
        return None
    supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
    return Finding(
        ("version",),
        "P009",
        f"unsupported spec version {abbreviate(repr(version))}; this pipegen supports: {supported}",
        "set `version: 1`, or upgrade pipegen if the spec was written for a newer one",
    )


def locate(checked: Checked, findings: list[Finding]) -> list[Diagnostic]:
    """Place findings made later (e.g. by the planner) in the same file."""
    if checked.loaded is None:
        return []
    return [_located(checked.loaded, f) for f in findings]


def _located(loaded: Loaded, finding: Finding) -> Diagnostic:
    pos = loaded.locate(finding)
    return _diag(loaded, pos.line, pos.column, finding)


def _diag(loaded: Loaded, line: int, column: int, f: Finding) -> Diagnostic:
    message, hint = printable(f.message), printable(f.hint) if f.hint else None  # values quoted in text
    return Diagnostic(loaded.file, line, column, f.severity, f.code, message, dotted(f.path), hint)
