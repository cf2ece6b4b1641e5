"""Ingestion family: the generated project's extract-load package on dlt.

`pipeline/sources.py` holds one dlt source function per source the batch layer loads (SQL
databases through `sql_database` with a columnar backend, REST APIs through `rest_api`,
files through dlt's `filesystem` source, Faker sources through the synthetic SQLite file;
with `--local`, REST APIs, MongoDB and the topics of streams through the same filesystem
reader over their JSON lines stand-ins, data/<source>/<dataset>.jsonl) and a data table of
every table's columns, key, watermark and PII; `pipeline/ingest.py` runs them into the
local DuckDB warehouse (`--local`) or the spec's warehouse target; `pipeline/runtime.py`
(copied verbatim) holds what every resource shares: the contract check, dead letters, PII
masking (ETL) and the metadata columns; `pipeline/columnar.py` (copied verbatim) reads JSON
lines and records into Arrow and casts them a column at a time; `pipeline/dead_letters.py`
(copied verbatim) re-validates the dead letters against the current contract and replays the
ones that now pass (make dead-letters / dead-letters-replay). Per-system differences are the
tables below.
"""

from __future__ import annotations

from typing import Any

from pipegen.common.kafka_clients import SIGN_IN_PINS, sign_in_env
from pipegen.common.sources import SQL_SYSTEMS, STAND_IN_ONLY, SYNTHETIC_SOURCES
from pipegen.generators.base import CiStep, Contribution, EnvVar, Files, GenContext, MakeTarget, RunStep
from pipegen.generators.ingestion.landing import landed, landing_env, landing_extras
from pipegen.generators.ingestion.topics import kafka_row, signs_in
from pipegen.plan.envtargets import DLT_CREDENTIAL_FIELDS, environment_targets
from pipegen.plan.names import ENV
from pipegen.render.env import render
from pipegen.resources import data_dir
from pipegen.safe import Safe, trusted
from pipegen.spec.catalog import LOCAL_STAND_IN, TARGET_SYSTEMS
from pipegen.spec.catalog import batch_reads_topics as reads_topics
from pipegen.spec.model import (
    Architecture,
    Cloud,
    Connection,
    Dataset,
    FileFormat,
    Pagination,
    PiiAction,
    Source,
    SourceType,
    Spec,
    Target,
    TargetType,
)
from pipegen.spec.types import NESTED_TYPES, option_text, parse_column_type, parse_secret_ref

DLT_VERSION = "1.31.0"
PINS = (
    "connectorx==0.4.6",
    "duckdb==2.0.1",
    "pyarrow==26.0.1",
    "sqlalchemy==2.1.9",
)


# dlt extras per production destination (the local run needs duckdb only).
DESTINATION_EXTRAS: dict[str, tuple[str, ...]] = {
    "duckdb": (),
    "postgres": ("postgres",),
    "snowflake": ("snowflake",),
    "bigquery": ("bigquery",),
    "redshift": ("redshift",),
    "synapse": ("synapse",),
    "databricks": ("databricks",),
    "clickhouse": ("clickhouse",),
    "sqlalchemy": ("sqlalchemy",),
    "filesystem": (),
}
# Targets dlt writes through its sqlalchemy destination: SQLAlchemy's driver name and its pin.
SQLALCHEMY_DRIVERS: dict[TargetType, tuple[str, str]] = {TargetType.MYSQL: ("mysql+pymysql", "pymysql==1.2.4")}
# The lake table format a filesystem destination writes, per target type.
TABLE_FORMATS: dict[TargetType, str] = {TargetType.DELTA: "delta", TargetType.ICEBERG: "iceberg"}
FILESYSTEM_EXTRAS: dict[TargetType, tuple[str, ...]] = {
    TargetType.DELTA: ("deltalake",),
    TargetType.ICEBERG: ("pyiceberg",),
}
BUCKET_SCHEMES: dict[Cloud, str] = {Cloud.AWS: "s3://", Cloud.GCP: "gs://", Cloud.AZURE: "az://", Cloud.LOCAL: ""}
CLOUD_EXTRAS: dict[Cloud, tuple[str, ...]] = {Cloud.AWS: ("s3",), Cloud.GCP: ("gs",), Cloud.AZURE: ("az",)}

