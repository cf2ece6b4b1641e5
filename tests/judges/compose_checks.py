"""What the Compose binary does not check in a generated compose.yaml, across the project's files (used by
tests/judges/test_compose.py over the examples and tests/specgen/infra_judges.py over drawn specs):

- the Compose specification's JSON Schema (vendored: `schemas/compose-spec.json`, npm `dclint` 3.1.0's
  `schemas/compose.schema.json`, draft-07; CURRENCY.md §11);
- every image pinned: a tag, not `latest`;
- every `${VAR}` compose.yaml reads (not `$${...}`, Compose's escape) is listed in `.env.example`;
- every bind-mounted project path and every build's Dockerfile is a file or folder of the project;
- every `depends_on` with `service_healthy` names a service with a health check, and every service has one but
  a one-shot (`restart: "no"`), which a long-running service waits for with `service_completed_successfully`
  (`make up`'s `--wait` fails on a one-shot no service waits for);
- the Flink session cluster has a slot for every `flink/sql/*.sql` job at the parallelism flink-sql sets;
- the broker's topics (topic_problems): a `kafka-topics` service creates, with `kafka-topics.sh --create
  --if-not-exists` (its arguments parsed as that tool's: an unknown flag is a problem), exactly the topics of the
  Strimzi KafkaTopics (k8s/kafka/topics.yaml) with their partitions and configs (replication and
  `min.insync.replicas` 1: one broker), and every topic a Flink job writes on the broker flink-sql points it at;
- the Flink image (compose/flink.Dockerfile) adds a jar for every connector, JDBC dialect and driver and format
  a job's tables name (`'connector' = '...'`, the `url`'s `jdbc:<system>:`, `format`), each jar from its Maven
  Central path; what no connector for Flink 2.x writes (validate's R512) and a JDBC table of no database (a
  joined stream's placeholder URL, R513) are left out, nothing else.
Each check returns its problems, one line each (none: the check passed)."""

from __future__ import annotations

import argparse
import json
import re
import shlex
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
        if "healthcheck" not in service and not _awaited_one_shot(name, services):
            problems.append(f"{name}: no health check")
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith(".") and not _exists(files, source):
                problems.append(f"{name}: mounts {source}, which the project does not have")
        build = service.get("build")
        if build is not None and not _exists(files, str(build.get("dockerfile", "Dockerfile"))):
            problems.append(f"{name}: builds from {build.get('dockerfile')}, which the project does not have")
        for other, how in service.get("depends_on", {}).items():
            if how.get("condition") == "service_completed_successfully":
                if other not in services or services[other].get("restart") != "no":
                    problems.append(f"{name}: waits for {other} to complete, which is not a one-shot service")
            elif other not in services or "healthcheck" not in services[other]:
                problems.append(f"{name}: depends on {other}, which is not a service with a health check")
    return problems + flink_slot_problems(files, services) + flink_jar_problems(files) + topic_problems(files, services)


def _awaited_one_shot(name: str, services: dict[str, Any]) -> bool:
    """A one-shot service some long-running service (one with a health check) waits for to complete."""
    return services[name].get("restart") == "no" and any(
        s.get("depends_on", {}).get(name, {}).get("condition") == "service_completed_successfully"
        and "healthcheck" in s
        for s in services.values()
    )


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


TOPICS_SERVICE, KAFKA_TOPICS_SH = "kafka-topics", "/opt/kafka/bin/kafka-topics.sh"


def _topics_parser() -> Any:
    """kafka-topics.sh's options that a create command may use (Apache Kafka's TopicCommand)."""
    parser = argparse.ArgumentParser(prog="kafka-topics.sh", add_help=False, exit_on_error=False)
    parser.add_argument("--bootstrap-server", required=True)
    parser.add_argument("--create", action="store_true", required=True)
    parser.add_argument("--if-not-exists", action="store_true")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partitions", type=int, required=True)
    parser.add_argument("--replication-factor", type=int, required=True)
    parser.add_argument("--config", action="append", default=[])
    return parser


