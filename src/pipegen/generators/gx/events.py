"""The validation events a generated project emits (seed 000: CQRS + event sourcing over GX
results), as versioned JSON Schemas written to `schemas/events/<Event>.v1.json`.

Every event has the envelope below; each type adds its payload. The generated runtime
(templates/gx/quality_events.py) builds events with exactly these fields, and pipegen's
tests validate every emitted event against these schemas.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1
DRAFT = "https://json-schema.org/draft/2020-12/schema"

_STR = {"type": "string", "minLength": 1}
_NUM_OR_NULL = {"type": ["number", "null"]}
_ANY: dict[str, Any] = {}  # observed values are whatever GX observed (a number, a list of columns, a timestamp)

ENVELOPE: dict[str, Any] = {
    "event_id": {**_STR, "description": "Stable id: the same run, table and subject give the same id (dedup key)."},
    "event_type": _STR,
    "schema_version": {"const": SCHEMA_VERSION},
    "pipeline": _STR,
    "table": {**_STR, "description": "schema.table validated"},
    "suite": _STR,
    "run_id": _STR,
    "occurred_at": {"type": "string", "format": "date-time"},
}

FAILED_EXPECTATION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["expectation", "column", "spec_path", "severity", "observed", "unexpected_count", "unexpected_ratio"],
    "properties": {
        "expectation": _STR,
        "column": {"type": ["string", "null"]},
        "spec_path": _STR,
        "severity": {"enum": ["critical", "warning", "info"]},
        "observed": _ANY,
        "unexpected_count": {"type": ["integer", "null"]},
        "unexpected_ratio": _NUM_OR_NULL,
    },
}

STATISTICS: dict[str, Any] = {
    "type": "object",
    "required": ["evaluated", "successful", "failed", "success_percent"],
    "additionalProperties": False,
    "properties": {
        "evaluated": {"type": "integer", "minimum": 0},
        "successful": {"type": "integer", "minimum": 0},
        "failed": {"type": "integer", "minimum": 0},
        "success_percent": _NUM_OR_NULL,
    },
}

PAYLOADS: dict[str, tuple[str, dict[str, Any]]] = {
    "ValidationPassed": (
        "Every expectation of a table's suite held in this run.",
        {"statistics": STATISTICS, "row_count": {"type": "integer", "minimum": 0}},
    ),
    "ValidationFailed": (
        "At least one expectation of a table's suite failed in this run; names each one.",
        {
            "statistics": STATISTICS,
            "row_count": {"type": "integer", "minimum": 0},
            "failed_expectations": {"type": "array", "minItems": 1, "items": FAILED_EXPECTATION},
            "action": {"enum": ["block", "warn", "quarantine"]},
        },
    ),
    "ThresholdBreached": (
        "A rule's failure ratio went past what its `mostly` allows.",
        {
            "expectation": _STR,
            "column": {"type": ["string", "null"]},
            "spec_path": _STR,
            "severity": {"enum": ["critical", "warning", "info"]},
            "observed": {"type": "number", "description": "fraction of rows that broke the rule"},
            "threshold": {"type": "number", "description": "fraction allowed: 1 - mostly"},
        },
    ),
    "DataDriftDetected": (
        "A column statistic (or the row count) moved past the table's drift threshold since the previous run.",
        {
            "column": {"type": ["string", "null"]},
            "metric": {"enum": ["row_count", "null_rate", "mean", "distinct_count"]},
            "previous": {"type": "number"},
            "observed": {"type": "number"},
            "change": {"type": "number", "description": "relative change (absolute for null_rate)"},
            "threshold": {"type": "number"},
            "previous_run_id": _STR,
        },
    ),
    "ExpectationAdded": (
        "The suite has an expectation the previous run's suite did not.",
        {"expectation": _STR, "column": {"type": ["string", "null"]}, "spec_path": _STR, "kwargs": {"type": "object"}},
    ),
    "ExpectationRemoved": (
        "The previous run's suite had an expectation this one does not.",
        {"expectation": _STR, "column": {"type": ["string", "null"]}, "spec_path": _STR, "kwargs": {"type": "object"}},
    ),
}

EVENT_TYPES = tuple(PAYLOADS)


def schema(event_type: str) -> dict[str, Any]:
    description, payload = PAYLOADS[event_type]
    properties = {**ENVELOPE, "event_type": {"const": event_type}, **payload}
    return {
        "$schema": DRAFT,
        "$id": f"urn:pipegen:quality-event:{event_type}:v{SCHEMA_VERSION}",
        "title": event_type,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def schemas() -> dict[str, dict[str, Any]]:
    return {name: schema(name) for name in EVENT_TYPES}
