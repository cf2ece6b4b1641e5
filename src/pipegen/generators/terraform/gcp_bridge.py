"""The Pub/Sub bridge's identity on GCP (issue 21, gcp47): where the kafka family's Pub/Sub bridge runs in the Kafka
Connect pods and signs in with Application Default Credentials (a bridged source without `private_key`), those pods
are federated with the `bridge` service account (common/workload_identity.py: `k8s_service_accounts["bridge"]` is
Strimzi's `<connect>-connect`, bound by gcp.py's `roles/iam.workloadIdentityUser`), which holds exactly what the
connectors need: `roles/pubsub.subscriber` (pull, acknowledge, extend deadlines) and `roles/pubsub.viewer` (read the
subscription) on each subscription a KafkaConnector consumes (`bridge_subscriptions`: connector -> its subscription
and project, as plan/pubsub_bridge.py `grants` derives them from the spec; the roles Google documents for its Pub/Sub
Source connector), nothing on the project, no bucket, no key. A subscription whose project or name the spec gives
only as a reference (or no project: the bridge Secret's GCP_PROJECT) is granted by nobody: validate's R529."""

from __future__ import annotations

from pipegen.common.workload_identity import BRIDGE_IDENTITY
from pipegen.generators.terraform.common import pods
from pipegen.generators.terraform.hcl import Attr, Block, Ref, Value, block, quote
from pipegen.generators.terraform.model import Infra, Var
from pipegen.plan.kafkanames import bridge_connectors
from pipegen.plan.pubsub_bridge import grants

ROLES = (("subscriber", "roles/pubsub.subscriber"), ("viewer", "roles/pubsub.viewer"))
PROJECT_RE = "^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
# a Pub/Sub subscription id: a letter first, 3-255 letters, digits and - _ . ~ + %
SUBSCRIPTION_RE = "^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$"
MEMBER = Ref('google_service_account.workload["bridge"].member')


def federated(inf: Infra) -> bool:
    return any(p.identity == BRIDGE_IDENTITY for p in pods(inf))


def subscriptions(inf: Infra) -> dict[str, dict[str, Value]]:
    """KafkaConnector name -> {project, subscription} of every subscription the bridge identity consumes that the
    spec names as literals."""
    if not federated(inf):
        return {}
    found = [g for g in grants(inf.ctx.spec, inf.ctx.plan.graph.kinds) if g.project and g.subscription]
    names = bridge_connectors(str(inf.ctx.plan.names.pipeline), [(g.source, g.topic) for g in found])
    return {str(names[(g.source, g.topic)]): {"project": g.project or "", "subscription": g.subscription or ""}
            for g in found}  # fmt: skip


def variables(inf: Infra) -> tuple[Var, ...]:
    if not subscriptions(inf):
        return ()
    cond = (f"alltrue([for s in values(var.bridge_subscriptions) : can(regex({quote(SUBSCRIPTION_RE)}, "
            f"s.subscription)) && can(regex({quote(PROJECT_RE)}, s.project))])")  # fmt: skip
    message = ("bridge_subscriptions: subscription ids (a letter, then 2-254 of letters, digits, - _ . ~ + %) and GCP "
               "project ids.")  # fmt: skip
    return (Var("bridge_subscriptions", "map(object({ project = string, subscription = string }))",
                "Pub/Sub subscription (and its project) per KafkaConnector of the Pub/Sub bridge: the bridge service "
                "account consumes exactly these.", ((cond, message),)),)  # fmt: skip


def values(inf: Infra) -> list[tuple[str, Value]]:
    found = subscriptions(inf)
    return [("bridge_subscriptions", dict(found))] if found else []


def blocks(inf: Infra) -> tuple[Block, ...]:
    """One grant per role and subscription, to the bridge's service account."""
    if not subscriptions(inf):
        return ()
    return tuple(
        block("resource", "google_pubsub_subscription_iam_member", f"bridge_{label}", body=[
            Attr("for_each", Ref("var.bridge_subscriptions")), Attr("project", Ref("each.value.project")),
            Attr("subscription", Ref("each.value.subscription")), Attr("role", role), Attr("member", MEMBER)])
        for label, role in ROLES
    )  # fmt: skip
