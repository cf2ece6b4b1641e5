"""Columns and the rules their values follow; table-level expectations (row count, freshness,
drift). Source columns, derived columns and mart outputs share `ColumnRules`."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from pipegen.spec.model.base import ColumnTypeText, Duration, FiniteFloat, Model, Name, NameList
from pipegen.spec.model.enums import ExpectedColumns, PiiAction, Severity


class Rule(Model):
    """Options every column rule accepts."""

    mostly: float | None = Field(
        None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Fraction of rows that must pass (1 = all), 0 to 1. Default: 1 - quality.fail_threshold.",
    )
    severity: Severity | None = Field(None, description="Overrides quality.severity for this rule.")


class RangeRule(Rule):
    min: float | None = Field(
        None, ge=-1e18, le=1e18, allow_inf_nan=False, description="Smallest allowed value (inclusive), ±10^18."
    )
    max: float | None = Field(
        None, ge=-1e18, le=1e18, allow_inf_nan=False, description="Largest allowed value (inclusive), ±10^18."
    )


class AcceptedValuesRule(Rule):
    values: tuple[str | int | FiniteFloat | bool, ...] = Field(
        ..., min_length=1, description="The allowed values (numbers finite)."
    )


class RegexRule(Rule):
    pattern: str = Field(..., min_length=1, description="A regular expression every value must match.")


class ForeignKeyRule(Rule):
    references: str = Field(
        ..., description="'table.column' or 'source.table.column' that every non-null value must exist in."
    )


def _flag_rule(value: Any) -> Any:
    if value is True:
        return {}
    if value is False or value is None:
        return None
    return value


def _values_rule(value: Any) -> Any:
    return {"values": value} if isinstance(value, list | tuple) else value


def _regex_rule(value: Any) -> Any:
    return {"pattern": value} if isinstance(value, str) else value


def _fk_rule(value: Any) -> Any:
    return {"references": value} if isinstance(value, str) else value


def _pii(value: Any) -> Any:
    if value is True:
        return "mask"
    if value is False or value is None:
        return "none"
    return value


class ColumnRules(Model):
    """An output column's name, meaning and the rules its values must follow (source columns,
    derived columns and mart outputs share them)."""

    name: Name | None = Field(None, description="Output column name.")
    description: str | None = Field(None, description="What the column means; shown in docs and dbt.")
    not_null: Annotated[Rule | None, BeforeValidator(_flag_rule, json_schema_input_type=bool | Rule)] = Field(
        None, description="`true`, or `{mostly: 0.99}`: values must not be null."
    )
    unique: Annotated[Rule | None, BeforeValidator(_flag_rule, json_schema_input_type=bool | Rule)] = Field(
        None, description="`true`: values must be unique."
    )
    range: RangeRule | None = Field(None, description="`{min: 0, max: 100}`: numeric bounds (inclusive).")
    accepted_values: Annotated[
        AcceptedValuesRule | None,
        BeforeValidator(_values_rule, json_schema_input_type=list[str | int | float | bool] | AcceptedValuesRule),
    ] = Field(None, description="A list of allowed values, or `{values: [...], mostly: 0.99}`.")
    regex: Annotated[RegexRule | None, BeforeValidator(_regex_rule, json_schema_input_type=str | RegexRule)] = Field(
        None, description="A pattern every value must match, or `{pattern: ..., mostly: ...}`."
    )
    foreign_key: Annotated[
        ForeignKeyRule | None, BeforeValidator(_fk_rule, json_schema_input_type=str | ForeignKeyRule)
    ] = Field(None, description="`table.column` (or `source.table.column`, or `mart.column`) this column refers to.")


class Column(ColumnRules):
    """A column and the rules its values must follow."""

    name: Name = Field(..., description="Column name as in the source (what extraction reads).")
    type: ColumnTypeText = Field(
        ...,
        description="Portable type: string, int, bigint, smallint, float, double, decimal(p,s), "
        "boolean, date, time, timestamp, timestamp_tz, json, binary, uuid (common aliases accepted); "
        "timestamp(3) for a precision; array<T>, map<K, V>, struct<name: T, ...> for nested JSON records.",
    )
    pii: Annotated[PiiAction, BeforeValidator(_pii, json_schema_input_type=bool | PiiAction)] = Field(
        PiiAction.NONE,
        description="Personal data: `true`/`mask`, `hash`, `drop` or `none`. Masking PII "
        "before it lands makes the pipeline ETL.",
    )
    faker: str | None = Field(
        None, description="Faker provider for synthetic data, e.g. `email`, `city` (checked against Faker's providers)."
    )
    rename: Name | None = Field(
        None,
        description="The column's name from staging on (`id` -> `customer_id`): extraction reads `name`, "
        "transforms and joins see `rename`.",
    )
    metadata: str | None = Field(
        None,
        description="Streams: read this column from the record's metadata instead of its value "
        "(kafka: timestamp, partition, offset, key, headers; cdc: op, source.ts_ms, ts_ms).",
    )

    @property
    def staged_name(self) -> str:
        return self.rename or self.name


class DerivedColumn(ColumnRules):
    """A column computed in staging from the table's columns (their staged names)."""

    name: Name = Field(..., description="Column name; a derived column named like a column replaces it in staging.")
    expr: str = Field(..., min_length=1, description="A SQL scalar expression over the table's columns.")
    type: ColumnTypeText = Field(..., description="The type of the result, e.g. int, double, timestamp(3).")


class Freshness(Model):
    column: str | None = Field(None, description="Timestamp column to measure (default: the watermark).")
    warn_after: Duration | None = Field(None, description="Warn when the newest row is older than this.")
    error_after: Duration | None = Field(None, description="Fail when the newest row is older than this.")


class RowCount(Model):
    min: int | None = Field(None, ge=0, description="Fewest rows a load may have.")
    max: int | None = Field(None, ge=0, description="Most rows a load may have.")


class Drift(Model):
    """How far a table's profile may move between two runs before a DataDriftDetected event."""

    row_count: float | None = Field(None, ge=0, le=100, description="Relative change of the row count (0.3 = 30%).")
    null_rate: float | None = Field(
        None, ge=0, le=1, description="Absolute change of a column's null fraction (0.05 = 5 points)."
    )
    mean: float | None = Field(None, ge=0, le=100, description="Relative change of a numeric column's mean.")
    distinct_count: float | None = Field(
        None, ge=0, le=100, description="Relative change of a column's distinct count."
    )
    columns: NameList = Field((), description="Columns the column metrics watch (default: all).")


class TableQuality(Model):
    """Table-level expectations (beside the column rules)."""

    expected_columns: ExpectedColumns = Field(
        ExpectedColumns.NONE,
        description="The declared columns must be exactly the table's: `ordered`, `unordered`, or `none` (no check).",
    )
    row_count: RowCount | None = Field(None, description="`{min: 1000, max: 10000000}` rows per load.")
    freshness: Freshness | None = Field(None, description="Per-table freshness (overrides monitoring.freshness_sla).")
    drift: Drift | None = Field(None, description="Drift thresholds between runs.")
    severity: Severity | None = Field(
        None,
        description="Overrides quality.severity for this table's `expected_columns` and `row_count` checks "
        "(column rules take their own `severity`; R481 warns when it governs no check).",
    )
