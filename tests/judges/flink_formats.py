"""The format options of the generated Flink tables, checked against what each format's factory declares.

The factories of `avro-confluent` (flink-sql-avro-confluent-registry) and `protobuf` (flink-sql-protobuf) are not on
the flink judge's classpath: apache-flink-libraries bundles neither, no PyPI package ships them, and Maven Central
cannot be reached here (docs/judges.md). So the options are checked as the factory would check them
(`FactoryUtil.validateFactoryOptions` and `validateExcept`): every required option present, no option the factory
does not declare, and the values Confluent's schema registry client accepts. The option sets are Flink's own
(apache/flink, flink-formats/flink-avro-confluent-registry/.../AvroConfluentFormatOptions.java, the format's
`requiredOptions`: url; docs/content/docs/connectors/table/formats/avro-confluent.md, "Format Options").
"""

from __future__ import annotations

import re

OPTION = re.compile(r"'([^']+)'\s*=\s*'((?:[^']|'')*)'")
WITH = re.compile(r"\bWITH \((.*?)\n\)", re.S)
# format -> (required options, optional options), without the format's `<format>.` prefix
FORMAT_OPTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "avro-confluent": (
        frozenset({"url"}),
        frozenset({
            "subject", "schema", "auto.register.schemas", "properties",
            "basic-auth.credentials-source", "basic-auth.user-info",
            "bearer-auth.credentials-source", "bearer-auth.token",
            "ssl.keystore.location", "ssl.keystore.password", "ssl.truststore.location", "ssl.truststore.password",
        }),
    ),
}  # fmt: skip
# Confluent's schema registry client: `basic.auth.credentials.source` (BasicAuthCredentialProviderFactory's providers)
CREDENTIAL_SOURCES = frozenset({"URL", "USER_INFO", "SASL_INHERIT"})
# The formats a Kafka table reads values with, by the key naming them (`format`, or `value.format` with a prefix)
FORMAT_KEYS = {"format": "", "value.format": "value.", "key.format": "key."}


def table_options(files: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """(script, options) of every WITH clause of the flink/sql scripts."""
    return [
        (path, {k: v.replace("''", "'") for k, v in OPTION.findall(clause)})
        for path, text in sorted(files.items())
        if path.startswith("flink/sql/") and path.endswith(".sql")
        for clause in WITH.findall(text)
    ]


def format_option_problems(files: dict[str, str]) -> list[str]:
    """What the factory of each format a table names would refuse in its options."""
    problems: list[str] = []
    for path, options in table_options(files):
        for key, prefix in FORMAT_KEYS.items():
            fmt = options.get(key)
            if fmt not in FORMAT_OPTIONS:
                continue
            required, optional = FORMAT_OPTIONS[fmt]
            own = {k.removeprefix(f"{prefix}{fmt}."): v for k, v in options.items() if k.startswith(f"{prefix}{fmt}.")}
            problems += [f"{path}: {fmt} needs '{prefix}{fmt}.{k}'" for k in sorted(required - set(own))]
            problems += [f"{path}: {fmt} has no option '{k}'" for k in sorted(set(own) - required - optional)]
            source = own.get("basic-auth.credentials-source")
            if source is not None and source not in CREDENTIAL_SOURCES:
                problems.append(f"{path}: {fmt} credentials source {source!r} is none of {sorted(CREDENTIAL_SOURCES)}")
            if source == "USER_INFO" and ":" not in own.get("basic-auth.user-info", ""):
                problems.append(f"{path}: {fmt} signs in with USER_INFO but has no '<user>:<password>' user info")
    return problems
