"""Sources, targets and clouds: ingestion modes, services per cloud, target options."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import (
    Connection,
    Ingestion,
    Spec,
    TargetType,
)
from pipegen.spec.rules._common import suggest, with_article
from pipegen.spec.types import is_secret_key


def ingestion_modes(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for si, source in enumerate(spec.sources):
        allowed = catalog.SOURCE_INGESTION[source.type]
        if source.ingestion not in allowed:
            modes = ", ".join(sorted(m.value for m in allowed))
            yield Finding(
                ("sources", si, "ingestion"),
                "R208",
                f"{with_article(source.type.value)} source cannot be read with {source.ingestion.value} ingestion",
                f"{source.type.value} supports: {modes}",
            )


def batch_readers(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """A batch source of a kind this version reads only from its local stand-in (R268)."""
    for si, source in enumerate(spec.sources):
        system = catalog.NO_PRODUCTION_BATCH_READER.get(source.type)
        if system is None or source.ingestion != Ingestion.BATCH:
            continue
        yield Finding(
            ("sources", si, "type"), "R268",
            f"this version has no production batch reader for {system}: `make run` loads source "
            f"'{source.name}' from its JSON lines stand-in (data/{source.name}/<collection>.jsonl), and "
            "`python -m pipeline.ingest` without --local stops with this message",
            f"land the collections with your own job into the raw schema the project names "
            f"(raw_{source.name}; the dbt models read it as generated), or export them as JSON lines and "
            "declare a `files` source",
            severity="warning",
        )  # fmt: skip


def cloud_match(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for si, source in enumerate(spec.sources):
        needed = catalog.SOURCE_CLOUD.get(source.type)
        if needed and needed != spec.cloud:
            yield Finding(
                ("sources", si, "type"),
                "R210",
                f"{source.type.value} is an {needed.value} service but cloud is {spec.cloud.value}",
                f"set `cloud: {needed.value}` or use kafka",
            )
    for ti, target in enumerate(spec.targets):
        needed = catalog.TARGET_CLOUD.get(target.type)
        if needed and needed != spec.cloud:
            yield Finding(
                ("targets", ti, "type"),
                "R210",
                f"{target.type.value} runs on {needed.value} only but cloud is {spec.cloud.value}",
                f"set `cloud: {needed.value}` or pick a target available there",
            )
        if target.type in catalog.CLOUD_ONLY_TARGETS and spec.cloud.value == "local":
            yield Finding(
                ("targets", ti, "type"),
                "R210",
                f"{target.type.value} is a managed cloud service; cloud is local",
                "set `cloud:` to aws, gcp or azure, or use duckdb/postgres locally",
            )


def target_options(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for ti, target in enumerate(spec.targets):
        if target.layers and target.type not in catalog.LAKE_TARGETS:
            yield Finding(
                ("targets", ti, "layers"),
                "R222",
                "medallion layers apply to delta and iceberg targets",
                "remove `layers:` or use a delta/iceberg target",
                on_key=True,
            )
        if target.format is not None and target.type != TargetType.FILES:
            yield Finding(
                ("targets", ti, "format"),
                "R222",
                "`format` applies to files targets only",
                "remove `format:`",
                on_key=True,
            )
        for pi, column in enumerate(target.partition_by):
            if not any(t.column(column) for t in index.tables):
                path = (
                    ("targets", ti, "partition_by", pi)
                    if len(target.partition_by) > 1
                    else ("targets", ti, "partition_by")
                )
                all_cols = sorted({c for t in index.tables for c in t.column_names})
                yield Finding(
                    path,
                    "R219",
                    f"partition column '{column}' is not a column of any table",
                    suggest(column, all_cols) or "partition by a column the tables have",
                    severity="warning",
                )


def connection_fields(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Connection fields the system never reads: a warning naming the field and the system;
    an error when it holds a secret (a credential set where it is ignored means the real one
    is missing, and it would fail only at run time)."""
    for si, source in enumerate(spec.sources):
        used = catalog.SOURCE_CONNECTION_FIELDS.get(source.type)
        yield from _unused_fields(source.connection, used, f"{source.type.value} source", ("sources", si, "connection"))
    targets = {t.name.lower(): t for t in spec.targets}
    for ti, target in enumerate(spec.targets):
        used = catalog.TARGET_CONNECTION_FIELDS.get(target.type)
        yield from _unused_fields(target.connection, used, f"{target.type.value} target", ("targets", ti, "connection"))
    for env, environment in spec.deploy.environments.items():
        for name, conn in environment.targets.items():
            found = targets.get(name.lower())
            if found is not None:
                used = catalog.TARGET_CONNECTION_FIELDS.get(found.type)
                path: Path = ("deploy", "environments", env, "targets", name)
                yield from _unused_fields(conn, used, f"{found.type.value} target", path)


def _unused_fields(conn: Connection, used: frozenset[str] | None, system: str, path: Path) -> Iterator[Finding]:
    if used is None:
        return
    for name, field in Connection.model_fields.items():
        key = field.alias or name
        if key == "options" or key in used or getattr(conn, name) is None:
            continue
        secret = is_secret_key(key)
        yield Finding(
            (*path, key),
            "R225",
            f"`{key}` means nothing for {with_article(system)}: its connection does not use it"
            + ("; a credential set here is never sent" if secret else ""),
            f"remove it; {system} connections use: {', '.join(sorted(used))}",
            severity="error" if secret else "warning",
            on_key=True,
        )


