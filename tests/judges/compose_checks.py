"""What the Compose binary does not check in a generated compose.yaml, across the project's files (used by
tests/judges/test_compose.py over the examples and tests/specgen/infra_judges.py over drawn specs):

- the Compose specification's JSON Schema (vendored: `schemas/compose-spec.json`, npm `dclint` 3.1.0's
  `schemas/compose.schema.json`, draft-07; CURRENCY.md §11);
- every image pinned: a tag, not `latest`;
- every `${VAR}` compose.yaml reads (not `$${...}`, Compose's escape) is listed in `.env.example`;
- every bind-mounted project path and every build's Dockerfile is a file or folder of the project;
- every `depends_on` names a service with a health check, and every service has one;
- the Flink session cluster has a slot for every `flink/sql/*.sql` job at the parallelism flink-sql sets;
- the Flink image (compose/flink.Dockerfile) adds a jar for every connector, JDBC dialect and driver and format
  a job's tables name (`'connector' = '...'`, the `url`'s `jdbc:<system>:`, `format`), each jar from its Maven
  Central path; what no connector for Flink 2.x writes (validate's R512) and a JDBC table of no database (a
  joined stream's placeholder URL, R513) are left out, nothing else.
Each check returns its problems, one line each (none: the check passed)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")  # `${NAME`, `${NAME:?...}`, `${NAME:-...}`
LISTED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=", re.M)
DOCKERFILE = "compose/flink.Dockerfile"
# `ADD ... <url> /opt/flink/lib/<file>`: a jar the image puts on the cluster's classpath
ADDED_JAR = re.compile(r"^ADD\b.*?\s(https://\S+)\s+/opt/flink/lib/(\S+\.jar)$", re.M)
MAVEN = "https://repo1.maven.org/maven2/"
OPTION = re.compile(r"'([^']+)'\s*=\s*'((?:[^']|'')*)'")
# The jars (file-name prefixes) that provide a connector's table factory, from each connector's docs: the Kafka
# SQL jar both Kafka connectors; the JDBC core jar plus the dialect and driver of the URL's `jdbc:<system>:`;
# Iceberg's Flink runtime, which needs Hadoop's classes; the AWS Kinesis Streams SQL jar. `filesystem`, `print`,
# `datagen`, `blackhole`: Flink's own (lib/flink-dist).
CONNECTOR_JARS: dict[str, tuple[str, ...]] = {
    "kafka": ("flink-sql-connector-kafka-",),
    "upsert-kafka": ("flink-sql-connector-kafka-",),
    "jdbc": ("flink-connector-jdbc-core-",),
    "iceberg": ("iceberg-flink-runtime-", "hadoop-client-api-", "hadoop-client-runtime-"),
    "kinesis": ("flink-sql-connector-aws-kinesis-streams-",),
    "filesystem": (),
    "print": (),
    "datagen": (),
    "blackhole": (),
}
JDBC_JARS: dict[str, tuple[str, ...]] = {
    "postgresql": ("flink-connector-jdbc-postgres-", "postgresql-"),
    "mysql": ("flink-connector-jdbc-mysql-", "mysql-connector-j-"),
    "sqlserver": ("flink-connector-jdbc-sqlserver-", "mssql-jdbc-"),
    "oracle": ("flink-connector-jdbc-oracle-", "ojdbc"),
}
# Formats: JSON, CSV, raw and the CDC JSON formats are Flink's own; Avro, Confluent's Avro (the schema registry's)
# and Parquet are SQL jars of Flink
FORMAT_JARS: dict[str, tuple[str, ...]] = {
    "json": (), "csv": (), "raw": (), "debezium-json": (), "canal-json": (), "maxwell-json": (),
    "avro": ("flink-sql-avro-",), "parquet": ("flink-sql-parquet-",),
    "avro-confluent": ("flink-sql-avro-confluent-registry-",),
}  # fmt: skip
# What no connector released for Flink 2.x writes: validate warns (R512), and no jar can be added (a ClickHouse
# sink is no JDBC table since s43, a Delta sink none since s44, a Delta bronze none since bronze44: the job writes
# its relay topic, plan/flinkjars.RELAYED_SINKS and RELAYED_BRONZE)
NO_FLINK2_CONNECTOR = {("jdbc", "redshift")}


@cache
def _validator() -> Any:
    from jsonschema import Draft7Validator

    return Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def load(text: str) -> dict[str, Any]:
    from ruamel.yaml import YAML

    doc = YAML(typ="safe", pure=True).load(text)
    assert isinstance(doc, dict)
    return doc


def schema_problems(doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in _validator().iter_errors(doc)]


def _exists(files: dict[str, str], path: str) -> bool:
    rel = path.removeprefix("./").rstrip("/")
    return rel in ("", ".") or rel in files or any(f.startswith(rel + "/") for f in files)


def cross_file_problems(files: dict[str, str]) -> list[str]:
    """The problems of the project's compose.yaml against the project's other files."""
    text = files["compose.yaml"]
    services: dict[str, Any] = load(text)["services"]
    listed = set(LISTED.findall(files.get(".env.example", "")))
    problems = [f"${{{name}}} is not in .env.example" for name in sorted(set(VARIABLE.findall(text)) - listed)]
    for name, service in sorted(services.items()):
        image = str(service.get("image", ""))
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        if not tag or tag == "latest":
            problems.append(f"{name}: image {image!r} is not pinned to a tag")
        if "healthcheck" not in service:
            problems.append(f"{name}: no health check")
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith(".") and not _exists(files, source):
                problems.append(f"{name}: mounts {source}, which the project does not have")
        build = service.get("build")
        if build is not None and not _exists(files, str(build.get("dockerfile", "Dockerfile"))):
            problems.append(f"{name}: builds from {build.get('dockerfile')}, which the project does not have")
        for other in service.get("depends_on", {}):
            if other not in services or "healthcheck" not in services[other]:
                problems.append(f"{name}: depends on {other}, which is not a service with a health check")
    return problems + flink_slot_problems(files, services) + flink_jar_problems(files)


def flink_slot_problems(files: dict[str, str], services: dict[str, Any]) -> list[str]:
    """Slots of the session cluster (task managers x their slots) for every generated job at the
    parallelism flink-sql gives each (PIPEGEN_FLINK_PARALLELISM)."""
    jobs = [p for p in files if p.startswith("flink/sql/") and p.endswith(".sql")]
    if not jobs:
        return []
    manager, submit = services.get("flink-taskmanager"), services.get("flink-sql")
    if manager is None or submit is None:
        return [f"{len(jobs)} Flink SQL jobs, but no flink-taskmanager and flink-sql services"]
    slots = int(re.search(r"taskmanager\.numberOfTaskSlots: (\d+)", manager["environment"]["FLINK_PROPERTIES"])[1])
    parallelism = int(submit["environment"]["PIPEGEN_FLINK_PARALLELISM"])
    have, need = int(manager.get("scale", 1)) * slots, len(jobs) * parallelism
    return [] if have >= need else [f"the Flink cluster has {have} slots for {len(jobs)} jobs x {parallelism}"]


def image_jars(dockerfile: str) -> tuple[list[str], list[str]]:
    """(the jar files the Dockerfile adds to /opt/flink/lib, problems with their Maven Central URLs)."""
    files, problems = [], []
    for url, name in ADDED_JAR.findall(dockerfile):
        parts = url.removeprefix(MAVEN).split("/")
        if not url.startswith(MAVEN) or len(parts) < 4 or parts[-1] != name or name != f"{parts[-3]}-{parts[-2]}.jar":
            problems.append(f"{DOCKERFILE}: {name} is not <artifact>-<version>.jar of its Maven Central URL {url}")
        files.append(name)
    return files, problems


def table_needs(options: dict[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    """(what, jar prefixes) one table's WITH options need; what is unknown needs a jar no prefix matches."""
    connector = options.get("connector", "")
    scheme = re.match(r"jdbc:([a-z0-9]+):", options.get("url", "")) if connector == "jdbc" else None
    system = scheme[1] if scheme else ""
    if (connector, system) in NO_FLINK2_CONNECTOR:
        return []
    if connector == "jdbc" and system not in JDBC_JARS:  # a joined stream's placeholder URL: no database (R513)
        return []
    needs = [(f"'connector' = '{connector}'", CONNECTOR_JARS.get(connector, (f"<a jar for {connector}>",)))]
    if connector == "jdbc":
        needs.append((f"'url' = 'jdbc:{system}:...'", JDBC_JARS.get(system, (f"<a JDBC dialect for {system}>",))))
    for key in ("format", "key.format", "value.format"):
        if key in options:
            fmt = options[key]
            needs.append((f"'{key}' = '{fmt}'", FORMAT_JARS.get(fmt, (f"<a jar for format {fmt}>",))))
    return needs


def flink_jar_problems(files: dict[str, str]) -> list[str]:
    """Every connector, JDBC dialect and format each flink/sql/*.sql table names has its jars in the image."""
    jobs = sorted(p for p in files if p.startswith("flink/sql/") and p.endswith(".sql"))
    if not jobs:
        return []
    if DOCKERFILE not in files:
        return [f"{len(jobs)} Flink SQL jobs, but no {DOCKERFILE}"]
    added, problems = image_jars(files[DOCKERFILE])
    for job in jobs:
        for clause in re.findall(r"\bWITH \((.*?)\n\)", files[job], re.S):
            options = {k: v.replace("''", "'") for k, v in OPTION.findall(clause)}
            for what, prefixes in table_needs(options):
                missing = [p for p in prefixes if not any(a.startswith(p) for a in added)]
                if missing:
                    problems.append(f"{job}: {what} needs {', '.join(m + '*.jar' for m in missing)}, which "
                                    f"{DOCKERFILE} does not add")  # fmt: skip
    return sorted(set(problems))
