"""The terraform family's HCL writer and cloud names, without a tool: every string a literal
(Terraform's template sequences `${` and `%{` escaped as `$${` and `%%{`, per the HCL native syntax
spec), and every cloud name within its cloud's documented limits for any pipeline name."""

from __future__ import annotations

import re

import pytest

from pipegen.generators.terraform.hcl import Attr, Ref, block, quote, render
from pipegen.plan.cloudnames import cloud_names, tags
from pipegen.spec.model import Spec

HOSTILE = 'a"b\\c${var.x}%{if true}\n\tend'


def test_quote_escapes_every_character_terraform_would_read_as_syntax() -> None:
    assert quote(HOSTILE) == '"a\\"b\\\\c$${var.x}%%{if true}\\n\\tend"'
    assert quote("\x01") == '"\\u0001"'


def test_render_aligns_like_terraform_fmt_and_keeps_refs_bare() -> None:
    text = render([block("resource", "t", "n", body=[Attr("a", 1), Attr("long_name", Ref("var.x")),
                                                     Attr("m", {"k": "v"}), block("b")])])  # fmt: skip
    assert text == (
        'resource "t" "n" {\n  a         = 1\n  long_name = var.x\n  m = {\n    k = "v"\n  }\n\n  b {}\n}\n'
    )


def spec(name: str, cloud: str, owner: str = "team@example.com", spec_tags: tuple[str, ...] = ()) -> Spec:
    return Spec.model_validate({
        "version": 1, "pipeline": {"name": name, "owner": owner, "tags": list(spec_tags)}, "latency": "1h",
        "cloud": cloud, "sources": [{"name": "db", "type": "postgres", "tables": [
            {"name": "t", "primary_key": "id", "columns": [{"name": "id", "type": "bigint"}]}]}],
        "targets": [{"name": "wh", "type": "duckdb"}],
    })  # fmt: skip


LONG = "a" * 30 + "_pipeline_with_a_long_name_x"  # 58 characters: the spec allows 63


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_cloud_names_stay_within_each_clouds_limits(cloud: str) -> None:
    for env in ("dev", "production-eu-west-with-a-long-name"):
        names = cloud_names(spec(LONG, cloud), env, ["DB_PASSWORD", "db_password"])
        assert len(names.prefix) <= 40 and re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", names.prefix)
        for _, bucket in names.buckets:
            assert 3 <= len(bucket) <= 63
        for _, identity in names.identities:
            assert len(identity) <= (30 if cloud == "gcp" else 64)
            assert cloud != "gcp" or len(identity) >= 6
        assert re.fullmatch(r"[a-z0-9_]{1,255}", names.catalog_database)  # Glue (and Athena) database names
        secrets = dict(names.secrets)
        assert len(set(secrets.values())) == 2  # two spec secrets differing in case stay distinct
        if cloud == "azure":
            assert names.storage_account and re.fullmatch(r"[a-z0-9]{3,24}", names.storage_account)
            assert names.key_vault and 3 <= len(names.key_vault) <= 24 and names.key_vault[0].isalpha()
            assert len(names.stream) <= 50


def test_gcp_labels_are_lowercase_letters_digits_and_dashes() -> None:
    found = dict(tags(spec("p", "gcp", owner="Data Team <data@example.com>", spec_tags=("Tier 1", "9lives")), "dev"))
    for key, value in found.items():
        assert re.fullmatch(r"[a-z][a-z0-9_-]{0,62}", key), key
        assert re.fullmatch(r"[a-z0-9_-]{0,63}", value), value
    assert found["owner"] == "data_team__data_example_com_"