# dlt credential field <- spec connection field, per destination.
CREDENTIAL_FIELDS = DLT_CREDENTIAL_FIELDS  # (plan/envtargets.py: R415 reads it too)

# Watermark lag (dlt's `lag`: seconds for timestamps, days for dates): late updates within it
# are read again, and the merge on the primary key makes the re-read harmless.
LAG_BY_TYPE: dict[str, float] = {"timestamp": 300.0, "timestamp_tz": 300.0, "date": 1.0}

# Sources whose column types the source declares (Arrow batches typed by the database or
# Parquet): a type that no longer fits is a contract violation. Text formats are cast value
# by value, and a value that does not cast is a dead letter.
UNTYPED_FORMATS = frozenset({FileFormat.CSV, FileFormat.JSON, FileFormat.JSONL})

PII_KEY_ENV = ENV.pii_key


def loaded_sources(ctx: GenContext) -> list[Source]:
    """Sources this package loads: those the batch layer loads (the plan decides: in Lambda and
    Lakehouse every source, streams included) of a kind it reads."""
    kinds = {*SQL_SYSTEMS, *SYNTHETIC_SOURCES, SourceType.API, SourceType.FILES, *STAND_IN_ONLY}
    chosen = [ctx.spec.sources[i] for i in ctx.plan.graph.batch_sources]
    return [s for s in chosen if s.type in kinds]


def skipped_sources(ctx: GenContext) -> list[Source]:
    loaded = {s.name for s in loaded_sources(ctx)}
    return [s for s in ctx.spec.sources if s.name not in loaded]


def datasets(source: Source) -> tuple[Dataset, ...]:
    """A source's tables, or the topics of a stream."""
    return (*source.tables, *source.topics)


def masks_pii(ctx: GenContext) -> bool:
    """ETL: personal data is protected in the extract step, before it lands."""
    return ctx.plan.architecture == Architecture.ETL


def warehouse_target(spec: Spec) -> Target | None:
    """The target extract-load writes to in production: the first one dlt has a destination for."""
    for target in spec.targets:
        if TARGET_SYSTEMS[target.type].dlt_destination is not None:
            return target
    return None


# ---------------------------------------------------------------- values in generated Python


def py_value(value: str | int | None) -> Safe:
    """A connection value as a Python expression: `env("NAME")` for a `${secret:..}`/`${env:..}`
    reference (read when the pipeline runs, never written down), a literal otherwise."""
    from pipegen.render.filters import py_str

    if value is None:
        return trusted("None")
    if isinstance(value, int):
        return trusted(str(value))
    ref = parse_secret_ref(value)
    if ref is not None:
        return trusted(f"env({py_str(ref.name)})")
    return trusted(py_str(value))


def env_refs(connection: Connection) -> list[str]:
    names = []
    for value in connection.model_dump(by_alias=False).values():
        ref = parse_secret_ref(value) if isinstance(value, str) else None
        if ref is not None:
            names.append(ref.name)
    return names


# ---------------------------------------------------------------- template context


def column_row(ctx: GenContext, source: Source, dataset: Dataset, index: int) -> dict[str, Any]:
    column = dataset.columns[index]
    names = ctx.plan.names.dataset(source.name, dataset.name)
    ctype = parse_column_type(column.type)
    return {
        "name": column.name,
        "landed": names.column(column.name),
        "type": trusted("json" if ctype.name in NESTED_TYPES else ctype.name),  # nested types land as JSON
        "precision": ctype.precision if ctype.name == "decimal" else None,  # timestamp(3): a Flink detail
        "scale": (ctype.scale or 0) if ctype.name == "decimal" else None,
        "pii": column.pii if column.pii != PiiAction.NONE else None,
    }


