"""Grafana dashboards (planned in this slice: none yet)."""

from __future__ import annotations

from pipegen.generators.base import Files
from pipegen.generators.monitoring.metrics import Scope


def files(s: Scope) -> Files:
    return {}
