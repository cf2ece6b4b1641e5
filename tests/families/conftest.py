"""Fixtures of the family judges."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.families.webhook import Webhook, serve


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A local HTTP endpoint recording the JSON bodies POSTed to it."""
    yield from serve()
