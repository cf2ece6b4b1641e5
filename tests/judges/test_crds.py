"""The strict CRD judge (tests/judges/crds.py) accepts valid resources and catches unknown
fields, removed API versions and type errors, naming where."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.judges.crds import CrdCatalog, shared_crds_dir, strict

CONNECTOR: dict[str, Any] = {
    "apiVersion": "kafka.strimzi.io/v1",
    "kind": "KafkaConnector",
    "metadata": {"name": "orders-pg-cdc", "labels": {"strimzi.io/cluster": "cdc-connect"}},
    "spec": {
        "class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasksMax": 1,
        "config": {"topic.prefix": "app", "anything.goes.here": "config is preserve-unknown-fields"},
    },
}


@pytest.fixture(scope="module")
def catalog() -> CrdCatalog:
    folder = shared_crds_dir()
    if folder is None:
        print("CRD schemas not found next to the clone (../shared/crds): skipping")
        pytest.skip("../shared/crds is absent (it lives in the steering repo's shared/ folder)")
    return CrdCatalog.load(folder)


def test_catalog_has_every_strimzi_v1_kind(catalog: CrdCatalog) -> None:
    for kind in ("Kafka", "KafkaNodePool", "KafkaConnect", "KafkaConnector", "KafkaTopic", "KafkaUser"):
        assert ("kafka.strimzi.io/v1", kind) in catalog.schemas
    assert ("flink.apache.org/v1beta1", "FlinkDeployment") in catalog.schemas


def test_valid_connector_passes_and_free_form_config_is_kept_open(catalog: CrdCatalog) -> None:
    assert catalog.validate(CONNECTOR) == []


def test_unknown_field_is_an_error_naming_its_path(catalog: CrdCatalog) -> None:
    bad = copy.deepcopy(CONNECTOR)
    bad["spec"]["tasks.max"] = 1
    problems = catalog.validate(bad)
    assert len(problems) == 1
    assert "KafkaConnector/orders-pg-cdc at spec" in problems[0] and "tasks.max" in problems[0]


def test_removed_api_version_is_an_error_not_a_pass(catalog: CrdCatalog) -> None:
    old = {**CONNECTOR, "apiVersion": "kafka.strimzi.io/v1beta2"}
    (problem,) = catalog.validate(old)
    assert "no schema for apiVersion 'kafka.strimzi.io/v1beta2'" in problem and "kafka.strimzi.io/v1" in problem


def test_wrong_type_is_an_error(catalog: CrdCatalog) -> None:
    bad = copy.deepcopy(CONNECTOR)
    bad["spec"]["tasksMax"] = "one"
    assert any("spec.tasksMax" in p for p in catalog.validate(bad))


def test_strict_closes_objects_but_not_combinator_branches_or_preserved_maps() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "object", "properties": {"x": {"type": "string", "nullable": True}}},
            "b": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"y": {}}},
            "c": {"type": "object", "properties": {"p": {}, "q": {}}, "oneOf": [{"properties": {"p": {}}}]},
        },
    }
    out = strict(schema)
    assert out["additionalProperties"] is False
    assert out["properties"]["a"]["additionalProperties"] is False
    assert out["properties"]["a"]["properties"]["x"]["type"] == ["string", "null"]
    assert "additionalProperties" not in out["properties"]["b"]
    assert "additionalProperties" not in out["properties"]["c"]["oneOf"][0]
    assert "additionalProperties" not in schema  # the input is not modified


def test_root_fields_the_api_server_implies_are_accepted_and_other_root_fields_are_not() -> None:
    """A CRD whose schema omits apiVersion/kind/metadata at its root (the Flink operator's does)
    still validates a resource carrying them; an unknown root field stays an error."""
    crd = {
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "example.org",
            "names": {"kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object"}}}},
                }
            ],
        },
    }
    catalog = CrdCatalog.from_documents([crd])
    widget = {"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    assert catalog.validate(widget) == []
    problems = catalog.validate({**widget, "status2": {}})
    assert len(problems) == 1 and "'status2' was unexpected" in problems[0], problems
    assert catalog.validate({**widget, "kind": "Widget", "metadata": "not-an-object"}) != []


def test_load_parses_a_folder_once_while_its_files_are_unchanged_and_again_after_a_change(tmp_path: Path) -> None:
    """CrdCatalog.load keeps the parsed catalog per process (the shared CRDs cost ~5 s of CPU to
    parse): the same files give the same catalog, which still refuses what it refused; a changed
    file (its size or modification time) is read again, so an edited CRD is judged as edited."""
    from ruamel.yaml import YAML

    def write(required: list[str]) -> None:
        crd = {
            "kind": "CustomResourceDefinition",
            "spec": {
                "group": "example.org",
                "names": {"kind": "Gadget"},
                "versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "required": required, "properties": {"size": {"type": "integer"}}},
                }}}}],
            },
        }  # fmt: skip
        with (tmp_path / "gadget.yaml").open("w", encoding="utf-8") as handle:
            YAML().dump(crd, handle)

    gadget = {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g"}, "spec": {}}
    write([])
    first = CrdCatalog.load(tmp_path)
    assert CrdCatalog.load(tmp_path) is first and first.validate(gadget) == []
    assert first.validate({**gadget, "spec": {"size": "big"}}) != []  # refused once cached, too
    assert CrdCatalog.load(tmp_path).validate({**gadget, "spec": {"size": "big"}}) != []
    write(["size"])  # a longer file: read again
    again = CrdCatalog.load(tmp_path)
    assert again is not first and again.validate(gadget) != [] and first.validate(gadget) == []
