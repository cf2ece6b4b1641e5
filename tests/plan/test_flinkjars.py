"""plan/flinkjars.py: the systems the Flink jobs touch and the jars compose's image adds for them, against what
the flink family writes (its connectors, its bronze jobs) and what validate allows (every lookup source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipegen.common.stream_landing import streamed_to_bronze
from pipegen.generators.flink.connectors import JDBC_URLS, LAKE_CONNECTORS
from pipegen.pipeline import prepare
from pipegen.plan.composefindings import COMPOSE_FLINK_SINKS, FILE_SINKS
from pipegen.plan.flinkjars import BASE_JARS, JDBC_SOURCES, NO_FLINK2_CONNECTOR, ROLE_JARS, flink_uses, image_jars
from pipegen.spec.model import SourceType, TargetType
from pipegen.spec.rules.transforms import LOOKUP_SOURCES
from tests.conftest import REPO, example_specs

SPECS = [
    *example_specs(),
    *sorted((REPO / "tests" / "corpus").glob("*.yaml")),
    *sorted((REPO / "tests" / "judges").glob("*.yaml")),
    REPO / "tests" / "invalid" / "fixtures" / "flink_sink_without_flink2_connector.yaml",
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_the_bronze_uses_are_the_flink_familys_bronze_jobs(spec: Path) -> None:
    """A bronze use exactly when the flink family writes bronze jobs (common/stream_landing), at their target;
    an input use for each source they land."""
    ready = prepare(spec)
    plan = ready.plan
    uses = list(flink_uses(ready.spec, plan.architecture, plan.graph.kinds))
    landed = streamed_to_bronze(ready.spec, plan.architecture, plan.graph.kinds)
    bronze = [u for u in uses if u.role == "bronze"]
    assert len(bronze) == (1 if landed else 0), spec.stem
    sources = {u.path[1] for u in uses if u.role == "input" and not u.job}
    assert sources == {ref.source_index for ref in landed}, spec.stem


def test_every_lookup_source_validate_allows_has_its_jdbc_dialect_and_driver_in_the_image() -> None:
    """...and they are the sources the flink family has a JDBC URL for (the others' joins are R513's)."""
    assert {s.value for s in JDBC_SOURCES} == LOOKUP_SOURCES
    assert {str(system) for system in JDBC_URLS} >= LOOKUP_SOURCES  # (source and target types share values)
    assert not ({str(s) for s in SourceType} - LOOKUP_SOURCES) & {str(system) for system in JDBC_URLS}
    base = {j.artifact for j in BASE_JARS}
    for name in LOOKUP_SOURCES:
        system = SourceType(name)
        dialect = {SourceType.POSTGRES: "postgres", SourceType.MYSQL: "mysql"}.get(system)
        jars = {j.artifact for j in ROLE_JARS.get(("lookup", system), ())} | base
        assert f"flink-connector-jdbc-{dialect or name}" in jars, name
        assert len(jars - base) == (0 if dialect else 2), name  # the dialect and its driver


def test_every_sink_the_flink_family_writes_runs_in_compose_or_is_said_to_have_no_connector() -> None:
    """Each target type is exactly one of: a connector the image carries, a file sink (Flink's own), or a
    system no Flink 2.x connector writes (R512); every JDBC or lake connector of the flink family is covered."""
    kinds = [COMPOSE_FLINK_SINKS, FILE_SINKS, frozenset(NO_FLINK2_CONNECTOR)]
    for target in TargetType:
        assert sum(target in k for k in kinds) == 1, target
    for system in (*(s for s in JDBC_URLS if isinstance(s, TargetType)), *LAKE_CONNECTORS):
        assert system in COMPOSE_FLINK_SINKS or system in NO_FLINK2_CONNECTOR, system
    assert ("sink", TargetType.ICEBERG) in ROLE_JARS and ("bronze", TargetType.ICEBERG) in ROLE_JARS


def test_the_image_adds_each_jar_once_base_first() -> None:
    ready = prepare(REPO / "tests" / "judges" / "compose_flink_systems.yaml")
    jars = image_jars(list(flink_uses(ready.spec, ready.plan.architecture, ready.plan.graph.kinds)))
    assert jars[: len(BASE_JARS)] == BASE_JARS and len(set(jars)) == len(jars)
    assert {j for js in ROLE_JARS.values() for j in js} <= set(jars)  # every system of that spec
    assert image_jars([]) == BASE_JARS


INNER_JOIN = """version: 1
pipeline: {name: clicks_sites}
latency: 1m
sources:
  - name: web
    type: kafka
    ingestion: stream
    topics:
      - name: clicks
        format: json
        event_time: at
        columns: [{name: site_id, type: bigint}, {name: at, type: "timestamp(3)"}]
  - name: crm
    type: sqlserver
    ingestion: batch
    connection: {host: "${env:CRM_HOST}", database: crm, user: app, password: "${secret:CRM_PASSWORD}"}
    tables:
      - name: sites
        primary_key: site_id
        columns: [{name: site_id, type: bigint}, {name: owner, type: string}]
transforms:
  streams:
    - name: clicks_with_owner
      from: clicks
      joins:
        - {table: sites, on: site_id, type: inner}
targets:
  - name: out
    type: kafka
"""


def test_a_regular_join_of_a_sql_server_table_is_read_through_jdbc_so_the_image_gets_its_dialect(
    tmp_path: Path,
) -> None:
    """The drawn spec that found it (tests/specgen/test_drawn_specs_run.py, seed 20261204, spec 40): an `inner`
    join, not a lookup, of a SQL Server batch table is a JDBC table in the job too (jdbc:sqlserver:), and the image
    lacked the dialect (a CDC table's join reads its changelog: flink_changes.joined_as_stream)."""
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(INNER_JOIN, encoding="utf-8")
    ready = prepare(spec)
    uses = list(flink_uses(ready.spec, ready.plan.architecture, ready.plan.graph.kinds))
    assert [(u.role, u.system) for u in uses if u.path[-2:] == (0, "table")] == [("lookup", SourceType.SQLSERVER)]
    assert set(ROLE_JARS[("lookup", SourceType.SQLSERVER)]) <= set(image_jars(uses))
