"""How the batch layer reads each kind of source: the readers the ingestion family generates
code for and the docs family describes (one table, so the two never disagree)."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.spec.model import SourceType


@dataclass(frozen=True)
class SqlSystem:
    """How one kind of SQL source is reached: SQLAlchemy driver (dlt reflects through it),
    the columnar backend that reads the rows, the driver package, the default port."""

    drivername: str
    backend: str
    requirement: str | None
    port: int


# connectorx reads Postgres, MySQL/MariaDB, SQL Server, Oracle and SQLite in Arrow batches
# (measured: 3.2 s for 1M rows where dlt's row-by-row default took 4 min 17 s).
SQL_SYSTEMS: dict[SourceType, SqlSystem] = {
    SourceType.POSTGRES: SqlSystem("postgresql+psycopg2", "connectorx", "psycopg2-binary==2.9.13", 5432),
    SourceType.MYSQL: SqlSystem("mysql+pymysql", "connectorx", "pymysql==1.2.4", 3306),
    SourceType.SQLSERVER: SqlSystem("mssql+pyodbc", "connectorx", "pyodbc==5.5.0", 1433),
    SourceType.ORACLE: SqlSystem("oracle+oracledb", "connectorx", "oracledb==26.1.0", 1521),
}
# Faker sources are read from the SQLite file the synthetic generator writes, in every mode.
SYNTHETIC_SOURCES = frozenset({SourceType.FAKER})
# Sources this version reads into the batch layer only in --local runs, from their JSON lines
# stand-ins: dlt ships no MongoDB or stream source in its core package (its Kafka and MongoDB
# sources are `dlt init` verified-source templates, not importable modules). In production a
# stream reaches the warehouse through the speed layer; a Kafka source whose topics are JSON has a
# production batch reader of its own (pipeline/topics.py, spec.catalog `batch_reads_topics`).
STAND_IN_ONLY: dict[SourceType, str] = {
    SourceType.MONGODB: "MongoDB",
    SourceType.KAFKA: "Kafka topics that are not JSON",
    SourceType.EVENTHUBS: "Event Hubs",
    SourceType.KINESIS: "Kinesis streams",
    SourceType.PUBSUB: "Pub/Sub topics",
}


# How the batch layer reads a source in production (for the project's docs), per kind.
PRODUCTION_READERS: dict[SourceType, str] = {
    SourceType.API: "dlt rest_api",
    SourceType.FILES: "dlt filesystem",
    SourceType.FAKER: "the synthetic SQLite file",
    **{kind: "dlt sql_table (connectorx)" for kind in SQL_SYSTEMS},
    **{
        kind: "none in the batch layer: streams reach the warehouse through the speed layer; ingest without "
        "--local stops and says so"
        for kind in STAND_IN_ONLY
    },
    SourceType.MONGODB: "none in this version (validate warns, R268): land its collections with your own job "
    "into the raw schema; ingest without --local stops and says so",
    SourceType.KAFKA: "JSON topics: pipeline/topics.py (confluent-kafka), up to each partition's end at the start, "
    "offsets committed after the load; other formats none (validate warns, R469): ingest without --local stops",
}
