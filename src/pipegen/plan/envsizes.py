"""Node counts per deployment environment, from the plan's capacity figures and the spec's
`deploy.environments.<env>` overrides; the kubernetes family's overlays (the Strimzi broker pool, the
FlinkDeployments) and the terraform family's tfvars (MSK brokers, Managed Kafka vCPUs) read them.

- Kafka brokers: the environment's `kafka_brokers`; else `dev` the replication factor (the fewest
  brokers that hold every topic's replicas), the others the plan's brokers (at least the replication
  factor). Fewer than the replication factor is refused (R425).
- Flink: slots per task manager as the FlinkDeployments set them (the plan's parallelism, at most
  SLOTS_MAX); task managers the environment's `flink_task_managers`, else `dev` one, the others
  enough for the plan's parallelism; a job's parallelism is its task managers' slots (at most the plan's
  parallelism when the count is not set).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from pipegen.plan.capacity import KAFKA_REPLICATION, Capacity
from pipegen.plan.idents import dns_name
from pipegen.spec.model import Spec

DEV = "dev"
SLOTS_MAX = 4  # task slots per Flink task manager (taskmanager.numberOfTaskSlots)


class EnvSizes(NamedTuple):
    kafka_brokers: int
    kafka_override: bool  # the environment sets `kafka_brokers`
    flink_task_managers: int
    flink_parallelism: int
    flink_slots: int


def _sized(capacity: Capacity, name: str, default: float) -> int:
    return int(next((s.value for s in capacity.sizing if s.name == name), default))


def replication(capacity: Capacity) -> int:
    return _sized(capacity, "Kafka replication factor", KAFKA_REPLICATION)


def planned_brokers(capacity: Capacity) -> int:
    return max(replication(capacity), _sized(capacity, "Kafka brokers", KAFKA_REPLICATION))


def flink_slots(capacity: Capacity) -> int:
    return min(int(capacity.flink_parallelism or 1), SLOTS_MAX)


def env_sizes(spec: Spec, capacity: Capacity, environment: str) -> EnvSizes:
    """`environment`: its name in the spec, or the naming layer's (a DNS label of at most 20)."""
    settings = spec.deploy.environments.get(environment) or next(
        (e for k, e in spec.deploy.environments.items() if str(dns_name(k, 20)) == environment), None
    )
    dev = environment == DEV
    brokers = settings.kafka_brokers if settings and settings.kafka_brokers else None
    planned = int(capacity.flink_parallelism or 1)
    slots = flink_slots(capacity)
    managers = settings.flink_task_managers if settings and settings.flink_task_managers else None
    if managers is not None:
        parallelism = managers * slots
    else:
        parallelism = 1 if dev else planned
        managers = math.ceil(parallelism / slots)
    return EnvSizes(
        kafka_brokers=brokers or (replication(capacity) if dev else planned_brokers(capacity)),
        kafka_override=brokers is not None,
        flink_task_managers=managers,
        flink_parallelism=parallelism,
        flink_slots=slots,
    )
