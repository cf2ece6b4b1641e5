"""Columnar reading and casting of the ingestion package (written by pipegen, the same in every project).

dlt is fastest when a resource hands it Arrow tables: this module turns what the sources send
into Arrow columns and casts them to the spec's types a column at a time (pyarrow.compute),
so the contract check in `pipeline.runtime` never looks at rows one by one.

- JSON lines are read in blocks of whole lines by pyarrow's JSON reader, each spec column
  declared with the type JSON writes it in (numbers, booleans, text). A block pyarrow
  refuses (a value of another JSON type, such as "12" or "n/a" in a number column) is read
  again with Python's json module and its records built into the same columns: the values
  the contract accepts are the same either way.
- Records (API pages, JSON documents, those blocks) become one Arrow column per spec column.
- Text becomes the spec's type by `cast_text`: the value rules below, then pyarrow's cast.
  `try_cast` finds the values that do not cast by bisection: the rows of a batch are never
  cast one by one unless the column is bad throughout.

Text values a column accepts (after trimming spaces): int/bigint/smallint: an integer,
optionally written with a sign or a fractional part of zeros (12, +12, 12.0), within the
type's range; float/double: a decimal or scientific number, nan, inf; decimal: a number
with at most the column's scale; boolean: true/false, t/f, 1/0, yes/no (any case);
date: YYYY-MM-DD (a timestamp's date part is taken); time: HH:MM[:SS[.ffffff]];
timestamp: ISO 8601 (an offset is converted to UTC); timestamp_tz: ISO 8601 (without an
offset the value is UTC). Anything else is a dead letter of its row.
"""

from __future__ import annotations

import io
import json
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

CAST_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError)
# Bytes of whole lines handed to pyarrow's JSON reader at a time (and the rows of a batch).
BLOCK_BYTES = 16 << 20
READ_BLOCK = 1 << 20

INTEGER_TYPES = {"int": pa.int32(), "bigint": pa.int64(), "smallint": pa.int16()}
FLOAT_TYPES = ("float", "double")
TEXT_TYPES = ("string", "uuid", "json")

NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
FLOAT = NUMBER[:-1] + r"|^[+-]?(nan|inf|infinity)$"
INTEGER = r"^[+-]?\d+(\.0*)?$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
TIME = r"^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)$"
TRUE, FALSE = ("true", "t", "1", "yes"), ("false", "f", "0", "no")


def arrow_type(column: Any) -> pa.DataType:
    """The Arrow type a column of the spec lands with."""
    kind = column.type
    if kind in INTEGER_TYPES:
        return INTEGER_TYPES[kind]
    if kind == "decimal":
        return pa.decimal128(column.precision or 38, column.scale or 0)
    return {
        "float": pa.float64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "time": pa.time64("us"),
        "timestamp": pa.timestamp("us"),
        "timestamp_tz": pa.timestamp("us", tz="UTC"),
        "binary": pa.binary(),
    }.get(kind, pa.string())


def json_type(column: Any) -> pa.DataType:
    """The type a column is declared with to pyarrow's JSON reader: the JSON type a writer
    uses for it (numbers for numbers, booleans, text for the rest)."""
    if column.type in INTEGER_TYPES:
        return pa.int64()
    if column.type in ("float", "double", "decimal", "boolean"):
        return arrow_type(column)
    return pa.string()


# ---------------------------------------------------------------- casts


def _concat(pieces: list[Any], target: pa.DataType) -> pa.Array:
    arrays = [p.combine_chunks() if isinstance(p, pa.ChunkedArray) else p for p in pieces]
    return pa.concat_arrays([a.cast(target) if a.type != target else a for a in arrays])


