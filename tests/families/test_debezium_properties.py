"""Every key of every generated Debezium connector (Connect REST JSON and Strimzi
KafkaConnector, every system, both record shapes) is a current property name per
../shared/debezium/properties.json; legacy names fail and name their replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.families.cdc_specs import SYSTEMS, cdc_spec, connector_configs, render
from tests.judges.debezium_properties import PropertyRules, properties_file

LEGACY = {
    "database.server.name": "topic.prefix",
    "database.history.kafka.topic": "schema.history.internal.kafka.topic",
    "database.history.kafka.bootstrap.servers": "schema.history.internal.kafka.bootstrap.servers",
}


@pytest.fixture(scope="module")
def rules() -> PropertyRules:
    path = properties_file()
    if path is None:
        print("../shared/debezium/properties.json not found (set PIPEGEN_SHARED): skipping")
        pytest.skip("../shared/debezium/properties.json is absent (it lives in the steering repo's shared/ folder)")
    return PropertyRules.load(path)


@pytest.mark.parametrize("architecture", ["kappa", "elt"])
@pytest.mark.parametrize("system", SYSTEMS)
def test_every_generated_key_is_current(tmp_path: Path, rules: PropertyRules, system: str, architecture: str) -> None:
    configs = connector_configs(render(tmp_path, cdc_spec(system, architecture)))
    assert len(configs) == 2, configs.keys()  # one REST body, one KafkaConnector
    for path, config in configs.items():
        assert rules.check(config) == [], path


def test_kappa_keeps_the_envelope_and_elt_unwraps(tmp_path: Path, rules: PropertyRules) -> None:
    kappa = next(iter(connector_configs(render(tmp_path, cdc_spec("postgres", "kappa"))).values()))
    elt = next(iter(connector_configs(render(tmp_path, cdc_spec("postgres", "elt"))).values()))
    assert "unwrap" not in kappa["transforms"].split(",")
    assert elt["transforms"].split(",")[0] == "unwrap"
    assert elt["transforms.unwrap.type"] == "io.debezium.transforms.ExtractNewRecordState"
    assert elt["transforms.unwrap.delete.tombstone.handling.mode"] == "rewrite-with-tombstone"
    assert elt["transforms.unwrap.add.fields"] == "op,table,source.ts_ms"


@pytest.mark.parametrize(("legacy", "replacement"), sorted(LEGACY.items()))
def test_a_legacy_key_fails_naming_its_replacement(
    tmp_path: Path, rules: PropertyRules, legacy: str, replacement: str
) -> None:
    config = next(iter(connector_configs(render(tmp_path, cdc_spec("mysql"))).values()))
    problems = rules.check({**config, legacy: "x"})
    assert problems == [f"{legacy}: removed or renamed; use {replacement}"]


def test_legacy_smt_option_value_and_unknown_key_fail(rules: PropertyRules) -> None:
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "snapshot.mode": "never",
        "transforms": "unwrap",
        "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
        "transforms.unwrap.drop.tombstones": "true",
        "errors.deadletterqueue.topic.name": "x.dlq",
        "database.history.file.filename": "h",
        "no.such.key": "1",
    }
    problems = rules.check(config)
    assert (
        "transforms.unwrap.drop.tombstones: renamed; use transforms.unwrap.delete.tombstone.handling.mode" in problems
    )
    assert "snapshot.mode=never: not a mode of postgresql; use no_data" in problems
    assert any(p.startswith("errors.deadletterqueue.topic.name: a sink-connector key") for p in problems)
    assert "no.such.key: not a property of postgresql (unknown key)" in problems
    assert any(p.startswith("database.history.file.filename") for p in problems)


def test_no_secret_is_a_literal(tmp_path: Path) -> None:
    configs = connector_configs(render(tmp_path, cdc_spec("postgres")))
    assert len(configs) == 2, configs.keys()  # one REST body, one KafkaConnector
    for path, config in configs.items():
        password = config["database.password"]
        assert password.startswith(("${file:", "${secrets:")) and password.endswith(":APP_DB_PASSWORD}"), path
        assert config["database.hostname"].startswith(("${env:", "${configmaps:")), path


# Debezium properties a user may set through `connection.options` (current names, common to every
# connector: the `all` scope of properties.json), with the values the spec gives.
USER_OPTIONS = {"max.batch.size": 4096, "poll.interval.ms": 250, "provide.transaction.metadata": True}


@pytest.mark.parametrize("system", SYSTEMS)
def test_connection_options_reach_every_connector_and_pass_the_property_check(
    tmp_path: Path, rules: PropertyRules, system: str
) -> None:
    data = cdc_spec(system)
    data["sources"][0]["connection"] = {**data["sources"][0]["connection"], "options": USER_OPTIONS}
    configs = connector_configs(render(tmp_path, data))
    assert len(configs) == 2, configs.keys()
    for path, config in configs.items():
        assert {k: config[k] for k in USER_OPTIONS} == {
            "max.batch.size": "4096",
            "poll.interval.ms": "250",
            "provide.transaction.metadata": "true",
        }, path
        assert rules.check(config) == [], path
