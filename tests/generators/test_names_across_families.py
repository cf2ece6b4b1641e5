"""The naming layer is the one source of physical names: every family that refers to a landed
table uses the name plan.names gives it (ingestion lands it there, dbt reads it from there,
the orchestrators name their tasks after the same source keys)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import families_for, prepare, render_tree
from tests.conftest import example_specs


def batch_examples() -> list[Path]:
    return [p for p in example_specs() if {"ingestion", "dbt"} <= set(families_for(prepare(p).plan))]


@pytest.mark.parametrize("spec", batch_examples(), ids=lambda p: p.stem)
def test_ingestion_and_dbt_agree_on_every_landed_name(spec: Path) -> None:
    ready = prepare(spec)
    files = render_tree(ready.spec, ready.plan)
    sources_py = files["pipeline/sources.py"]
    dbt_sources = YAML(typ="safe").load(files["dbt/models/staging/_sources.yml"])["sources"]
    declared = {(s["schema"], t["name"]) for s in dbt_sources for t in s["tables"]}
    names = ready.plan.names
    for i in ready.plan.graph.batch_sources:
        source = ready.spec.sources[i]
        for dataset in source.tables:
            n = names.dataset(source.name, dataset.name)
            # ingestion lands the table under these names ...
            assert f'landed="{n.raw_table}"' in sources_py, n.raw_table
            assert f'dead_letter="{n.dead_letter_table}"' in sources_py, n.dead_letter_table
            assert f'"{n.raw_schema}"' in sources_py, n.raw_schema
            # ... and dbt reads exactly those, into the staging model of the same name; on a
            # Lakehouse plan it reads silver's copy the lake step publishes (lake.json says where)
            schema, table = n.raw_schema, n.raw_table
            if "pipeline/lake.json" in files:
                lake = json.loads(files["pipeline/lake.json"])
                published = {t["name"]: t.get("warehouse_schema") for t in lake["tables"]}
                if published.get(str(n.lake_table)):
                    schema, table = published[str(n.lake_table)], n.lake_table
            assert (schema, table) in declared
            model = files[f"dbt/models/staging/{n.staging_model}.sql"]
            assert f"source('{schema}', '{table}')" in model
            for spec_name, landed in n.columns:
                assert f'"{landed}"' in sources_py, (spec_name, landed)


def _kafka_client_options(sql: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"group": [], "transactionalId": [], "topic": []}
    for key, kind in (("properties.group.id", "group"), ("sink.transactional-id-prefix", "transactionalId")):
        found[kind] += re.findall(rf"'{re.escape(key)}' = '([^']+)'", sql)
    # the topics a Kafka sink writes: the `topic` of a CREATE TABLE ... AS SELECT
    for statement in sql.split(";\n"):
        head, sep, _ = statement.partition("\nAS ")
        if sep and head.lstrip().startswith("CREATE TABLE") and re.search(r"'connector' = '(upsert-)?kafka'", head):
            found["topic"] += re.findall(r"'topic' = '([^']+)'", head)
    return found


def _granted(acls: list[dict[str, Any]], kind: str, name: str, operation: str) -> bool:
    for acl in acls:
        r = acl["resource"]
        if r["type"] != kind or operation not in acl["operations"]:
            continue
        if name == r["name"] or (r.get("patternType") == "prefix" and name.startswith(r["name"])):
            return True
    return False


def _with_kafka_sink(tmp_path: Path) -> Path:
    """The e-commerce example with its GMV job writing a Kafka target (no example does)."""
    yaml = YAML()
    spec_path = next(p for p in example_specs() if p.stem == "ecommerce_realtime")
    doc = yaml.load(spec_path.read_text(encoding="utf-8"))
    doc["targets"].append({"name": "bus", "type": "kafka", "connection": {"bootstrap_servers": "${env:BUS_KAFKA}"}})
    doc["transforms"]["streams"][0]["sink"] = {"target": "bus"}
    out = tmp_path / "kafka_sink.yaml"
    with out.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)
    return out


def flink_specs() -> list[Path]:
    return [p for p in example_specs() if {"flink", "kafka"} <= set(families_for(prepare(p).plan))]


@pytest.mark.parametrize("variant", [*(p.stem for p in flink_specs()), "kafka_sink"])
def test_every_flink_consumer_group_transaction_and_sink_topic_is_granted_to_the_flink_user(
    variant: str, tmp_path: Path
) -> None:
    examples = {p.stem: p for p in flink_specs()}
    spec = _with_kafka_sink(tmp_path) if variant == "kafka_sink" else examples[variant]
    ready = prepare(spec)
    files = render_tree(ready.spec, ready.plan)
    users = {d["metadata"]["name"]: d for d in YAML(typ="safe").load_all(files["k8s/kafka/users.yaml"])}
    kafka = ready.plan.names.kafka
    assert kafka is not None
    acls = users[str(kafka.flink_user)]["spec"]["authorization"]["acls"]
    scripts = {path: sql for path, sql in files.items() if path.startswith("flink/sql/")}
    assert scripts
    seen = {"group": 0, "transactionalId": 0, "topic": 0}
    for path, sql in scripts.items():
        for kind, values in _kafka_client_options(sql).items():
            operation = {"group": "Read", "transactionalId": "Write", "topic": "Write"}[kind]
            for value in values:
                seen[kind] += 1
                assert _granted(acls, kind, value, operation), (path, kind, value)
                # a replay version (`<name>__v<N>`) stays inside the same grants
                if kind != "topic":
                    assert _granted(acls, kind, value + "__v2", operation), (path, kind, value)
    assert seen["group"] and seen["transactionalId"]
    if variant == "kafka_sink":  # the GMV job writes its output topic, and only it is granted of the jobs'
        gmv = ready.plan.names.streams[0]
        assert _kafka_client_options(scripts[f"flink/sql/{gmv.flink_job}.sql"])["topic"] == [str(gmv.output_topic)]
        others = [str(s.output_topic) for s in ready.plan.names.streams[1:]]
        assert not any(_granted(acls, "topic", t, "Write") for t in others)
