"""Hostile values as part of the drawn vocabulary (issue 19): the spec generator names sources,
tables, columns, marts, stream jobs and the pipeline now and then with

- a reserved word of a SQL dialect pipegen writes (`pipegen.spec.reserved`), in any case
  (`order`, `SELECT`, `User`): legal everywhere, rendered quoted per dialect, never refused;
- a name at a system's identifier limit (the naming layer's `catalog.IDENT_MAX`: PostgreSQL's 63
  bytes, MySQL's 64, Redshift's 127, SQL Server's and Oracle's 128, Kafka's 249, pipegen's 255),
  for a table so that its longest derived SQL name (`stg_<source>__<table>` or
  `<table>__dead_letter`, see `table_room`) is at the limit. PostgreSQL's 63 bytes fit every
  system, so such a name is valid whatever the spec's targets; a name at a wider limit is drawn
  rarely (validate refuses it with R202/R321 where the name reaches a narrower system);

and writes free text (accepted values, regex patterns, string literals in expressions, filters
and measures, descriptions, the owner, tags) with quotes, backslashes, comment markers (`--`,
`/*`), Jinja and other template markers (`{{`, `{%`, `${`), SQL-injection shapes and Unicode.
Now and then a text holds a control character or a bidi override, which validate refuses with a
located error (R-codes of spec/rules/text.py).

Every draw goes through Hypothesis (`draw`), so a seed still gives the same specs. Rates are
low enough that most drawn specs stay valid (test_invariant.py asks for 80 %), and every draw that
validate refuses (a name past a narrower limit, a refused character, a bare reserved word in an
expression) still comes at some rate: a refusal with located errors meets the invariant too."""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from pipegen.spec import catalog
from pipegen.spec.reserved import ALL_RESERVED, is_reserved
from pipegen.spec.scope import SQL_VALUE_WORDS

T = TypeVar("T")
RESERVED_WORDS: tuple[str, ...] = tuple(sorted(ALL_RESERVED))
COLUMN_WORDS: tuple[str, ...] = tuple(w for w in RESERVED_WORDS if w not in SQL_VALUE_WORDS)
CASES = (str.lower, str.upper, str.title)
NAME_MAX = 255  # the spec's Name: at most 255 characters
SNAKE_MAX = 63  # the spec's SnakeName (pipeline, mart, stream job): at most 63
# every identifier limit the naming layer knows (catalog.IDENT_MAX), up to the spec's own bound
LIMITS: tuple[int, ...] = tuple(sorted({n for n in catalog.IDENT_MAX.values() if n and n <= NAME_MAX} | {NAME_MAX}))
DEAD_LETTER = "__dead_letter"  # the longest suffix the naming layer adds to a table name in SQL
WIDE_RATE = 16  # a name at the limit is at a wider limit than PostgreSQL's once in this many

# pieces of hostile free text; a drawn text joins one to three of them
FRAGMENTS = (
    "'", "''", '"', "\\", "\\'", "`", ";", "%", "_", "--", "-- x", "/*", "*/", "/* x */", "#",
    "{{", "}}", "{{ x }}", "{%", "%}", "{% raw %}", "{#", "${x}", "${env:HOME}", "$$", "%s", "{0}", ":name", "?",
    "x') and 1=0 and ('a' = 'a", "' or '1'='1", "'; drop table x; --", "\" or \"1\"=\"1", "<b>&amp;</b>",
    "\\n", "NULL", "a b", " ", "é", "✓", "日本語", "مرحبا", "🙂", "zero\u200dwidth", "Ⅻ",
)  # fmt: skip
# what validate refuses in any text (a located error): control characters, bidi overrides
REFUSED = ("\x00", "\x1b", "\x7f", "\u202e", "\u2028")
TAME_TEXT = ("a", "paid", "open", "it's")
# regex patterns with hostile text (the common subset of POSIX, RE2 and Java)
PATTERNS = ("^it's\\d+$", "^[{][{] ?x", "^a--b/\\*$", '^"[a-z]+"$', "^é+✓?$", "^\\$\\{x\\}$", "^[%_]+$")


# Determinism: Hypothesis mixes into an integer draw, now and then, integer literals it finds in
# the source of the local modules loaded so far (hypothesis.internal.conjecture.providers; it never
# takes one between -100 and 100), so a draw over a range reaching 100 (an index into 900 reserved
# words) depends on what the process imported before: the same seed gave other specs after another
# test had run. Every choice here is made of draws over 0..7, never a wide range
# (test_draw_determinism.py proves a seed draws the same specs whatever was imported first).
DIGIT = 8
SMALL = 100  # a draw over 0..SMALL-1 never takes a module's literal


def one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in `n` draws (n a product of numbers up to 8: 3, 12, 60...)."""
    return all(draw(st.integers(0, factor - 1)) == factor // 2 for factor in _factors(n))


def _factors(n: int) -> list[int]:
    out = []
    while n > DIGIT:
        factor = next(f for f in range(DIGIT, 1, -1) if n % f == 0)
        out.append(factor)
        n //= factor
    return [*out, n] if n > 1 else out


def pick(draw: st.DrawFn, items: Sequence[T]) -> T:
    """One of `items`, from base-8 digits (see DIGIT)."""
    index, span = 0, 1
    while span < len(items):
        index = index * DIGIT + draw(st.integers(0, DIGIT - 1))
        span *= DIGIT
    return items[index % len(items)]


def number(draw: st.DrawFn, high: int) -> int:
    """A whole number in 0..high (see DIGIT: never `st.integers(0, high)` for a wide range)."""
    return pick(draw, range(high + 1))


# ---------------------------------------------------------------- names


def reserved_word(draw: st.DrawFn, *, snake: bool = False, column: bool = False) -> str:
    """A reserved word of some dialect, in lower, upper or title case (lower for a snake_case name).
    A column is not named by a word SQL reads as a value (`current_date`, `true`): a mart's plain
    `columns: [current_date]` would be that value, which validate refuses (R383); the spelling
    that works, `{name: current_date, expr: '"current_date"'}`, is tests/invalid's business."""
    word = pick(draw, COLUMN_WORDS if column else RESERVED_WORDS)
    return word if snake else pick(draw, CASES)(word)