def connection_options(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """`connection.options` reach the client that reads the source (Debezium, SQLAlchemy, the
    Kafka consumer) or nothing: a warning says so (R361); an option that would override what
    pipegen derives from the spec is an error (R360)."""
    for si, source in enumerate(spec.sources):
        options = source.connection.options
        if not options:
            continue
        path: Path = ("sources", si, "connection", "options")
        receiver = catalog.OPTION_RECEIVERS.get((source.type, source.ingestion.value))
        if receiver is None:
            yield Finding(
                path,
                "R361",
                f"`connection.options` of {with_article(source.type.value)} {source.ingestion.value} source reach "
                "no generated file: pipegen passes options only to Debezium (CDC sources), SQLAlchemy (batch "
                "SQL databases) and the Kafka consumer (Kafka and Event Hubs streams)",
                "remove them, or set the setting in the generated code by hand (regeneration keeps your edit)",
                severity="warning",
                on_key=True,
            )
            continue
        exact, prefixes = catalog.DERIVED_OPTIONS[source.ingestion.value]
        for key in options:
            if key in exact or key.startswith(prefixes):
                yield Finding(
                    (*path, key),
                    "R360",
                    f"option `{key}` would override a setting of {receiver} that pipegen derives from the spec "
                    "(connection fields, tables, names) or that the generated readers rely on",
                    "remove it: set the spec field it comes from instead (e.g. `connection.host`, the tables)",
                    on_key=True,
                )
    for ti, target in enumerate(spec.targets):
        if target.connection.options:
            yield Finding(
                ("targets", ti, "connection", "options"),
                "R361",
                f"`connection.options` of {with_article(target.type.value + ' target')} reach no generated file: "
                "pipegen passes target options to no client yet",
                "remove them, or set the setting in the generated profiles or configuration by hand "
                "(regeneration keeps your edit)",
                severity="warning",
                on_key=True,
            )


def api_auth(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """An API's OAuth2 settings: an access token (`token`, sent as a bearer token) or client
    credentials (`client_id`, `client_secret` and the `token_url` that exchanges them for tokens,
    dlt's OAuth2ClientCredentials). Incomplete credentials are an error: the request would go out
    without authentication (R483, R484); a `token_url` nothing reads is a warning (R485)."""
    for si, source in enumerate(spec.sources):
        if source.type.value == "api":
            yield from _oauth2(source.connection, ("sources", si, "connection"))
            yield from _auth_secret(source.connection, ("sources", si, "connection"))


# An API's `auth` scheme -> the connection field holding what it sends (oauth2: an access token,
# unless client credentials are given, which _oauth2 checks).
AUTH_SECRETS = {"bearer": "token", "api_key": "api_key", "basic": "password", "oauth2": "token"}


def _auth_secret(conn: Connection, path: Path) -> Iterator[Finding]:
    """An `auth` scheme without the secret it sends: the pipeline would request unauthenticated (R489)."""
    scheme = conn.auth.value if conn.auth is not None else "none"
    field = AUTH_SECRETS.get(scheme)
    if field is None or getattr(conn, field) is not None:
        return
    if scheme == "oauth2" and (conn.client_id is not None or conn.client_secret is not None):
        return  # client credentials (R483, R484 check them)
    alternative = " (or `client_id`, `client_secret` and `token_url`)" if scheme == "oauth2" else ""
    yield Finding(
        (*path, "auth"), "R489",
        f"`auth: {scheme}` without `{field}`: the pipeline would send its requests unauthenticated",
        f"add `{field}: ${{secret:NAME}}`{alternative}, or set `auth: none` if the API needs no credentials",
        on_key=True,
    )  # fmt: skip


def _oauth2(conn: Connection, path: Path) -> Iterator[Finding]:
    credentials = [k for k in ("client_id", "client_secret") if getattr(conn, k) is not None]
    oauth2 = conn.auth is not None and conn.auth.value == "oauth2"
    if oauth2 and credentials and conn.token is not None:
        yield Finding(
            (*path, "token"), "R484",
            "`auth: oauth2` with both an access `token` and client credentials: say which one is sent",
            "keep `token` (an access token you obtain) or `client_id`, `client_secret` and `token_url` (client "
            "credentials, exchanged for tokens when the pipeline runs), not both",
            on_key=True,
        )  # fmt: skip
    elif oauth2 and len(credentials) == 1:
        missing = "client_secret" if credentials == ["client_id"] else "client_id"
        yield Finding(
            (*path, credentials[0]), "R484",
            f"`auth: oauth2` client credentials without `{missing}`: the token endpoint would refuse them",
            f"add `{missing}:` (a client secret as ${{secret:NAME}}), or use an access `token` instead",
            on_key=True,
        )  # fmt: skip
    elif oauth2 and credentials and conn.token_url is None:
        yield Finding(
            (*path, "auth"), "R483",
            "`auth: oauth2` with client credentials needs the token endpoint that issues access tokens",
            "add `token_url:` with the provider's token endpoint, e.g. https://auth.example.com/oauth/token",
            on_key=True,
        )  # fmt: skip
    if conn.token_url is not None and not (oauth2 and credentials and conn.token is None):
        yield Finding(
            (*path, "token_url"), "R485",
            "`token_url` is read only for `auth: oauth2` with `client_id` and `client_secret`: nothing requests a "
            "token here",
            "remove it, or set `auth: oauth2` with `client_id` and `client_secret`",
            severity="warning", on_key=True,
        )  # fmt: skip
