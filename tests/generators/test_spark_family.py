"""The spark family without Spark: when it is on, the types silver casts to, the rules that gate
silver (and the ones ETL's masking loses), the gold marts' Spark SQL (a join, a filter, a
grouping, a measure with its default) and the marts left to dbt, the bundle's cluster sizes
from the plan's capacity and the submit requests per cloud. The job itself is judged in
tests/families/test_spark_jobs.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipegen.generators.spark.job import MARKER, PARTS, joined
from pipegen.pipeline import families_for, prepare, render_tree
from pipegen.plan.cloudnames import lake_namespace

SPEC = """\
version: 1
pipeline: {{name: spark_unit}}
latency: 1d
cloud: {cloud}
engines: {{batch: spark{compute}}}
volume: {{rows_per_day: {rows}, avg_row_bytes: 1000}}
sources:
  - name: Shop
    type: postgres
    tables:
      - name: Orders
        primary_key: order_id
        watermark: updated_at
        columns:
          - {{name: order_id, type: uuid, not_null: true}}
          - {{name: customer_id, type: bigint}}
          - {{name: line, type: smallint}}
          - {{name: amount, type: "decimal(10,2)", range: {{min: 0, severity: error}}}}
          - {{name: status, type: string, accepted_values: [open, done]}}
          - {{name: updated_at, type: timestamp}}
      - name: customers
        primary_key: id
        columns:
          - {{name: id, type: bigint, not_null: true}}
          - {{name: segment, type: string}}
targets:
  - name: lake
    type: iceberg
    connection: {{bucket: company-lake}}
transforms:
  marts:
    - name: revenue_by_segment
      from: Orders
      joins: [{{table: customers, on: {{customer_id: id}}, type: inner}}]
      filter: "status = 'done'"
      group_by: [customers.segment]
      measures: [{{name: revenue, agg: sum, column: amount, default: 0}}]
    - name: latest_orders
      from: Orders
      columns: [order_id, amount]
      order_by: amount desc
      limit: 5
"""


def generate(tmp_path: Path, cloud: str = "aws", compute: str = "", rows: int = 1000) -> dict[str, str]:
    path = tmp_path / "pipegen.yaml"
    path.write_text(SPEC.format(cloud=cloud, compute=compute, rows=rows))
    ready = prepare(path)
    assert "spark" in families_for(ready.plan)
    return render_tree(ready.spec, ready.plan)


def test_silver_types_keys_and_the_error_rules_that_gate_it(tmp_path: Path) -> None:
    config = json.loads(generate(tmp_path)["spark/medallion.json"])
    orders = config["tables"][0]
    assert orders["name"] == "shop__orders" and orders["landing"] == "data/landing/shop/orders"
    assert {c["name"]: c["type"] for c in orders["columns"]} == {
        "order_id": "STRING", "customer_id": "BIGINT", "line": "INT", "amount": "DECIMAL(10, 2)",
        "status": "STRING", "updated_at": "TIMESTAMP",
    }  # fmt: skip
    assert orders["key"] == ["order_id"] and orders["watermark"] == "updated_at"
    # quality.severity defaults to error: every per-row rule gates silver
    gates = [(r["rule"], r["column"]) for r in orders["rules"]]
    assert gates == [("not_null", "order_id"), ("range", "amount"), ("accepted_values", "status")]
    assert config["target"]["format"] == "iceberg" and config["target"]["layers"]["silver"] == "company_lake/silver"


def test_gold_marts_are_spark_sql_over_the_silver_views_and_the_rest_left_to_dbt(tmp_path: Path) -> None:
    marts = {m["name"]: m for m in json.loads(generate(tmp_path)["spark/medallion.json"])["marts"]}
    assert marts["revenue_by_segment"]["sql"] == (
        "SELECT t1.segment AS `segment`, COALESCE(SUM(t0.amount), 0) AS `revenue`\n"
        "FROM `shop__orders` AS t0\n"
        "INNER JOIN `shop__customers` AS t1 ON t0.`customer_id` = t1.`id`\n"
        "WHERE t0.status = 'done'\n"
        "GROUP BY 1"
    )
    assert marts["latest_orders"] == {"name": "latest_orders", "table": "latest_orders", "sql": None,
                                      "skipped": "it orders or limits its rows",
                                      "partition": {"gold": None, "file_bytes": 512 * 1024**2}}  # fmt: skip


def test_the_bundle_sizes_its_clusters_from_the_capacity_and_only_where_compute_is_databricks(tmp_path: Path) -> None:
    small = generate(tmp_path, cloud="azure", compute=", compute: databricks")
    assert "databricks.yml" in small and not any(p.startswith("spark/emr") for p in small)
    assert "max_workers: 1\n" in small["databricks.yml"] and '"Standard_D4ds_v5"' in small["databricks.yml"]
    big = generate(tmp_path, cloud="azure", compute=", compute: databricks", rows=2_000_000_000)
    assert "max_workers: 8\n" in big["databricks.yml"]  # capped
    assert "databricks.yml" not in generate(tmp_path)


def test_submit_requests_per_cloud(tmp_path: Path) -> None:
    aws = generate(tmp_path, cloud="aws")
    assert sorted(p for p in aws if p.startswith("spark/emr-serverless/")) == [
        "spark/emr-serverless/bronze_silver.json", "spark/emr-serverless/gold.json",
        "spark/emr-serverless/maintain.json",
    ]  # fmt: skip
    gcp = generate(tmp_path, cloud="gcp")
    batch = json.loads(gcp["spark/dataproc/gold.json"])
    assert batch["pysparkBatch"]["args"][0] == "gold" and batch["runtimeConfig"]["version"] == "2.2"
    assert not any(p.startswith("spark/emr") or p.startswith("spark/dataproc") for p in generate(tmp_path, "azure"))


def test_the_job_is_its_template_parts_joined_without_their_lint_headers(tmp_path: Path) -> None:
    folder = Path(__file__).parents[2] / "templates" / "spark" / "medallion"
    parts = [(folder / f"{part}.py").read_text(encoding="utf-8") for part in PARTS]
    source = generate(tmp_path)["spark/medallion.py"]
    assert source.startswith(parts[0]) and MARKER not in source and source.count("from __future__") == 1
    for text in parts[1:]:  # each part's body, below its marker line, verbatim and in order
        body = text.split(MARKER, 1)[1].split("\n", 1)[1].removeprefix("\n\n")
        assert body in source and source.index(body) > 0
    assert sorted(p.stem for p in folder.glob("*.py")) == sorted(PARTS)  # no part left out
    compile(source, "spark/medallion.py", "exec")
    with pytest.raises(ValueError, match="no marker line"):
        joined(["a = 1\n", "b = 2\n"])


def test_the_landing_root_reaches_spark_as_text_never_through_pathlib(tmp_path: Path) -> None:
    """The landed batches are listed and read through Spark's file systems (a bucket URL works): no
    function of the job between PIPEGEN_LANDING_ROOT and `spark.read` touches pathlib (which folds
    `s3://b` into `s3:/b`); the local run's fallback, the project folder, is the one `str(ROOT)`."""
    import ast

    tree = ast.parse(generate(tmp_path)["spark/medallion.py"])
    funcs = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}  # the module's functions
    path_names = {"Path", "PurePath", "glob", "is_dir", "iterdir", "exists"}

    def calls(fn: ast.FunctionDef) -> set[str]:
        out = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        return out | {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)}

    reached: set[str] = set()
    todo = ["bronze"]  # the batch bronze step and every module function it names, transitively
    while todo:
        name = todo.pop()
        if name in reached or name not in funcs:
            continue
        reached.add(name)
        todo += sorted({n.id for n in ast.walk(funcs[name]) if isinstance(n, ast.Name)} & set(funcs))
    assert {"landed_files", "landing_folder", "landing_root"} <= reached
    for name in sorted(reached - {"landing_root"}):
        assert not calls(funcs[name]) & path_names, f"{name} uses pathlib"
    assert "binaryFile" in ast.unparse(funcs["landed_files"])  # listed by Spark's file system layer


