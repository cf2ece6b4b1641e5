"""A target's connection per deployment environment: `deploy.environments.<env>.targets.<target>`
overrides merged over the target's `connection`, and the name the generated project knows each by.

dbt's profile gets one output per (target, environment) with an override (`<target>-<environment>`);
`python -m pipeline.transform --target <target>` builds in it when `PIPEGEN_ENVIRONMENT` (the
Kubernetes overlays' ConfigMap) names that environment; so do the ingestion destination and GX's
warehouse checks (GX_URLS: the fields each warehouse's data source reads). The planner's R415 warns
about the overrides no such reader takes (unread_settings.py)."""

from __future__ import annotations

from string import Formatter
from typing import Any, NamedTuple

from pipegen.plan.idents import short_hash
from pipegen.safe import Ident
from pipegen.spec.catalog import TARGET_SYSTEMS
from pipegen.spec.model import Connection, Spec, Target

# spec connection field -> dbt profile key, per adapter (unknown keys are silently ignored by dbt: keep exact)
DBT_PROFILE_KEYS: dict[str, dict[str, str]] = {
    "postgres": {"host": "host", "port": "port", "user": "user", "password": "password", "database": "dbname",
                 "schema_name": "schema"},
    "redshift": {"host": "host", "port": "port", "user": "user", "password": "password", "database": "dbname",
                 "schema_name": "schema"},
    "snowflake": {"account": "account", "user": "user", "password": "password", "role": "role",
                  "database": "database", "warehouse": "warehouse", "schema_name": "schema"},
    "bigquery": {"project": "project", "schema_name": "dataset", "region": "location"},
    "databricks": {"host": "host", "token": "token", "catalog": "catalog", "schema_name": "schema"},
    "synapse": {"host": "host", "port": "port", "user": "user", "password": "password", "database": "database",
                "schema_name": "schema"},
    "spark": {"host": "host", "port": "port", "token": "token", "schema_name": "schema"},
    "clickhouse": {"host": "host", "port": "port", "user": "user", "password": "password", "schema_name": "schema"},
}  # fmt: skip

# dlt destination -> (credential key, spec connection field) its production destination reads
DLT_CREDENTIAL_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "postgres": (("host", "host"), ("port", "port"), ("database", "database"), ("username", "user"),
                 ("password", "password")),
    "redshift": (("host", "host"), ("port", "port"), ("database", "database"), ("username", "user"),
                 ("password", "password")),
    "snowflake": (("host", "account"), ("username", "user"), ("password", "password"),
                  ("private_key", "private_key"), ("warehouse", "warehouse"), ("role", "role"),
                  ("database", "database")),
    "bigquery": (("project_id", "project"),),
    "databricks": (("server_hostname", "host"), ("access_token", "token"), ("catalog", "catalog")),
    "clickhouse": (("host", "host"), ("port", "port"), ("database", "database"), ("username", "user"),
                   ("password", "password")),
    "synapse": (("host", "host"), ("port", "port"), ("database", "database"), ("username", "user"),
                ("password", "password")),
    "sqlalchemy": (("host", "host"), ("port", "port"), ("database", "database"), ("username", "user"),
                   ("password", "password")),
    "duckdb": (),
    "filesystem": (),
}  # fmt: skip
# what a destination reads besides credentials: a filesystem's bucket_url and Azure account, a DuckDB file
DLT_LOCATION_FIELDS: dict[str, tuple[str, ...]] = {"filesystem": ("bucket", "path", "account"), "duckdb": ("path",)}

# target type -> the SQLAlchemy URL Great Expectations' SQL data source connects with (`{field}`: a connection
# field): generators/gx/sql.py builds each warehouse's data source (and an environment's `<target>-<env>`
# variant) from it, and R415 counts GX's warehouse checks a reader of exactly the fields it names
GX_URLS: dict[str, str] = {
    "postgres": "postgresql+psycopg2://{user}:{password}@{host}:{port}/{database}",
    "redshift": "redshift+psycopg2://{user}:{password}@{host}:{port}/{database}",
    "snowflake": "snowflake://{user}:{password}@{account}/{database}?warehouse={warehouse}&role={role}",
    "bigquery": "bigquery://{project}",
    "databricks": "databricks://token:{token}@{host}?catalog={catalog}",
    "synapse": "mssql+pyodbc://{user}:{password}@{host}:{port}/{database}?driver=ODBC+Driver+18+for+SQL+Server",
    "mysql": "mysql+pymysql://{user}:{password}@{host}:{port}/{database}",
    "clickhouse": "clickhouse+native://{user}:{password}@{host}:{port}/{database}",
}

MAX_NAME = 255  # Ident's limit


class EnvironmentTarget(NamedTuple):
    environment: str
    target: Target  # the spec's target with the environment's overrides merged into its connection
    output: Ident  # its name in the generated project (dbt output)
    fields: tuple[str, ...]  # the overridden Connection fields, sorted


def dbt_adapter(target: Target) -> str:
    return TARGET_SYSTEMS[target.type].dbt_adapter or "duckdb"


def environment_output(target: str, environment: str) -> Ident:
    """`<target>-<environment>`, lower-case: a target name has no `-`, so it never equals another
    target's name or `local`; cut with a stable hash past Ident's length limit."""
    name = f"{target.lower()}-{environment}"
    if len(name) > MAX_NAME:
        suffix = short_hash(name)
        name = f"{target.lower()[: MAX_NAME - len(environment) - len(suffix) - 1]}{suffix}-{environment}"
    return Ident(name)


def overridden(conn: Connection) -> dict[str, Any]:
    """The fields an environment's override sets (not None)."""
    return {f: getattr(conn, f) for f in sorted(conn.model_fields_set) if getattr(conn, f) is not None}


def environment_targets(spec: Spec, target: Target) -> tuple[EnvironmentTarget, ...]:
    """Each environment that overrides `target`, in spec order, with its merged connection."""
    out = []
    for name, env in spec.deploy.environments.items():
        for key, conn in env.targets.items():
            fields = overridden(conn)
            if key.lower() != target.name.lower() or not fields:
                continue
            merged = target.model_copy(update={"connection": target.connection.model_copy(update=fields)})
            out.append(EnvironmentTarget(name, merged, environment_output(target.name, name), tuple(fields)))
    return tuple(out)


def gx_reads(target: Target) -> frozenset[str]:
    """The connection fields of `target` GX's SQL data source reads (none: GX does not check it with SQL)."""
    url = GX_URLS.get(target.type.value)
    return frozenset(f for _, f, _, _ in Formatter().parse(url) if f) if url else frozenset()


def dbt_reads(target: Target, field: str) -> bool:
    """dbt's per-environment output of a warehouse target takes this override."""
    return field in DBT_PROFILE_KEYS.get(dbt_adapter(target), {})