def create_commands(service: dict[str, Any]) -> list[dict[str, Any]]:
    """The topics a `kafka-topics` service creates, parsed from its `sh -c` command line (each `&&`-joined
    `kafka-topics.sh --create` as that tool reads its arguments): [{"topic", "partitions", "replication_factor",
    "config", "if_not_exists", "bootstrap"}]. Raises ValueError on anything else."""
    command = service.get("command", [])
    if command[:2] != ["sh", "-c"] or len(command) != 3:
        raise ValueError(f"not an `sh -c` command: {command!r}")
    out = []
    for part in command[2].replace("$$", "$").split(" && "):
        argv = shlex.split(part)
        if argv[:1] != [KAFKA_TOPICS_SH]:
            if argv[:1] in (["touch"], ["exec"]):  # the long-running variant's marker and sleep
                continue
            raise ValueError(f"not a kafka-topics.sh command: {part!r}")
        try:
            args, unknown = _topics_parser().parse_known_args(argv[1:])
        except (argparse.ArgumentError, SystemExit) as e:  # a missing option exits even without exit_on_error
            raise ValueError(f"{part!r}: not kafka-topics.sh's create options ({e})") from e
        if unknown:
            raise ValueError(f"{part!r}: unknown arguments {unknown}")
        config = dict(c.split("=", 1) for c in args.config)
        out.append({"topic": args.topic, "partitions": args.partitions, "config": config,
                    "replication_factor": args.replication_factor, "if_not_exists": args.if_not_exists,
                    "bootstrap": args.bootstrap_server})  # fmt: skip
    return out


def strimzi_topics(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The Strimzi KafkaTopics of k8s/kafka/topics.yaml by topic name: {"partitions", "config"} (values as text)."""
    from ruamel.yaml import YAML

    text = files.get("k8s/kafka/topics.yaml", "")
    docs = [d for d in YAML(typ="safe", pure=True).load_all(text) if d and d.get("kind") == "KafkaTopic"]
    return {d["spec"]["topicName"]: {"partitions": d["spec"]["partitions"],
                                     "config": {k: str(v) for k, v in d["spec"]["config"].items()}}
            for d in docs}  # fmt: skip


def flink_cluster_topics(files: dict[str, str], bootstrap_vars: set[str]) -> set[str]:
    """The topics the Flink jobs read or write through Kafka tables whose bootstrap servers are `${VAR}` of
    `bootstrap_vars`: a source's (a CDC or Faker stream's, a Kafka source's on the cluster, a Pub/Sub source's
    bridged topic) and a sink's (`upsert-kafka`, or `sink.*` options)."""
    out = set()
    for path in sorted(p for p in files if p.startswith("flink/sql/") and p.endswith(".sql")):
        for clause in re.findall(r"\bWITH \((.*?)\n\)", files[path], re.S):
            options = {k: v.replace("''", "'") for k, v in OPTION.findall(clause)}
            servers = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", options.get("properties.bootstrap.servers", ""))
            if "topic" in options and servers and servers[1] in bootstrap_vars:
                out.add(options["topic"])
    return out


def topic_problems(files: dict[str, str], services: dict[str, Any]) -> list[str]:
    """compose's broker gets every topic the project declares and its Flink jobs use, as declared."""
    if "kafka" not in services:
        return []
    if TOPICS_SERVICE not in services:
        return ["kafka: no kafka-topics service creates the project's topics (the broker creates none)"]
    try:
        created = create_commands(services[TOPICS_SERVICE])
    except ValueError as e:
        return [f"{TOPICS_SERVICE}: {e}"]
    local = ("kafka:29092", 1, True)
    problems = [f"{TOPICS_SERVICE}: {c['topic']}: not --if-not-exists, replication 1 on kafka:29092"
                for c in created if (c["bootstrap"], c["replication_factor"], c["if_not_exists"]) != local]  # fmt: skip
    by_name = {c["topic"]: c for c in created}
    if len(by_name) != len(created):
        problems.append(f"{TOPICS_SERVICE}: a topic is created twice")
    declared = strimzi_topics(files)
    if declared:
        for name in sorted(set(declared) ^ set(by_name)):
            where = "is not created by kafka-topics" if name in declared else "is no Strimzi KafkaTopic"
            problems.append(f"{TOPICS_SERVICE}: {name} {where}")
        for name in sorted(set(declared) & set(by_name)):
            local = {**declared[name]["config"], "min.insync.replicas": "1"}
            if (by_name[name]["partitions"], by_name[name]["config"]) != (declared[name]["partitions"], local):
                problems.append(f"{TOPICS_SERVICE}: {name} is not created as its KafkaTopic declares it")
    environment = services.get("flink-sql", {}).get("environment", {})
    bootstrap_vars = {k for k, v in environment.items() if v == "kafka:29092"}
    for name in sorted(flink_cluster_topics(files, bootstrap_vars) - set(by_name)):
        problems.append(
            f"{TOPICS_SERVICE}: {name}, which a Flink job reads or writes on compose's broker, is not created"
        )
    return problems
