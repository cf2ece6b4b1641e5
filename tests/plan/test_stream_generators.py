"""Where a plan's Faker stream generators run (plan/stream_generators.py `generator_host`), the one decision the
synthetic, terraform, kubernetes, kafka and compose families read: every plan with a streamed Faker source has
them, whatever its architecture (Kappa alone too: issue 21, infra21b); a plan with none has no host."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.generators.registry import REGISTRY
from pipegen.plan.components import Kind, graph
from pipegen.plan.stream_generators import GeneratorHost, generator_host
from pipegen.spec.model import Architecture, Spec
from tests.conftest import spec_data

FAKER_STREAM = {
    "name": "clicks",
    "type": "faker",
    "ingestion": "stream",
    "tables": [{"name": "views", "event_time": "at", "columns": [
        {"name": "id", "type": "bigint"}, {"name": "at", "type": "timestamp(3)"}]}],
}  # fmt: skip
CDC_SOURCE = {
    "name": "app",
    "type": "mysql",
    "ingestion": "cdc",
    "tables": [{"name": "users", "primary_key": "id", "columns": [{"name": "id", "type": "bigint"}]}],
}


def _spec(source: dict[str, Any], **overrides: Any) -> Spec:
    return Spec.model_validate(spec_data(sources=[source], latency="1m", **overrides))


@pytest.mark.parametrize("arch", [Architecture.KAPPA, Architecture.LAMBDA, Architecture.LAKEHOUSE])
def test_every_architecture_with_a_faker_stream_has_its_generators_made_by_the_synthetic_family(
    arch: Architecture,
) -> None:
    g = graph(_spec(FAKER_STREAM), arch)
    assert Kind.STREAM_GENERATORS in g.kinds and ("generators", "source_0") in g.edges
    assert REGISTRY.owners()[Kind.STREAM_GENERATORS] == "synthetic"
    # Kappa alone has no batch layer, so no stand-ins: only the generators turn the synthetic family on
    assert (Kind.SYNTHETIC_DATA in g.kinds) is (arch != Architecture.KAPPA)


def test_a_plan_without_a_faker_stream_has_no_generators_and_no_host() -> None:
    spec = _spec(CDC_SOURCE, deploy={"terraform": {"enabled": True}}, cloud="aws")
    g = graph(spec, Architecture.KAPPA)
    assert Kind.STREAM_GENERATORS not in g.kinds and generator_host(spec, g.kinds) is None
    batch = Spec.model_validate(spec_data())  # a Faker-free batch plan, and a Faker source read in batch
    assert Kind.STREAM_GENERATORS not in graph(batch, Architecture.ELT).kinds
    faker_batch = _spec({**FAKER_STREAM, "ingestion": "batch"})
    assert Kind.STREAM_GENERATORS not in graph(faker_batch, Architecture.ELT).kinds


@pytest.mark.parametrize(
    ("cloud", "deploy", "host"),
    [("local", {}, GeneratorHost.LOCAL), ("aws", {}, GeneratorHost.LOCAL),
     ("aws", {"terraform": {"enabled": True}}, GeneratorHost.CLOUD),
     ("gcp", {"terraform": {"enabled": True}}, GeneratorHost.CLOUD),
     ("azure", {"terraform": {"enabled": True}}, GeneratorHost.CLOUD),
     ("local", {"kubernetes": {"enabled": True}}, GeneratorHost.KUBERNETES),
     ("aws", {"kubernetes": {"enabled": True}, "terraform": {"enabled": True}}, GeneratorHost.KUBERNETES),
     ("azure", {"kubernetes": {"enabled": True}, "terraform": {"enabled": True}}, GeneratorHost.KUBERNETES)],
)  # fmt: skip
def test_the_generators_run_beside_strimzi_under_kubernetes_else_beside_the_clouds_managed_kafka(
    cloud: str, deploy: dict[str, Any], host: GeneratorHost
) -> None:
    spec = _spec(FAKER_STREAM, cloud=cloud, deploy=deploy)
    assert generator_host(spec, graph(spec, Architecture.KAPPA).kinds) == host
