"""The kubernetes family's own objects as data (dicts the YAML writer emits): the Namespace, the
ServiceAccounts, a Deployment per workload (and a Service where it serves), the NetworkPolicies, and the
overlays' patches. Every container runs as a non-root user with a read-only root filesystem, no privilege
escalation, every capability dropped, the runtime's seccomp profile, requests and limits; no pod
mounts a ServiceAccount token (no workload calls the Kubernetes API); secrets come from one Secret
by reference (`envFrom`), never as literals."""

from __future__ import annotations

from typing import Any

from pipegen.generators.kubernetes.workloads import KAFKA_TLS, SCRATCH, Container, KafkaTls, Peer, Size, Workload
from pipegen.plan.envnames import ENV, KAFKA_PEM_FILES
from pipegen.plan.names import KubeNames

USER = 10001  # the image's non-root user and group
SCRATCH_LIMIT = "1Gi"
MANAGED_BY = ("app.kubernetes.io/managed-by", "pipegen")


def labels(kube: KubeNames, name: str | None = None, component: str | None = None) -> dict[str, str]:
    out = {"app.kubernetes.io/part-of": str(kube.app), MANAGED_BY[0]: MANAGED_BY[1]}
    if name is not None:
        out["app.kubernetes.io/name"] = name
    if component is not None:
        out["app.kubernetes.io/component"] = component
    return out


def meta(kube: KubeNames, namespace: str, name: str, w: Workload | None = None) -> dict[str, Any]:
    """Name, namespace and labels (a workload's objects also carry its name and component)."""
    extra = labels(kube, str(w.name), w.key) if w is not None else labels(kube)
    return {"name": name, "namespace": namespace, "labels": extra}


def namespace(kube: KubeNames, name: str) -> dict[str, Any]:
    """Pod Security Admission: `baseline` enforced (the operators' pods meet it), `restricted` audited
    and warned (pipegen's own pods meet it)."""
    pss = {f"pod-security.kubernetes.io/{mode}": level
           for mode, level in (("enforce", "baseline"), ("audit", "restricted"), ("warn", "restricted"))}  # fmt: skip
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {**labels(kube), **pss}}}


def service_account(kube: KubeNames, ns: str, w: Workload) -> dict[str, Any]:
    """The ServiceAccount a workload's pods run as (shared by Airflow's control pods: named after it)."""
    metadata = meta(kube, ns, w.service_account, w if w.account is None else None)
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata, "automountServiceAccountToken": False}


def service_accounts(kube: KubeNames, ns: str, found: tuple[Workload, ...]) -> list[dict[str, Any]]:
    """One per distinct ServiceAccount, in workload order."""
    seen: dict[str, dict[str, Any]] = {}
    for w in found:
        seen.setdefault(str(w.service_account), service_account(kube, ns, w))
    return list(seen.values())


def service(kube: KubeNames, ns: str, w: Workload) -> dict[str, Any]:
    """A ClusterIP Service on the workload's `service_port` (Airflow's API server)."""
    assert w.service_port is not None
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(kube, ns, w.name, w),
            "spec": {"type": "ClusterIP", "selector": {"app.kubernetes.io/name": str(w.name)},
                     "ports": [{"name": "http", "port": w.service_port, "targetPort": w.service_port,
                                "protocol": "TCP"}]}}  # fmt: skip


def resources(size: Size) -> dict[str, Any]:
    return {
        "requests": {"cpu": size.cpu_request, "memory": size.memory},
        "limits": {"cpu": size.cpu_limit, "memory": size.memory},
    }