def table_row(ctx: GenContext, source: Source, dataset: Dataset) -> dict[str, Any]:
    names = ctx.plan.names.dataset(source.name, dataset.name)
    watermark_type = next((parse_column_type(c.type).name for c in dataset.columns if c.name == dataset.watermark), "")
    options = None
    if source.type == SourceType.FILES:
        options = options_literal({"path": dataset.path or f"{dataset.name}.*", "format": _file_format(dataset)})
    if source.type == SourceType.API:
        options = options_literal(api_options(dataset))
    if source.type in STAND_IN_ONLY:  # read from its JSON lines stand-in, data/<source>/<dataset>.jsonl
        options = options_literal({"path": f"{dataset.name}.jsonl", "format": FileFormat.JSONL.value})
    return {
        "source": source.name,
        "name": dataset.name,
        "landed": names.raw_table,
        "dead_letter": names.dead_letter_table,
        "columns": [column_row(ctx, source, dataset, i) for i in range(len(dataset.columns))],
        "primary_key": list(dataset.primary_key),
        "watermark": dataset.watermark,
        "lag": LAG_BY_TYPE.get(watermark_type, 0.0),
        "typed": trusted(str(_typed(source, dataset))),
        "options": options,
        "where": extract_where(source, dataset, SOURCE_DIALECTS.get(source.type, "sqlite")),
        "where_local": extract_where(source, dataset, "sqlite"),
    }


# sqlglot dialect of each SQL source the extract query runs on (synthetic sources: their SQLite file).
SOURCE_DIALECTS: dict[SourceType, str] = {
    SourceType.POSTGRES: "postgres",
    SourceType.MYSQL: "mysql",
    SourceType.SQLSERVER: "tsql",
    SourceType.ORACLE: "oracle",
    SourceType.FAKER: "sqlite",
}


def extract_where(source: Source, dataset: Dataset, dialect: str) -> str | None:
    """The table's `filter` as the extract query's condition in `dialect` (source column names,
    every identifier quoted); None for sources not read by SQL (validate warns, R362)."""
    if not dataset.filter or source.type not in SOURCE_DIALECTS:
        return None
    from pipegen.render.sqlexpr import to_sql

    return to_sql(dataset.filter, dialect, lambda _qualifier, column: (None, column), identify=True)


def _file_format(dataset: Dataset) -> str:
    fmt = dataset.file_format
    if fmt is not None:
        return fmt.value
    suffix = (dataset.path or "").rsplit(".", 1)[-1].lower()
    return suffix if suffix in {f.value for f in FileFormat} else FileFormat.CSV.value


def _typed(source: Source, dataset: Dataset) -> bool:
    if source.type == SourceType.API or source.type in STAND_IN_ONLY:
        return False
    if source.type == SourceType.FILES:
        return FileFormat(_file_format(dataset)) not in UNTYPED_FORMATS
    return True


def sql_row(source: Source) -> dict[str, Any]:
    system = SQL_SYSTEMS[source.type]
    conn = source.connection
    return {
        "drivername": system.drivername,
        "backend": system.backend,
        "connection_string": py_value(conn.connection_string) if conn.connection_string else None,
        "fields": [
            (trusted("host"), py_value(conn.host)),
            (trusted("port"), py_value(conn.port or system.port)),
            (trusted("database"), py_value(conn.database)),
            (trusted("username"), py_value(conn.user)),
            (trusted("password"), py_value(conn.password)),
        ],
        "schema": py_value(conn.schema_name),
        "query": query_literal(conn) if conn.options else None,
    }


def query_literal(conn: Connection) -> Safe:
    """`connection.options` as the URL's query parameters: a Python dict literal, references read
    from the environment when the pipeline runs."""
    from pipegen.render.filters import py_str

    entries = ", ".join(f"{py_str(k)}: {py_value(option_text(v))}" for k, v in sorted(conn.options.items()))
    return trusted("{" + entries + "}")


# Query parameter each pagination type sends when the spec names none.
DEFAULT_PARAMS: dict[Pagination, str] = {Pagination.PAGE: "page", Pagination.OFFSET: "offset",
                                         Pagination.CURSOR: "cursor"}  # fmt: skip


def api_options(dataset: Dataset) -> dict[str, str | int | None]:
    """The table's request settings (read by runtime.api_resource and the generated tests)."""
    config = dataset.pagination
    kind = config.type if config else Pagination.NONE
    return {
        "path": dataset.endpoint or "/" + dataset.name,
        "records_path": dataset.records_path,
        "pagination": kind.value,
        "param": (config.param if config else None) or DEFAULT_PARAMS.get(kind),
        "page_size": config.page_size if config else 100,
        "cursor_path": (config.cursor_path if config else None)
        or ("next_cursor" if kind == Pagination.CURSOR else None),
    }


