"""Cross-field rules: each relates parts of a valid-shaped spec and has its own code.

Every rule is a small generator of Findings (path + code + message + hint); the validator
locates them in the file. Add a rule by writing a function in the module of its topic and
listing it in RULES; give it a code in docs/diagnostics.md and a fixture in tests/invalid/.
"""

from __future__ import annotations

from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Spec
from pipegen.spec.rules._common import Rule
from pipegen.spec.rules.datasets import mart_output_rules, notifications, staging, synthetic, table_quality
from pipegen.spec.rules.expressions import expressions
from pipegen.spec.rules.names import identifier_lengths, metadata_columns, unique_names
from pipegen.spec.rules.operations import environments, quality_settings
from pipegen.spec.rules.runs import layer_locations, orchestration, sizing_and_engines
from pipegen.spec.rules.secrets import secret_findings
from pipegen.spec.rules.systems import cloud_match, ingestion_modes, target_options
from pipegen.spec.rules.tables import column_rule_types, dataset_shapes, foreign_keys, keys_and_watermarks
from pipegen.spec.rules.transforms import marts, streams

RULES: tuple[Rule, ...] = (
    unique_names,
    identifier_lengths,
    metadata_columns,
    keys_and_watermarks,
    column_rule_types,
    foreign_keys,
    dataset_shapes,
    ingestion_modes,
    cloud_match,
    target_options,
    marts,
    streams,
    expressions,
    staging,
    table_quality,
    synthetic,
    mart_output_rules,
    notifications,
    orchestration,
    sizing_and_engines,
    layer_locations,
    quality_settings,
    environments,
)


__all__ = ["RULES", "check", "secret_findings"]


def check(spec: Spec) -> list[Finding]:
    index = SpecIndex(spec)
    return [finding for rule in RULES for finding in rule(spec, index)]