def table_room(source: str) -> int:
    """What the naming layer adds to a table name in the longest SQL name it derives from it:
    `<table>__dead_letter`, or `stg_<source>__<table>` for a source name of more than 7 bytes
    (spec/rules/derived.py checks both against the landing targets' limit)."""
    return max(len(DEAD_LETTER), len("stg_") + len(source.encode()) + len("__"))


def at_limit(draw: st.DrawFn, base: str, room: int = 0, *, snake: bool = False) -> str:
    """`base` padded (or cut) to an identifier limit less `room` (for what the naming layer adds):
    PostgreSQL's 63 bytes (every system takes it), once in WIDE_RATE any limit. A snake_case name
    (pipeline, mart, stream job) is at most 63 characters (the spec's SnakeName)."""
    limit = pick(draw, LIMITS) if not snake and one_in(draw, WIDE_RATE) else SNAKE_MAX
    size = limit - room
    return (base + "_" + "x" * size)[:size]


def name(
    draw: st.DrawFn, plain: str, taken: set[str], *, rate: int = 8, room: int = 0, snake: bool = False,
    long: bool = True, column: bool = False,
) -> str:  # fmt: skip
    """`plain`, or about once in `rate` draws a reserved word and once in `12 * rate` a name at a
    length limit (unless not `long`); never one already `taken` (compared ignoring case, as
    validate does), which it adds."""
    if one_in(draw, rate):
        out = reserved_word(draw, snake=snake, column=column)
    elif long and one_in(draw, 12):
        out = at_limit(draw, plain, room, snake=snake)
    else:
        out = plain
    if out.lower() in taken:
        out = plain
    taken.add(out.lower())
    return out


def names(draw: st.DrawFn, plain: list[str], *, rate: int = 8, room: int = 0, snake: bool = False) -> list[str]:
    """`name` for each of `plain`, unique ignoring case."""
    taken = {p.lower() for p in plain}
    out = []
    for p in plain:
        taken.discard(p.lower())
        out.append(name(draw, p, taken, rate=rate, room=room, snake=snake))
    return out


def pipeline_name(draw: st.DrawFn, plain: str) -> str:
    """The pipeline's name: a reserved word now and then (a Python keyword, which R322 refuses, rarely)."""
    if not one_in(draw, 6):
        return plain
    word = reserved_word(draw, snake=True)
    return word if not keyword.iskeyword(word) or one_in(draw, 4) else plain


def sql_ref(draw: st.DrawFn, text: str) -> str:
    """A reference inside an expression: each reserved or non-lower-case part in double quotes
    (what the spec reference says to write), now and then left bare (validate either resolves it
    or refuses it with R320)."""
    if one_in(draw, 5):
        return text
    return ".".join(_quoted(part) for part in _parts(text))


def _parts(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


def _quoted(part: str) -> str:
    if part.startswith('"'):
        return part
    return f'"{part}"' if is_reserved(part) or part != part.lower() else part


# ---------------------------------------------------------------- free text


REFUSED_RATE = 120  # a refusable text holds a character validate refuses once in this many


def text(draw: st.DrawFn, *, newlines: bool = False, refusable: bool = True) -> str:
    """One to three hostile fragments; once in a long while a character validate refuses."""
    parts = [pick(draw, FRAGMENTS) for _ in range(draw(st.integers(1, 3)))]
    if newlines and one_in(draw, 4):
        parts.insert(1, "\n")
    if refusable and one_in(draw, REFUSED_RATE):
        parts.insert(draw(st.integers(0, len(parts))), pick(draw, REFUSED))
    return "".join(parts)


def accepted_values(draw: st.DrawFn, tame: list[str]) -> list[str]:
    """`tame`, or about once in three draws a list of hostile values (each unique)."""
    if not one_in(draw, 3):
        return tame
    values = [text(draw) for _ in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()):
        values.append(pick(draw, TAME_TEXT))
    return list(dict.fromkeys(values))


def pattern(draw: st.DrawFn, tame: str) -> str:
    return pick(draw, PATTERNS) if one_in(draw, 3) else tame


def literal(draw: st.DrawFn, tame: list[str]) -> str:
    """The text of a SQL string literal (the caller quotes it): tame, or hostile one time in three."""
    return text(draw, refusable=False) if one_in(draw, 3) else pick(draw, tame)


def decorate(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    """Hostile free text where the spec takes prose: descriptions of the pipeline, sources, tables,
    columns, marts and stream jobs, the owner and tags."""
    pipeline = spec["pipeline"]
    if one_in(draw, 4):
        pipeline["owner"] = text(draw)
    if one_in(draw, 4):
        pipeline["tags"] = list(dict.fromkeys(text(draw) for _ in range(draw(st.integers(1, 3)))))
    described: list[dict[str, Any]] = [pipeline, *spec["sources"]]
    for source in spec["sources"]:
        for data in source.get("tables", []) + source.get("topics", []):
            described += [data, *data["columns"]]
    transforms = spec.get("transforms", {})
    described += transforms.get("marts", []) + transforms.get("streams", [])
    for item in described:
        if one_in(draw, 12):
            item["description"] = text(draw, newlines=True)
