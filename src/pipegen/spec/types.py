"""Scalar vocabularies of the spec: durations, column types, secret references, cron.

Pure functions, no Pydantic: the model wraps them as validators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple


class SpecValueError(ValueError):
    """A value error that knows how to fix itself: pydantic keeps it in the error context."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Spelled-out units people write ("5 minutes", "1 hour") mean the same as the short ones.
DURATION_UNIT_ALIASES = {
    **{alias: "ms" for alias in ("ms", "msec", "msecs", "millisecond", "milliseconds")},
    **{alias: "s" for alias in ("s", "sec", "secs", "second", "seconds")},
    **{alias: "m" for alias in ("m", "min", "mins", "minute", "minutes")},
    **{alias: "h" for alias in ("h", "hr", "hrs", "hour", "hours")},
    **{alias: "d" for alias in ("d", "day", "days")},
    **{alias: "w" for alias in ("w", "wk", "wks", "week", "weeks")},
}
# Longest alternatives first; the JSON Schema uses the same pattern.
DURATION_PATTERN = r"^\s*([0-9]+)\s*(" + "|".join(sorted(DURATION_UNIT_ALIASES, key=lambda a: (-len(a), a))) + r")\s*$"
DURATION_RE = re.compile(DURATION_PATTERN)
REALTIME = "realtime"
MAX_DURATION_SECONDS = 3650 * 86400  # ten years: longer than any latency, window or retention


def abbreviate(text: str, keep: int = 24) -> str:
    """A value short enough to quote in a message: '1000000…(300 characters)'."""
    return text if len(text) <= keep else f"{text[:keep]}…({len(text)} characters)"