def try_cast(values: Any, target: pa.DataType) -> tuple[pa.Array, list[int]]:
    """`values` cast to `target` with pyarrow's safe cast, and the positions of the values that
    do not cast (null in the result). A failing array is halved until the failures are
    isolated, so k bad values of n cost about k*log2(n) casts, not n."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_decimal(target) and pa.types.is_integer(values.type):
        values = pc.cast(values, pa.decimal128(38, 0))  # pyarrow wants room for the widest integer first
    try:
        return pc.cast(values, target, safe=True), []
    except CAST_ERRORS:
        pass
    if len(values) == 1:
        return pa.nulls(1, target), [0]
    half = len(values) // 2
    left, bad_left = try_cast(values.slice(0, half), target)
    right, bad_right = try_cast(values.slice(half), target)
    return _concat([left, right], target), bad_left + [half + i for i in bad_right]


def _screen(values: pa.Array, pattern: str) -> pa.Array:
    """True where a value is present and does not match `pattern` (it will not be cast)."""
    matches = pc.match_substring_regex(values, pattern, ignore_case=True)
    return pc.fill_null(pc.invert(matches), False)


def _cast_screened(text: pa.Array, target: pa.DataType, pattern: str) -> tuple[pa.Array, pa.Array]:
    rejected = _screen(text, pattern)
    candidates = pc.if_else(rejected, pa.scalar(None, pa.string()), text)
    cast, bad = try_cast(candidates, target)
    failed = rejected
    if bad:
        failed = pc.or_(rejected, _mask(len(text), bad))
    return cast, failed


def _mask(length: int, positions: Sequence[int]) -> pa.Array:
    flags = [False] * length
    for i in positions:
        flags[i] = True
    return pa.array(flags, pa.bool_())


def cast_text(values: Any, column: Any) -> tuple[pa.Array, pa.Array]:
    """Text values cast to the column's type (rules in the module docstring): the cast column
    and a boolean mask of the values that do not cast (null in the cast column)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_large_string(values.type):
        values = values.cast(pa.string())
    target = arrow_type(column)
    kind = column.type
    if kind in TEXT_TYPES:
        return values, pa.repeat(False, len(values))
    if kind == "binary":
        return values.cast(pa.binary()), pa.repeat(False, len(values))
    text = pc.utf8_trim_whitespace(values)
    if kind in INTEGER_TYPES:
        text = pc.replace_substring_regex(pc.replace_substring_regex(text, r"^\+", ""), r"\.0*$", "")
        return _cast_screened(text, target, INTEGER)
    if kind in FLOAT_TYPES:
        return _cast_screened(text, target, FLOAT)
    if kind == "decimal":
        return _cast_screened(text, target, NUMBER)
    if kind == "boolean":
        lowered = pc.utf8_lower(text)
        yes, no = pc.is_in(lowered, pa.array(TRUE)), pc.is_in(lowered, pa.array(FALSE))
        cast = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
        return cast, pc.and_(pc.is_valid(text), pc.invert(pc.or_(yes, no)))
    if kind == "date":
        return _cast_screened(pc.utf8_slice_codeunits(text, 0, 10), target, DATE)
    if kind == "time":
        rejected = _screen(text, TIME)
        day = pc.binary_join_element_wise("1970-01-01 ", pc.if_else(rejected, pa.scalar(None, pa.string()), text), "")
        stamp, bad = try_cast(day, pa.timestamp("us"))
        failed = pc.or_(rejected, _mask(len(text), bad)) if bad else rejected
        return pc.cast(stamp, target), failed
    return _cast_timestamp(text, target)


