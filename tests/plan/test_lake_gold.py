"""Gold's partitioning from the plan's capacity figures (plan/lake_gold, issue 20): which output of a mart
partitions its gold table at which granularity, the file size, the reason `pipegen plan` prints (text and
JSON) and R366 for a `partition_by` column only a mart outputs. Expected figures worked out by hand from the
rules of thumb (docs/architecture.md), not from the code."""

from __future__ import annotations

from ruamel.yaml import YAML

from pipegen.pipeline import Ready, families_for, render_tree
from pipegen.plan.capacity import compute
from pipegen.plan.lake_findings import partition_findings
from pipegen.plan.lake_gold import expression_type, gold_choices
from pipegen.plan.plan import make_plan
from pipegen.planview import plan_json, plan_text
from pipegen.spec.model import Spec
from tests.families.test_lake_gold_partitions import GOLD_SPEC
from tests.families.test_lake_partitions import FILE_BYTES

MORE = """\
    - name: weekly
      from: daily_orders
      group_by: [order_day]
      measures: [{name: days, agg: count}]
    - name: cast_hours
      from: orders
      group_by:
        - {name: at, expr: "cast(updated_at as timestamp)"}
        - {name: amount_text, expr: "upper(cast(amount as varchar))"}
      measures: [{name: orders, agg: count}]
    - name: helper
      from: orders
      columns: [order_id, updated_at]
      materialized: ephemeral
"""


def spec_of(text: str) -> Spec:
    return Spec.model_validate(YAML(typ="safe").load(text.replace("FMT", "delta")))


def test_marts_with_a_time_output_are_partitioned_as_their_base_table_would_be() -> None:
    spec = spec_of(GOLD_SPEC + MORE)
    got = {c.mart: c for c in gold_choices(spec, compute(spec))}
    assert list(got) == ["daily_orders", "order_events", "amounts", "weekly", "cast_hours"]  # not the ephemeral one
    # 2.5e9 B a day at most (shop.orders): a day's partition >= 1 GiB, files of 2.5e9 / 3 B
    for name, source in (("daily_orders", "order_day"), ("order_events", "updated_at"),
                         ("weekly", "order_day"), ("cast_hours", "at")):  # fmt: skip
        layout = got[name].layout
        assert layout is not None and (layout.granularity, layout.source, layout.column) == (
            "day", source, "_pipegen_day"), name  # fmt: skip
        assert got[name].file_bytes == FILE_BYTES
    assert got["amounts"].layout is None and "no date or timestamp output" in got["amounts"].reason
    assert "at most shop.orders's 2.33 GiB a day" in got["daily_orders"].reason


def test_hourly_sized_marts_take_the_hour_but_a_date_output_the_day() -> None:
    # 500M rows x 300 B / 4 = 37.5e9 B a day: an hour holds 1.56e9 B, above 1 GiB: hour
    text = GOLD_SPEC.replace(
        "rows_per_day: 50000000, avg_row_bytes: 200", "rows_per_day: 500000000, avg_row_bytes: 300"
    )
    spec = spec_of(text)
    got = {c.mart: c.layout for c in gold_choices(spec, compute(spec))}
    assert got["order_events"] is not None and got["order_events"].granularity == "hour"
    assert got["daily_orders"] is not None and got["daily_orders"].granularity == "day"
    assert "order_day is a date" in got["daily_orders"].reason


def test_a_small_mart_is_not_partitioned_unless_partition_by_names_its_output() -> None:
    small = GOLD_SPEC.replace("rows_per_day: 50000000", "rows_per_day: 1000")
    spec = spec_of(small)
    got = {c.mart: c for c in gold_choices(spec, compute(spec))}
    # 1,000 x 200 B / 4 = 50 kB a day, 1.43 MiB in 30 days: one partition, files of the 512 MiB floor
    assert got["order_events"].layout is None and got["order_events"].file_bytes == 512 * 1024**2
    assert got["order_events"].reason.startswith("not partitioned: too small")
    assert "1.43 MiB retained in 30 days" in got["order_events"].reason
    declared = spec_of(small.replace("    connection: {bucket: lake}\n",
                                     "    connection: {bucket: lake}\n    partition_by: [order_day]\n"))  # fmt: skip
    got = {c.mart: c for c in gold_choices(declared, compute(declared))}
    assert got["daily_orders"].layout is not None and got["daily_orders"].layout.granularity == "day"
    assert got["order_events"].layout is None
    # order_day is a mart's output, not a table's column: it partitions gold, so no R366
    assert [f.code for f in partition_findings(declared, compute(declared))] == []
    unused = spec_of(small.replace("    connection: {bucket: lake}\n",
                                   "    connection: {bucket: lake}\n    partition_by: [amount]\n"))  # fmt: skip
    assert [f.code for f in partition_findings(unused, compute(unused))] == ["R366"]


def test_plan_prints_each_marts_gold_partitioning() -> None:
    spec = spec_of(GOLD_SPEC)
    plan = make_plan(spec)
    ready = Ready(spec, plan, [])
    text = plan_text(ready, list(families_for(plan)), sorted(render_tree(spec, plan)))
    assert "  lake gold daily_orders: by day(order_day) (Delta/Parquet: column _pipegen_day)" in text
    assert "  lake gold amounts: not partitioned: no date or timestamp output to partition by" in text
    data = plan_json(ready, list(families_for(plan)), [])["capacity"]["lake_gold"]
    assert [(g["mart"], (g["gold"] or {}).get("source")) for g in data] == [
        ("daily_orders", "order_day"), ("order_events", "updated_at"), ("amounts", None)]  # fmt: skip
    assert all(g["file_bytes"] == FILE_BYTES and g["reason"] for g in data)


def test_the_time_calls_are_typed_whatever_the_case_of_their_keywords() -> None:
    class Columns:
        def type_of(self, *ref: str) -> str | None:
            return {"updated_at": "timestamp", "amount": "decimal(10,2)"}.get(ref[-1])

    scope = Columns()
    typed = {text: expression_type(text, scope) for text in (  # type: ignore[arg-type]
        "date(updated_at)", " DATE ( updated_at ) ", "cast(updated_at as date)", "CAST(updated_at AS Timestamp)",
        "Cast( updated_at as TIMESTAMP )", "date(amount)", "cast(amount as date)", "dates(updated_at)",
        "cast(updated_at as time)",
    )}  # fmt: skip
    assert typed == {
        "date(updated_at)": "date", " DATE ( updated_at ) ": "date", "cast(updated_at as date)": "date",
        "CAST(updated_at AS Timestamp)": "timestamp", "Cast( updated_at as TIMESTAMP )": "timestamp",
        "date(amount)": None, "cast(amount as date)": None, "dates(updated_at)": None,
        "cast(updated_at as time)": None,
    }  # fmt: skip
