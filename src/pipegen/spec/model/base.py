"""The base of every spec model (extra keys forbidden, frozen) and the scalar field types:
names, durations, cron, column types, bounded numbers."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from pipegen.spec import types as t

SUPPORTED_VERSIONS = (1,)
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
SNAKE_PATTERN = r"^[a-z][a-z0-9_]*$"
ENV_PATTERN = r"^[a-z][a-z0-9-]*$"
# Bounds of the numbers that drive capacity figures: large enough for any real pipeline,
# small enough that every figure derived from them stays a finite, printable number.
MAX_ROWS_PER_DAY = 10**13
MAX_ROW_BYTES = 100 * 1024 * 1024
MAX_RETENTION_DAYS = 36_500


class Model(BaseModel):
    # defer_build: only Spec's validator is ever built (on first use), with the nested models
    # inline, instead of one validator per class at import: `validate` starts faster.
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, defer_build=True)


M = TypeVar("M", bound=Model)


def empty(model: type[M]) -> Callable[[], M]:
    """The `default_factory` of a section the spec may leave out: the section with every default,
    as `model()` makes it (a test holds them equal), but made without its own validator. Calling
    `model()` would build that validator beside Spec's (which already holds the section inline),
    and a class as factory makes pydantic read the class's signature: together ~12 ms of the
    first validation's ~40 (docs/benchmarks.md)."""

    def make() -> M:
        return cast(M, model.model_construct())

    make.__qualname__ = f"empty({model.__name__})"
    return make


# ---------------------------------------------------------------- scalar field types

Duration = Annotated[
    float,
    BeforeValidator(t.parse_duration),
    WithJsonSchema({"type": "string", "pattern": t.DURATION_PATTERN, "examples": ["30s", "15m", "1h", "1d"]}),
]
Latency = Annotated[
    float,
    BeforeValidator(t.parse_latency),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": t.DURATION_PATTERN},
                {"const": "realtime"},
            ],
            "examples": ["realtime", "1m", "1h", "1d"],
        }
    ),
]
Cron = Annotated[str, AfterValidator(t.check_cron)]
EnvironmentSchedule = Annotated[
    str,
    AfterValidator(t.check_environment_schedule),
    WithJsonSchema({"type": "string", "examples": ["0 * * * *", "*/15 * * * *", t.NO_SCHEDULE]}),
]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
KubeName = Annotated[
    str,
    AfterValidator(t.check_dns_label),
    WithJsonSchema({"type": "string", "pattern": t.DNS_LABEL_PATTERN, "maxLength": t.DNS_LABEL_MAX}),
]
EnvironmentName = Annotated[
    str,
    AfterValidator(t.check_environment_name),
    WithJsonSchema({"type": "string", "pattern": ENV_PATTERN, "maxLength": t.DNS_LABEL_MAX}),
]
EnvVarName = Annotated[
    str, AfterValidator(t.check_env_var_name), WithJsonSchema({"type": "string", "pattern": t.ENV_VAR_PATTERN})
]
EnvVarValue = Annotated[str, AfterValidator(t.check_env_var_value), WithJsonSchema({"type": "string", "minLength": 1})]
Name = Annotated[str, Field(pattern=NAME_PATTERN, min_length=1, max_length=255)]
SnakeName = Annotated[str, Field(pattern=SNAKE_PATTERN, min_length=1, max_length=63)]


def canonical_column_type(value: str) -> str:
    return str(t.parse_column_type(value))


ColumnTypeText = Annotated[
    str,
    AfterValidator(canonical_column_type),
    WithJsonSchema({"type": "string", "examples": ["bigint", "string", "decimal(12,2)", "timestamp"]}),
]


def _as_list(value: Any) -> Any:
    """Accept a single name where a list of names is expected."""
    return [value] if isinstance(value, str) else value


NameList = Annotated[
    tuple[str, ...],
    BeforeValidator(_as_list, json_schema_input_type=str | list[str]),
]
