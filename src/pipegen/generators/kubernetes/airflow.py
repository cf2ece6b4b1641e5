"""The self-hosted Airflow 3 the kubernetes family deploys where the orchestrator is Airflow, as `Workload`s.

Plain manifests, not the official Helm chart (a chart is fetched at install time; the base must build offline
with `kubectl kustomize` alone). Every component runs the project image: the generated DAGs (`/app/dags`),
plugins and project baked in, and the Airflow of `requirements-airflow.txt` (the airflow family's pin, the
version the Airflow judge environment runs):

- `api-server` (`airflow api-server`): the UI, the REST API and the execution API the tasks report to; a
  Service on API_PORT, health at `/api/v2/monitor/health`.
- `scheduler` (`airflow scheduler`) with the LocalExecutor: it runs the tasks as its own subprocesses, so it
  is the batch pod (`batch_pod`: the `batch` ServiceAccount and cloud identity, the sources' and targets'
  ports, Kafka). The cheapest executor that runs the DAG: the KubernetesExecutor would add the cncf.kubernetes
  provider, a pod per task and RBAC to create pods. Its init container `airflow db migrate` migrates the
  metadata database (Airflow takes a lock: replicas may start together).
- `dag-processor` (`airflow dag-processor`): parses the DAGs (Airflow 3 runs it apart from the scheduler).
- `triggerer` (`airflow triggerer`), only where the DAG has a freshness SLA: its DeadlineAlert's callback
  (`plugins/pipegen_callbacks.py`) runs in the triggerer; the DAG has no deferrable operator otherwise
  (its upstream sensors use reschedule mode).

The metadata database is the user's PostgreSQL: its URL (`AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`), the JWT
secret the components sign the tasks' tokens with and the API server's secret key come from the Secret by
key. The control pods wait for the migration (`airflow db check-migrations`) and run as the `airflow`
ServiceAccount, with no cloud identity.
Liveness: `airflow jobs check --local` of each job type (the Helm chart's probe).
"""

from __future__ import annotations

from typing import Any

from pipegen.common.orchestration import run_policy
from pipegen.generators.base import GenContext
from pipegen.generators.kubernetes.workloads import APP_DIR, SCRATCH, BatchRun, Container, Workload, control_size
from pipegen.plan.names import KubeNames
from pipegen.safe import Ident

API_PORT = 8080  # `airflow api-server --port`
# the log servers the API server reads task and trigger logs from ([logging] worker_log_server_port,
# triggerer_log_server_port): the scheduler runs tasks, so it serves their logs; found by the pod's IP
LOG_PORTS = {"scheduler": 8793, "triggerer": 8794}
HEALTH_PATH = "/api/v2/monitor/health"
POSTGRES_PORT = 5432  # the metadata database (the user's PostgreSQL; its address is in the URL, unknown here)
DB_URL = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"  # the Secret's keys, named as Airflow's variables
JWT_SECRET = "AIRFLOW__API_AUTH__JWT_SECRET"
API_SECRET = "AIRFLOW__API__SECRET_KEY"  # one for every API server replica (else "CSRF session token is missing")
SECRET_KEYS = (DB_URL, JWT_SECRET, API_SECRET)
SCHEDULER_MIB = 2048  # the scheduler and the tasks it runs (each under a supervisor process), unless the spec sizes it
WAIT_MIGRATIONS = ("airflow", "db", "check-migrations", "--migration-wait-timeout", "600")


def airflow_env(kube: KubeNames) -> tuple[tuple[str, str], ...]:
    """Airflow's settings every component shares (its own variable names)."""
    return (
        ("AIRFLOW_HOME", f"{SCRATCH}/airflow"),
        ("AIRFLOW__CORE__DAGS_FOLDER", f"{APP_DIR}/dags"),
        ("AIRFLOW__CORE__PLUGINS_FOLDER", f"{APP_DIR}/plugins"),
        ("AIRFLOW__CORE__LOAD_EXAMPLES", "False"),
        ("AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
        ("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"http://{kube.airflow_api}:{API_PORT}/execution/"),
        ("AIRFLOW__LOGGING__BASE_LOG_FOLDER", f"{SCRATCH}/airflow/logs"),
        # a pod's hostname resolves nowhere: the API server reaches a log server by the IP the job records
        ("AIRFLOW__CORE__HOSTNAME_CALLABLE", "airflow.utils.net.get_host_ip_address"),
    )


def triggerer_needed(ctx: GenContext) -> bool:
    """The DAG's DeadlineAlert (a freshness SLA) calls back from the triggerer; nothing else defers."""
    return run_policy(ctx.spec).freshness_sla is not None


def check(job: str) -> tuple[str, ...]:
    return ("airflow", "jobs", "check", "--job-type", job, "--local")


def airflow_workloads(ctx: GenContext, kube: KubeNames, run: BatchRun) -> tuple[Workload, ...]:
    """The API server, the scheduler (the batch pod), the DAG processor and the triggerer where needed."""
    env = (*run.env, *airflow_env(kube))
    secrets = tuple((k, k) for k in SECRET_KEYS)
    wait = (Container("wait-for-migrations", WAIT_MIGRATIONS),)
    api = (str(kube.airflow_api), API_PORT)
    from_api = (("app.kubernetes.io/name", str(kube.airflow_api)),)
    triggerer = kube.airflow_component("triggerer") if triggerer_needed(ctx) else None
    logs = (("scheduler", kube.batch), ("triggerer", triggerer))
    log_servers = tuple((str(name), LOG_PORTS[c]) for c, name in logs if name is not None)

    def control(key: str, name: Ident, main: Container, ports: tuple[int, ...], **more: Any) -> Workload:
        return Workload(key, name, "Deployment", init=wait, main=main, env=env, ports=ports, kafka=False,
                        account=kube.airflow, secret_env=secrets, size=control_size(), **more)  # fmt: skip

    out = [
        control("airflow-api-server", kube.airflow_api,
                Container("api-server", ("airflow", "api-server", "--port", str(API_PORT), "--workers", "2")),
                (POSTGRES_PORT,), health_port=API_PORT, health_path=HEALTH_PATH, service_port=API_PORT,
                ingress=((API_PORT, (("app.kubernetes.io/part-of", str(kube.app)),)),), calls=log_servers,
                env_from=("config",)),
        Workload("airflow-scheduler", kube.batch, "Deployment",
                 init=(Container("migrate", ("airflow", "db", "migrate")),),
                 main=Container("scheduler", ("airflow", "scheduler")), env=env, secret_env=secrets,
                 ports=tuple(sorted({*run.ports, POSTGRES_PORT})), kafka=run.kafka, kafka_tls=run.tls,
                 exec_probe=check("SchedulerJob"), calls=(api,), floor_mib=SCHEDULER_MIB,
                 ingress=((LOG_PORTS["scheduler"], from_api),)),
        control("airflow-dag-processor", kube.airflow_component("dag-processor"),
                Container("dag-processor", ("airflow", "dag-processor")), (POSTGRES_PORT,),
                exec_probe=check("DagProcessorJob"), calls=(api,), scaled=False, env_from=("config",)),
    ]  # fmt: skip
    if triggerer is not None:  # HTTPS and the Secret: the callback's notifications
        out.append(control("airflow-triggerer", triggerer, Container("triggerer", ("airflow", "triggerer")),
                           (443, POSTGRES_PORT), exec_probe=check("TriggererJob"), calls=(api,), scaled=False,
                           ingress=((LOG_PORTS["triggerer"], from_api),)))  # fmt: skip
    return tuple(out)
