"""Strimzi custom resources (k8s/kafka/*.yaml, debezium/strimzi/*.yaml) of every example and
of a CDC spec per system validate strictly against ../shared/crds (unknown fields are errors),
and say what the plan says: partitions from the capacity figures, compaction per topic role,
least-privilege ACLs, the Debezium plugins the connectors need, exactly-once settings, and
secrets readable only by the Connect pods."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import families_for, prepare, render_tree
from tests.conftest import SPECS, example_specs
from tests.families.cdc_specs import SYSTEMS, cdc_spec, render
from tests.judges.crds import CrdCatalog, load_resources, shared_crds_dir
from tests.judges.kubernetes import failures, is_core


@pytest.fixture(scope="module")
def catalog() -> CrdCatalog:
    folder = shared_crds_dir()
    if folder is None:
        print("CRD schemas not found (../shared/crds; set PIPEGEN_SHARED): skipping")
        pytest.skip("../shared/crds is absent (it lives in the steering repo's shared/ folder)")
    return CrdCatalog.load(folder)


def resources(files: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path, text in sorted(files.items()):
        if path.startswith(("k8s/kafka/", "debezium/strimzi/")) and path.endswith(".yaml"):  # not a Kustomization
            out += load_resources(text)
    return out


def by_kind(files: dict[str, str], kind: str) -> list[dict[str, Any]]:
    return [r for r in resources(files) if r["kind"] == kind]


def with_strimzi() -> list[Path]:
    """The examples whose plan has a Kafka cluster or CDC connectors (the others render no
    Strimzi resource: validating their empty list would judge nothing)."""
    return [p for p in example_specs() if {"kafka", "debezium"} & set(families_for(prepare(p).plan))]


def test_the_examples_without_kafka_render_no_strimzi_resource() -> None:
    for spec in sorted(set(example_specs()) - set(with_strimzi())):
        ready = prepare(spec)
        assert resources(render_tree(ready.spec, ready.plan)) == [], spec.stem


@pytest.mark.parametrize("spec", with_strimzi(), ids=lambda p: p.stem)
def test_every_example_resource_is_valid(catalog: CrdCatalog, spec: Path) -> None:
    ready = prepare(spec)
    docs = [r for r in resources(render_tree(ready.spec, ready.plan)) if not is_core(r)]
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"} <= {r["kind"] for r in docs}  # judged something
    assert catalog.validate_all(docs) == []


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_cdc_resource_is_valid(tmp_path: Path, catalog: CrdCatalog, system: str) -> None:
    docs = [r for r in resources(render(tmp_path, cdc_spec(system))) if not is_core(r)]
    kinds = {r["kind"] for r in docs}
    assert kinds == {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "KafkaConnect", "KafkaConnector"}
    assert catalog.validate_all(docs) == []


@pytest.mark.judge
def test_every_core_kind_resource_of_the_examples_and_cdc_specs_is_valid_against_kubernetes_schemas(
    tmp_path: Path, k8s_python: Path
) -> None:
    """Role, RoleBinding and every other built-in kind in any generated file, of every example and
    of the CDC spec of each system, against the Kubernetes API's strict schemas (kubernetes-validate,
    offline): no core kind is left out of validation."""
    from tests.judges.kubernetes import core_resources

    found = []
    for spec in example_specs():
        ready = prepare(spec)
        found += [(f"{spec.stem}/{p}", r) for p, r in core_resources(render_tree(ready.spec, ready.plan))]
    for system in SYSTEMS:
        folder = tmp_path / system
        folder.mkdir()
        found += [(f"cdc-{system}/{p}", r) for p, r in core_resources(render(folder, cdc_spec(system)))]
    kinds = {r["kind"] for _, r in found}
    assert {"Role", "RoleBinding"} <= kinds, kinds  # judged something: the Connect pods' secret readers
    assert failures(found, k8s_python, tmp_path / "home") == {}


def test_ecommerce_topics_follow_the_plan() -> None:
    ready = prepare(Path(__file__).parents[2] / "specs" / "ecommerce_realtime.yaml")
    files = render_tree(ready.spec, ready.plan)
    topics = {t["spec"]["topicName"]: t["spec"] for t in by_kind(files, "KafkaTopic")}
    parts = {t.table: t.kafka_partitions for t in ready.plan.capacity.tables}
    for table in ("orders", "users", "products"):
        cdc = topics[f"ecommerce_realtime.shop.{table}"]
        assert cdc["partitions"] == parts[f"shop.{table}"] == 5  # sizing.kafka.partitions
        assert cdc["replicas"] == 3 and cdc["config"]["cleanup.policy"] == "compact"
        dlq = topics[f"ecommerce_realtime.shop.{table}.dlq"]
        assert dlq["config"]["cleanup.policy"] == "delete" and dlq["config"]["retention.ms"] > 0
    events = topics["dq.validation_events"]
    assert events["config"]["cleanup.policy"] == "delete"
    history = topics["ecommerce_realtime.shop.schema-history"]
    assert history["partitions"] == 1 and history["config"]["retention.ms"] == -1
    (cluster,) = by_kind(files, "Kafka")
    assert cluster["spec"]["kafka"]["config"]["min.insync.replicas"] == 2
    assert cluster["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    brokers = next(p for p in by_kind(files, "KafkaNodePool") if p["spec"]["roles"] == ["broker"])
    assert brokers["spec"]["replicas"] == 3  # sizing.kafka.brokers


def test_every_topic_a_connector_writes_is_declared(tmp_path: Path) -> None:
    files = render(tmp_path, cdc_spec("mysql"))
    declared = {t["spec"]["topicName"] for t in by_kind(files, "KafkaTopic")}
    (connector,) = by_kind(files, "KafkaConnector")
    config = connector["spec"]["config"]
    assert config["schema.history.internal.kafka.topic"] in declared
    assert {"shop.app.orders", "shop.app.customers", "__debezium-heartbeat.shop.app"} <= declared
    (connect,) = by_kind(files, "KafkaConnect")
    spec = connect["spec"]
    assert {spec["configStorageTopic"], spec["offsetStorageTopic"], spec["statusStorageTopic"]} <= declared
    assert connector["metadata"]["labels"]["strimzi.io/cluster"] == connect["metadata"]["name"]


def acl_ops(user: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for acl in user["spec"]["authorization"]["acls"]:
        key = (acl["resource"]["type"], acl["resource"].get("name", ""))
        out.setdefault(key, set()).update(acl["operations"])
    return out


def test_users_have_least_privilege(tmp_path: Path) -> None:
    files = render(tmp_path, cdc_spec("postgres"))
    users = {u["metadata"]["name"]: acl_ops(u) for u in by_kind(files, "KafkaUser")}
    connect = users["shop-connect"]
    assert connect[("topic", "shop.app.orders")] == {"Write", "Describe"}  # writes changes, never reads them
    assert ("topic", "shop.app.orders.dlq") not in connect
    flink = users["shop-flink"]
    assert flink[("topic", "shop.app.orders")] == {"Read", "Describe"}  # reads changes, never writes them
    assert flink[("topic", "shop.app.orders.dlq")] == {"Write", "Describe"}
    assert all("All" not in ops for u in users.values() for ops in u.values())
    assert not any(t == "topic" and n == "*" for u in users.values() for (t, n) in u)


@pytest.mark.parametrize(
    ("system", "plugin"),
    [("postgres", "debezium-connector-postgres"), ("mysql", "debezium-connector-mysql"),
     ("mongodb", "debezium-connector-mongodb"), ("sqlserver", "debezium-connector-sqlserver"),
     ("oracle", "debezium-connector-oracle")],
)  # fmt: skip
def test_connect_builds_the_plugins_and_enables_exactly_once(tmp_path: Path, system: str, plugin: str) -> None:
    files = render(tmp_path, cdc_spec(system))
    (connect,) = by_kind(files, "KafkaConnect")
    plugins = connect["spec"]["build"]["plugins"]
    assert [p["name"] for p in plugins] == [plugin]
    assert plugins[0]["artifacts"][0]["version"].endswith(".Final")
    config = connect["spec"]["config"]
    assert config["exactly.once.source.support"] == "enabled"
    assert config["consumer.isolation.level"] == "read_committed"
    assert config["config.providers.secrets.class"] == "io.strimzi.kafka.KubernetesSecretConfigProvider"
    assert connect["metadata"]["annotations"]["strimzi.io/use-connector-resources"] == "true"


def test_connect_may_read_exactly_the_secrets_its_connectors_name(tmp_path: Path) -> None:
    files = render(tmp_path, cdc_spec("postgres"))
    role, binding = load_resources(files["k8s/kafka/connect-rbac.yaml"])
    (connector,) = by_kind(files, "KafkaConnector")
    password = connector["spec"]["config"]["database.password"]
    secret = password.split("/", 1)[1].split(":", 1)[0]  # ${secrets:<ns>/<secret>:<key>}
    rules = {r["resources"][0]: r["resourceNames"] for r in role["rules"]}
    assert rules["secrets"] == [secret] and all(r["verbs"] == ["get"] for r in role["rules"])
    assert binding["subjects"][0]["name"] == "shop-connect-connect"  # Strimzi's service account for KafkaConnect


def test_kafka_docs_list_every_topic_and_acl(tmp_path: Path) -> None:
    files = render(tmp_path, cdc_spec("mysql"))
    doc = files["docs/kafka.md"]
    for topic in by_kind(files, "KafkaTopic"):
        spec = topic["spec"]
        row = f"| `{spec['topicName']}` | "
        (line,) = [ln for ln in doc.splitlines() if ln.startswith(row)]
        assert f"| {spec['partitions']} | {spec['config']['cleanup.policy']} |" in line
    acls = doc.split("\n## Users", 1)[1]  # the Secret table above names the Connect KafkaUser's Secret too
    for user in by_kind(files, "KafkaUser"):
        assert len([ln for ln in acls.splitlines() if ln.startswith(f"| `{user['metadata']['name']}` |")]) == len(
            user["spec"]["authorization"]["acls"]
        )
    assert "group `shop-app-cdc-schemahistory`" in doc  # Debezium's schema history consumer group


def _iot_on_the_pipelines_cluster(tmp_path: Path) -> Path:
    """iot_lambda with its Kafka source moved onto the project's cluster (no `bootstrap_servers`) and a
    second source reading the same topic: the cluster has topic auto-creation off and simple authorization."""
    yaml = YAML()
    doc = yaml.load((SPECS / "iot_lambda.yaml").read_text(encoding="utf-8"))
    sensors = doc["sources"][0]
    del sensors["connection"]["bootstrap_servers"]
    twin = copy.deepcopy(sensors)
    twin["name"] = "sensors_twin"
    doc["sources"].append(twin)
    for job in (*doc["transforms"].get("marts", ()), *doc["transforms"]["streams"]):
        if job["from"] == "readings":
            job["from"] = "sensors.readings"  # no longer one source's alone
    out = tmp_path / "pipegen.yaml"
    with out.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)
    return out


def test_a_stream_topic_read_from_the_pipelines_cluster_is_declared_once_and_granted_read_only(
    tmp_path: Path,
) -> None:
    ready = prepare(_iot_on_the_pipelines_cluster(tmp_path))
    files = render_tree(ready.spec, ready.plan)
    topics = [t["spec"] for t in by_kind(files, "KafkaTopic")]
    readings = [t for t in topics if t["topicName"] == "readings"]  # the spec's topic name, as written
    assert len(readings) == 1  # two sources read it: one KafkaTopic
    assert readings[0]["config"]["cleanup.policy"] == "delete"
    assert "'topic' = 'readings'" in "".join(t for p, t in files.items() if p.startswith("flink/sql/"))
    users = {u["metadata"]["name"]: acl_ops(u) for u in by_kind(files, "KafkaUser")}
    assert users["iot-lambda-flink"][("topic", "readings")] == {"Read", "Describe"}
    assert not any(("topic", "readings") in ops for name, ops in users.items() if name != "iot-lambda-flink")


def test_a_faker_stream_is_read_from_its_own_declared_topic_and_an_external_clusters_topic_is_not_declared() -> None:
    for example, topic, declared in (
        ("azure_playground", "azure_playground.clickstream.page_views", True),  # Faker: pipegen's own topic
        ("iot_lambda", "readings", False),  # the source's `bootstrap_servers`: its own cluster
    ):
        ready = prepare(SPECS / f"{example}.yaml")
        files = render_tree(ready.spec, ready.plan)
        names = {t["spec"]["topicName"] for t in by_kind(files, "KafkaTopic")}
        assert (topic in names) is declared, example
        if "spark/medallion.json" in files:  # azure_playground streams with Spark (Databricks compute): no Flink
            streams = [t["stream"] for t in json.loads(files["spark/medallion.json"])["tables"] if t.get("stream")]
            assert [s for s in streams if s["topic"] == topic and s["format"] == "json"], streams
            assert not any(p.startswith("flink/") for p in files), example
            continue
        assert f"'topic' = '{topic}'" in "".join(t for p, t in files.items() if p.startswith("flink/sql/"))
        flink = next(acl_ops(u) for u in by_kind(files, "KafkaUser") if u["metadata"]["name"].endswith("-flink"))
        assert (("topic", topic) in flink) is declared, example


def test_the_spark_stream_reads_as_its_own_kafka_user_granted_its_topics_and_the_groups_it_joins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """azure_playground streams with Spark: its Kafka source (the generated job's own kafka_options)
    subscribes exactly the topics its KafkaUser may read, names its consumer groups under the prefix
    the user's group ACL grants (Spark's groups are `<groupIdPrefix>-<uuid>-<hash>`, `-executor` on
    the executors), and authenticates by mutual TLS as the cluster's listener asks, with the user's
    certificate; the user may do nothing else."""
    from tests.generators.test_spark_family import load_job

    ready = prepare(SPECS / "azure_playground.yaml")
    files = render_tree(ready.spec, ready.plan)
    job = load_job(tmp_path, files)
    env = {"KAFKA_SSL_TRUSTSTORE_LOCATION": "/certs/ca.p12", "KAFKA_SSL_TRUSTSTORE_PASSWORD": "ca-secret",
           "KAFKA_SSL_KEYSTORE_LOCATION": "/certs/user.p12", "KAFKA_SSL_KEYSTORE_PASSWORD": "user-secret"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    options = [job.kafka_options(t["stream"]) for t in job.CONFIG["tables"] if t.get("stream")]
    assert options, "azure_playground streams no table"
    users = {u["metadata"]["name"]: u for u in by_kind(files, "KafkaUser")}
    spark = users["azure-playground-spark"]
    granted = acl_ops(spark)
    groups = [name for (kind, name) in granted if kind == "group"]
    patterns = {a["resource"]["name"]: a["resource"].get("patternType") for a in spark["spec"]["authorization"]["acls"]}
    assert len(groups) == 1 and patterns[groups[0]] == "prefix" and granted[("group", groups[0])] == {"Read"}
    for o in options:
        assert o["groupIdPrefix"] == groups[0]
        joined = f"{o['groupIdPrefix']}-3f2b9c1e-8d4a-4e55-9a8e-0c6d2f1b7a90--1894632845"  # as Spark names them
        assert joined.startswith(groups[0]) and f"{joined}-executor".startswith(groups[0])
    assert {n for (kind, n) in granted if kind == "topic"} == {o["subscribe"] for o in options}
    assert all(ops == {"Read", "Describe"} for (kind, _), ops in granted.items() if kind == "topic")
    assert {kind for kind, _ in granted} == {"topic", "group"}  # no Write, no cluster operation
    (kafka,) = by_kind(files, "Kafka")
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] and listener["authentication"]["type"] == spark["spec"]["authentication"]["type"] == "tls"
    for o in options:  # mutual TLS: the cluster CA and the Spark user's certificate (Strimzi's PKCS12 files)
        assert {k: v for k, v in o.items() if k.startswith("kafka.s")} == {
            "kafka.security.protocol": "SSL",
            "kafka.ssl.truststore.type": "PKCS12", "kafka.ssl.truststore.location": "/certs/ca.p12",
            "kafka.ssl.truststore.password": "ca-secret",
            "kafka.ssl.keystore.type": "PKCS12", "kafka.ssl.keystore.location": "/certs/user.p12",
            "kafka.ssl.keystore.password": "user-secret",
        }  # fmt: skip
    example = files[".env.example"]  # where the job finds them: the user's and the CA's Secrets, named
    assert "user.p12 of Secret azure-playground-spark" in example and "KAFKA_SSL_KEYSTORE_PASSWORD=" in example


def _grants(user: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(type, name, pattern, operation) of a KafkaUser's ACLs."""
    return {(a["resource"]["type"], a["resource"].get("name", ""), a["resource"].get("patternType", ""), op)
            for a in user["spec"]["authorization"]["acls"] for op in a["operations"]}  # fmt: skip