def options_literal(options: dict[str, str | int | None]) -> Safe:
    """A Python dict literal of plain values, each through its escaping filter."""
    from pipegen.render.filters import py_str

    def value(v: str | int | None) -> str:
        return "None" if v is None else str(v) if isinstance(v, int) else py_str(v)

    entries = "".join(f"            {py_str(k)}: {value(v)},\n" for k, v in options.items())
    return trusted("{\n" + entries + "        }")  # one entry a line, indented for Table(...) in sources.py


AUTH_HELPERS: dict[str, tuple[str, str]] = {
    # spec auth -> (runtime helper, the connection field holding the secret)
    "bearer": ("bearer_auth", "token"),
    "api_key": ("api_key_auth", "api_key"),
    "basic": ("basic_auth", "password"),
    "oauth2": ("bearer_auth", "token"),  # an access token the user obtains
}
# `auth: oauth2` with client credentials: dlt's OAuth2ClientCredentials exchanges them at `token_url`.
CLIENT_CREDENTIALS = ("oauth2_client_credentials", "client_secret")


def auth_row(source: Source) -> dict[str, Any] | None:
    conn = source.connection
    if conn.auth is None or conn.auth.value == "none":
        return None
    helper, field_name = AUTH_HELPERS[conn.auth.value]
    credentials = conn.auth.value == "oauth2" and conn.client_secret is not None
    if credentials:
        helper, field_name = CLIENT_CREDENTIALS
    value = getattr(conn, field_name)
    ref = parse_secret_ref(value) if isinstance(value, str) else None
    if ref is None:
        return None
    user = py_value(conn.user) if conn.auth.value == "basic" else None
    extra = [(trusted("client_id"), py_value(conn.client_id)), (trusted("token_url"), py_value(conn.token_url))]
    return {"helper": trusted(helper), "variable": ref.name, "user": user, "extra": extra if credentials else []}


def source_row(ctx: GenContext, source: Source) -> dict[str, Any]:
    first = next(iter(datasets(source)), None)
    schema = ctx.plan.names.dataset(source.name, first.name).raw_schema if first else None
    row: dict[str, Any] = {
        "name": source.name,
        "type": source.type,
        "function": schema,
        "dataset": schema,
        "tables": [table_row(ctx, source, d) for d in datasets(source)],
        "description": source.description or "",
        "sql": None,
        "auth": None,
        "jsonl_stand_in": LOCAL_STAND_IN[source.type] == "jsonl",
        "local_only": None if reads_topics(source) else STAND_IN_ONLY.get(source.type),
        "kafka": kafka_row(ctx, source, py_value, query_literal),
    }
    if source.type in SQL_SYSTEMS:
        row["sql"] = sql_row(source)
    if source.type == SourceType.API:
        row["base_url"] = py_value(source.connection.url)
        row["auth"] = auth_row(source)
    if source.type == SourceType.FILES:
        row["location"] = py_value(source.connection.url or source.connection.path or "data/" + source.name)
    return row


def destination_row(spec: Spec) -> dict[str, Any]:
    """The production destination, and one per environment that overrides its target's connection
    (`environments`: PIPEGEN_ENVIRONMENT picks one when the step runs)."""
    target = warehouse_target(spec)
    if target is None:  # no target dlt can write: the local run still lands in DuckDB
        return {"target": None, "needs_env": False, "table_format": None, "file_format": None, "environments": []}
    row = _destination(spec, target)
    environments = [{"name": e.environment, **_destination(spec, e.target)} for e in environment_targets(spec, target)]
    needs_env = row["needs_env"] or any(e["needs_env"] for e in environments)
    return {
        **row,
        "needs_env": needs_env,
        "environments": environments,
        "environment_variable": trusted(ENV.environment),
    }


def _destination(spec: Spec, target: Target) -> dict[str, Any]:
    destination = TARGET_SYSTEMS[target.type].dlt_destination or "duckdb"
    conn = target.connection
    fields = [(trusted(key), py_value(getattr(conn, attr))) for key, attr in CREDENTIAL_FIELDS[destination]]
    if target.type in SQLALCHEMY_DRIVERS:
        fields.insert(0, (trusted("drivername"), py_value(SQLALCHEMY_DRIVERS[target.type][0])))
    bucket = None
    if destination == "filesystem":
        bucket = conn.bucket or conn.path or "lake"
        scheme = BUCKET_SCHEMES[spec.cloud] if conn.bucket else ""
        bucket = py_value(scheme + bucket if parse_secret_ref(bucket) is None else bucket)
        if spec.cloud == Cloud.AZURE and conn.account:
            fields.append((trusted("azure_storage_account_name"), py_value(conn.account)))
    needs_env = any(v.startswith("env(") for _, v in fields) or (bucket is not None and bucket.startswith("env("))
    return {
        "needs_env": needs_env,
        "target": target.name,
        "type": target.type,
        "destination": trusted(destination),
        "credentials": [(k, v) for k, v in fields if v != "None"],
        "duckdb_path": py_value(conn.path or "warehouse.duckdb"),
        "bucket_url": bucket,
        "table_format": TABLE_FORMATS.get(target.type),
        "file_format": target.format.value if target.format else None,
    }


