"""Escaping filters, one per target language. Every spec value reaches generated text
through one of these: the output is valid in its language and cannot be injected into.

Pure functions, str in, str out. Per-dialect differences are data (the tables below).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shlex
from collections.abc import Callable
from functools import cache, lru_cache
from json.encoder import encode_basestring

from pipegen.spec import reserved

# ---------------------------------------------------------------- SQL

# quote characters (open, close) per dialect; a close char inside the name is doubled
SQL_QUOTES: dict[str, tuple[str, str]] = {
    "duckdb": ('"', '"'), "postgres": ('"', '"'), "snowflake": ('"', '"'), "redshift": ('"', '"'),
    "trino": ('"', '"'), "clickhouse": ('"', '"'), "druid": ('"', '"'), "tsql": ("[", "]"),
    "bigquery": ("`", "`"), "mysql": ("`", "`"), "spark": ("`", "`"), "databricks": ("`", "`"),
}  # fmt: skip
# dialects whose string literals treat backslash as an escape character
SQL_BACKSLASH_ESCAPES = frozenset({"bigquery", "mysql", "spark", "databricks", "clickhouse", "snowflake", "redshift"})
# how a single quote is written inside a string literal (default: doubled)
SQL_QUOTE_IN_STRING = {"bigquery": "\\'", "spark": "\\'", "databricks": "\\'"}
# BigQuery quotes identifiers with backticks and escapes with a backslash, not doubling
SQL_BACKSLASH_IDENT = frozenset({"bigquery"})
ANSI_RESERVED = frozenset(
    """
    all alter analyse analyze and any array as asc asymmetric authorization between binary both by case cast
    check collate column concurrently constraint create cross cube current current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable delete desc
    distinct do drop else end except exists false fetch filter for foreign freeze from full grant group
    grouping having ilike in initially inner insert intersect interval into is isnull join lateral leading left
    like limit localtime localtimestamp natural not notnull null offset on only or order outer over overlaps
    partition pivot placing primary qualify range recursive references returning right rollup row rows select
    session_user set similar some symmetric system_user table tablesample then to top trailing true union
    unique unnest unpivot update user using values variadic verbose when where window with within
    """.split()
)
PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def _dialect(dialect: str) -> str:
    if dialect not in SQL_QUOTES:
        raise ValueError(f"unknown SQL dialect '{dialect}'; supported: {', '.join(sorted(SQL_QUOTES))}")
    return dialect


@cache
def reserved_words(dialect: str) -> frozenset[str]:
    """ANSI reserved words, the dialect's own (render/reserved.py) and sqlglot's list for it."""
    from sqlglot.dialects.dialect import Dialect

    extra: set[str] = getattr(Dialect.get_or_raise(dialect).generator_class, "RESERVED_KEYWORDS", set())
    return ANSI_RESERVED | reserved.reserved_words(dialect) | frozenset(w.lower() for w in extra)


def needs_quotes(value: str, dialect: str = "duckdb") -> bool:
    """Whether `value` must be quoted as an identifier in `dialect` (not plain lowercase, or reserved)."""
    return not (PLAIN_IDENT.match(value) and value not in reserved_words(_dialect(dialect)))


@lru_cache(maxsize=65536, typed=True)  # pure; typed: a name (Ident) and plain text stay apart
def sql_ident(value: str, dialect: str = "duckdb") -> str:
    """An identifier: bare when plain lowercase and not reserved, otherwise quoted."""
    dialect = _dialect(dialect)
    if "\x00" in value:
        raise ValueError("a SQL identifier cannot contain NUL")
    if not value:
        raise ValueError("a SQL identifier cannot be empty")
    if not needs_quotes(value, dialect):
        return value
    open_q, close_q = SQL_QUOTES[dialect]
    if dialect in SQL_BACKSLASH_IDENT:
        inner = value.replace("\\", "\\\\").replace(close_q, "\\" + close_q)
        inner = inner.replace("\n", "\\n").replace("\r", "\\r")
    else:
        inner = value.replace(close_q, close_q * 2)
    return f"{open_q}{inner}{close_q}"


def sql_str(value: str, dialect: str = "duckdb") -> str:
    """A string literal: quotes doubled; backslashes escaped where the dialect reads them."""
    dialect = _dialect(dialect)
    if "\x00" in value:
        raise ValueError("a SQL string literal cannot contain NUL")
    inner = value
    if dialect in SQL_BACKSLASH_ESCAPES:
        inner = inner.replace("\\", "\\\\")
        if dialect == "bigquery":
            inner = inner.replace("\n", "\\n").replace("\r", "\\r")
    inner = inner.replace("'", SQL_QUOTE_IN_STRING.get(dialect, "''"))
    return f"'{inner}'"


def flink_ident(value: str) -> str:
    """A Flink SQL identifier: always in backticks (Flink reserves `user`, `value`, `timestamp`...),
    a backtick inside doubled."""
    if not value or "\x00" in value:
        raise ValueError(f"not a Flink identifier: {value!r}")
    return "`" + value.replace("`", "``") + "`"


def flink_str(value: str) -> str:
    """A Flink SQL string literal: the quote doubled (Flink has no other escape). `${` is refused:
    the generated SQL runner substitutes `${VAR}` in option values."""
    if "\x00" in value:
        raise ValueError("a Flink string literal cannot contain NUL")
    if "${" in value:
        raise ValueError(f"a Flink option value cannot contain '${{' (the runner substitutes ${{VAR}}): {value!r}")
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------- data formats


def yaml_str(value: str) -> str:
    """A double-quoted YAML scalar on one line (JSON strings are valid YAML; U+2028/9 and
    non-printables escaped so no YAML parser sees a line break)."""
    # json.dumps(value, ensure_ascii=False) of a str is exactly this C escaper's output, without the
    # encoder object json.dumps builds each call (yaml_str runs once per string of every YAML file)
    text = encode_basestring(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _escape_unprintable(text)


# what no YAML parser may see raw: line and paragraph separators, NEL, BOM, C1 controls (and
# DEL), lone surrogates, the two non-characters
_UNPRINTABLE = re.compile("[\u2028\u2029\u0085\ufeff\u007f-\u009f\ud800-\udfff\ufffe\uffff]")


def _escape_unprintable(text: str) -> str:
    if text.isascii() and "\x7f" not in text:  # most text: ASCII without DEL holds none of them (no regex pass)
        return text
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_value(value: object) -> str:
    """JSON, sorted keys, also safe inside HTML/JS (no '</', no raw U+2028/9)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# every character hcl_str changes, by code point: the escapes above, other controls and DEL as \uXXXX
