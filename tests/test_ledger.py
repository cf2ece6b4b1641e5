"""Nothing in a spec is dropped silently: every value of every example reaches a generated file,
a located warning, the allow-list, or is held by validate (pipegen.ledger), found by changing
the value and rendering again in memory, not from the generators' own account.

The suite samples each example deterministically (every value of the small ones, every third
of the others, and always the kinds of value once found dropped: filters, options,
descriptions, tags); `python -m benchmarks.ledger` sweeps them all. Each drop the ledger found
has a minimal regression spec below, with what it must reach written out by hand.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from pipegen.ledger import Entry, baseline, leaves, ledger, trace, unaccounted
from pipegen.ledger.core import Baseline, covering_warning
from pipegen.ledger.perturb import replace_at
from pipegen.spec.diagnostics import dotted
from tests.conftest import REPO, example_specs, spec_data
from tests.families.cdc_specs import cdc_spec

FULL_SWEEP_BELOW = 120  # values: smaller examples are traced whole
EVERY = 3  # otherwise every third value
ALWAYS = ("filter", "options", "description", "tags")  # kinds of value the ledger found dropped

# Drops another branch is fixing (issue 19: marts, their quality rules and the Airflow section
# under a Kappa plan, and an ETL plan whose engine is not generated; branch `marts`). Patterns
# (fnmatch) of paths that are unaccounted today; the test fails when one of them reaches a file or
# a warning, so the entry is removed then (values validate holds in place are ignored).
# Drops left to another issue: the target's cloud region is read by no generated file until the
# Terraform family (issue "Infrastructure you can deploy") lands; it needs a warning meanwhile.
KNOWN_ELSEWHERE: dict[str, tuple[str, ...]] = {"pii_etl": ("targets[[]0].connection.region",)}


def sample(base: Baseline) -> list[tuple[str | int, ...]]:
    every = leaves(base.data)
    if len(every) <= FULL_SWEEP_BELOW:
        return every
    return [p for i, p in enumerate(every) if i % EVERY == 0 or any(k in map(str, p) for k in ALWAYS)]


def _known(name: str, path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in KNOWN_ELSEWHERE.get(name, ()))


def _really_reaches(entry: Entry) -> bool:
    """Warned, or reaching more than .env.example (a secret reference of an unsent notification is
    listed there: not what the known drop is about)."""
    return entry.status == "warned" or (entry.status == "reaches" and set(entry.files) != {".env.example"})


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_every_sampled_value_of_an_example_reaches_a_file_or_a_warning(spec: Path) -> None:
    base = baseline(spec)
    paths = sample(base)
    entries = {dotted(p): trace(base, p) for p in paths}
    assert entries, "the ledger traced nothing"
    assert sum(e.status == "reaches" for e in entries.values()) > len(entries) / 2, "most values reach a file"
    dropped = {path: e for path, e in entries.items() if not e.accounted}
    new = {path: f"{e.status}: {e.why}" for path, e in dropped.items() if not _known(spec.stem, path)}
    assert new == {}, "dropped silently (explain with `pipegen explain SPEC PATH`)"
    fixed = [p for p, e in entries.items() if _known(spec.stem, p) and _really_reaches(e)]
    assert fixed == [], "accounted for now: remove these from KNOWN_ELSEWHERE"


# ---------------------------------------------------------------- the ledger itself


def test_a_renderer_that_ignores_the_spec_leaves_every_free_value_unaccounted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin of the examples' test: the ledger does catch a drop."""
    from pipegen.ledger import core

    real = core._render
    frozen = real(*_spec_and_plan(spec_data()))
    monkeypatch.setattr(core, "_render", lambda spec, plan: dict(frozen))
    missing = unaccounted(spec_data())
    assert "sources[0].tables[0].columns[1].type" in missing
    assert "pipeline.name" in missing
    assert "version" not in missing  # held: validate refuses every other version


