"""Work a render does once per spec, not once per element (issue 24, s45 gen46): counts, not
timings. Before, the Kubernetes and Flink Secret tables dumped the whole spec to JSON once per
variable name they describe (`spec_reference`: 33 dumps for e-commerce, ~1 s of CPU at 1,000
tables); now the dump is held by the spec's shared index."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from pipegen.spec import index as spec_index
from pipegen.spec.model import Spec
from tests.conftest import REPO


@pytest.mark.parametrize("example", ["ecommerce_realtime", "iot_lambda"])
def test_the_spec_is_dumped_to_json_once_per_render(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_index, "_RECENT", {})
    ready = prepare(REPO / "specs" / f"{example}.yaml")
    dumps = {"n": 0}
    dump = Spec.model_dump_json

    def counted(self: Spec, **kwargs: Any) -> str:
        dumps["n"] += 1
        return dump(self, **kwargs)

    monkeypatch.setattr(Spec, "model_dump_json", counted)
    files = render_tree(ready.spec, ready.plan)
    assert "the spec's `${" in files["docs/kubernetes.md"]  # the Secret table names the spec's references
    assert dumps["n"] <= 1, f"the spec was dumped {dumps['n']} times"