_HCL_TABLE = {i: f"\\u{i:04x}" for i in (*range(0x20), 0x7F)} | {ord(k): v for k, v in HCL_ESCAPES.items()}


def hcl_str(value: str) -> str:
    """A Terraform string: escapes, and ${ / %{ doubled so nothing is interpolated."""
    text = value.translate(_HCL_TABLE).replace("${", "$${").replace("%{", "%%{")
    return f'"{text}"'


def sh_word(value: str) -> str:
    """One POSIX shell word."""
    if "\x00" in value:
        raise ValueError("a shell word cannot contain NUL")
    return shlex.quote(value)


SPEC_REFERENCE = re.compile(r"\$\{(?:env|secret):([A-Za-z_][A-Za-z0-9_]*)\}")  # the spec's `${secret:NAME}`


def sh_word_env(value: str) -> str:
    """One POSIX shell word of a value whose spec references (`${env:NAME}`, `${secret:NAME}`) expand the
    environment variable NAME when the script runs (`"${NAME:?}"`: unset or empty stops it, naming NAME; one
    a `/` follows, a URL joined with a path, without its own trailing `/`: `"${NAME%/}"`, which a script
    with `set -u` stops on when unset); the rest single-quoted, as sh_word."""
    parts, last = [], 0
    for ref in SPEC_REFERENCE.finditer(value):
        parts += [sh_word(value[last : ref.start()])] if ref.start() > last else []
        joined = value[ref.end() : ref.end() + 1] == "/"
        parts.append(f'"${{{ref.group(1)}%/}}"' if joined else f'"${{{ref.group(1)}:?}}"')
        last = ref.end()
    parts += [sh_word(value[last:])] if last < len(value) or not parts else []
    return "".join(parts)