def context(ctx: GenContext) -> dict[str, Any]:
    spec = ctx.spec
    sources = [source_row(ctx, s) for s in loaded_sources(ctx)]
    return {
        "version": trusted(ctx.version),
        "pipeline": ctx.plan.names.dlt_pipeline,
        "architecture": ctx.plan.architecture,
        "mask_pii": trusted(str(masks_pii(ctx))),
        "sources": sources,
        "skipped": [{"name": s.name, "type": s.type, "ingestion": s.ingestion} for s in skipped_sources(ctx)],
        "destination": destination_row(spec),
        "has_auth": any(s.get("auth") for s in sources),
        "has_api": any(s["type"] == SourceType.API for s in sources),
        "has_sql": any(s["sql"] for s in sources),
        "has_query_string": any(s["sql"] and s["sql"]["query"] and s["sql"]["connection_string"] for s in sources),
        "has_sql_resource": any(s["sql"] or s["type"] == SourceType.FAKER for s in sources),
        "has_env": any(
            ("env(" in str(s["sql"])) if s["sql"] else "env(" in str(s.get("auth")) + str(s.get("base_url"))
            for s in sources
        )
        or any(s["kafka"] for s in sources),
        "has_topics": any(s["kafka"] for s in sources),
        "signs_in": any(s["kafka"] and s["kafka"]["signs_in"] for s in sources),
        "has_files": any(s["type"] == SourceType.FILES or s["jsonl_stand_in"] for s in sources),
        "pii_key_env": trusted(PII_KEY_ENV),
        # the sources whose batches land for the Spark job's bronze (pipeline/landing.py)
        "landing": landed(ctx, {s.name for s in loaded_sources(ctx)}),
    }


# ---------------------------------------------------------------- contribution


def requirements(ctx: GenContext) -> tuple[str, ...]:
    """Pinned: dlt with the extras the spec's destination needs, the columnar readers, and
    the driver of each SQL source kind (dlt reflects tables through SQLAlchemy)."""
    spec = ctx.spec
    extras = {"duckdb", "sql-database", "filesystem"}  # pyarrow is pinned on its own
    drivers: set[str | None] = {SQL_SYSTEMS[s.type].requirement for s in loaded_sources(ctx) if s.type in SQL_SYSTEMS}
    target = warehouse_target(spec)
    if target is not None:
        destination = TARGET_SYSTEMS[target.type].dlt_destination or "duckdb"
        extras |= {*DESTINATION_EXTRAS[destination], *FILESYSTEM_EXTRAS.get(target.type, ())}
        if target.type in SQLALCHEMY_DRIVERS:
            drivers.add(SQLALCHEMY_DRIVERS[target.type][1])
        if destination == "filesystem" and target.connection.bucket:
            extras |= set(CLOUD_EXTRAS.get(spec.cloud, ()))
    extras |= set(landing_extras(ctx, {s.name for s in loaded_sources(ctx)}))  # the landing root's object store
    dlt_pin = f"dlt[{','.join(sorted(extras))}]=={DLT_VERSION}"
    topics: tuple[str, ...] = (
        ("confluent-kafka==2.16.1",) if any(reads_topics(s) for s in loaded_sources(ctx)) else ()
    )  # as gx's
    clouds = {cloud for s in loaded_sources(ctx) if (cloud := signs_in(ctx, s)) is not None}
    topics += tuple(SIGN_IN_PINS[c] for c in clouds)  # the managed cluster's token callback (pipeline/topics.py)
    return tuple(sorted({dlt_pin, *PINS, *topics, *(d for d in drivers if d)}))


