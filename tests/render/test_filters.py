"""Escaping filters: hostile values still parse in the target language and come back intact."""

from __future__ import annotations

import ast
import json
import re
import subprocess

import hcl2
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pipegen.render.filters import (
    SQL_QUOTES,
    dns_label,
    hcl_str,
    json_value,
    line_text,
    make_word,
    md_code,
    md_text,
    mermaid_id,
    mermaid_label,
    py_str,
    requirement,
    sh_word,
    sql_ident,
    sql_str,
    xml_text,
    yaml_str,
)

HOSTILE = [
    "order", "select", "user", "table", "from", "O'Brien", 'a"b', "back\\slash", "line1\nline2", "cr\rlf",
    "{{ 7*7 }}", "${var.x}", "%{ if true }x%{ endif }", "tab\there", "Zürich", "数据", "🚀 rocket", "\u202eRTL",
    "x" * 200, "--comment", "/* c */", "; DROP TABLE x;", "`tick`", "]bracket[", "1abc", "Order", "\u2028sep",
]  # fmt: skip
DIALECTS = sorted(SQL_QUOTES)
safe_yaml = YAML(typ="safe", pure=True)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_ident_and_str_round_trip_hostile_values_in_every_dialect(dialect: str) -> None:
    for value in HOSTILE:
        sql = f"SELECT {sql_str(value, dialect)} AS {sql_ident(value, dialect)} FROM {sql_ident(value, dialect)}"
        tree = sqlglot.parse_one(sql, read=dialect)
        projection = tree.expressions[0]
        assert projection.this.this == value, (dialect, value, sql)
        assert projection.alias == value, (dialect, value, sql)
        if not (dialect == "bigquery" and "." in value):  # BigQuery splits a quoted `a.b` into project.dataset
            assert tree.args["from_"].this.name == value, (dialect, value, sql)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_ident_quotes_only_when_needed(dialect: str) -> None:
    assert sql_ident("order_id", dialect) == "order_id"
    assert sql_ident("order", dialect) != "order"
    assert sql_ident("Order", dialect) != "Order"  # quoting preserves case
    assert sql_ident("1abc", dialect) != "1abc"


def test_sql_filters_reject_nul_and_unknown_dialects() -> None:
    with pytest.raises(ValueError, match="NUL"):
        sql_ident("a\x00b")
    with pytest.raises(ValueError, match="NUL"):
        sql_str("a\x00b")
    with pytest.raises(ValueError, match="supported"):
        sql_ident("a", "oracle9")