def properties_value(value: str) -> str:
    """A value of a Java properties file (Spark's `--properties-file`): backslashes doubled, a leading
    space, a line break and every character past ASCII as Java escapes."""
    out = []
    for i, ch in enumerate(value.replace("\\", "\\\\")):
        if ch in "\n\r\t\f" or ord(ch) > 126 or ord(ch) < 32 or (ch == " " and i == 0):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


MAKE_VAR = re.compile(r"^\$\([A-Z_][A-Z0-9_]*\)$")
# An environment assignment to a path under a make variable: `HOME_DIR=$(CURDIR)/.cache`.
MAKE_VAR_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\$\([A-Z_][A-Z0-9_]*\)[A-Za-z0-9_./-]*$")


def make_word(value: str) -> str:
    """One shell word in a Makefile recipe: shell-quoted, `$` doubled for make. A whole
    make variable reference such as `$(PYTHON)` passes through, so recipes can use them, and
    so does `NAME=$(VAR)/path` (double-quoted: the variable's value may hold spaces)."""
    if MAKE_VAR.match(value):
        return value
    if MAKE_VAR_ASSIGNMENT.match(value):
        return f'"{value}"'
    if "\n" in value or "\r" in value:
        raise ValueError("a Makefile recipe word cannot contain a line break")
    return sh_word(value).replace("$", "$$")


def make_line(words: list[str] | tuple[str, ...]) -> str:
    """A Makefile recipe line from an argv: each word through make_word."""
    return " ".join(make_word(w) for w in words)


_OP = r"\s*(==|>=|<=|~=|!=|<|>)\s*[A-Za-z0-9.*+!_-]+"
REQUIREMENT = re.compile(
    rf"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?({_OP})(\s*,{_OP})*(\s*;\s*[A-Za-z0-9_.<>=!~'\" ]+)?$"
)


def requirement(value: str) -> str:
    """One line of a pip requirements file: a pinned PEP 508 requirement, checked (not quoted:
    pip does not read shell quoting)."""
    if not REQUIREMENT.match(value):
        raise ValueError(f"not a pinned requirement: {value!r}")
    return value


def py_str(value: str) -> str:
    """A Python string literal, double-quoted where that needs no escape (as ruff format writes it)."""
    text = repr(str(value))
    if text.startswith("'") and '"' not in value:
        return '"' + text[1:-1] + '"'  # no quote of either kind inside: only the delimiters change
    return text


def number(value: float) -> str:
    """A number literal of exactly `value` (PromQL, Python, JSON, YAML): a whole number without
    a point, else the shortest decimal that reads back as the same float. (`f"{x:g}"` keeps six
    significant digits: a 1000001 s threshold became 1e+06, an alert a second early.)"""
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {value!r}")
    return str(int(x)) if x.is_integer() else repr(x)


# ---------------------------------------------------------------- Markdown and Mermaid

MD_ALWAYS = {"\\": "\\\\", "`": "\\`", "*": "\\*", "[": "\\[", "]": "\\]", "<": "&lt;", ">": "&gt;",
             "&": "&amp;", "|": "\\|", "~": "\\~", "{": "&#123;", "}": "&#125;"}  # fmt: skip
MD_LINE_START = re.compile(r"^([#+\-=]|\d+[.)])")


