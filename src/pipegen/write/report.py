"""How write results are shown: a summary per file and a unified diff."""

from __future__ import annotations

import difflib
from collections import Counter

from pipegen.write.decide import WritePlan, WriteReport

ORDER = ("create", "update", "delete", "adopt", "resolved", "conflict", "retired", "kept", "unchanged")


def render_summary(report: WriteReport) -> str:
    lines = [f"  {c.action:<9} {c.path}" + (f" ({c.detail})" if c.detail else "")
             for c in report.changes if c.action != "unchanged"]  # fmt: skip
    counts: Counter[str] = Counter(c.action for c in report.changes)
    total = ", ".join(f"{counts[a]} {a}" for a in ORDER if counts[a])
    if not report.changed:
        lines.append(f"{report.out}: up to date ({total or 'no files'})")
    else:
        lines.append(f"{report.out}: {total}")
    edited = [c for c in report.conflicts if not c.blocked]
    if edited:
        lines.append(
            f"{len(edited)} file(s) need you: merge what you want from .pipegen/pending/<path> "
            "into your file, then delete the pending file; the next generate records the resolution"
        )
    if len(edited) < len(report.conflicts):
        lines.append(
            f"{len(report.conflicts) - len(edited)} path(s) are taken by something pipegen did not write "
            "and never replaces (a directory, a link, a file where a directory belongs): move it away, "
            "then run generate again"
        )
    return "\n".join(lines)


def unified_diff(plan: WritePlan) -> str:
    chunks: list[str] = []
    for path in sorted(plan.after):
        old, new = plan.before.get(path), plan.after.get(path)
        if old == new:
            continue
        chunks.extend(
            difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                (new or "").splitlines(keepends=True),
                fromfile=f"a/{path}" if old is not None else "/dev/null",
                tofile=f"b/{path}" if new is not None else "/dev/null",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)