def test_the_batch_reader_and_the_event_publisher_of_one_run_sign_in_as_the_ingest_user_granted_both(
    tmp_path: Path,
) -> None:
    """A JSON Kafka source on the project's cluster a batch layer lands, and a quality step publishing its
    events to Kafka, under Kubernetes: both read the batch run's one set of KAFKA_SSL_* variables, so the
    batch pod (Airflow's scheduler) mounts the ingest KafkaUser's certificate, whose ACLs are exactly the
    reader's (the topic and group the generated pipeline/sources.py reads) plus the quality user's; no R470."""
    from tests.generators.test_ingestion_family import _kafka_elt

    data = _kafka_elt("json")
    del data["sources"][0]["connection"]
    data |= {
        "deploy": {"kubernetes": {"enabled": True}},
        "quality": {"events": {"sink": "kafka", "topic": "shop.dq_events"}},
    }
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    ready = prepare(path)
    assert not [d for d in ready.diagnostics if d.code == "R470"]
    files = render_tree(ready.spec, ready.plan)
    users = {u["metadata"]["name"]: _grants(u) for u in by_kind(files, "KafkaUser")}
    acls, publisher = users["shop-topics-ingest"], users["shop-topics-quality"]
    assert ("topic", "shop.dq_events", "literal", "Write") in publisher and publisher <= acls
    sources = files["pipeline/sources.py"]
    [(group, topic)] = re.findall(r'client_config\(bootstrap, "([^"]+)", options\), "([^"]+)"', sources)
    assert acls - publisher == {("topic", topic, "literal", "Read"), ("topic", topic, "literal", "Describe"),
                                ("group", group, "literal", "Read")}  # fmt: skip
    [batch] = [d for d in load_resources(files["k8s/base/workloads.yaml"])
               if d["kind"] == "Deployment" and d["metadata"]["name"] == "shop-topics-batch"]  # fmt: skip
    volumes = batch["spec"]["template"]["spec"]["volumes"]
    assert {v["secret"]["secretName"] for v in volumes if "secret" in v} == {
        "shop-topics-ingest", "shop-topics-cluster-ca-cert"}  # fmt: skip
