"""Scalar value types: durations parse the same in pipegen and in the JSON Schema editors use."""

from __future__ import annotations

import re

import pytest

from pipegen.spec.types import DURATION_PATTERN, SpecValueError, format_duration, parse_duration, parse_latency


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("30s", 30),
        ("15m", 900),
        ("1h", 3600),
        ("1d", 86400),
        ("1w", 604800),
        ("5 minutes", 300),
        ("1 minute", 60),
        ("10 min", 600),
        ("2 hours", 7200),
        ("1 hr", 3600),
        ("3 days", 259200),
        ("2 weeks", 1209600),
        ("45 seconds", 45),
        ("250 milliseconds", 0.25),
        ("  15m  ", 900),
    ],
)
def test_durations_accept_short_and_spelled_out_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds
    assert re.match(DURATION_PATTERN, text), "the JSON Schema must accept what pipegen accepts"


@pytest.mark.parametrize("text", ["5 jiffies", "1.5h", "-1m", "m", "15", "15 M", "1 month", "٣m", ""])
def test_non_durations_are_rejected_by_pipegen_and_schema_alike(text: str) -> None:
    with pytest.raises(SpecValueError):
        parse_duration(text)
    assert not re.match(DURATION_PATTERN, text)


def test_zero_duration_is_rejected_with_a_hint_towards_realtime() -> None:
    with pytest.raises(SpecValueError, match="greater than zero"):
        parse_duration("0s")
    assert parse_latency("realtime") == 0.0


def test_bare_numbers_are_ambiguous() -> None:
    with pytest.raises(SpecValueError, match="ambiguous"):
        parse_duration(15)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "realtime"), (0.5, "500ms"), (90, "90s"), (3600, "1h"), (86400 * 7, "1w")]
)
def test_format_duration_uses_the_largest_exact_unit(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
