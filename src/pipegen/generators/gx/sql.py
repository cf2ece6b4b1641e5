"""GX SQL data sources for the spec's warehouse targets: which GX data source method reads
each system, the SQLAlchemy URL it connects with, how that system quotes identifiers and
which driver package production installs. Credentials never appear in the URL: a connection
field that is a secret or env reference becomes `${NAME}`, which GX (and the generated
runner, for its statistics) substitute from the environment at run time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pipegen.plan.envtargets import GX_URLS, environment_targets
from pipegen.spec.model import Connection, Spec, Target, TargetType
from pipegen.spec.types import parse_secret_ref


@dataclass(frozen=True)
class GxSql:
    datasource: str  # the method on context.data_sources
    url: str  # SQLAlchemy URL; {field} is a connection field
    quote: str  # identifier quote character
    driver: str  # the SQLAlchemy dialect package production installs
    defaults: tuple[tuple[str, str], ...] = ()  # connection field -> value when the spec leaves it out


GX_SQL: dict[TargetType, GxSql] = {  # the URLs: plan/envtargets.py GX_URLS (R415 reads them too)
    TargetType.POSTGRES: GxSql("add_postgres", GX_URLS["postgres"], '"', "psycopg2-binary", (("port", "5432"),)),
    TargetType.REDSHIFT: GxSql("add_redshift", GX_URLS["redshift"], '"', "sqlalchemy-redshift", (("port", "5439"),)),
    TargetType.SNOWFLAKE: GxSql("add_snowflake", GX_URLS["snowflake"], '"', "snowflake-sqlalchemy"),
    TargetType.BIGQUERY: GxSql("add_bigquery", GX_URLS["bigquery"], "`", "sqlalchemy-bigquery"),
    TargetType.DATABRICKS: GxSql("add_databricks_sql", GX_URLS["databricks"], "`", "databricks-sqlalchemy"),
    TargetType.SYNAPSE: GxSql("add_sql_server", GX_URLS["synapse"], '"', "pyodbc", (("port", "1433"),)),
    TargetType.MYSQL: GxSql("add_sql", GX_URLS["mysql"], "`", "pymysql", (("port", "3306"),)),
    TargetType.CLICKHOUSE: GxSql("add_sql", GX_URLS["clickhouse"], "`", "clickhouse-sqlalchemy", (("port", "9000"),)),
}  # fmt: skip
FIELDS = ("user", "password", "host", "port", "database", "account", "warehouse", "role", "project", "token",
          "catalog")  # fmt: skip


def _value(value: Any) -> str:
    """A URL part: a reference as `${NAME}`, a literal percent-quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and (ref := parse_secret_ref(value)):
        return "${" + ref.name + "}"
    return quote(str(value), safe="")


def url(gx: GxSql, connection: Connection) -> str:
    defaults = dict(gx.defaults)
    parts = {f: _value(getattr(connection, f)) or defaults.get(f, "") for f in FIELDS}
    return gx.url.format(**parts)


def target_name(target: Target) -> str:
    """The name the runner, the dbt profile and the DAG/flow (DBT_TARGET) know the target by."""
    return target.name.lower()


def warehouses(spec: Spec) -> dict[str, dict[str, str]]:
    """target name -> what the runner needs to validate there, for every target GX reads with SQL;
    and `<target>-<environment>` for each environment that overrides its connection."""
    out = {}
    for base in spec.targets:
        gx = GX_SQL.get(base.type)
        if gx is None:
            continue
        variants = [(target_name(base), base), *((str(e.output), e.target) for e in environment_targets(spec, base))]
        for name, target in variants:
            out[name] = {
                "type": target.type.value,
                "datasource": gx.datasource,
                "url": url(gx, target.connection),
                "quote": gx.quote,
                "driver": gx.driver,
            }
    return out


def environment_outputs(spec: Spec) -> dict[str, dict[str, str]]:
    """target -> {environment: warehouse}: what `--target <target>` validates when
    PIPEGEN_ENVIRONMENT names an environment that overrides the target's connection."""
    out = {}
    for target in spec.targets:
        if target.type in GX_SQL and (found := environment_targets(spec, target)):
            out[target_name(target)] = {e.environment: str(e.output) for e in found}
    return out


def env_vars(spec: Spec) -> list[tuple[str, str, bool]]:
    """(variable, use, secret) for every reference in a GX-read target's connection (and its overrides)."""
    out = []
    for base in spec.targets:
        if base.type not in GX_SQL:
            continue
        variants = [(base.name, base), *((str(e.output), e.target) for e in environment_targets(spec, base))]
        for name, target in variants:
            for field in FIELDS:
                value = getattr(target.connection, field)
                if isinstance(value, str) and (ref := parse_secret_ref(value)):
                    out.append((ref.name, f"pipeline/quality.py: GX SQL data source, target {name}: {field}",
                                ref.kind == "secret"))  # fmt: skip
    return out