def env_vars(ctx: GenContext) -> tuple[EnvVar, ...]:
    spec = ctx.spec
    variables = [
        EnvVar("RUNTIME__DLTHUB_TELEMETRY", ("dlt: anonymous telemetry off (it would try the network)",),
               default="false"),
        EnvVar(ENV.warehouse, ("pipeline/ingest.py: the local DuckDB warehouse of --local runs",),
               default="warehouse.duckdb"),
        EnvVar(ENV.data_dir, ("pipeline/ingest.py: where --local runs read data/<source>.sqlite",),
               default="data"),
    ]  # fmt: skip
    if masks_pii(ctx) and any(c.pii in (PiiAction.HASH,) for s in spec.sources for d in s.tables for c in d.columns):
        variables.append(
            EnvVar(
                PII_KEY_ENV,
                ("pipeline/runtime.py: key of the HMAC that hashes personal data before it lands",),
                secret=True,
            )
        )
    refs = set()
    for source in (s for s in loaded_sources(ctx) if s.type not in STAND_IN_ONLY or reads_topics(s)):  # production's
        refs |= set(env_refs(source.connection))
    target = warehouse_target(spec)
    if target is not None:
        refs |= set(env_refs(target.connection))
    variables += [EnvVar(name, ("pipeline/sources.py, pipeline/ingest.py: production runs",), secret=True)
                  for name in sorted(refs)]  # fmt: skip
    if any(reads_topics(s) and not s.connection.bootstrap_servers for s in loaded_sources(ctx)):
        variables.append(EnvVar(ENV.kafka_bootstrap, ("pipeline/topics.py: the project's Kafka cluster",)))
    return (*variables, *landing_env(ctx, {s.name for s in loaded_sources(ctx)}))


DEAD_LETTERS = ("-m", "pipeline.dead_letters", "--local")


class IngestionGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        command = ("-m", "pipeline.ingest", "--local")
        return Contribution(
            requirements=requirements(ctx),
            env=(
                *env_vars(ctx),
                *(
                    EnvVar(name, (use,))
                    for name, use in sign_in_env()
                    if any(reads_topics(s) for s in loaded_sources(ctx))
                ),
            ),
            make_targets=(
                MakeTarget(
                    "ingest", "load every source into the local warehouse (dlt)", (("$(PROJECT_PYTHON)", *command),)
                ),
                MakeTarget(
                    "dead-letters",
                    "re-validate the local warehouse's dead letters against the current contract (dry run)",
                    (("$(PROJECT_PYTHON)", *DEAD_LETTERS),),
                ),
                MakeTarget(
                    "dead-letters-replay",
                    "load the local dead letters that now pass their contract, delete them, leave the rest",
                    (("$(PROJECT_PYTHON)", *DEAD_LETTERS, "--replay"),),
                ),
            ),
            run_steps=(RunStep(20, "ingest", "load every source into the local warehouse (dlt)", command),),
            # the topic reader's TLS and managed-cloud sign-in (pipeline/kafka_sign_in.py, shared with the publisher)
            runtime=("kafka_sign_in.py",) if any(reads_topics(s) for s in loaded_sources(ctx)) else (),
            ci_steps=(CiStep("Ingestion tests", "python -m pytest -q tests/test_ingestion.py"),),
        )

    def render(self, ctx: GenContext) -> Files:
        values = context(ctx)
        static = data_dir("templates") / "ingestion"
        return {
            ".dlt/config.toml": render("ingestion/config.toml.j2", values),
            "pipeline/ingest.py": render("ingestion/ingest.py.j2", values),
            "pipeline/columnar.py": (static / "columnar.py").read_text(encoding="utf-8"),
            "pipeline/dead_letters.py": (static / "dead_letters.py").read_text(encoding="utf-8"),
            "pipeline/runtime.py": (static / "runtime.py").read_text(encoding="utf-8"),
            "pipeline/sources.py": render("ingestion/sources.py.j2", values),
            **({"pipeline/topics.py": (static / "topics.py").read_text("utf-8")} if values["has_topics"] else {}),
            **({"pipeline/landing.py": (static / "landing.py").read_text("utf-8")} if values["landing"] else {}),
            "tests/test_ingestion.py": (static / "test_ingestion.py").read_text(encoding="utf-8"),
        }


GENERATOR = IngestionGenerator()