def test_etl_reads_protected_columns_as_text_without_the_rules_masking_loses(tmp_path: Path) -> None:
    path = tmp_path / "pipegen.yaml"
    text = (Path(__file__).parents[2] / "specs" / "pii_etl.yaml").read_text(encoding="utf-8")
    path.write_text(text)
    ready = prepare(path)
    customers = json.loads(render_tree(ready.spec, ready.plan)["spark/medallion.json"])["tables"][0]
    gates = {(r["rule"], r["column"]) for r in customers["rules"]}
    # email is hashed and phone masked before landing: their regexes are lost (R341), not checked
    assert ("regex", "email") not in gates and ("regex", "phone") not in gates
    assert ("range", "birth_year") in gates and ("not_null", "customer_id") in gates
    assert {c["name"]: c["type"] for c in customers["columns"]}["birth_year"] == "INT"


def load_job(tmp_path: Path, files: dict[str, str]):  # type: ignore[no-untyped-def]
    """The generated job as a module (it imports pyspark only inside its functions)."""
    import importlib.util

    for rel in ("spark/medallion.py", "spark/medallion.json"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(files[rel], encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"medallion_{tmp_path.name}", tmp_path / "spark" / "medallion.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_delta_silver_is_registered_under_the_schema_dbt_reads_and_an_iceberg_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """medallion.json `register`: the schema and tables dbt's _sources.yml names (Delta only: an Iceberg
    silver stays in the `lake` catalog, R464); the job's Delta I/O and registration keep the lake root's
    URI scheme (`s3://`), which pathlib would fold into `s3:/`."""
    assert "register" not in json.loads(generate(tmp_path)["spark/medallion.json"])  # the SPEC's lake: Iceberg
    (tmp_path / "delta").mkdir()
    path = tmp_path / "delta" / "pipegen.yaml"
    path.write_text(SPEC.format(cloud="aws", compute="", rows=1000).replace("type: iceberg", "type: delta"))
    ready = prepare(path)
    files = render_tree(ready.spec, ready.plan)
    config = json.loads(files["spark/medallion.json"])
    assert config["register"] == {"schema": "spark_unit_silver", "tables": ["shop__orders", "shop__customers"]}
    sources = files["dbt/models/staging/_sources.yml"]
    assert 'schema: "spark_unit_silver"' in sources
    assert all(f'name: "{t}"' in sources for t in config["register"]["tables"])
    assert [d.code for d in ready.diagnostics if d.code == "R464"] == []  # the Spark job registers Delta silver
    monkeypatch.setenv("PIPEGEN_LAKE_ROOT", "s3://company-lake/root/")
    job = load_job(tmp_path / "delta", files)
    issued: list[str] = []
    store = job.Delta(type("Spark", (), {"sql": lambda self, text: issued.append(text)})())
    assert store.ref("silver", "shop__orders") == "delta.`s3://company-lake/root/company_lake/silver/shop__orders`"
    statements = store.register("shop__orders")
    assert statements == issued
    assert issued == [
        "CREATE SCHEMA IF NOT EXISTS `spark_unit_silver`",
        "CREATE TABLE IF NOT EXISTS `spark_unit_silver`.`shop__orders` USING DELTA LOCATION "
        "'s3://company-lake/root/company_lake/silver/shop__orders'",
    ]
    assert job.Iceberg(None).register("shop__orders") == []
    # a layer in its own root (Azure: its container, cloudnames.lake_roots) takes that root, the others the lake's
    monkeypatch.setenv("PIPEGEN_LAKE_ROOT_SILVER", "abfss://silver@acct.dfs.core.windows.net/")
    assert store.ref("silver", "shop__orders") == (
        "delta.`abfss://silver@acct.dfs.core.windows.net/company_lake/silver/shop__orders`"
    )
    assert store.ref("bronze", "shop__orders") == "delta.`s3://company-lake/root/company_lake/bronze/shop__orders`"


CATALOGS = {
    "rest": ('{url: "https://catalog.example.com/api", catalog: prod, token: "${secret:LAKE_TOKEN}", bucket: lake}',
             "aws"),
    "unity": ('{url: "${env:DATABRICKS_HOST}", catalog: main, token: "${secret:LAKE_TOKEN}", bucket: lake}', "azure"),
    "glue": ("{bucket: company-lake, region: eu-west-1}", "aws"),
}  # fmt: skip


def test_iceberg_catalogs_from_the_spec_configure_the_jobs_spark_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKE_TOKEN", "t0ken")
    monkeypatch.setenv("DATABRICKS_HOST", "https://adb-1.2.azuredatabricks.net/")
    monkeypatch.setenv("PIPEGEN_SPARK_FORMAT", "iceberg")
    lake = "spark.sql.catalog.lake"
    confs = {}
    for kind, (connection, cloud) in CATALOGS.items():
        spec = SPEC.format(cloud=cloud, compute="", rows=1000).replace(
            "connection: {bucket: company-lake}", f"connection: {connection}\n    lake: {{catalog: {kind}}}"
        )
        (tmp_path / kind).mkdir()
        (tmp_path / kind / "pipegen.yaml").write_text(spec)
        ready = prepare(tmp_path / kind / "pipegen.yaml")
        assert not [d for d in ready.diagnostics if d.severity == "error"], ready.diagnostics
        job = load_job(tmp_path / kind, render_tree(ready.spec, ready.plan))
        confs[kind] = job.catalog_conf(job.TARGET.get("catalog"))
    assert confs["rest"][f"{lake}.type"] == "rest" and confs["rest"][f"{lake}.uri"] == "https://catalog.example.com/api"
    assert confs["rest"][f"{lake}.warehouse"] == "prod" and confs["rest"][f"{lake}.token"] == "t0ken"
    unity = confs["unity"]  # the workspace URL from the environment, the spec's secret as the token
    assert unity[f"{lake}.uri"] == "https://adb-1.2.azuredatabricks.net/api/2.1/unity-catalog/iceberg-rest"
    assert unity[f"{lake}.warehouse"] == "main" and unity[f"{lake}.token"] == "t0ken"
    assert unity[f"{lake}.header.X-Iceberg-Access-Delegation"] == "vended-credentials"
    glue = confs["glue"]
    assert glue[f"{lake}.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    assert glue[f"{lake}.warehouse"] == "s3://company-lake/" and glue[f"{lake}.client.region"] == "eu-west-1"
    assert all(c[lake] == "org.apache.iceberg.spark.SparkCatalog" for c in confs.values())
    # no catalog in the spec: a path-based catalog under the lake root
    default = job.catalog_conf(None)
    assert default[f"{lake}.type"] == "hadoop" and default[f"{lake}.warehouse"] == job.lake_root()
    # each layer's namespace in the `lake` catalog (a Glue database on Glue) is named for the pipeline: the naming
    # layer's, as Terraform grants it; the job creates, writes and maintains its tables there
    issued: list[str] = []
    spark = type("Spark", (), {"sql": lambda self, text: issued.append(text)})()
    store = job.Iceberg(spark)
    assert job.TARGET["namespaces"] == {
        layer: str(lake_namespace("spark_unit", layer)) for layer in job.TARGET["layers"]
    }
    assert store.ref("silver", "shop__orders") == "lake.`spark_unit_silver`.`shop__orders`"
    store.maintain("silver", "shop__orders", [])
    assert issued and all("table => 'spark_unit_silver.shop__orders'" in text for text in issued)


TLS = {  # the project's cluster: mutual TLS, the CA's and the Spark user's PKCS12 stores where the deployment
    # ships them, their passwords secrets the job's secret() reads (from the deployment's secret store)
    "truststore_location": "${env:KAFKA_SSL_TRUSTSTORE_LOCATION}",
    "truststore_password": "${secret:KAFKA_SSL_TRUSTSTORE_PASSWORD}",
    "keystore_location": "${env:KAFKA_SSL_KEYSTORE_LOCATION}",
    "keystore_password": "${secret:KAFKA_SSL_KEYSTORE_PASSWORD}",
}


def test_only_a_spark_stream_engine_streams_tables_and_only_streamed_tables_get_a_topic(tmp_path: Path) -> None:
    path = tmp_path / "pipegen.yaml"
    path.write_text((Path(__file__).parents[2] / "specs" / "azure_playground.yaml").read_text(encoding="utf-8"))
    ready = prepare(path)
    files = render_tree(ready.spec, ready.plan)
    streams = {t["ref"]: t["stream"] for t in json.loads(files["spark/medallion.json"])["tables"]}
    assert streams["clickstream.page_views"] == {
        "topic": "azure_playground.clickstream.page_views", "format": "json",
        "group_prefix": "azure_playground.spark-stream", "tls": TLS,
    }  # fmt: skip
    assert streams["synthetic.orders"] is None  # a batch source's table lands as files
    assert "spark/medallion.py stream bronze silver gold" in files["pipegen.mk"]
    assert "PIPEGEN_SPARK_STREAM_SOURCE=files" in files["pipegen.mk"]
    (tmp_path / "batch").mkdir()
    plain = json.loads(generate(tmp_path / "batch")["spark/medallion.json"])
    assert all("stream" not in t for t in plain["tables"])  # stream engine none: no stream layer


def test_the_azure_playground_streams_its_jobs_in_spark_and_has_no_flink_jobs(tmp_path: Path) -> None:
    """One stream engine: the playground's stream engine is Spark (Databricks compute), so its two
    stream jobs are the Spark job's (Spark SQL written out here by hand), and nothing is Flink's."""
    path = tmp_path / "pipegen.yaml"
    path.write_text((Path(__file__).parents[2] / "specs" / "azure_playground.yaml").read_text(encoding="utf-8"))
    ready = prepare(path)
    files = render_tree(ready.spec, ready.plan)
    assert not [f for f in files if f.startswith("flink/")] and "requirements-flink.txt" not in files
    jobs = {j["name"]: j for j in json.loads(files["spark/medallion.json"])["streams"]}
    per_minute, alerts = jobs["page_views_per_minute"], jobs["checkout_alerts"]
    # incremental behind page_views' watermark (viewed_at less its watermark_delay, 30s), merged by window and page
    assert {k: per_minute[k] for k in ("mode", "output_mode", "key", "event_time", "watermark_delay")} == {
        "mode": "aggregate", "output_mode": "update", "key": ["window_start", "window_end", "page"],
        "event_time": "viewed_at", "watermark_delay": "30 seconds"}  # fmt: skip
    assert per_minute["sql"] == (
        "SELECT window.start AS `window_start`, window.end AS `window_end`, t0.page AS `page`, COUNT(*) AS `views`\n"
        "FROM `clickstream__page_views` AS t0\nGROUP BY window(t0.`viewed_at`, '60 seconds'), 3"
    )
    assert alerts["mode"] == "append" and alerts["table"] == "checkout_alerts"
    assert alerts["sql"].endswith("FROM `clickstream__page_views` AS t0\nWHERE t0.page LIKE '/checkout/error%'")
    assert not [f for f in ready.plan.findings if f.code == "R406"]  # Spark runs both
    assert not [f for f in ready.plan.findings if f.code == "R396"]  # its watermark_delay is read
    # one local Spark lake: the local run's stream step and the job without a root (make spark-run)
    local = json.loads(files["pipeline/spark_stream.json"])["root"]
    assert json.loads(files["spark/medallion.json"])["target"]["local_root"] == local == "data/spark"
    assert "PIPEGEN_LAKE_ROOT" not in files["pipegen.mk"] and "PIPEGEN_LANDING_ROOT" not in files["pipegen.mk"]


SESSIONS = """\
version: 1
pipeline: {name: sessions}
latency: 1m
cloud: aws
engines: {stream: spark}
sources:
  - name: web
    type: faker
    ingestion: stream
    tables:
      - name: clicks
        event_time: at
        columns:
          - {name: user, type: string}
          - {name: at, type: timestamp}
targets:
  - {name: lake, type: delta, connection: {bucket: lake}}
transforms:
  streams:
    - name: click_sessions
      from: clicks
      window: {type: session, gap: 5m}
      group_by: [user]
      measures: [{name: clicks, agg: count}]
    - name: clicks_per_ten_minutes
      from: clicks
      window: {type: hop, size: 10m, slide: 1m}
      measures: [{name: clicks, agg: count}]
      sink: {target: lake, mode: upsert, key: [window_end, window_start]}
"""


def test_a_session_window_appends_closed_sessions_and_no_delay_is_a_zero_watermark_delay(tmp_path: Path) -> None:
    (tmp_path / "pipegen.yaml").write_text(SESSIONS)
    ready = prepare(tmp_path / "pipegen.yaml")
    streams = json.loads(render_tree(ready.spec, ready.plan)["spark/medallion.json"])["streams"]
    got = [{k: j[k] for k in ("mode", "output_mode", "key", "event_time", "watermark_delay")} for j in streams]
    assert got[0] == {"mode": "aggregate", "output_mode": "append", "key": ["window_start", "window_end", "user"],
                      "event_time": "at", "watermark_delay": "0 seconds"}  # fmt: skip
    # an upsert sink's key is the merge key, as the spec orders it (it holds the window's bounds, else R406)
    assert got[1] == {"mode": "aggregate", "output_mode": "update", "key": ["window_end", "window_start"],
                      "event_time": "at", "watermark_delay": "0 seconds"}  # fmt: skip


def test_hop_and_session_windows_are_spark_sql_window_groupings() -> None:
    from pipegen.generators.spark.streams import window_call
    from pipegen.spec.model import Window

    hop = Window.model_validate({"type": "hop", "size": "10m", "slide": "1m"})
    assert window_call(hop, "t0.`at`") == ("window(t0.`at`, '600 seconds', '60 seconds')", "window")
    session = Window.model_validate({"type": "session", "gap": "5m"})
    assert window_call(session, "t0.`at`") == ("session_window(t0.`at`, '300 seconds')", "session_window")
    half = Window.model_validate({"type": "tumble", "size": "1500ms"})
    assert window_call(half, "t0.`at`")[0] == "window(t0.`at`, '1500 milliseconds')"


EVENTHUBS = """\
version: 1
pipeline: {name: hubs}
latency: 1m
cloud: azure
engines: {stream: spark}
sources:
  - name: clicks
    type: eventhubs
    ingestion: stream
    connection: {namespace: acme-ns, connection_string: "${secret:EH_CONNECTION}"}
    topics:
      - name: page_views
        columns:
          - {name: id, type: bigint}
          - {name: page, type: string}
targets:
  - {name: lake, type: delta, connection: {bucket: lake}}
"""


def test_an_event_hubs_source_streams_through_its_kafka_endpoint_with_the_connection_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Event Hubs' Kafka surface: `<namespace>.servicebus.windows.net:9093`, SASL_SSL + PLAIN, user
    `$ConnectionString` and the connection string (from the secret store, via the environment) as
    the password; on Databricks the shaded Kafka client's login module (kafkashaded.)."""
    (tmp_path / "pipegen.yaml").write_text(EVENTHUBS)
    ready = prepare(tmp_path / "pipegen.yaml")
    files = render_tree(ready.spec, ready.plan)
    (table,) = json.loads(files["spark/medallion.json"])["tables"]
    assert table["stream"] == {"topic": "page_views", "format": "json", "group_prefix": "hubs.spark-stream",
                               "bootstrap": "acme-ns.servicebus.windows.net:9093", "sasl": "plain",
                               "connection_string": "${secret:EH_CONNECTION}", "jaas": None,
                               "shaded": False}  # fmt: skip
    job = load_job(tmp_path, files)
    monkeypatch.setenv("EH_CONNECTION", 'Endpoint=sb://acme-ns/;SharedAccessKey=k"1')
    options = job.kafka_options(table["stream"])
    login = 'username="$ConnectionString" password="Endpoint=sb://acme-ns/;SharedAccessKey=k\\"1";'
    assert options == {
        "kafka.bootstrap.servers": "acme-ns.servicebus.windows.net:9093", "subscribe": "page_views",
        "kafka.security.protocol": "SASL_SSL", "kafka.sasl.mechanism": "PLAIN", "groupIdPrefix": "hubs.spark-stream",
        "kafka.sasl.jaas.config": f"org.apache.kafka.common.security.plain.PlainLoginModule required {login}",
    }  # fmt: skip
    shaded = {**table["stream"], "shaded": True}  # Databricks compute: the shaded client's module
    assert job.kafka_options(shaded)["kafka.sasl.jaas.config"].startswith("kafkashaded.org.apache.kafka.")
    assert not [f for f in files if f.startswith("flink/")]  # Spark streams: no Flink job beside it


OWN_CLUSTER = """\
version: 1
pipeline: {{name: iot_own}}
latency: 30s
cloud: {cloud}
engines: {{stream: spark{compute}}}
sources:
  - name: sensors
    type: kafka
    ingestion: stream
    connection:
      bootstrap_servers: ${{env:SENSORS_BROKERS}}
      options:
        security.protocol: SASL_SSL
        sasl.jaas.config: ${{secret:SENSORS_JAAS}}
        fetch.min.bytes: 1024
        check.crcs: false
        key.deserializer: org.apache.kafka.common.serialization.StringDeserializer
    topics:
      - name: readings
        format: json
        event_time: measured_at
        watermark_delay: 10s
        columns:
          - {{name: device_id, type: string, not_null: true}}
          - {{name: temperature_c, type: double}}
          - {{name: measured_at, type: timestamp, not_null: true}}
transforms:
  streams:
    - name: device_temperature_10s
      from: readings
      window: {{type: tumble, size: 10s}}
      group_by: [device_id]
      measures:
        - {{name: avg_temperature_c, agg: avg, column: temperature_c}}
targets:
  - name: lake
    type: {lake}
    connection: {{bucket: iot-lake}}
"""


def test_a_kafka_source_with_its_own_cluster_streams_from_that_cluster_signed_in_as_its_options_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: a Kafka source naming its `bootstrap_servers` is read by the Spark stream from those brokers (the
    spec's `${env:…}` resolved by the job, never the project's KAFKA_BOOTSTRAP_SERVERS, nor the project's cluster's
    TLS), with its `connection.options` as the consumer's `kafka.<key>` settings (a `${secret:…}` through the job's
    secret()), as the Flink jobs read it; an option Spark's Kafka source refuses is left out with a located R533;
    brokers the environment leaves empty stop the job. Before, the job read KAFKA_BOOTSTRAP_SERVERS: a cluster
    without the topic."""
    (tmp_path / "pipegen.yaml").write_text(OWN_CLUSTER.format(cloud="gcp", compute="", lake="iceberg"))
    ready = prepare(tmp_path / "pipegen.yaml")
    [r533] = [d for d in ready.diagnostics if d.code == "R533"]
    assert (r533.path, r533.severity, r533.line) == ("sources[0].connection.options.key.deserializer", "warning", 17)
    files = render_tree(ready.spec, ready.plan)
    (table,) = json.loads(files["spark/medallion.json"])["tables"]
    assert table["stream"] == {
        "topic": "readings", "format": "json", "group_prefix": "iot_own.spark-stream",
        "bootstrap": "${env:SENSORS_BROKERS}",
        "client": {"check.crcs": "false", "fetch.min.bytes": "1024", "sasl.jaas.config": "${secret:SENSORS_JAAS}",
                   "security.protocol": "SASL_SSL"},
    }  # fmt: skip
    job = load_job(tmp_path, files)
    jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";'
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "project-cluster:9093")  # not the source's cluster
    monkeypatch.setenv("SENSORS_BROKERS", "b1.sensors.example:9094,b2.sensors.example:9094")
    monkeypatch.setenv("SENSORS_JAAS", jaas)
    assert job.kafka_options(table["stream"]) == {
        "kafka.bootstrap.servers": "b1.sensors.example:9094,b2.sensors.example:9094", "subscribe": "readings",
        "groupIdPrefix": "iot_own.spark-stream", "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.jaas.config": jaas, "kafka.fetch.min.bytes": "1024", "kafka.check.crcs": "false",
    }  # fmt: skip
    monkeypatch.setenv("SENSORS_BROKERS", "")
    with pytest.raises(ValueError, match="SENSORS_BROKERS"):
        job.kafka_options(table["stream"])
    # the topic is the source's cluster's: pipegen declares none of its own on the project's cluster for it
    assert 'topicName: "iot_own.sensors.readings.dlq"' in files["k8s/kafka/topics.yaml"]  # its own topics only
    assert 'topicName: "readings"' not in files["k8s/kafka/topics.yaml"]
    assert "--topic readings " not in files["compose.yaml"]


def test_an_older_iceberg_or_delta_bronze_gets_whole_batch_id_statistics_once_when_the_stream_starts(
    tmp_path: Path,
) -> None:
    """s46 issue 20: the silver step's and the landing's `_batch_id` ranges skip files from Iceberg's and Delta's
    metadata only where `_batch_id`'s bounds there are whole (formats.py batch_id_stats): an existing bronze table
    without the property gets it (ALTER TABLE ... SET TBLPROPERTIES), one with it nothing more; silver, gold and a
    Delta table narrow enough for its first 32 indexed columns nothing; Parquet nothing (its footers)."""
    (tmp_path / "pipegen.yaml").write_text(OWN_CLUSTER.format(cloud="gcp", compute="", lake="iceberg"))
    ready = prepare(tmp_path / "pipegen.yaml")
    job = load_job(tmp_path, render_tree(ready.spec, ready.plan))
    name = job.CONFIG["tables"][0]["name"]

    class Session:
        def __init__(self, props: dict[str, str]) -> None:
            self.props, self.ran = props, []

        def sql(self, text: str):  # type: ignore[no-untyped-def]
            self.ran.append(text)
            rows = list(self.props.items()) if text.startswith("SHOW TBLPROPERTIES") else []
            return type("Rows", (), {"collect": lambda _self: rows})()

    def indexed(fmt: str, layer: str, props: dict[str, str]) -> list[str]:
        store = job.FORMATS[fmt].__new__(job.FORMATS[fmt])
        store.spark, store.exists = Session(props), lambda *_: True
        store.indexed(layer, name)
        return [s for s in store.spark.ran if s.startswith("ALTER")]

    key = "write.metadata.metrics.column._batch_id"
    ref = f"lake.`{job.TARGET['namespaces']['bronze']}`.`{name}`"
    assert indexed("iceberg", "bronze", {}) == [f"ALTER TABLE {ref} SET TBLPROPERTIES ('{key}' = 'full')"]
    assert indexed("iceberg", "bronze", {key: "full"}) == []
    assert indexed("iceberg", "silver", {}) == [] and indexed("delta", "bronze", {}) == []  # 3 columns: indexed
    assert indexed("parquet", "bronze", {}) == []
    wide = job.bronze_columns(name)[:3] + [f"c{i}" for i in range(30)] + ["_batch_id"]
    assert job.batch_id_stats("delta", wide)["delta.dataSkippingStatsColumns"].endswith(",`c27`,`_batch_id`")


REFERENCED = re.compile(r"\$\{(?:env|secret):([A-Za-z_][A-Za-z0-9_]*)\}")


PLAYGROUND = Path(__file__).parents[2] / "specs" / "azure_playground.yaml"
ON_DATABRICKS = "engines: {stream: spark, compute: databricks}"
STREAMED = {  # Event Hubs (azure only, R210) on Databricks without a namespace; the playground's own cluster
    "eventhubs": EVENTHUBS.replace("namespace: acme-ns, ", "").replace("engines: {stream: spark}", ON_DATABRICKS),
    "playground_azure": PLAYGROUND.read_text(encoding="utf-8"),  # Databricks: the bundle's stream job
    **{f"cdc_{c}": SPEC.format(cloud=c, compute=", stream: spark", rows=1000)  # EMR / Dataproc Serverless
       .replace("    type: postgres\n", "    type: postgres\n    ingestion: cdc\n") for c in ("aws", "gcp")},
    # a Kafka source on its own cluster: its brokers' variable and its options' secret (EMR, Dataproc, Databricks)
    **{f"own_{c}": OWN_CLUSTER.format(cloud=c, compute=", compute: databricks" if c == "azure" else "",
                                      lake="delta" if c == "azure" else "iceberg") for c in ("aws", "gcp", "azure")},
}  # fmt: skip


@pytest.mark.parametrize("case", list(STREAMED))
def test_every_deployment_of_the_stream_passes_what_its_kafka_source_reads(tmp_path: Path, case: str) -> None:
    """What the stream layer reads from the environment (common.spark_stream) is what medallion.json
    refers to (plus the brokers of the project's cluster), declared in `.env.example`, and passed
    to the stream step's driver: the EMR Serverless request (driverEnv), the Dataproc batch
    (driverEnv properties), the Databricks stream job's cluster (bundle variables): an Event Hubs
    login (the connection string's secret, the brokers' variable), the cluster's TLS stores."""
    from pipegen.common.spark_stream import stream_env

    cloud = case.rsplit("_", 1)[-1]  # eventhubs: on azure
    (tmp_path / "pipegen.yaml").write_text(STREAMED[case])
    ready = prepare(tmp_path / "pipegen.yaml")
    files = render_tree(ready.spec, ready.plan)
    env = dict(stream_env(ready.spec, ready.plan.names))
    streams = [t["stream"] for t in json.loads(files["spark/medallion.json"])["tables"] if t.get("stream")]
    referenced = set(REFERENCED.findall(json.dumps(streams)))
    # kafka_options reads KAFKA_BOOTSTRAP_SERVERS: the project's cluster (not Event Hubs', nor a source's own)
    plain = any(s.get("sasl") != "plain" and not s.get("bootstrap") for s in streams)
    assert set(env) == referenced | ({"KAFKA_BOOTSTRAP_SERVERS"} if plain else set()), (env, referenced)
    expected = {"EH_CONNECTION": True, "EVENTHUBS_BOOTSTRAP_SERVERS": False} if case == "eventhubs" else {
        "KAFKA_BOOTSTRAP_SERVERS": False, "KAFKA_SSL_KEYSTORE_LOCATION": False, "KAFKA_SSL_KEYSTORE_PASSWORD": True,
        "KAFKA_SSL_TRUSTSTORE_LOCATION": False, "KAFKA_SSL_TRUSTSTORE_PASSWORD": True}  # fmt: skip
    if case.startswith("own_"):  # the source's brokers and its JAAS line, nothing of the project's cluster
        expected = {"SENSORS_BROKERS": False, "SENSORS_JAAS": True}
    if case in ("cdc_aws", "cdc_gcp"):  # MSK takes IAM only, Managed Kafka OAUTHBEARER (no client certificates):
        expected = {"KAFKA_BOOTSTRAP_SERVERS": False}  # the job signs in as its identity, the brokers all it reads
        assert {s["sasl"] for s in streams} == {"aws_msk_iam" if cloud == "aws" else "gcp_oauth"}
    assert env == expected, env
    assert all(f"\n{name}=" in "\n" + files[".env.example"] for name in env)
    # a TLS store's location is its file (Strimzi's name) in the Databricks volume, every other value a ${VAR}
    stores = (
        {}
        if case in ("eventhubs", "cdc_aws", "cdc_gcp") or case.startswith("own_")  # (MSK, Managed Kafka: no store)
        else {"KAFKA_SSL_TRUSTSTORE_LOCATION": "ca.p12", "KAFKA_SSL_KEYSTORE_LOCATION": "user.p12"}
    )
    deployed = deployments(files)
    # one per environment on EMR and Dataproc (stream-<env>.json), the bundle's one stream job on Databricks
    assert {cloud_ for cloud_, _, _ in deployed} == {{"aws": "emr", "gcp": "dataproc"}.get(cloud, "databricks")}
    for where, driver, shipped in deployed:
        root = "${var.kafka_tls_root}/" if where == "databricks" else ""
        # (the brokers always: the project's cluster's); a secret (the spec's, the TLS store passwords, a JAAS
        # line) by reference: on Databricks a secret scope reference, on EMR and Dataproc none in the driver's
        # environment (the secret store delivers it: tests/judges/test_terraform.py follows it there)
        scoped = {n for n, secret in env.items() if secret}
        passed = {"KAFKA_BOOTSTRAP_SERVERS", *(n for n in env if n not in scoped or where == "databricks")}
        assert driver == {n: root + stores[n] if n in stores else placeholder(where, n, n in scoped) for n in passed}, (
            where,
            driver,
        )
        if where != "databricks":  # EMR / Dataproc sign in as the job's identity: only the job's data shipped
            assert not stores and shipped == ["${PIPEGEN_JOB_ROOT}/spark/medallion.json"], (where, shipped)
    # no deployment gives a secret the stream reads a value's placeholder: `${NAME}`, a bundle variable
    deployment_files = [t for p, t in files.items() if p == "databricks.yml" or re.fullmatch(r"spark/[a-z-]+/.*", p)]
    assert deployment_files
    for name in (n for n, secret in env.items() if secret):
        assert not any(f"${{{name}}}" in t or f"${{var.{name.lower()}}}" in t for t in deployment_files), name


def placeholder(where: str, name: str, scoped: bool = False) -> str:
    """A value's placeholder in a stream deployment; a spec secret on Databricks: its secret scope reference."""
    if where == "databricks" and scoped:
        return f"{{{{secrets/${{var.secret_scope}}/${{var.{name.lower()}_secret_key}}}}}}"
    return f"${{var.{name.lower()}}}" if where == "databricks" and name != "KAFKA_BOOTSTRAP_SERVERS" else (
        "${var.kafka_bootstrap_servers}" if where == "databricks" else f"${{{name}}}")  # fmt: skip


def deployments(files: dict[str, str]) -> list[tuple[str, dict[str, str], list[str]]]:
    """(platform, the stream driver's environment but the roots, the files shipped with it) of
    every generated stream deployment (EMR and Dataproc: one per environment): EMR Serverless
    (`--conf ...driverEnv.X=V`, `--files`), Dataproc (`spark.dataproc.driverEnv.X` properties,
    `fileUris`), Databricks (the stream job cluster's spark_env_vars; nothing shipped: the volume is
    the path)."""
    from ruamel.yaml import YAML

    out = []
    for path in sorted(p for p in files if re.fullmatch(r"spark/emr-serverless/stream-[a-z0-9-]+\.json", p)):
        words = json.loads(files[path])["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"]
        args = words.split(" ")
        pairs = [args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--conf"]
        driver = {k.removeprefix("spark.emr-serverless.driverEnv."): v for k, v in pairs if "driverEnv." in k}
        out.append(("emr", driver, args[args.index("--files") + 1].split(",")))
    for path in sorted(p for p in files if re.fullmatch(r"spark/dataproc/stream-[a-z0-9-]+\.json", p)):
        batch = json.loads(files[path])
        props = batch["runtimeConfig"]["properties"]
        driver = {k.removeprefix("spark.dataproc.driverEnv."): v for k, v in props.items() if "driverEnv." in k}
        out.append(("dataproc", driver, batch["pysparkBatch"]["fileUris"]))
    bundle = YAML(typ="safe").load(files.get("databricks.yml", "{}")) or {}
    for job in bundle.get("resources", {}).get("jobs", {}).values():
        if "continuous" in job:
            env = dict(job["job_clusters"][0]["new_cluster"]["spark_env_vars"])
            driver = {k: v for k, v in env.items() if not k.startswith("PIPEGEN_")}
            assert "kafka_tls_root" in bundle["variables"] or not any("LOCATION" in k for k in driver)
            out.append(("databricks", driver, []))
    return out


TFVARS = re.compile(r'^(\w+)\s*=\s*"([^"]*)"', re.MULTILINE)


@pytest.mark.parametrize("case", ["cdc_aws", "cdc_gcp", "playground_azure"])
def test_the_stream_checkpoints_in_the_bucket_terraform_creates_for_each_environment(tmp_path: Path, case: str) -> None:
    """The stream's checkpoints lived under the lake root in every environment, outside the per-environment
    checkpoints bucket Terraform creates. Each deployment of each environment (EMR Serverless / Dataproc:
    `stream-<env>.json`'s --checkpoint-root; Databricks: the bundle target's `checkpoint_root`, which the
    stream job's cluster passes as PIPEGEN_SPARK_CHECKPOINT_ROOT) is judged against the Terraform values
    of the same environment (`checkpoints_bucket`; Azure: the `checkpoints` container of `storage_account`),
    and the job keeps each table's checkpoint below it."""
    from ruamel.yaml import YAML

    terraform = "" if case == "playground_azure" else "deploy: {terraform: {enabled: true}}\n"  # (the playground's on)
    (tmp_path / "pipegen.yaml").write_text(STREAMED[case] + terraform)
    ready = prepare(tmp_path / "pipegen.yaml")
    files = render_tree(ready.spec, ready.plan)
    envs = sorted(p.split("/")[2] for p in files if p.startswith("terraform/envs/") and p.endswith("/terraform.tfvars"))
    assert envs == ["dev", "prod", "staging"], envs
    roots = {}
    if case == "playground_azure":
        bundle = YAML(typ="safe").load(files["databricks.yml"])
        [stream] = [j for j in bundle["resources"]["jobs"].values() if "continuous" in j]
        cluster_env = stream["job_clusters"][0]["new_cluster"]["spark_env_vars"]
        assert cluster_env["PIPEGEN_SPARK_CHECKPOINT_ROOT"] == "${var.checkpoint_root}"
        assert "checkpoint_root" in bundle["variables"]
        roots = {env: t["variables"]["checkpoint_root"] for env, t in bundle["targets"].items()}
        assert bundle["targets"]["dev"]["default"] is True
    else:
        folder = "emr-serverless" if case == "cdc_aws" else "dataproc"
        for env in envs:
            body = json.loads(files[f"spark/{folder}/stream-{env}.json"])
            args = body["jobDriver"]["sparkSubmit"]["entryPointArguments"] if folder == "emr-serverless" else (
                body["pysparkBatch"]["args"])  # fmt: skip
            assert args[0] == "stream" and args.count("--checkpoint-root") == 1
            roots[env] = args[args.index("--checkpoint-root") + 1]
        assert f"spark/{folder}/stream.json" not in files
    assert sorted(roots) == envs
    for env, root in roots.items():
        values = dict(TFVARS.findall(files[f"terraform/envs/{env}/terraform.tfvars"]))
        scheme = root.split("://")[0]
        bucket = {"s3": "s3://{b}/", "gs": "gs://{b}/", "abfss": "abfss://checkpoints@{a}.dfs.core.windows.net/"}
        expected = bucket[scheme].format(b=values.get("checkpoints_bucket"), a=values.get("storage_account"))
        assert scheme == {"cdc_aws": "s3", "cdc_gcp": "gs", "playground_azure": "abfss"}[case]
        assert root.startswith(expected) and env in expected, (env, root, expected)
    assert len(set(roots.values())) == len(envs)  # one bucket per environment


def test_the_jobs_checkpoint_root_is_the_deployments_else_under_the_lake_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pipegen.yaml").write_text(STREAMED["cdc_aws"])
    ready = prepare(tmp_path / "pipegen.yaml")
    job = load_job(tmp_path, render_tree(ready.spec, ready.plan))
    monkeypatch.setenv("PIPEGEN_LAKE_ROOT", "/lake")
    monkeypatch.delenv("PIPEGEN_SPARK_CHECKPOINT_ROOT", raising=False)
    assert job.checkpoint_root() == "/lake/_checkpoints"
    monkeypatch.setenv("PIPEGEN_SPARK_CHECKPOINT_ROOT", "s3://spark-unit-dev-checkpoints/spark-stream")
    assert job.checkpoint_root() == "s3://spark-unit-dev-checkpoints/spark-stream"


def test_the_databricks_stream_on_aws_signs_in_to_msk_with_databricks_shaded_iam_classes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Databricks on AWS reading the project's MSK cluster (IAM only): the runtime's shaded aws-msk-iam-auth
    (`shadedmskiam.`, Databricks' documented class names for instance-profile sign-in), no TLS store, the
    brokers from the environment; validate warns that the instance profile is the user's (R432)."""
    text = SPEC.format(cloud="aws", compute=", stream: spark, compute: databricks", rows=1000)
    (tmp_path / "pipegen.yaml").write_text(
        text.replace("    type: postgres\n", "    type: postgres\n    ingestion: cdc\n")
    )
    ready = prepare(tmp_path / "pipegen.yaml")
    assert [f.code for f in ready.plan.findings if f.code == "R432"] == ["R432"]
    files = render_tree(ready.spec, ready.plan)
    streams = [t["stream"] for t in json.loads(files["spark/medallion.json"])["tables"] if t.get("stream")]
    assert streams and all(s["sasl"] == "aws_msk_iam" and s["shaded"] is True and "tls" not in s for s in streams)
    assert "spark/emr-serverless/stream-prod.json" not in files  # the stream is the bundle's job, not EMR's
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "b-1.msk.example:9098")
    options = load_job(tmp_path, files).kafka_options(streams[0])
    iam = "shadedmskiam.software.amazon.msk.auth.iam."
    assert options == {
        "kafka.bootstrap.servers": "b-1.msk.example:9098", "subscribe": streams[0]["topic"],
        "groupIdPrefix": streams[0]["group_prefix"], "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "AWS_MSK_IAM", "kafka.sasl.jaas.config": f"{iam}IAMLoginModule required;",
        "kafka.sasl.client.callback.handler.class": f"{iam}IAMClientCallbackHandler",
    }  # fmt: skip
    assert "kafka_ssl" not in files["databricks.yml"].lower()  # no TLS store variable for the stream job


def test_a_batch_source_of_a_deployed_spark_job_lands_its_batches_and_warns_only_where_nothing_loads(
    tmp_path: Path,
) -> None:
    """Issue 21: extract-load lands each batch source's batches where the Spark job's bronze reads them
    (pipeline/landing.py, plan/spark_landing.py), so a deployed Spark job warns nothing (R493 is gone); R500
    only where no target has a dlt destination (extract-load has nothing to load into, so nothing lands),
    located at the source's `ingestion`; a local project deploys nothing."""
    batch = ("    type: postgres\n", "    type: postgres\n    ingestion: batch\n")
    for cloud in ("aws", "gcp", "azure", "local"):
        path = tmp_path / f"{cloud}.yaml"
        compute = ", compute: databricks" if cloud == "azure" else ""
        path.write_text(SPEC.format(cloud=cloud, compute=compute, rows=1000).replace(*batch))
        ready = prepare(path)
        assert not [d for d in ready.diagnostics if d.code in ("R493", "R500")], cloud
        files = render_tree(ready.spec, ready.plan)
        ingest = str(files["pipeline/ingest.py"])
        assert 'LANDED: dict[str, str] = {\n    "Shop": "data/landing/shop",\n}' in ingest, cloud
        assert "pipeline/landing.py" in files
        landing = json.loads(str(files["spark/medallion.json"]))["tables"][0]["landing"]
        assert landing == "data/landing/shop/orders"  # the folder the landing writes under data/landing/shop
    lake = "    type: iceberg\n    connection: {bucket: company-lake}\n"
    druid = SPEC.format(cloud="aws", compute="", rows=1000).replace(*batch)
    druid = druid.replace(lake, "    type: druid\n    connection: {url: 'http://druid:8888'}\n")
    for cloud, expected in (("aws", ["sources[0].ingestion"]), ("local", [])):
        path = tmp_path / f"druid_{cloud}.yaml"
        path.write_text(druid.replace("cloud: aws", f"cloud: {cloud}"))
        ready = prepare(path)
        assert [d.path for d in ready.diagnostics if d.code == "R500"] == expected, cloud
        assert not [d for d in ready.diagnostics if d.code == "R493"]


def test_a_plan_without_a_spark_batch_job_lands_nothing(tmp_path: Path) -> None:
    """No Spark batch job: LANDED is empty and no pipeline/landing.py is written (nothing reads a landing root)."""
    path = tmp_path / "dbt.yaml"
    path.write_text(SPEC.format(cloud="aws", compute="", rows=1000).replace("engines: {batch: spark}\n", ""))
    ready = prepare(path)
    files = render_tree(ready.spec, ready.plan)
    assert "LANDED: dict[str, str] = {}\n" in str(files["pipeline/ingest.py"])
    assert "pipeline/landing.py" not in files


CORPUS = Path(__file__).parents[1] / "corpus"


def test_a_bridged_pub_sub_topic_streams_into_spark_as_a_topic_of_the_project_cluster(tmp_path: Path) -> None:
    """A Pub/Sub source's topics are read as the same-name Kafka topics on the project's cluster (bridged there,
    common/kafka_topics.py role `bridged`): the Spark stream reads them exactly as a Kafka source's topic there
    (no `bootstrap_servers`): the cluster's sign-in (GCP: Managed Kafka's OAUTHBEARER; a Strimzi cluster's mutual
    TLS stores), its brokers in the driver's environment. Before, the naming layer put them on no cluster of the
    project's: no sign-in at all, so the brokers refused the job."""
    from pipegen.common.spark_stream import stream_env
    from pipegen.generators.spark.config import stream_config
    from pipegen.spec.index import index_of

    bridged = (CORPUS / "pubsub_bridged_topics.yaml").read_text(encoding="utf-8")
    bridged = bridged.replace("latency: 1m\n", "latency: 1m\nengines: {stream: spark}\n")
    kafka = bridged.replace("type: pubsub", "type: kafka")  # the same topics, a Kafka source on the cluster
    found = []
    for name, text in (("bridged", bridged), ("kafka", kafka)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "pipegen.yaml").write_text(text)
        ready = prepare(tmp_path / name / "pipegen.yaml")
        streams = [
            t["stream"] for t in json.loads(render_tree(ready.spec, ready.plan)["spark/medallion.json"])["tables"]
        ]
        tls = [stream_config(ref, ready.plan.names) for ref in index_of(ready.spec).tables]  # on a Strimzi cluster
        found.append((streams, tls, stream_env(ready.spec, ready.plan.names)))
    assert found[0] == found[1]
    streams, tls, env = found[0]
    assert [s["topic"] for s in streams] == ["page_views", "Signups"]
    assert all(s["sasl"] == "gcp_oauth" for s in streams), streams
    assert all(s is not None and s["tls"] == TLS for s in tls), tls
    assert env == (("KAFKA_BOOTSTRAP_SERVERS", False),)