def parse_duration(text: object) -> float:
    """'15m' -> 900.0 seconds. Raises ValueError with the accepted forms."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise SpecValueError("expected a duration such as 30s, 15m, 1h or 1d", "write a number and a unit, e.g. 15m")
    if isinstance(text, int):
        raise SpecValueError(
            f"a bare number is ambiguous: {text} what?", f"write it with a unit, e.g. {text}s or {text}m"
        )
    match = DURATION_RE.match(text)
    if not match:
        raise SpecValueError(
            f"'{text}' is not a duration", "use a whole number and a unit (ms, s, m, h, d or w), e.g. 30s, 15m, 1h, 1d"
        )
    digits, unit = match.group(1), DURATION_UNIT_ALIASES[match.group(2)]
    if len(digits.lstrip("0")) > 12 or int(digits) * DURATION_UNITS[unit] > MAX_DURATION_SECONDS:
        raise SpecValueError(
            f"'{abbreviate(text.strip())}' is longer than the longest duration pipegen accepts (3650d, ten years)",
            "use a duration of at most 3650d",
        )
    seconds = int(digits) * DURATION_UNITS[unit]
    if seconds <= 0:
        raise SpecValueError("a duration must be greater than zero", "use at least 1ms; for latency, `realtime`")
    return float(seconds)


def parse_latency(text: object) -> float:
    """A latency is a duration or 'realtime' (0 seconds)."""
    if isinstance(text, str) and text.strip().lower() == REALTIME:
        return 0.0
    try:
        return parse_duration(text)
    except ValueError as exc:
        hint = getattr(exc, "hint", None) or "write a duration such as 1m, 15m, 1h or 1d"
        raise SpecValueError(str(exc), f"{hint}; or `realtime`") from None


def format_duration(seconds: float) -> str:
    """900.0 -> '15m'; 0 -> 'realtime'. The largest unit that divides exactly."""
    if seconds == 0:
        return REALTIME
    for unit in ("w", "d", "h", "m", "s"):
        size = DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{round(seconds * 1000)}ms"


# Portable column types. Aliases users write every day map to one canonical name.
CANONICAL_TYPES = (
    "string",
    "int",
    "bigint",
    "smallint",
    "float",
    "double",
    "decimal",
    "boolean",
    "date",
    "time",
    "timestamp",
    "timestamp_tz",
    "json",
    "binary",
    "uuid",
)
TYPE_ALIASES = {
    "text": "string",
    "varchar": "string",
    "char": "string",
    "str": "string",
    "integer": "int",
    "int4": "int",
    "int8": "bigint",
    "long": "bigint",
    "int2": "smallint",
    "tinyint": "smallint",
    "real": "float",
    "float4": "float",
    "float8": "double",
    "numeric": "decimal",
    "number": "decimal",
    "bool": "boolean",
    "datetime": "timestamp",
    "timestamptz": "timestamp_tz",
    "bytes": "binary",
    "bytea": "binary",
    "jsonb": "json",
    "object": "json",
    "array": "json",
}
ORDERABLE_TYPES = frozenset(
    {"int", "bigint", "smallint", "float", "double", "decimal", "date", "time", "timestamp", "timestamp_tz", "string"}
)
TIME_TYPES = frozenset({"date", "timestamp", "timestamp_tz"})
NUMERIC_TYPES = frozenset({"int", "bigint", "smallint", "float", "double", "decimal"})
# Sizes of at most 9 digits: decimal precision is at most 38, varchar lengths fit an int.
TYPE_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*(\d{1,9})\s*(?:,\s*(\d{1,9})\s*)?\))?\s*$")


# Types that take a fractional-seconds precision: timestamp(3) is milliseconds (Flink's rowtime).
PRECISION_TYPES = frozenset({"time", "timestamp", "timestamp_tz"})
# Nested types for JSON records and lake tables: array<T>, struct<name: T, ...>, map<K, V>.
NESTED_TYPES = ("array", "struct", "map")
NESTED_ALIASES = {"row": "struct", "list": "array"}


@dataclass(frozen=True)
class ColumnType:
    name: str  # canonical
    precision: int | None = None
    scale: int | None = None
    args: tuple[ColumnType, ...] = ()  # array: (element,); map: (key, value); struct: one per field
    fields: tuple[str, ...] = ()  # struct field names, aligned with args

    def __str__(self) -> str:
        if self.name == "decimal":
            return f"decimal({self.precision},{self.scale})"
        if self.name in PRECISION_TYPES and self.precision is not None:
            return f"{self.name}({self.precision})"
        if self.name == "struct":
            return "struct<" + ", ".join(f"{n}: {a}" for n, a in zip(self.fields, self.args, strict=True)) + ">"
        if self.args:
            return f"{self.name}<{', '.join(str(a) for a in self.args)}>"
        return self.name


@lru_cache(maxsize=4096)
def parse_column_type(text: str) -> ColumnType:
    """'varchar(255)' -> string, 'numeric(12,2)' -> decimal(12,2), 'array<struct<sku: string>>'.

    ValueError otherwise. Answered once per text (a ColumnType is frozen): a spec's columns
    repeat their types, and validate, the planner and the families each parse every column's."""
    if "<" in text or ">" in text:
        return _NestedParser(text).parse()
    return _parse_scalar_type(text)


def _parse_scalar_type(text: str) -> ColumnType:
    match = TYPE_RE.match(text)
    if not match and text.count("(") > text.count(")"):
        raise SpecValueError(
            f"'{abbreviate(text)}' is not a column type: its closing parenthesis is missing",
            "inside a {...} flow mapping a comma ends the value; quote it: type: 'decimal(12,2)'",
        )
    if not match:
        raise SpecValueError(
            f"'{abbreviate(text)}' is not a column type",
            "write a type name, optionally with sizes: int, string, varchar(255), decimal(12,2), timestamp(3), "
            "array<string>, struct<sku: string, qty: int>",
        )
    base, p1, p2 = match.groups()
    key = base.lower()
    name = TYPE_ALIASES.get(key, key)
    if name not in CANONICAL_TYPES:
        from pipegen.spec.diagnostics import did_you_mean

        raise SpecValueError(
            f"unknown column type '{base}'",
            did_you_mean(key, known_type_names()) or "use one of: " + ", ".join(CANONICAL_TYPES),
        )
    if name == "decimal":
        precision = int(p1) if p1 else 38
        scale = int(p2) if p2 else (0 if p1 else 9)
        if not 1 <= precision <= 38 or scale > precision:
            raise ValueError(f"decimal({precision},{scale}) needs 1 <= precision <= 38 and scale <= precision")
        return ColumnType("decimal", precision, scale)
    if name in PRECISION_TYPES and p1 is not None and p2 is None:
        if int(p1) > 9:
            raise ValueError(f"{name}({p1}): fractional-second precision goes from 0 to 9 (3 = milliseconds)")
        return ColumnType(name, int(p1))
    if p2 is not None or (p1 is not None and key not in ("varchar", "char")):
        raise ValueError(f"type '{base}' takes no size arguments")
    return ColumnType(name)