def container(kube: KubeNames, w: Workload, c: Container, size: Size, image: str) -> dict[str, Any]:
    sources = {"config": {"configMapRef": {"name": str(kube.config)}},
               "secret": {"secretRef": {"name": str(kube.secrets)}}}  # fmt: skip
    out: dict[str, Any] = {
        "name": c.name,
        "image": image,
        "imagePullPolicy": "Always",
        "args": list(c.args),
        "env": [{"name": k, "value": v} for k, v in w.env]
        + [
            {"name": k, "valueFrom": {"secretKeyRef": {"name": str(kube.secrets), "key": key}}}
            for k, key in w.secret_env
        ],
        "envFrom": [sources[s] for s in w.env_from],
        "resources": resources(size),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": USER,
            "runAsGroup": USER,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "scratch", "mountPath": SCRATCH}],
    }
    if not w.env_from:  # no ConfigMap, no Secret (a generator): what it needs is in `env`
        del out["envFrom"]
    if w.kafka_tls is not None and c is w.main:
        pem = [{"name": n, "value": f"{KAFKA_TLS_ROOT}/{_volume(n)}/{f}"} for n, f in KAFKA_PEM_FILES.items()]
        out["env"] += [{"name": str(ENV.kafka_bootstrap), "value": w.kafka_tls.bootstrap}, *pem]
        out["volumeMounts"] += [{"name": v, "mountPath": f"{KAFKA_TLS_ROOT}/{v}", "readOnly": True}
                                for v in _tls_volumes(w.kafka_tls)]  # fmt: skip
    if w.health_port is not None and c is w.main:
        probe = {"httpGet": {"path": w.health_path, "port": w.health_port, "scheme": "HTTP"}, "periodSeconds": 30}
        out["ports"] = [{"name": "health", "containerPort": w.health_port, "protocol": "TCP"}]
        out["livenessProbe"] = {**probe, "initialDelaySeconds": 30, "failureThreshold": 3}
        out["readinessProbe"] = {**probe, "initialDelaySeconds": 10}
    # a command starts Python: rarely, with time to answer; five failures (from a minute on) before a restart give
    # a generator minutes to sign in and send its first event, a busy scheduler time to answer
    if w.exec_probe and c is w.main:
        probe = {"exec": {"command": list(w.exec_probe)}, "periodSeconds": 60, "timeoutSeconds": 30}
        out["livenessProbe"] = {**probe, "initialDelaySeconds": 60, "failureThreshold": 5}
        out["readinessProbe"] = {**probe, "initialDelaySeconds": 30}
    return out


def pod_spec(kube: KubeNames, w: Workload, size: Size, image: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": str(w.service_account),
        "automountServiceAccountToken": False,
        "restartPolicy": "Always",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": USER,
            "runAsGroup": USER,
            "fsGroup": USER,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if w.init:
        spec["initContainers"] = [container(kube, w, c, size, image) for c in w.init]
    spec["containers"] = [container(kube, w, w.main, size, image)]
    spec["volumes"] = [{"name": "scratch", "emptyDir": {"sizeLimit": SCRATCH_LIMIT}}]
    if w.kafka_tls is not None:
        spec["volumes"] += [{"name": v, "secret": secret} for v, secret in _tls_volumes(w.kafka_tls).items()]
    return spec


KAFKA_TLS_ROOT = "/etc/kafka-tls"  # one read-only folder per store (KAFKA_PEM_FILES), named as its variable


def _volume(variable: str) -> str:
    return variable.lower().replace("_", "-")


def _tls_volumes(tls: KafkaTls) -> dict[str, dict[str, Any]]:
    """{volume (the variable's name, lower case): its Secret with the one key it holds}: the cluster
    CA's ca.crt, the KafkaUser's user.crt and user.key (KAFKA_PEM_FILES)."""
    secrets = {"ca.crt": tls.ca_secret, "user.crt": tls.user_secret, "user.key": tls.user_secret}
    return {_volume(name): {"secretName": secrets[f], "items": [{"key": f, "path": f}]}
            for name, f in KAFKA_PEM_FILES.items()}  # fmt: skip


def workload(kube: KubeNames, ns: str, w: Workload, size: Size, image: str,
             identity_labels: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:  # fmt: skip
    """The Deployment; its pods also carry `identity_labels` (the cloud's workload identity's,
    common/workload_identity.py LINKS)."""
    pod_labels = {**labels(kube, name=w.name, component=w.key), **dict(identity_labels)}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(kube, ns, w.name, w),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": str(w.name)}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec(kube, w, size, image)},
        },
    }  # fmt: skip


# ---------------------------------------------------------------- network policies


def _policy(kube: KubeNames, ns: str, name: str, selector: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    types = [t for t, key in (("Ingress", "ingress"), ("Egress", "egress")) if key in body]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(kube, ns, name),
            "spec": {"podSelector": selector, "policyTypes": types, **body}}  # fmt: skip