def md_text(value: str) -> str:
    """Inline Markdown text on one line: nothing in it can open a link, an image, code,
    emphasis, an HTML tag, a table cell, or (at a line start) a heading or a list."""
    text = _MD_ESCAPED.sub(_md_escape, " ".join(value.split()))
    start = MD_LINE_START.match(text)
    if start is None:
        return text
    cut = start.end() - 1  # escape the punctuation that would start a heading or list
    return text[:cut] + "\\" + text[cut:]


# What md_text escapes: MD_ALWAYS, and an underscore unless a letter or digit (str.isalnum: [^\\W_])
# stands on both sides of it (intraword underscores cannot emphasise; others could).
_MD_ESCAPED = re.compile("[" + re.escape("".join(MD_ALWAYS)) + r"]|(?<![^\W_])_|_(?![^\W_])")


def _md_escape(found: re.Match[str]) -> str:
    return MD_ALWAYS.get(found[0], "\\_")


def line_text(value: str) -> str:
    """Free text for a line comment (shell, YAML, Python, HCL, dotenv): one line, no controls."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


_BACKTICKS = re.compile(r"`+")


def md_code(value: str) -> str:
    """An inline code span with a fence longer than any backtick run inside."""
    flat = value.replace("\n", " ").replace("\r", " ").replace("|", "\\|")
    longest = max(map(len, _BACKTICKS.findall(flat)), default=0) if "`" in flat else 0
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


MERMAID_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "`": "#96;", "\\": "#92;"}
MERMAID_KEYWORDS = frozenset({"end", "graph", "flowchart", "subgraph", "click", "style", "class", "classdef",
                              "linkstyle", "direction", "call", "href"})  # fmt: skip


def mermaid_label(value: str) -> str:
    """A quoted Mermaid label: quotes and markup characters as Mermaid entities."""
    flat = " ".join(value.split())
    return '"' + "".join(MERMAID_ENTITIES.get(ch, ch) for ch in flat) + '"'


def _short_hash(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def mermaid_id(value: str) -> str:
    """A Mermaid node id of [A-Za-z0-9_], stable, distinct for distinct inputs."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", value)
    if safe != value or not safe or safe[0].isdigit():
        safe = f"n_{safe}_{_short_hash(value)}"
    if safe.lower() in MERMAID_KEYWORDS:
        safe = f"n_{safe}"
    return safe


# XML 1.0 allows tab, newline, carriage return and these ranges; nothing else may appear, even escaped
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def xml_text(value: str) -> str:
    """SVG/XML text or attribute value on one line: markup characters as entities, characters
    XML cannot hold dropped."""
    flat = " ".join(_NOT_XML.sub("", value).split())
    return "".join(XML_ENTITIES.get(ch, ch) for ch in flat)


def dns_label(value: str, max_len: int = 63) -> str:
    """A DNS-1123 label (Kubernetes names): lowercase alphanumerics and '-', stable."""
    lowered = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    lowered = re.sub(r"-{2,}", "-", lowered)
    if lowered == value and len(value) <= max_len and value:
        return value
    suffix = _short_hash(value)
    head = lowered[: max_len - len(suffix) - 1].strip("-")
    return f"{head}-{suffix}" if head else f"x-{suffix}"


FILTERS: dict[str, Callable[..., str]] = {
    "sql_ident": sql_ident,
    "sql_str": sql_str,
    "flink_ident": flink_ident,
    "flink_str": flink_str,
    "yaml_str": yaml_str,
    "json_value": json_value,
    "hcl_str": hcl_str,
    "sh_word": sh_word,
    "sh_word_env": sh_word_env,
    "properties_value": properties_value,
    "make_word": make_word,
    "make_line": make_line,
    "requirement": requirement,
    "py_str": py_str,
    "md_text": md_text,
    "line_text": line_text,
    "md_code": md_code,
    "mermaid_label": mermaid_label,
    "mermaid_id": mermaid_id,
    "dns_label": dns_label,
    "xml_text": xml_text,
}
