"""The example specs: valid without warnings, each selecting the architecture it is named for."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import check
from pipegen.spec.model import Architecture
from tests.conftest import example_specs

EXPECTED = {
    "hello": "elt",
    "ecommerce_realtime": "kappa",
    "azure_playground": "lakehouse",
    "saas_elt": "elt",
    "pii_etl": "etl",
    "iot_lambda": "lambda",
    "jaffle_shop": "elt",
    "spark_lakehouse": "lakehouse",
    "iceberg_lakehouse": "lakehouse",
}


def test_every_example_declares_its_architecture_here() -> None:
    assert sorted(p.stem for p in example_specs()) == sorted(EXPECTED)


# Warnings an example is meant to show (each names a real limit of this version, never a typo):
# R341, rules on columns that ETL masks before they land cannot be checked after the load.
# (azure_playground streams in Spark: its page_views' watermark_delay is the Spark stream's
# withWatermark before its per-minute windows, so no R396 for it)
# (the Lakehouse examples run their medallion as Spark jobs on Delta, which register silver where dbt's
# production target reads it: no R464/R466; iceberg_lakehouse's silver is in Glue, which dbt's Spark Thrift
# server opens as its session catalog with dbt/spark-thrift/: no R464)
# (the Spark examples' batch sources land where the deployed job's bronze reads them: extract-load lands each
# committed batch under PIPEGEN_LANDING_ROOT, issue 21, so no R493/R500 for them)
EXPECTED_WARNINGS: dict[str, list[str]] = {
    "pii_etl": ["R341", "R341"],
    # R469: its sensors publish Avro: the batch layer's production topic reader decodes JSON only; R512 (x4): its
    # stream jobs write ClickHouse, which no connector released for Flink 2.x writes from SQL (the JDBC connector has
    # no ClickHouse dialect), in production as in compose.yaml; R453: on GCP the Flink operator's ServiceAccount
    # needs the workload identity annotation, which this project cannot write
    "iot_lambda": ["R469", "R512", "R512", "R512", "R512", "R453"],
    # its quality events go to Kafka on AWS, but a batch-only plan has no MSK cluster for the publisher to sign in to
    "saas_elt": ["R474"],
}


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_example_is_valid_with_no_warnings_but_the_ones_it_shows_on_purpose(spec: Path) -> None:
    checked, plan = check(spec)
    assert [d.code for d in checked.diagnostics] == EXPECTED_WARNINGS.get(spec.stem, [])
    assert all(d.severity == "warning" for d in checked.diagnostics)
    assert plan is not None


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_example_selects_the_architecture_it_is_named_for(spec: Path) -> None:
    _, plan = check(spec)
    assert plan is not None
    assert plan.architecture.value == EXPECTED[spec.stem]
    assert not plan.explicit, "examples leave architecture: auto so the selector is what is shown"


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_example_starts_with_modeline_and_summary(spec: Path) -> None:
    lines = spec.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../docs/pipegen.schema.json"
    assert lines[1].startswith("# ") and len(lines[1]) > 20
    data = YAML(typ="safe", pure=True).load(spec.read_text(encoding="utf-8"))
    assert "architecture" not in data


def test_every_architecture_has_an_example() -> None:
    covered = set(EXPECTED.values())
    assert covered == {a.value for a in Architecture if a != Architecture.AUTO}