class _NestedParser:
    """Recursive descent over array<T>, map<K, V>, struct<name: T, ...> (also row<...>)."""

    TOKEN_RE = re.compile(r"\s*([<>,:]|[A-Za-z_][A-Za-z0-9_]*(?:\s*\([\d\s,]*\))?)")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.pos = 0

    def _tokenize(self, text: str) -> list[str]:
        tokens, i = [], 0
        while i < len(text):
            if text[i:].strip() == "":
                break
            match = self.TOKEN_RE.match(text, i)
            if not match:
                raise self._error()
            tokens.append(match.group(1))
            i = match.end()
        return tokens

    def _error(self) -> SpecValueError:
        return SpecValueError(
            f"'{self.text}' is not a column type",
            "nested types are written array<string>, map<string, int>, struct<sku: string, qty: int>",
        )

    def _next(self) -> str:
        if self.pos >= len(self.tokens):
            raise self._error()
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _expect(self, token: str) -> None:
        if self._next() != token:
            raise self._error()

    def parse(self) -> ColumnType:
        result = self._type()
        if self.pos != len(self.tokens):
            raise self._error()
        return result

    def _type(self) -> ColumnType:
        word = self._next()
        kind = NESTED_ALIASES.get(word.lower(), word.lower())
        if kind not in NESTED_TYPES or self.pos >= len(self.tokens) or self.tokens[self.pos] != "<":
            if word in "<>,:":
                raise self._error()
            return _parse_scalar_type(word)
        self._expect("<")
        if kind == "struct":
            return self._struct()
        args = [self._type()]
        if kind == "map":
            self._expect(",")
            args.append(self._type())
        self._expect(">")
        return ColumnType(kind, args=tuple(args))

    def _struct(self) -> ColumnType:
        names: list[str] = []
        args: list[ColumnType] = []
        while True:
            name = self._next()
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                raise self._error()
            self._expect(":")
            names.append(name)
            args.append(self._type())
            sep = self._next()
            if sep == ">":
                return ColumnType("struct", args=tuple(args), fields=tuple(names))
            if sep != ",":
                raise self._error()


def known_type_names() -> list[str]:
    return sorted({*CANONICAL_TYPES, *TYPE_ALIASES})


SECRET_REF_RE = re.compile(r"^\$\{(secret|env):([A-Za-z_][A-Za-z0-9_]*)\}$")
ANY_REF_RE = re.compile(r"\$\{([^}]*)\}")
SECRET_KEY_RE = re.compile(
    r"(pass(word|wd)?|token|secret|api_?key|private_?key|credential|access_?key|account_?key"
    r"|sas|connection_?string|webhook|routing_?key|auth_?header)",
    re.IGNORECASE,
)


class SecretRef(NamedTuple):
    kind: str  # "secret" or "env"
    name: str