@pytest.mark.parametrize("value", HOSTILE)
def test_yaml_str_round_trips_as_mapping_value_and_list_item(value: str) -> None:
    assert safe_yaml.load(f"key: {yaml_str(value)}\n") == {"key": value}
    assert safe_yaml.load(f"- {yaml_str(value)}\n- next\n") == [value, "next"]
    assert "\n" not in yaml_str(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_json_value_round_trips_and_is_html_safe(value: str) -> None:
    out = json_value({"v": value, "n": [1, value]})
    assert json.loads(out) == {"v": value, "n": [1, value]}
    assert "</" not in out and "\u2028" not in out


@pytest.mark.parametrize("value", HOSTILE)
def test_hcl_str_parses_and_never_interpolates(value: str) -> None:
    out = hcl_str(value)
    parsed = hcl2.loads(f"x = {out}\n")  # python-hcl2 8 keeps quotes and escapes as written
    assert hcl_unescape(parsed["x"]) == value
    assert re.search(r"(?<!\$)\$\{", out) is None and re.search(r"(?<!%)%\{", out) is None
    assert "\n" not in out


HCL_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t"}


def hcl_unescape(raw: str) -> str:
    """Terraform's reading of a quoted string (escapes, $${ and %%{)."""
    assert raw.startswith('"') and raw.endswith('"')
    body = raw[1:-1].replace("$${", "${").replace("%%{", "%{")
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            if body[i + 1] == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(HCL_UNESCAPES[body[i + 1]])
            i += 2
            continue
        out.append(body[i])
        i += 1
    return "".join(out)


@pytest.mark.parametrize("value", HOSTILE)
def test_sh_word_is_one_word_with_the_exact_value(value: str) -> None:
    result = subprocess.run(["bash", "-c", "printf %s " + sh_word(value)], capture_output=True, check=True)
    assert result.stdout.decode() == value


@pytest.mark.parametrize("value", HOSTILE)
def test_py_str_is_a_literal_of_the_value(value: str) -> None:
    assert ast.literal_eval(py_str(value)) == value


@pytest.mark.parametrize("value", [*HOSTILE, "# heading", "- item", "1. item", "[x](y)", "<b>", "a | b", "![i](j)"])
def test_md_text_cannot_open_markup(value: str) -> None:
    out = md_text(value)
    assert "\n" not in out and "<" not in out
    assert re.search(r"(?<!\\)[\[\]`*|]", out) is None
    assert not re.match(r"^(#|[-+] |\d+[.)])", out)


@pytest.mark.parametrize("value", ["plain", "a`b", "``x``", "`edge", "line\nbreak", "|pipe|"])
def test_md_code_fence_is_longer_than_any_backtick_run(value: str) -> None:
    out = md_code(value)
    fence = re.match(r"^`+", out)
    assert fence is not None
    inner_runs = [len(r) for r in re.findall(r"`+", out[len(fence.group()) : -len(fence.group())])]
    assert all(n < len(fence.group()) for n in inner_runs)
    assert "\n" not in out


def test_mermaid_labels_and_ids_are_inert_and_distinct() -> None:
    ids = [mermaid_id(v) for v in HOSTILE]
    assert all(re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", i) for i in ids)
    assert len(set(ids)) == len(HOSTILE)
    assert mermaid_id("end") != "end" and mermaid_id("orders") == "orders"
    for value in HOSTILE:
        label = mermaid_label(value)
        assert label.startswith('"') and label.endswith('"') and '"' not in label[1:-1] and "\n" not in label


@pytest.mark.parametrize("value", [*HOSTILE, "a<b>&c</title>", "\x00nul\x1bescape\ufffe"], ids=repr)
def test_xml_text_parses_back_as_the_value_on_one_line(value: str) -> None:
    from xml.etree import ElementTree

    element = ElementTree.fromstring(f'<t a="{xml_text(value)}">{xml_text(value)}</t>')
    allowed = "".join(ch for ch in value if ch in "\t\n\r" or (ch >= " " and ch not in "\ufffe\uffff"))
    expected = " ".join(allowed.split())
    assert element.text == expected and element.get("a") == expected


def test_dns_label_is_valid_stable_and_distinct() -> None:
    labels = [dns_label(v) for v in HOSTILE]
    assert all(re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", x) and len(x) <= 63 for x in labels)
    assert len(set(labels)) == len(HOSTILE)
    assert dns_label("orders-pipeline") == "orders-pipeline"
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", dns_label("My_Pipeline"))
    assert dns_label("My_Pipeline") != dns_label("my-pipeline")  # distinct inputs stay distinct


def test_line_text_is_one_printable_line() -> None:
    assert line_text("a\nb\x00c\u2028d\te") == "a b c d e"


def test_requirement_accepts_pins_and_refuses_anything_else() -> None:
    for good in ["dlt[duckdb]==1.31.0", "dbt-core>=1.11,<1.12", "pyarrow==21.0.0; python_version >= '3.11'"]:
        assert requirement(good) == good
    for bad in ["dlt", "x==1\n-e git+https://evil", "'dlt==1'", "--index-url http://x", ""]:
        with pytest.raises(ValueError, match="not a pinned requirement"):
            requirement(bad)


def test_make_word_keeps_make_variables_and_quotes_the_rest() -> None:
    assert make_word("$(PYTHON)") == "$(PYTHON)"
    assert make_word("a b") == "'a b'"
    assert make_word("$(shell rm -rf /)") == "'$$(shell rm -rf /)'"
    assert make_word("AIRFLOW_HOME=$(CURDIR)/.airflow") == '"AIRFLOW_HOME=$(CURDIR)/.airflow"'
    assert make_word("A=$(CURDIR)/x;rm") == "'A=$$(CURDIR)/x;rm'"  # only plain path characters after it
    with pytest.raises(ValueError, match="line break"):
        make_word("a\nb")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text())
def test_round_trips_hold_for_any_text(value: str) -> None:
    assert safe_yaml.load(f"k: {yaml_str(value)}\n") == {"k": value}
    assert json.loads(json_value(value)) == value
    assert ast.literal_eval(py_str(value)) == value
    assert "\n" not in md_text(value) and "\n" not in hcl_str(value)
    if "\x00" not in value and value:
        for dialect in ("duckdb", "bigquery", "tsql", "spark"):
            tree = sqlglot.parse_one(f"SELECT {sql_str(value, dialect)} AS {sql_ident(value, dialect)}", read=dialect)
            assert tree.expressions[0].alias == value


def test_every_target_type_has_a_dialect_the_filters_and_sqlglot_know() -> None:
    from sqlglot.dialects.dialect import Dialect

    from pipegen.spec.catalog import TARGET_SYSTEMS
    from pipegen.spec.model import TargetType

    assert set(TARGET_SYSTEMS) == set(TargetType), set(TargetType) - set(TARGET_SYSTEMS)
    for target, system in TARGET_SYSTEMS.items():
        assert system.dialect in SQL_QUOTES, target
        Dialect.get_or_raise(system.dialect)
        assert sql_ident("order", system.dialect) != "order", target  # reserved words are quoted everywhere


def test_sh_word_env_expands_spec_references_and_quotes_the_rest() -> None:
    from pipegen.render.filters import sh_word_env

    cases = {
        "k=${secret:TOKEN}": "k=t'o $k`x`",
        "${env:URL}/api/x": "https://h/api/x",  # the URL's own trailing slash dropped before the path
        "plain ; rm -rf /": "plain ; rm -rf /",
        "": "",
    }
    env = {"TOKEN": "t'o $k`x`", "URL": "https://h/", "PATH": "/usr/bin:/bin"}
    for value, expected in cases.items():
        done = subprocess.run(["sh", "-euc", f"printf %s {sh_word_env(value)}"], env=env, capture_output=True,
                              text=True, check=True)  # fmt: skip
        assert done.stdout == expected, (value, done.stdout)
    unset = subprocess.run(["sh", "-euc", f"printf %s {sh_word_env('${secret:MISSING}')}"], env=env,
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert unset.returncode != 0 and "MISSING" in unset.stderr


def test_properties_value_escapes_what_java_properties_reads_specially() -> None:
    from pipegen.render.filters import properties_value

    assert properties_value("s3://b/") == "s3://b/"
    assert properties_value("a\\b") == "a\\\\b"
    assert properties_value(" x\né") == "\\u0020x\\u000a\\u00e9"
