"""The kafka family: Kafka on Strimzi.

Its code is in `generator.py` (and its siblings); its templates in `templates/kafka/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="kafka",
    description=(
        "Kafka on Strimzi (v1): KRaft cluster and node pools, topics per CDC table / stream read from it / "
        "dead letters / events / stream job output on it / relay "
        "(partitions from the plan), "
        "users with least-privilege ACLs, Kafka Connect with the Debezium plugins and the Pub/Sub bridge "
        "(Google's Pub/Sub Group Kafka Connector, one KafkaConnector per bridged topic)"
    ),
    needs=(Kind.KAFKA_TOPICS,),
    generator=Lazy("pipegen.generators.kafka.generator"),
    judge=Judge(
        "Strimzi v1 CRD schemas (../shared/crds)",
        (
            "tests/families/test_strimzi_resources.py",
            "tests/judges/test_crds.py",
            "tests/families/test_pubsub_bridge.py",
        ),
    ),
)
