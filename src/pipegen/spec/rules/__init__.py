"""Cross-field rules: each relates parts of a valid-shaped spec and has its own code.

Every rule is a small generator of Findings (path + code + message + hint); the validator
locates them in the file. Add a rule by writing a function in the module of its topic and
listing it in RULES; give it a code in docs/diagnostics.md and a fixture in tests/invalid/.
"""

from __future__ import annotations

from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import index_of
from pipegen.spec.model import Spec
from pipegen.spec.rules._common import Rule
from pipegen.spec.rules.bridged import bridged_subscription, bridged_topic_names
from pipegen.spec.rules.datasets import mart_output_rules, notifications, staging, synthetic, table_quality
from pipegen.spec.rules.derived import derived_lengths, python_function_names
from pipegen.spec.rules.expressions import expressions
from pipegen.spec.rules.formats import topic_formats
from pipegen.spec.rules.lake import lake_settings
from pipegen.spec.rules.names import identifier_lengths, metadata_columns, unique_names
from pipegen.spec.rules.operations import (
    environments,
    infrastructure,
    kubernetes_settings,
    lineage_settings,
    quality_settings,
)
from pipegen.spec.rules.quality import quarantine_cannot_move, stream_cannot_block, unchecked_rules
from pipegen.spec.rules.runs import (
    layer_locations,
    orchestration,
    orchestrator_limits,
    schedules,
    sizing_and_engines,
)
from pipegen.spec.rules.secrets import secret_findings
from pipegen.spec.rules.systems import (
    api_auth,
    batch_readers,
    cloud_match,
    connection_fields,
    connection_options,
    ingestion_modes,
    target_options,
)
from pipegen.spec.rules.tables import column_rule_types, dataset_shapes, foreign_keys, keys_and_watermarks
from pipegen.spec.rules.transforms import filters_keeping_no_row, marts, streams
from pipegen.spec.rules.unread import unread_settings

RULES: tuple[Rule, ...] = (
    unique_names,
    identifier_lengths,
    derived_lengths,
    bridged_topic_names,
    bridged_subscription,
    python_function_names,
    metadata_columns,
    keys_and_watermarks,
    column_rule_types,
    foreign_keys,
    dataset_shapes,
    ingestion_modes,
    batch_readers,
    cloud_match,
    target_options,
    lake_settings,
    connection_fields,
    connection_options,
    topic_formats,
    api_auth,
    marts,
    streams,
    filters_keeping_no_row,
    expressions,
    staging,
    table_quality,
    synthetic,
    mart_output_rules,
    unchecked_rules,
    quarantine_cannot_move,
    stream_cannot_block,
    notifications,
    orchestration,
    orchestrator_limits,
    schedules,
    sizing_and_engines,
    layer_locations,
    quality_settings,
    environments,
    infrastructure,
    kubernetes_settings,
    lineage_settings,
    unread_settings,
)


# The top-level sections each rule reads. When the spec does not validate as a whole, the
# rules whose sections all validated still run (see validate.py), so a structural error in
# one part never hides a cross-field error in another. A rule missing here runs only on a
# spec that validated completely.
RULE_SECTIONS: dict[Rule, frozenset[str]] = {
    unique_names: frozenset({"sources", "targets", "transforms"}),
    identifier_lengths: frozenset({"sources", "targets", "transforms"}),
    derived_lengths: frozenset({"pipeline", "sources", "targets", "transforms"}),
    bridged_topic_names: frozenset({"pipeline", "sources", "targets", "transforms", "quality"}),
    bridged_subscription: frozenset({"sources"}),
    python_function_names: frozenset({"pipeline"}),
    metadata_columns: frozenset({"sources"}),
    keys_and_watermarks: frozenset({"sources"}),
    column_rule_types: frozenset({"sources"}),
    foreign_keys: frozenset({"sources"}),
    dataset_shapes: frozenset({"sources"}),
    ingestion_modes: frozenset({"sources"}),
    batch_readers: frozenset({"sources"}),
    cloud_match: frozenset({"sources", "targets", "cloud"}),
    target_options: frozenset({"sources", "targets"}),
    marts: frozenset({"sources", "transforms"}),
    streams: frozenset({"sources", "transforms", "targets"}),
    filters_keeping_no_row: frozenset({"sources", "quality"}),
    expressions: frozenset({"sources", "transforms"}),
    quality_settings: frozenset({"quality"}),
    orchestrator_limits: frozenset({"orchestrator", "orchestration"}),
    schedules: frozenset({"pipeline", "deploy", "orchestrator"}),
    environments: frozenset({"deploy", "targets"}),
    infrastructure: frozenset({"deploy", "cloud"}),
    kubernetes_settings: frozenset({"deploy", "cloud"}),
    lineage_settings: frozenset({"monitoring"}),
    connection_fields: frozenset({"sources", "targets", "deploy"}),
    connection_options: frozenset({"sources", "targets"}),
    api_auth: frozenset({"sources"}),
    topic_formats: frozenset({"sources"}),
    unread_settings: frozenset({"sources", "targets", "transforms", "monitoring"}),
}

__all__ = ["RULES", "RULE_SECTIONS", "check", "secret_findings"]


def check(spec: Spec, valid_sections: frozenset[str] | None = None) -> list[Finding]:
    """Every rule's findings; with `valid_sections`, only the rules that read nothing else."""
    index = index_of(spec)
    rules = [
        rule
        for rule in RULES
        if valid_sections is None or (rule in RULE_SECTIONS and RULE_SECTIONS[rule] <= valid_sections)
    ]
    return [finding for rule in rules for finding in rule(spec, index)]
