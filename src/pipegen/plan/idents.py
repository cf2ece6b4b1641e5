"""How the naming layer shapes a name: DNS-1123 labels, object-store names per cloud, stable hash
suffixes (dlt's snake_case is one floor below, spec/snakecase.py, so validation can use it).
Pure string rules; `names.py` applies them to a spec."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import NamedTuple

from pipegen.safe import Ident
from pipegen.spec.model import Cloud


def short_hash(value: str, n: int = 6) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:n]


# Project names dbt refuses ("Invalid project name: column is a reserved word": dbt-core 1.11's
# contracts/project.py BANNED_PROJECT_NAMES, the names of its Jinja context): a pipeline so named has the
# dbt project `<name>_pipeline` (its profile too), every other pipeline's project is its own name.
DBT_BANNED_PROJECT_NAMES = frozenset(
    "_sql_results adapter api column config context database env env_var exceptions execute flags fromjson "
    "fromyaml graph invocation_id load_agate_table load_result log model modules post_hooks pre_hooks ref render "
    "return run_started_at schema source sql sql_now store_result store_raw_result target this tojson toyaml "
    "try_or_compiler_error var write".split()
)


def dbt_project_name(pipeline: str) -> Ident:
    return Ident(f"{pipeline}_pipeline" if pipeline in DBT_BANNED_PROJECT_NAMES else pipeline)


_NOT_DNS = re.compile(r"[^a-z0-9]+")
_DASHES = re.compile(r"-{2,}")


def dns_name(value: str, max_len: int = 63, always_hash: bool = False) -> Ident:
    """A DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric,
    at most `max_len` characters; a name that had to be cut (or `always_hash`) ends in a
    stable hash of the full value, so distinct values stay distinct."""
    label = _DASHES.sub("-", _NOT_DNS.sub("-", value.lower())).strip("-")
    if always_hash or len(label) > max_len or not label:
        suffix = short_hash(value)
        head = label[: max_len - len(suffix) - 1].rstrip("-")
        label = f"{head}-{suffix}" if head else f"x-{suffix}"
    return Ident(label)


class BucketRule(NamedTuple):
    min_len: int
    max_len: int
    allowed: str  # regex character class body
    separator: str  # what replaces '_' and other characters ('' = removed)


# Object-store names per cloud (AWS S3 bucket, GCS bucket, Azure Blob container; local: a directory).
BUCKET_RULES: dict[Cloud, BucketRule] = {
    Cloud.AWS: BucketRule(3, 63, "a-z0-9-", "-"),
    Cloud.GCP: BucketRule(3, 63, "a-z0-9-", "-"),
    Cloud.AZURE: BucketRule(3, 63, "a-z0-9-", "-"),
    Cloud.LOCAL: BucketRule(1, 255, "a-z0-9_-", "_"),
}
# Azure storage accounts: 3-24 lowercase letters and digits, globally unique.
STORAGE_ACCOUNT_RULE = BucketRule(3, 24, "a-z0-9", "")


def bucket_name(pipeline: str, purpose: str, rule: BucketRule) -> Ident:
    """`<pipeline>-<purpose>` within a cloud's limits (a stable hash suffix when cut)."""
    full = f"{pipeline}_{purpose}".lower()
    name = re.sub(f"[^{rule.allowed}]+", rule.separator, full)
    if rule.separator:
        name = re.sub(f"{re.escape(rule.separator)}{{2,}}", rule.separator, name).strip(rule.separator)
    if len(name) > rule.max_len:
        suffix = short_hash(full, 6)
        name = name[: rule.max_len - len(suffix) - len(rule.separator)].rstrip(rule.separator)
        name = f"{name}{rule.separator}{suffix}"
    if len(name) < rule.min_len:
        name = name + "0" * (rule.min_len - len(name))
    return Ident(name)


def k8s_labels(values: list[str]) -> dict[str, Ident]:
    """Kubernetes resource names for a set of names (e.g. KafkaTopic resources for topic names): DNS
    labels; a label two names would share (`a_b.c`, `a.b_c`) ends in a stable hash of each full name."""
    labels = {v: dns_name(v) for v in values}
    clashing = clashes(list(labels.values()))
    return {v: dns_name(v, always_hash=True) if label in clashing else label for v, label in labels.items()}


def clashes(values: list[Ident]) -> set[Ident]:
    """Names two different spec entities would share (e.g. `a_b`/`c` and `a`/`b_c`)."""
    return {v for v, n in Counter(values).items() if n > 1}
