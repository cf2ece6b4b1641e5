"""One environment-variable convention (docs/families.md, "Names"): every variable pipegen names
comes from the naming layer (`plan/names.py`, `names.env`), the static runtime modules read
exactly those names, and every variable a generated project declares in `.env.example` is the
spec's own reference, a naming-layer name, or a tool's own setting."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipegen.pipeline import prepare, render_tree
from pipegen.plan.names import ENV, EnvName, env_name, names
from pipegen.resources import data_dir
from pipegen.spec.secretscan import secret_uses
from tests.conftest import REPO

TEMPLATES = data_dir("templates")
OURS = re.compile(r"\b(?:PIPEGEN|KAFKA_BOOTSTRAP)_[A-Z0-9_]*[A-Z0-9]\b")
# the tools' own settings, declared by the family that runs the tool
TOOLS = ("GX_", "DBT_", "RUNTIME__", "AIRFLOW_", "AIRFLOW__", "PREFECT_")
SPECS = sorted((REPO / "specs").glob("*.yaml"))


def _runtime(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"runtime_{name}", TEMPLATES / "runtime" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_every_pipegen_variable_a_template_reads_is_a_naming_layer_name() -> None:
    """Static runtime modules and templates read names literally; each is in EnvNames (a CDC DSN
    is per source: the capture module's example names one). The skeleton's Makefile variable
    PIPEGEN_SPEC is the user's (`pipegen new` writes it once), not read by generated code."""
    fixed = set(ENV.fixed())
    for path in TEMPLATES.rglob("*"):
        if not path.is_file() or "skeleton" in path.parts:
            continue
        for found in OURS.findall(path.read_text(encoding="utf-8")):
            per_source = found.startswith("PIPEGEN_CDC_") and found.endswith("_DSN")
            assert found in fixed or per_source, f"{path.relative_to(TEMPLATES)}: {found} is not in plan/names.py"


def test_the_runtime_modules_constants_are_the_naming_layers() -> None:
    notify = _runtime("notify")
    smtp = ENV.smtp
    assert {"host": smtp.host, "port": smtp.port, "security": smtp.security, "user": smtp.user,
                               "password": smtp.password, "sender": smtp.sender} == notify.SMTP_ENV  # fmt: skip
    assert ENV.pagerduty_url == notify.PAGERDUTY_URL_ENV
    assert ENV.quality_dir == _runtime("quality_log").STATE_ENV
    events = (TEMPLATES / "gx" / "quality_events.py").read_text(encoding="utf-8")
    assert f'BOOTSTRAP_ENV = "{ENV.kafka_bootstrap}"' in events


def test_per_entity_names_follow_the_convention() -> None:
    assert ENV.connection("serving-mysql", "user") == "SERVING_MYSQL_USER"
    assert ENV.connection("lake", "http_path") == "LAKE_HTTP_PATH"
    spec = prepare(REPO / "specs" / "ecommerce_realtime.yaml").spec
    [cdc] = names(spec).cdc
    assert ENV.cdc_dsn(cdc) == "PIPEGEN_CDC_ECOMMERCE_REALTIME_SHOP_DSN"
    with pytest.raises(ValueError, match="not an environment variable name"):
        env_name("has space")
    assert all(isinstance(n, EnvName) for n in ENV.fixed())


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_every_declared_variable_follows_one_convention(spec_path: Path) -> None:
    """`.env.example` of every example: the spec's references, naming-layer names (fixed ones, a
    source's or target's connection setting, a CDC DSN), or a tool's own settings; no second
    prefix for pipegen's own settings (the former QUALITY_* are PIPEGEN_* / KAFKA_BOOTSTRAP_SERVERS)."""
    ready = prepare(spec_path)
    spec, plan = ready.spec, ready.plan
    declared = re.findall(r"^([A-Z_][A-Z0-9_]*)=", render_tree(spec, plan)[".env.example"], flags=re.M)
    spec_refs = {u.name for u in secret_uses(spec)}
    owners = [*(s.name for s in spec.sources), *(t.name for t in spec.targets)]
    fixed = set(plan.names.env.fixed())
    dsns = {plan.names.env.cdc_dsn(c) for c in plan.names.cdc}
    for name in declared:
        ok = (
            name in spec_refs
            or name in fixed
            or name in dsns
            or name.startswith(TOOLS)
            or any(name.startswith(plan.names.env.connection(o, "x")[:-1]) for o in owners)
        )
        assert ok, f"{spec_path.stem}: {name} follows no convention of docs/families.md (Names)"
        assert not name.startswith("QUALITY_"), name
