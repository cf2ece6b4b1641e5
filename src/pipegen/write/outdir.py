"""Where `generate` and `status` write and look: `-o DIR`, or the spec's folder.

An output folder is refused (UsageError, exit 2) before anything is rendered or written when
it cannot be what the user meant (docs/regeneration.md, "The output folder"):
- an empty or blank `-o` (the shell's `-o "$UNSET"`), which would mean the current folder;
- a value with leading or trailing white space or a control character (a quoting slip);
- something that is not a folder (a file, a FIFO, a link to one), or a path under a file;
- a folder inside pipegen's own templates, example specs or package, or inside a `.pipegen/`
  record folder;
- the file system's root or the home directory, unless pipegen already generated there
  (`.pipegen/` exists): a whole project would be spread among unrelated files.
Anywhere else, files pipegen did not write are never overwritten (they become conflicts).
"""

from __future__ import annotations

import contextlib
import stat
from pathlib import Path

from pipegen.errors import UsageError
from pipegen.resources import data_dir
from pipegen.write.paths import META_DIR

_PACKAGE = Path(__file__).resolve().parents[1]


def output_dir(raw: str | None, spec: Path) -> Path:
    """The output folder for `-o raw` (None: the spec's folder), or a UsageError saying why not."""
    if raw is None:
        out = spec.parent
        _check_place(out, f"the spec's folder {_shown(out)}")
        return out
    if not raw.strip():
        raise UsageError(
            f"--output is {'empty' if not raw else 'blank'}: it would write into the current folder",
            hint=f"name a folder (e.g. -o build/{spec.stem}), or leave -o out to write next to the spec "
            f"({_shown(spec.parent)})",
        )
    if raw != raw.strip() or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise UsageError(
            f"--output {raw!r} starts or ends with white space or holds a control character",
            hint=f"a quoting slip? pass the folder exactly, e.g. -o {raw.strip()!r}",
        )
    out = Path(raw)
    _check_kind(out)
    _check_place(out, _shown(out))
    return out


def _shown(path: Path) -> str:
    return str(path) if str(path) not in ("", ".") else "the current folder"


def _check_kind(out: Path) -> None:
    """A folder or nothing yet; nothing on the way to it but folders."""
    for path in (out, *out.parents):
        try:
            st = path.stat()  # follows links: a link to a folder is a folder
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            continue  # an ancestor further up is a file: reported when the loop reaches it
        if stat.S_ISDIR(st.st_mode):
            return
        what = "a file" if stat.S_ISREG(st.st_mode) else "not a folder"
        if path == out:
            raise UsageError(f"--output {out} is {what}, not a folder",
                             hint="pass a folder (it is created if it does not exist)")  # fmt: skip
        raise UsageError(f"--output {out} cannot be created: {path} is {what}",
                         hint="pass a folder outside it, or move that file away")  # fmt: skip


def _check_place(out: Path, shown: str) -> None:
    where = out.resolve()
    if META_DIR in where.parts:
        raise UsageError(f"{shown} is inside a {META_DIR}/ folder, where pipegen keeps its records of an output",
                         hint="pass the project folder (the one holding .pipegen/), or another folder")  # fmt: skip
    for owned, name in ((_data("templates"), "templates"), (_data("specs"), "example specs"), (_PACKAGE, "package")):
        if owned is not None and where.is_relative_to(owned):
            raise UsageError(f"{shown} is inside pipegen's own {name} ({owned})",
                             hint="generate into a folder of your own, e.g. -o build/NAME")  # fmt: skip
    if where in _shared_roots() and not (where / META_DIR).is_dir():
        raise UsageError(
            f"{shown} is {'the file system root' if where == Path(where.anchor) else 'your home folder'}: pipegen "
            "would spread a whole project (dbt/, docs/, pipeline/, ...) among unrelated files",
            hint="pass a project folder with -o (e.g. -o ~/projects/NAME), or move the spec into one",
        )


def _data(kind: str) -> Path | None:
    try:
        return data_dir(kind).resolve()
    except FileNotFoundError:
        return None


def _shared_roots() -> set[Path]:
    roots = {Path("/").resolve()}
    with contextlib.suppress(RuntimeError):  # no home directory can be determined
        roots.add(Path.home().resolve())
    return roots