def test_a_reference_the_renderer_ignores_is_unchanged_when_pointed_at_another_that_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mart's `from` pointed at an unknown table is refused by validate (held); the ledger also
    points it at another table the spec has, so a renderer that ignores which table it names shows
    the reference as dropped (ledger7 found such a drop, a stream sink's target, reading a plan)."""
    from pipegen.ledger import core

    data = spec_data(
        transforms={"marts": [{"name": "counts", "from": "orders", "measures": [{"name": "n", "agg": "count"}]}]}
    )
    refunds = copy.deepcopy(data["sources"][0]["tables"][0]) | {"name": "refunds"}
    data["sources"][0]["tables"].append(refunds)
    real = core._render
    twin = copy.deepcopy(data)
    twin["sources"][0]["tables"].append(copy.deepcopy(data["sources"][0]["tables"][0]) | {"name": "orders_zq"})
    monkeypatch.setattr(core, "_render", _ignoring_the_marts_table(real, {"refunds": data, "orders_zq": twin}))
    entry = trace(baseline(data), ("transforms", "marts", 0, "from"))
    assert entry.status == "unchanged", entry
    monkeypatch.setattr(core, "_render", real)
    entry = trace(baseline(data), ("transforms", "marts", 0, "from"))
    assert entry.status == "reaches" and entry.how == "'orders' -> 'refunds' (another of its kind)", entry


def test_a_reference_validate_will_not_move_to_another_table_is_moved_to_a_copy_of_its_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other table has none of the mart's columns, so validate refuses the move (the reference
    was `held`, and a renderer that ignored it went unseen); a copy of `orders` under another name
    has them all: the reference moved to it validates, and is compared with the spec that has the copy."""
    from pipegen.ledger import core

    mart = {"name": "revenue", "from": "orders", "measures": [{"name": "total", "agg": "sum", "column": "amount"}]}
    data = spec_data(transforms={"marts": [mart]})
    other = {"name": "customers", "primary_key": "id", "columns": [{"name": "id", "type": "bigint"}]}
    data["sources"][0]["tables"].append(other)
    control = copy.deepcopy(data)
    control["sources"][0]["tables"].append(copy.deepcopy(data["sources"][0]["tables"][0]) | {"name": "orders_zq"})
    real = core._render
    monkeypatch.setattr(core, "_render", _ignoring_the_marts_table(real, {"orders_zq": control}))
    path = ("transforms", "marts", 0, "from")
    entry = trace(baseline(data), path)
    assert entry.status == "unchanged", entry
    monkeypatch.setattr(core, "_render", real)
    entry = trace(baseline(data), path)
    assert entry.status == "reaches" and entry.how == "'orders' -> 'orders_zq' (a copy of its table)", entry
    assert "dbt/models/marts/revenue.sql" in entry.files


def _ignoring_the_marts_table(real: Any, instead: dict[str, dict[str, Any]]) -> Any:
    """A renderer that ignores which table the first mart reads: for a mart `from` one of `instead`,
    the files of that spec as given (the mart on its original table)."""

    def render(spec: Any, plan: Any) -> dict[str, str]:
        other = instead.get(spec.transforms.marts[0].from_)
        return dict(real(*_spec_and_plan(other))) if other is not None else real(spec, plan)

    return render


def _spec_and_plan(data: dict[str, Any]) -> tuple[Any, Any]:
    from pipegen.plan.plan import make_plan
    from pipegen.spec.validate import check_data

    checked = check_data(data)
    assert checked.spec is not None
    return checked.spec, make_plan(checked.spec)


def test_the_ledger_api_takes_a_dict_text_or_path_and_agrees() -> None:
    path = REPO / "specs" / "hello.yaml"
    leaf = [("sources", 0, "tables", 0, "watermark")]
    by_path = ledger(path, leaf)
    by_text = ledger(path.read_text(encoding="utf-8"), leaf)
    assert by_path == by_text
    entry = by_path["sources[0].tables[0].watermark"]
    assert entry.status == "reaches" and "pipeline/sources.py" in entry.files


def test_a_warning_covers_its_path_and_what_it_encloses_but_not_a_whole_section() -> None:
    data = spec_data()
    data["sources"][0]["connection"] = {"options": {"x": 1}}
    data["sources"][0]["type"] = "mysql"
    data["sources"][0]["ingestion"] = "cdc"
    data["latency"] = "1m"
    data["targets"][0]["connection"] = {"options": {"threads": 4}}
    base = baseline(data)
    warning = covering_warning(base, ("targets", 0, "connection", "options", "threads"))
    assert warning is not None and warning.code == "R361"
    assert covering_warning(base, ("targets", 0, "name")) is None


def test_a_spec_that_does_not_validate_raises_with_its_diagnostics() -> None:
    from pipegen.spec.diagnostics import SpecError

    with pytest.raises(SpecError) as caught:
        ledger({**spec_data(), "latency": "soon"})
    assert any(d.path == "latency" for d in caught.value.diagnostics)


# ---------------------------------------------------------------- regression specs of the drops found


def _table(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data["sources"][0]["tables"][0] = {**data["sources"][0]["tables"][0], **fields}
    return data


def test_a_batch_sql_tables_filter_is_the_extract_querys_where_in_the_source_dialect() -> None:
    data = _table(spec_data(), filter="amount > 0")
    data["sources"][0]["type"] = "mysql"
    entry = ledger(data, [("sources", 0, "tables", 0, "filter")])["sources[0].tables[0].filter"]
    assert entry.status == "reaches" and "pipeline/sources.py" in entry.files
    sources = baseline(data).files["pipeline/sources.py"]
    assert 'where="`amount` > 0",' in sources  # MySQL quotes with backticks
    assert "where_local='\"amount\" > 0'," in sources  # the SQLite stand-in
    assert "local=settings.local)" in sources


def test_a_synthetic_tables_filter_applies_to_its_sqlite_file() -> None:
    data = _table(spec_data(), filter="amount > 0")
    data["sources"][0] = {**data["sources"][0], "type": "faker"}
    sources = baseline(data).files["pipeline/sources.py"]
    assert "where_local='\"amount\" > 0'," in sources and ", local=True)" in sources


def test_a_cdc_tables_filter_holds_in_the_stream_jobs_that_read_it() -> None:
    data = cdc_spec("postgres", "kappa")
    data["sources"][0]["tables"][0] = {**data["sources"][0]["tables"][0], "filter": "status <> 'void'"}
    # a per-event job over a changelog writes by key (R498), to a target Flink upserts (Kafka)
    data["targets"] = [*data["targets"], {"name": "changes", "type": "kafka"}]
    sink = {"target": "changes", "mode": "upsert", "key": ["order_id"]}
    data["transforms"] = {"streams": [{"name": "big_orders", "from": "orders", "columns": ["order_id", "amount"],
                                       "sink": sink}]}  # fmt: skip
    base = baseline(data)
    assert "WHERE `orders`.`status` <> 'void';" in base.files["flink/sql/shop__big_orders.sql"]
    assert trace(base, ("sources", 0, "tables", 0, "filter")).files == ("flink/sql/shop__big_orders.sql",)


def test_a_cdc_tables_filter_no_stream_job_reads_gets_a_located_warning() -> None:
    data = cdc_spec("postgres", "kappa")
    data["sources"][0]["tables"][0] = {**data["sources"][0]["tables"][0], "filter": "status <> 'void'"}
    entry = ledger(data, [("sources", 0, "tables", 0, "filter")])["sources[0].tables[0].filter"]
    assert entry.status == "warned" and entry.why.startswith("R362 at sources[0].tables[0].filter")
    assert "Debezium captures every row" in entry.why


def test_an_api_tables_filter_gets_a_located_warning() -> None:
    data = spec_data()
    data["sources"][0] = {
        "name": "crm", "type": "api", "connection": {"url": "https://crm.example.com"},
        "tables": [{"name": "contacts", "endpoint": "/contacts", "filter": "id > 0",
                    "columns": [{"name": "id", "type": "bigint"}]}],
    }  # fmt: skip
    assert [d.code for d in baseline(data).diagnostics] == ["R362"]


def test_cdc_connection_options_reach_every_debezium_connector_config() -> None:
    data = cdc_spec("postgres", "kappa")
    options = {"snapshot.mode": "no_data", "max.batch.size": 4096, "provide.transaction.metadata": True}
    data["sources"][0]["connection"] = {**data["sources"][0]["connection"], "options": options}
    files = baseline(data).files
    rest = json.loads(files["debezium/connect/shop-app-cdc.json"])["config"]
    local = json.loads(files["pipeline/capture.json"])["sources"][0]["properties"]
    expected = {"snapshot.mode": "no_data", "max.batch.size": "4096", "provide.transaction.metadata": "true"}
    for config in (rest, local):
        assert {k: config[k] for k in expected} == expected
    assert '"max.batch.size": "4096"' in files["debezium/strimzi/shop-app-cdc.yaml"]


def test_a_secret_in_cdc_options_goes_through_the_config_provider() -> None:
    data = cdc_spec("postgres", "kappa")
    options = {"database.sslpassword": "${secret:APP_SSL_PASSWORD}"}
    data["sources"][0]["connection"] = {**data["sources"][0]["connection"], "options": options}
    files = baseline(data).files
    value = json.loads(files["debezium/connect/shop-app-cdc.json"])["config"]["database.sslpassword"]
    assert value.startswith("${") and "APP_SSL_PASSWORD" in value
    assert "APP_SSL_PASSWORD" in files[".env.example"]


def test_batch_sql_connection_options_are_the_urls_query_parameters() -> None:
    data = spec_data()
    data["sources"][0]["connection"] = {"host": "db", "options": {"sslmode": "require", "connect_timeout": 10}}
    sources = baseline(data).files["pipeline/sources.py"]
    assert 'query={"connect_timeout": "10", "sslmode": "require"},' in sources


def test_kafka_source_options_are_the_flink_consumers_properties() -> None:
    data = spec_data(latency="1m")
    data["sources"] = [{
        "name": "events", "type": "kafka", "ingestion": "stream",
        "connection": {"bootstrap_servers": "kafka:9092", "options": {"security.protocol": "SSL"}},
        "topics": [{"name": "clicks", "columns": [{"name": "id", "type": "bigint"}]}],
    }]  # fmt: skip
    data["transforms"] = {"streams": [{"name": "all_clicks", "from": "clicks", "columns": ["id"]}]}
    sql = baseline(data).files["flink/sql/shop__all_clicks.sql"]
    assert "'properties.security.protocol' = 'SSL'" in sql


def test_tags_and_the_declared_volume_reach_the_docs() -> None:
    data = spec_data()
    data["pipeline"] = {"name": "shop", "tags": ["finance", "daily"]}
    data["volume"] = {"rows_per_day": 1234567}
    files = baseline(data).files
    assert "| Tags | finance, daily |" in files["docs/architecture.md"]
    assert "The spec declares 1,234,567 rows/day" in files["docs/plan.md"]


def test_a_source_columns_description_reaches_dbts_sources_even_when_a_derived_column_replaces_it() -> None:
    data = spec_data()
    table = data["sources"][0]["tables"][0]
    table["columns"][1] = {**table["columns"][1], "description": "Amount in cents."}
    table["derived"] = [{"name": "amount", "expr": "amount / 100", "type": "double", "description": "In dollars."}]
    files = baseline(data).files
    sources_yml = next(text for path, text in files.items() if path.endswith("_sources.yml"))
    assert "Amount in cents." in sources_yml
    assert "In dollars." in files["dbt/models/staging/_staging.yml"]


def test_a_files_tables_explicit_format_wins_over_the_paths_suffix() -> None:
    data = spec_data()
    data["sources"][0] = {
        "name": "exports", "type": "files", "connection": {"path": "data/exports"},
        "tables": [{"name": "orders", "path": "orders.csv", "format": "json",
                    "columns": [{"name": "id", "type": "bigint"}]}],
    }  # fmt: skip
    assert '"format": "json",' in baseline(data).files["pipeline/sources.py"]


# ---------------------------------------------------------------- pipegen explain


def _explain(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from pipegen.cli import app

    result = CliRunner().invoke(app, ["explain", *args])
    return result.exit_code, result.output


def test_explain_lists_the_files_a_path_reaches() -> None:
    code, out = _explain(str(REPO / "specs" / "saas_elt.yaml"), "sources[0].tables[1].filter")
    assert code == 0
    assert out.splitlines()[0].startswith("sources[0].tables[1].filter  (")
    assert "    pipeline/sources.py" in out.splitlines()


def test_explain_takes_file_and_line_and_explains_every_value_on_it() -> None:
    spec = REPO / "specs" / "hello.yaml"
    line = next(i for i, text in enumerate(spec.read_text().splitlines(), 1) if "name: customer_id" in text)
    code, out = _explain(str(spec), f"{spec}:{line}", "--format", "json")
    assert code == 0
    paths = [item["path"] for item in json.loads(out)]
    assert paths == [f"sources[0].tables[0].columns[1].{k}" for k in ("name", "type", "not_null")]


def test_explain_of_a_path_the_spec_does_not_have_says_so_with_a_suggestion() -> None:
    with pytest.raises(Exception) as caught:  # UserError: main() prints it and exits 1
        _explain_raising(str(REPO / "specs" / "hello.yaml"), "sources[0].tabels[0].name")
    assert "is not a path of" in str(caught.value)
    assert "did you mean" in (getattr(caught.value, "hint", "") or "")


def _explain_raising(spec: str, path: str) -> None:
    from pipegen.ledger.explain import explain

    explain(Path(spec), path)


def test_a_tables_quality_severity_reaches_the_table_checks_it_governs() -> None:
    data = spec_data()
    data["sources"][0]["tables"][0]["quality"] = {"row_count": {"min": 1}, "severity": "warn"}
    entry = trace(baseline(data), ("sources", 0, "tables", 0, "quality", "severity"))
    assert entry.status == "reaches" and "gx/expectations/stg_db__orders.json" in entry.files


def test_a_tables_quality_severity_that_governs_no_check_gets_a_located_warning() -> None:
    data = spec_data()
    data["sources"][0]["tables"][0]["columns"][0]["not_null"] = True  # a column rule: not governed by it
    data["sources"][0]["tables"][0]["quality"] = {"freshness": {"warn_after": "1d"}, "severity": "warn"}
    entry = trace(baseline(data), ("sources", 0, "tables", 0, "quality", "severity"))
    assert entry.status == "warned" and entry.why.startswith("R481 at sources[0].tables[0].quality.severity")


def test_an_ephemeral_marts_output_descriptions_reach_the_dbt_docs() -> None:
    mart = {"name": "order_days", "from": "orders", "materialized": "ephemeral",
            "group_by": [{"name": "day", "expr": "date_trunc('day', updated_at)", "description": "The day."}],
            "measures": [{"name": "orders", "agg": "count", "description": "Orders that day."}]}  # fmt: skip
    data = spec_data(transforms={"marts": [mart]})
    base = baseline(data)
    for path in (("transforms", "marts", 0, "group_by", 0, "description"),
                 ("transforms", "marts", 0, "measures", 0, "description")):  # fmt: skip
        assert trace(base, path).files == ("dbt/models/marts/_marts.yml",)
    assert "data_tests" not in base.files["dbt/models/marts/_marts.yml"]  # an ephemeral model has no relation


def test_a_reference_is_never_pointed_at_its_own_name_in_another_case() -> None:
    """Spec names are case-insensitive: `Receipts` -> `receipts` (a measure's name nearby) is the same
    reference, and left every file as it was (an `unchanged` the ledger reported for a mart's `from`)."""
    from pipegen.ledger.perturb import nearby_names

    data = {"marts": [{"from": "Receipts", "measures": [{"name": "receipts"}, {"name": "revenue"}]}]}
    assert nearby_names(data, ("marts", 0, "from"), "Receipts") == ["revenue"]


def test_a_table_reference_moves_to_the_copy_with_the_columns_its_element_qualifies_with_it() -> None:
    """`customers.segment` in the mart's columns would be refused (R250) beside `from: customers_zq`:
    the copy is also tried with every use of the table's name in the mart renamed, and nothing else."""
    from pipegen.ledger.perturb import candidates

    mart = {"name": "m", "from": "orders", "joins": [{"table": "customers", "on": {"customer_id": "id"}}],
            "columns": ["orders.order_id", "customers.segment"]}  # fmt: skip
    data = spec_data(transforms={"marts": [mart]})
    customers = {"name": "customers", "primary_key": "id", "columns": [{"name": "id", "type": "bigint"}]}
    data["sources"][0]["tables"].append(customers)
    found = {c.how: c for c in candidates(data, ("transforms", "marts", 0, "joins", 0, "table"))}
    whole = found["'customers' -> 'customers_zq' (a copy of its table, in all of its element)"]
    assert whole.control["sources"][0]["tables"][-1] == customers | {"name": "customers_zq"}
    assert whole.data["transforms"]["marts"][0] == {
        **mart, "joins": [{"table": "customers_zq", "on": {"customer_id": "id"}}],
        "columns": ["orders.order_id", "customers_zq.segment"],
    }  # fmt: skip
    assert whole.data["sources"] == whole.control["sources"] and whole.control["transforms"] == data["transforms"]


def test_a_qualified_reference_moves_to_the_copy_of_its_table() -> None:
    """`source.table` (a mart's `from`, a join's `table`) and a foreign key's `table.column` or
    `source.table.column` were `held` (every text change of them is refused): the copy move now
    points the table part at `<table>_zq` in the same source, and the ledger compares with the spec
    that has the copy, so a generator that ignored the reference would show as `unchanged`."""
    from pipegen.ledger.perturb import candidates

    join = {"table": "db.customers", "on": {"customer_id": "id"}}
    data = spec_data(transforms={"marts": [{"name": "m", "from": "db.orders", "columns": ["order_id", "segment"],
                                            "joins": [join]}]})  # fmt: skip
    customers = {"name": "customers", "primary_key": "id",
                 "columns": [{"name": "id", "type": "bigint"}, {"name": "segment", "type": "string"}]}  # fmt: skip
    data["sources"][0]["tables"].append(customers)
    orders = data["sources"][0]["tables"][0]
    orders["columns"] += [
        {"name": "customer_id", "type": "bigint", "foreign_key": "db.customers.id"},
        {"name": "buyer_id", "type": "bigint", "foreign_key": {"references": "customers.id"}},
    ]
    fk, long_fk = ("sources", 0, "tables", 0, "columns", 3, "foreign_key"), ("sources", 0, "tables", 0, "columns", 4)
    moves = {
        ("transforms", "marts", 0, "from"): ("db.orders", "db.orders_zq"),
        ("transforms", "marts", 0, "joins", 0, "table"): ("db.customers", "db.customers_zq"),
        fk: ("db.customers.id", "db.customers_zq.id"),
        (*long_fk, "foreign_key", "references"): ("customers.id", "customers_zq.id"),
    }
    for path, (old, new) in moves.items():
        found = {c.how: c for c in candidates(data, path)}
        moved = found[f"{old!r} -> {new!r} (a copy of its table)"]
        twin = next(part for part in new.split(".") if part.endswith("_zq"))
        assert moved.control is not None and moved.control["sources"][0]["tables"][-1]["name"] == twin
        assert moved.data == replace_at(moved.control, path, new)
    base = baseline(data)
    for path in (("transforms", "marts", 0, "joins", 0, "table"), fk):
        entry = trace(base, path)
        assert entry.status == "reaches" and entry.how.endswith("(a copy of its table)"), entry
    assert "dbt/models/staging/_staging.yml" in trace(base, fk).files


def test_a_reference_to_a_mart_moves_to_a_copy_of_the_mart() -> None:
    """A mart's `from`/join naming another mart and a foreign key `mart.column` were `held` like a
    table's: the copy move appends a copy of the mart under `<mart>_zq` (the control) and points the
    reference at it."""
    from pipegen.ledger.perturb import candidates, get

    base_mart = {"name": "per_order", "from": "orders", "columns": ["order_id"]}
    top = {"name": "top", "from": "per_order", "columns": [{"expr": "order_id", "foreign_key": "per_order.order_id"}]}
    data = spec_data(transforms={"marts": [base_mart, top]})
    for path, new in ((("transforms", "marts", 1, "from"), "per_order_zq"),
                      (("transforms", "marts", 1, "columns", 0, "foreign_key"), "per_order_zq.order_id")):  # fmt: skip
        found = {c.how: c for c in candidates(data, path)}
        moved = found[f"{get(data, path)!r} -> {new!r} (a copy of its table)"]
        assert moved.control["transforms"]["marts"] == [base_mart, top, base_mart | {"name": "per_order_zq"}]
        assert moved.data == replace_at(moved.control, path, new)
