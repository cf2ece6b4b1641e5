"""How write results are shown: the plan summary (counts, then one line per file) and a unified diff."""

from __future__ import annotations

import difflib
from collections import Counter

from pipegen.write.decide import WritePlan, WriteReport

# always counted, in this order (the plan summary's head line), then the others when present
MAIN = ("create", "update", "merge", "conflict", "delete", "retired")
OTHERS = ("resolved", "adopt", "record", "user-deleted", "kept", "unchanged")
ORDER = MAIN + OTHERS
WIDTH = max(len(a) for a in ORDER)


def counts_line(report: WriteReport) -> str:
    counts: Counter[str] = Counter(c.action for c in report.changes)
    return ", ".join([f"{counts[a]} {a}" for a in MAIN] + [f"{counts[a]} {a}" for a in OTHERS if counts[a]])


def render_summary(report: WriteReport) -> str:
    """The counts, then every file that is not unchanged, then what the user has to do."""
    state = "" if report.changed else "up to date: "
    lines = [*report.notes, f"{report.out}: {state}{counts_line(report)}"]
    lines += [f"  {c.action:<{WIDTH}} {c.path}" + (f" ({c.detail})" if c.detail else "")
              for c in sorted(report.changes, key=lambda c: (ORDER.index(c.action), c.path))
              if c.action != "unchanged"]  # fmt: skip
    marked = [c for c in report.conflicts if c.markers]
    pending = [c for c in report.conflicts if not c.blocked and c not in marked]
    blocked = [c for c in report.conflicts if c.blocked]
    if marked:
        lines.append(
            f"{len(marked)} file(s) hold conflict markers (<<<<<<< yours ... >>>>>>> pipegen): keep what you want, "
            "delete the marker lines, then run generate again; it fails until no marker is left"
        )
    if pending:
        lines.append(
            f"{len(pending)} file(s) need you: merge what you want from .pipegen/pending/<path> "
            "into your file, then delete the pending file; the next generate records the resolution"
        )
    if blocked:
        lines.append(
            f"{len(blocked)} path(s) are taken by something pipegen did not write "
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