def _tcp(ports: tuple[int, ...]) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def default_policies(kube: KubeNames, ns: str) -> list[dict[str, Any]]:
    """Nothing in or out of any pod of the namespace; then every pod may ask kube-dns."""
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}  # fmt: skip
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta(kube, ns, kube.default_deny),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}  # fmt: skip
    return [deny, _policy(kube, ns, kube.dns, {}, {"egress": [dns]})]


def _kafka_rule(kafka_selector: dict[str, str] | None) -> list[dict[str, Any]]:
    if kafka_selector is None:
        return []
    return [{"to": [{"podSelector": {"matchLabels": kafka_selector}}], "ports": _tcp((KAFKA_TLS,))}]


def workload_policy(kube: KubeNames, ns: str, w: Workload, kafka: dict[str, str] | None) -> dict[str, Any]:
    """A workload of pipegen's own: egress to the ports of the systems it reads and writes (their
    addresses are outside the cluster and unknown here), to Kafka when it reads it, to the pods it calls
    (Airflow's API server); ingress only on the ports it serves, each from the pods it serves. No rule for
    an empty port list (a rule without ports admits every port)."""
    egress = [*([{"ports": _tcp(w.ports)}] if w.ports else []), *_kafka_rule(kafka if w.kafka else None)]
    egress += [{"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}}], "ports": _tcp((port,))}
               for name, port in w.calls]  # fmt: skip
    body: dict[str, Any] = {"egress": egress}
    if w.ingress:
        body["ingress"] = [{"from": [{"podSelector": {"matchLabels": dict(pods)}}], "ports": _tcp((port,))}
                           for port, pods in w.ingress]  # fmt: skip
    return _policy(kube, ns, kube.policy(w.key), {"matchLabels": {"app.kubernetes.io/name": str(w.name)}}, body)


def peer_policy(kube: KubeNames, ns: str, p: Peer, kafka: dict[str, str] | None) -> dict[str, Any]:
    """Another family's pods: to and from each other, egress to their systems' ports, Kafka, and ingress
    on the ports their operator calls (the operators run in namespaces of their own)."""
    selector = {"matchLabels": dict(p.selector)}
    body: dict[str, Any] = {"egress": []}
    if p.self_traffic:
        body["ingress"] = [{"from": [{"podSelector": selector}]}]
        body["egress"].append({"to": [{"podSelector": selector}]})
    if p.ingress_ports:
        body.setdefault("ingress", []).append({"from": [{"namespaceSelector": {}}], "ports": _tcp(p.ingress_ports)})
    if p.egress_ports:
        body["egress"].append({"ports": _tcp(p.egress_ports)})
    body["egress"] += _kafka_rule(kafka if p.kafka else None)
    return _policy(kube, ns, kube.policy(p.key), selector, body)


# ---------------------------------------------------------------- overlay patches


def identity_replacement(kube: KubeNames, key: str, service_account: str, annotation: str,
                         carrier: tuple[str, str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """A kustomize replacement: the overlay's identity.env value `key` (its local ConfigMap) becomes the
    ServiceAccount's workload identity annotation, or the annotation of the `carrier` (kind, name, annotations path)
    that its creator copies to it (a KafkaConnect's ServiceAccount template)."""
    kind, name, path = carrier or ("ServiceAccount", service_account, "metadata.annotations")
    return {"source": {"kind": "ConfigMap", "name": str(kube.identity), "fieldPath": f"data.{key}"},
            "targets": [{"select": {"kind": kind, "name": name},
                         "fieldPaths": [f"{path}.[{annotation}]"],
                         "options": {"create": True}}]}  # fmt: skip


def size_patch(kube: KubeNames, ns: str, w: Workload, size: Size, replicas: int) -> dict[str, Any]:
    """A strategic-merge patch of one workload for one environment: its containers' requests and
    limits, its replicas (one where the workload is not `scaled`)."""
    containers = [{"name": c.name, "resources": resources(size)} for c in (*w.init, w.main)]
    init = containers[: len(w.init)]
    pod: dict[str, Any] = {"containers": containers[len(w.init) :]}
    if init:
        pod["initContainers"] = init
    head = {"name": str(w.name), "namespace": ns}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": head,
            "spec": {"replicas": replicas if w.scaled else 1, "template": {"spec": pod}}}  # fmt: skip