def option_text(value: str | int | float | bool) -> str:
    """A `connection.options` value as the client's text: a boolean as `true`/`false` (the Java and
    librdkafka clients' spelling, not Python's), a number as written, text as it is."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def parse_secret_ref(value: str) -> SecretRef | None:
    match = SECRET_REF_RE.match(value.strip())
    return SecretRef(match.group(1), match.group(2)) if match else None


# Keys that name a secret-sounding thing but hold no secret: an OAuth2 token endpoint is a URL.
NOT_SECRET_KEYS = frozenset({"token_url"})


def is_secret_key(key: str) -> bool:
    return key not in NOT_SECRET_KEYS and bool(SECRET_KEY_RE.search(key))


CRON_FIELD_RE = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$|^[A-Za-z]{3}(-[A-Za-z]{3})?$")
CRON_PRESETS = frozenset({"@hourly", "@daily", "@weekly", "@monthly", "@yearly"})


def check_cron(text: str) -> str:
    """Five-field cron or a preset; ValueError otherwise."""
    stripped = text.strip()
    if stripped in CRON_PRESETS:
        return stripped
    fields = stripped.split()
    if len(fields) != 5 or not all(CRON_FIELD_RE.match(f) for f in fields):
        raise ValueError(
            f"'{text}' is not a cron expression: use five fields (minute hour day month weekday), "
            "e.g. '0 2 * * *', or one of " + ", ".join(sorted(CRON_PRESETS))
        )
    return stripped


# an environment's `schedule` that runs no schedule there (Airflow's `schedule=None`, a Prefect deployment
# without schedules): manual and API-triggered runs only
NO_SCHEDULE = "none"


def check_environment_schedule(text: str) -> str:
    """An environment's schedule: NO_SCHEDULE or a cron expression (check_cron)."""
    if text.strip() == NO_SCHEDULE:
        return NO_SCHEDULE
    try:
        return check_cron(text)
    except ValueError as exc:
        raise ValueError(f"{exc}; or `{NO_SCHEDULE}` for no schedule in this environment") from None


DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_LABEL_RE = re.compile(DNS_LABEL_PATTERN)
DNS_LABEL_MAX = 63
ENV_VAR_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
ENV_VAR_RE = re.compile(ENV_VAR_PATTERN)


def _dns_label_suggestion(text: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:DNS_LABEL_MAX].strip("-")
    return cleaned or "pipeline"


def check_dns_label(text: str, what: str = "a Kubernetes name") -> str:
    """A DNS-1123 label (Kubernetes namespaces and object names): at most 63 lowercase letters,
    digits and '-', starting and ending with a letter or digit. SpecValueError in plain words."""
    rules = (
        f"{what} is at most {DNS_LABEL_MAX} lowercase letters, digits and '-', "
        "starting and ending with a letter or digit"
    )
    if not text:
        raise SpecValueError(f"{what} must not be empty", rules)
    if len(text) > DNS_LABEL_MAX:
        raise SpecValueError(
            f"'{abbreviate(text)}' is {len(text)} characters long; {what} is at most {DNS_LABEL_MAX}",
            f"shorten it, e.g. '{_dns_label_suggestion(text)}'",
        )
    if not DNS_LABEL_RE.match(text):
        bad = sorted({c for c in text if not (c.islower() or c.isdigit() or c == "-") or not c.isascii()})
        parts = (["uppercase letters"] if any(c.isupper() for c in bad) else []) + [
            repr(c) for c in bad if not c.isupper()
        ]
        why = f"it contains {', '.join(parts)}" if parts else "it starts or ends with '-'"
        raise SpecValueError(
            f"'{abbreviate(text)}' is not {what}: {why}", f"{rules}, e.g. '{_dns_label_suggestion(text)}'"
        )
    return text


def check_environment_name(text: str) -> str:
    """Environment names (dev, staging, prod) name namespaces and overlays: DNS labels that
    start with a letter."""
    check_dns_label(text, "an environment name")
    if not text[0].isalpha():
        raise SpecValueError(f"'{text}' is not an environment name: it must start with a letter", "e.g. dev, prod-eu")
    return text


def check_env_var_name(text: str) -> str:
    """A variable name the shell, Docker and Kubernetes all accept."""
    if not ENV_VAR_RE.match(text):
        raise SpecValueError(
            f"'{abbreviate(text)}' is not an environment variable name",
            "use letters, digits and underscores, not starting with a digit, e.g. LOG_LEVEL",
        )
    return text


def check_env_var_value(text: str) -> str:
    """A value injected into container environments: Kubernetes expands `$(NAME)` in it."""
    if not text.strip():
        raise SpecValueError("an environment variable must not be empty", "give it a value, or remove the variable")
    if "$(" in text.replace("$$", ""):
        raise SpecValueError(
            f"'{abbreviate(text)}' contains '$(', which Kubernetes expands as a variable reference",
            "write $$( for a literal '$(', or use ${env:NAME} / ${secret:NAME} for a reference",
        )
    return text
