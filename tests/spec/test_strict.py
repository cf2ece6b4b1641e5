"""Strict validation: per-system connection fields, names Kubernetes and shells accept,
free text without control characters, and structural errors that hide nothing."""

from __future__ import annotations

import json

import pytest

from pipegen.spec import catalog
from pipegen.spec.model import Connection, SourceType, TargetType
from pipegen.spec.rules.text import first_refused
from pipegen.spec.types import SpecValueError, check_dns_label, check_env_var_name, check_env_var_value
from pipegen.spec.validate import check_bytes
from tests.conftest import spec_data

CONNECTION_KEYS = {f.alias or n for n, f in Connection.model_fields.items()} - {"options"}


def test_every_system_says_which_connection_fields_it_uses_and_they_exist() -> None:
    assert set(catalog.SOURCE_CONNECTION_FIELDS) == set(SourceType)
    assert set(catalog.TARGET_CONNECTION_FIELDS) == set(TargetType)
    for fields in [*catalog.SOURCE_CONNECTION_FIELDS.values(), *catalog.TARGET_CONNECTION_FIELDS.values()]:
        assert fields <= CONNECTION_KEYS, fields - CONNECTION_KEYS


@pytest.mark.parametrize(
    ("where", "field", "value", "severity", "message"),
    [
        (
            "sources",
            "bootstrap_servers",
            "k:9092",
            "warning",
            "`bootstrap_servers` means nothing for a postgres source",
        ),
        ("targets", "namespace", "ns", "warning", "`namespace` means nothing for a duckdb target"),
        ("targets", "token", "${secret:T}", "error", "`token` means nothing for a duckdb target"),
        ("sources", "host", "db", None, None),  # a field postgres uses: nothing to say
    ],
)
def test_connection_fields_the_system_ignores_are_named_with_the_system(
    where: str, field: str, value: str, severity: str | None, message: str | None
) -> None:
    data = spec_data()
    data[where][0]["connection"] = {field: value}
    diags = [d for d in check_bytes(json.dumps(data).encode()).diagnostics if d.code == "R225"]
    assert [(d.severity, d.path) for d in diags] == ([(severity, f"{where}[0].connection.{field}")] if severity else [])
    if message:
        assert diags[0].message.startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a Kubernetes name must not be empty"),
        ("a" * 64, "is 64 characters long; a Kubernetes name is at most 63"),
        ("Data_Team", "'Data_Team' is not a Kubernetes name: it contains uppercase letters, '_'"),
        ("-team", "'-team' is not a Kubernetes name: it starts or ends with '-'"),
    ],
)
def test_kubernetes_names_get_a_readable_reason_not_a_regex(text: str, message: str) -> None:
    with pytest.raises(SpecValueError) as err:
        check_dns_label(text)
    assert message in str(err.value)
    assert "^" not in str(err.value) and "[" not in str(err.value)


def test_a_valid_kubernetes_name_passes_unchanged() -> None:
    assert check_dns_label("data-team-2") == "data-team-2"
    assert check_dns_label("a" * 63) == "a" * 63


@pytest.mark.parametrize("name", ["", "1ST", "A-B", "A B", "A\nB"])
def test_bad_environment_variable_names_are_refused(name: str) -> None:
    with pytest.raises(SpecValueError):
        check_env_var_name(name)


@pytest.mark.parametrize(("value", "ok"), [("x", True), ("$$(literal)", True), ("", False), ("$(id)", False)])
def test_environment_variable_values_kubernetes_would_expand_are_refused(value: str, ok: bool) -> None:
    if ok:
        assert check_env_var_value(value) == value
    else:
        with pytest.raises(SpecValueError):
            check_env_var_value(value)


@pytest.mark.parametrize(
    ("text", "multiline", "found"),
    [
        ("plain text, é and 日本", False, None),
        ("two\nlines\tand a tab", True, None),
        ("two\nlines", False, (4, "\n")),
        ("abc\u202edef", True, (4, "\u202e")),
        ("x\u2069", True, (2, "\u2069")),
        ("bell\x07", True, (5, "\x07")),
        ("c1 \x9b", True, (4, "\x9b")),
        ("del\x7f", True, (4, "\x7f")),
    ],
)
def test_refused_characters_are_found_with_their_position(
    text: str, multiline: bool, found: tuple[int, str] | None
) -> None:
    assert first_refused(text, multiline) == found


def test_a_structural_error_does_not_hide_cross_field_errors_elsewhere() -> None:
    data = spec_data()
    data["sources"][0]["tables"][0]["columns"][0]["type"] = "bigintt"  # structural, in sources
    data["quality"] = {"events": {"sink": "kafka"}}  # cross-field, in quality: no topic
    codes = [d.code for d in check_bytes(json.dumps(data).encode()).diagnostics]
    assert codes == ["S106", "R220"]


def test_rules_that_read_a_broken_section_do_not_run_on_its_stand_in() -> None:
    data = spec_data(targets=[{"name": "wh", "type": "duckbd"}])  # broken targets
    data["transforms"] = {"streams": [{"name": "j", "from": "orders", "sink": "nowhere"}]}  # reads targets
    codes = [d.code for d in check_bytes(json.dumps(data).encode()).diagnostics]
    assert codes == ["S104"]
