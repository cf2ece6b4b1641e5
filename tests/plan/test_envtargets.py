"""deploy.environments.<env>.targets overrides: the name of a target per environment and which
overrides the planner still warns about (R415). What the generated code does with them is judged in
tests/families/test_environment_targets.py and test_dbt_warehouse_parse.py."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from pipegen.plan.envtargets import environment_output, environment_targets
from pipegen.plan.plan import make_plan
from pipegen.spec.validate import check_data
from tests.conftest import REPO


def _load(path: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((REPO / path).read_text(encoding="utf-8"))
    return data


def _r415(data: dict[str, Any]) -> list[tuple[str, ...]]:
    checked = check_data(data)
    assert checked.spec is not None
    return [f.path[2:] for f in make_plan(checked.spec).findings if f.code == "R415"]


def test_an_environments_target_name_never_equals_a_target_name_and_fits_the_identifier_limit() -> None:
    assert environment_output("Warehouse", "pre-prod") == "warehouse-pre-prod"
    long = environment_output("t" * 255, "prod")
    assert len(long) == 255 and long.endswith("-prod") and long != environment_output("t" * 254 + "u", "prod")


def test_the_ecommerce_prod_override_is_merged_and_no_longer_warned() -> None:
    data = _load("specs/ecommerce_realtime.yaml")
    checked = check_data(data)
    assert checked.spec is not None
    (prod,) = environment_targets(checked.spec, checked.spec.targets[0])
    assert (prod.environment, prod.output, prod.fields) == ("prod", "warehouse-prod", ("host", "password"))
    assert prod.target.connection.host == "${env:CLICKHOUSE_PROD_HOST}" and prod.target.connection.port == 8443
    assert _r415(data) == []


def test_a_key_no_reader_takes_and_a_target_a_stream_sink_reads_stay_warned() -> None:
    data = _load("tests/invalid/fixtures/environment_override_stream_sink.yaml")
    assert _r415(data) == [("prod", "targets", "serving", "host")]  # dbt and dlt take it, the Flink sink not
    data["transforms"].pop("streams")
    data["sources"][0]["ingestion"] = "batch"
    assert _r415(data) == []
    data["deploy"]["environments"]["prod"]["targets"]["serving"]["options"] = {"sslmode": "require"}
    assert _r415(data) == [("prod", "targets", "serving", "options")]


GX_ONLY: dict[str, Any] = {
    "version": 1,
    "pipeline": {"name": "gx_only"},
    "latency": "1d",
    "sources": [{"name": "db", "type": "postgres",
                 "connection": {"host": "db", "database": "shop", "user": "app", "password": "${secret:DB_PASSWORD}"},
                 "tables": [{"name": "orders", "primary_key": "id",
                             "columns": [{"name": "id", "type": "bigint", "not_null": True}]}]}],
    "targets": [{"name": "lake", "type": "duckdb"},
                {"name": "ch", "type": "clickhouse",
                 "connection": {"host": "ch", "database": "dwh", "user": "app", "password": "${secret:CH_PASSWORD}"}}],
    "deploy": {"environments": {"prod": {"targets": {"ch": {"database": "dwh_prod"}}}}},
}  # fmt: skip


def test_an_override_only_gxs_warehouse_checks_read_reaches_them_and_is_not_warned() -> None:
    """ClickHouse's `database`: not a dbt-clickhouse profile key, and dlt lands in the first target (DuckDB),
    but GX's data source for `ch-prod` connects to it. R415 said it reached no generated file; the ledger
    (which changes the value and renders again) finds it in gx/checks.json and nowhere else."""
    from pipegen.ledger import ledger

    path = ("deploy", "environments", "prod", "targets", "ch", "database")
    assert _r415(GX_ONLY) == []
    (entry,) = ledger(GX_ONLY, paths=[path]).values()
    assert (entry.status, entry.files) == ("reaches", ("gx/checks.json",)), entry
    # a key GX's URL does not name (nor dbt's profile, nor dlt): still warned, and the ledger finds no file
    unread = {**GX_ONLY, "deploy": {"environments": {"prod": {"targets": {"ch": {"options": {"secure": "1"}}}}}}}
    assert _r415(unread) == [("prod", "targets", "ch", "options")]
    (entry,) = ledger(unread, paths=[(*path[:-1], "options", "secure")]).values()
    assert entry.status == "warned" and "GX's warehouse checks" in entry.why, entry


def test_gx_reads_exactly_the_fields_of_its_data_sources_url() -> None:
    """R415's GX reader set is what the GX family's URL takes, field for field: a marker in each connection
    field reaches the URL exactly when gx_reads names the field."""
    from pydantic import ValidationError

    from pipegen.generators.gx.sql import GX_SQL, url
    from pipegen.plan.envtargets import gx_reads
    from pipegen.spec.model import Connection, Target

    judged = 0
    for kind, gx in GX_SQL.items():
        fields = gx_reads(Target.model_validate({"name": "t", "type": kind.value}))
        assert fields, kind
        for name, info in Connection.model_fields.items():
            marker: object = 65001 if name == "port" else "zqmarker"
            try:
                conn = Connection.model_validate({info.alias or name: marker})
            except ValidationError:
                continue  # a field that takes no scalar (options, ...): never part of a URL
            assert (str(marker) in url(gx, conn)) == (name in fields), (kind, name)
            judged += 1
    assert judged > 8 * len(GX_SQL)