def _cast_timestamp(text: pa.Array, target: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """ISO 8601 text to a timestamp: values with an offset through UTC, values without one as
    they are (naive) or as UTC (timestamp_tz)."""
    rejected = _screen(text, TIMESTAMP)
    aware = pc.fill_null(pc.match_substring_regex(text, OFFSET), False)
    valid = pc.and_(pc.invert(rejected), pc.is_valid(text))
    with_offset = pc.if_else(pc.and_(valid, aware), text, pa.scalar(None, pa.string()))
    without = pc.if_else(pc.and_(valid, pc.invert(aware)), text, pa.scalar(None, pa.string()))
    utc = pa.timestamp("us", tz="UTC")
    zoned, bad_zoned = try_cast(with_offset, utc)
    plain, bad_plain = try_cast(without, pa.timestamp("us"))
    if target.tz is None:
        zoned = pc.cast(pc.cast(zoned, pa.int64()), pa.timestamp("us"))  # the UTC wall clock
    else:
        plain = pc.cast(pc.cast(plain, pa.int64()), utc)  # a naive value is UTC
    cast = pc.if_else(pc.is_valid(zoned), zoned, plain)
    failed = rejected
    if bad_zoned or bad_plain:
        failed = pc.or_(rejected, _mask(len(text), bad_zoned + bad_plain))
    return cast, failed


# ---------------------------------------------------------------- records to columns

SCALARS = (str, int, float, bool)


def _text(value: Any, kind: str) -> str | None:
    """A JSON value as the text the column's rules read: booleans as true/false, numbers as
    JSON writes them (an integral float as an integer for integer columns), objects and
    arrays as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and kind in INTEGER_TYPES and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return json.dumps(value, sort_keys=True, default=str)


# The Python type every value of a column must have to become an Arrow column directly.
DIRECT: dict[str, tuple[type, pa.DataType]] = {
    "bigint": (int, pa.int64()),
    "int": (int, pa.int64()),
    "smallint": (int, pa.int64()),
    "float": (float, pa.float64()),
    "double": (float, pa.float64()),
    "boolean": (bool, pa.bool_()),
    "string": (str, pa.string()),
    "uuid": (str, pa.string()),
    "json": (str, pa.string()),
}


def column_from_values(values: list[Any], column: Any) -> pa.Array:
    """The values of one column of a list of records: typed when every value already has the
    column's JSON type, else as text (cast by `cast_text`)."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    direct = DIRECT.get(column.type)
    if direct is not None and kinds <= {direct[0]}:
        try:
            return pa.array(values, direct[1])
        except CAST_ERRORS:  # an integer beyond 64 bits: its text is read and refused
            pass
    if kinds <= {str}:
        return pa.array(values, pa.string())
    if column.type in ("float", "double", "decimal") and kinds <= {int, float}:
        # numbers as their shortest text, as JSON writes them (Arrow's float-to-text is Python's repr)
        return pc.cast(pa.array(values, pa.float64() if float in kinds else pa.int64()), pa.string())
    return pa.array([_text(v, column.type) for v in values], pa.string())


def records_table(columns: Sequence[Any], records: list[dict[str, Any]]) -> pa.Table:
    """The spec's columns of `records` (a missing key is null), one Arrow column each."""
    arrays = [column_from_values(list(map(operator.methodcaller("get", c.name), records)), c) for c in columns]
    return pa.Table.from_arrays(arrays, names=[c.name for c in columns])


def other_columns(declared: Sequence[Any], records: list[dict[str, Any]]) -> list[tuple[str, pa.Array]]:
    """The records' keys the spec does not declare, each typed as Arrow infers it (text where
    the records mix JSON types, as a CSV column would be)."""
    names = {c.name for c in declared}
    extra: dict[str, None] = {}
    for record in records:
        for key in record:
            if key not in names:
                extra.setdefault(key)
    out = []
    for key in extra:
        values = [r.get(key) for r in records]
        try:
            array = pa.array(values)
        except CAST_ERRORS:
            array = pa.array([_text(v, "string") for v in values], pa.string())
        out.append((key, array))
    return out


# ---------------------------------------------------------------- JSON lines


def json_blocks(handle: Any, block_bytes: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The file in blocks of whole lines (the last line may lack its newline)."""
    rest = b""
    while True:
        chunk = handle.read(block_bytes)
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        if not chunk:
            break
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut]
    if rest.strip():
        yield rest + b"\n"


def read_json_lines(handle: Any, columns: Sequence[Any], block_bytes: int | None = None) -> Iterator[Any]:
    """A JSON lines file a block at a time: an Arrow table where pyarrow's reader takes the
    block, else the block's records (Python's json module), which the conform step turns
    into the same Arrow columns by the same rules, keeping each record as sent for its
    dead letter."""
    import pyarrow.json as pajson

    schema = pa.schema([(c.name, json_type(c)) for c in columns])
    options = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    read = pajson.ReadOptions(block_size=READ_BLOCK)  # pyarrow parses its blocks in parallel
    for block in json_blocks(handle, block_bytes or BLOCK_BYTES):
        if not block.strip():
            continue
        try:
            yield pajson.read_json(io.BytesIO(block), read_options=read, parse_options=options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            yield [json.loads(line) for line in block.splitlines() if line.strip()]
