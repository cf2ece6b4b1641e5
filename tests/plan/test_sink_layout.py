"""A stream job's Delta sink table's partitioning from the plan's capacity figures (plan/sink_layout, issue 20,
session 46): which output partitions it at which granularity, the file size and the reason `pipegen plan` prints
(text and JSON). Expected figures worked out by hand from the rules of thumb (docs/architecture.md)."""

from __future__ import annotations

from ruamel.yaml import YAML

from pipegen.plan.capacity import compute
from pipegen.plan.names import names
from pipegen.plan.sink_layout import SinkChoice, describe_sink, sink_choices
from pipegen.spec.model import Spec

SPEC = """\
version: 1
pipeline: {name: sinks}
latency: 1m
volume: {rows_per_day: ROWS, avg_row_bytes: 200}
sources:
  - name: shop
    type: kafka
    ingestion: stream
    topics:
      - name: orders
        format: json
        event_time: placed_at
        columns:
          - {name: id, type: bigint, not_null: true}
          - {name: region, type: string}
          - {name: placed_on, type: date}
          - {name: placed_at, type: "timestamp(3)"}
transforms:
  streams:
    - name: everything
      from: orders
      sink: {target: lake}
    - name: picked
      from: orders
      columns: [id, {name: day, expr: "date(placed_at)"}]
      sink: {target: lake}
    - name: untimed
      from: orders
      columns: [id, region]
      sink: {target: lake}
    - name: per_minute
      from: orders
      window: {type: tumble, size: 1m}
      group_by: [region]
      measures: [{name: orders, agg: count}]
      sink: {target: lake}
    - name: elsewhere
      from: orders
      sink: {target: db}
targets:
  - name: lake
    type: delta
    connection: {bucket: lake}
PARTITION_BY
  - name: db
    type: postgres
    connection: {host: db, database: app, user: app, password: "${secret:DB_PASSWORD}"}
"""


def choices(rows: int, partition_by: str = "") -> dict[str, SinkChoice]:
    text = SPEC.replace("ROWS", str(rows)).replace("PARTITION_BY\n", partition_by)
    spec = Spec.model_validate(YAML(typ="safe").load(text))
    capacity = compute(spec)
    return {c.job: c for c in sink_choices(spec, capacity, names(spec))}


def test_each_delta_sink_is_partitioned_by_its_time_output_at_its_inputs_granularity() -> None:
    # 200M rows x 200 B / 4 = 1e10 B a day at most: a day >= 1 GiB, an hour (4.2e8 B) not: by day
    got = choices(200_000_000)
    assert list(got) == ["everything", "picked", "untimed", "per_minute"]  # the Delta ones, not the postgres one
    laid = {job: (c.layout.granularity, c.layout.source) for job, c in got.items() if c.layout is not None}
    # every column by default: its input's event time; a date() output; the window's start
    assert laid == {"everything": ("day", "placed_at"), "picked": ("day", "day"), "per_minute": ("day", "window_start")}
    assert "by its input's event time (placed_at)" in got["everything"].reason
    assert "no date or timestamp output" in got["untimed"].reason
    assert {c.layout.column for c in got.values() if c.layout is not None} == {"_pipegen_day"}
    # files: 1e10 B over ceil(1e10 / 1 GiB) = 10 files of 1e9 B
    assert {c.file_bytes for c in got.values()} == {1_000_000_000}
    line = describe_sink(got["per_minute"])
    assert line.startswith("Delta sink per_minute (stream job per_minute): by day(window_start) (Delta: column")
    assert "at most shop.orders's 9.31 GiB a day" in line and "target file size 954 MiB" in line


def test_a_small_input_leaves_the_sink_whole_unless_the_target_names_its_column() -> None:
    # 10,000 rows x 200 B / 4 x 365 days = 182.5 MB retained: below 1 GiB
    got = choices(10_000)
    assert all(c.layout is None for c in got.values())
    assert "not partitioned: too small" in got["everything"].reason
    named = choices(10_000, "    partition_by: [placed_on]\n")
    layout = named["everything"].layout
    assert layout is not None and (layout.granularity, layout.source) == ("day", "placed_on")  # asked for: by day
    assert named["per_minute"].layout is None  # no placed_on output, and too small for the window's start
    big = choices(200_000_000, "    partition_by: [placed_on]\n")["everything"].layout
    assert big is not None and big.source == "placed_on"  # the target's choice over the event time


def test_a_layout_the_loader_cannot_cut_is_said_in_the_docs_not_dropped() -> None:
    """delta.laid_out: the plan's time column typed otherwise in the job's output (the loader could not cut a
    partition from it): no layout in delta_relays.json, and docs/flink.md's row says why."""
    from pipegen.generators.flink.delta import laid_out, layout_text

    planned = {"layout": {"granularity": "day", "source": "t", "column": "_pipegen_day"}, "file_bytes": 2**29}
    assert laid_out(planned, {"t": "timestamp"}) == planned
    dropped = laid_out(planned, {"t": "string"})
    assert dropped["layout"] is None and "typed string" in dropped["unpartitioned"]
    assert layout_text(dropped) == (
        "not partitioned (the plan's t is typed string here, not a date or time), files of 512 MiB"
    )
    assert layout_text(planned) == "by day(t) as _pipegen_day, files of 512 MiB"
