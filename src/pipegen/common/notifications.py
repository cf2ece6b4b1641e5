"""What every family that notifies shares: the generated project has one notification module,
`pipeline/notify.py` (templates/runtime/notify.py, a shared runtime module), which sends the run
notifications of the DAG/flow (airflow, prefect) and holds the SMTP settings and webhook POST of
the quality step's GX actions (gx). Each of those families asks for the module and declares the
variables it reads from here, so `.env.example` lists one SMTP set whoever sends email."""

from __future__ import annotations

from collections.abc import Iterable

from pipegen.generators.base import EnvVar
from pipegen.plan.names import EnvNames
from pipegen.spec.model import Notification, NotificationType

RUNTIME_MODULE = "notify.py"  # templates/runtime/notify.py -> pipeline/notify.py
_READER = "pipeline/notify.py"


def email_env(notes: Iterable[Notification], env: EnvNames) -> tuple[EnvVar, ...]:
    """The SMTP set when any of these notifications is an email, else nothing."""
    return smtp_env(env) if any(n.type == NotificationType.EMAIL for n in notes) else ()


def smtp_env(env: EnvNames) -> tuple[EnvVar, ...]:
    """The SMTP server of every email notification (run and quality): one set of variables."""
    smtp = env.smtp
    rows: tuple[tuple[str, str, bool, str | None], ...] = (
        (smtp.host, "SMTP server of email notifications; unset: email off", False, None),
        (smtp.port, "SMTP port (unset: 587 with starttls, 465 with ssl, 25 with none)", False, None),
        (smtp.security, "SMTP security: starttls, ssl or none", False, "starttls"),
        (smtp.user, "SMTP login (unset: no login)", False, None),
        (smtp.password, "SMTP password", True, None),
        (smtp.sender, "From: address of email notifications (unset: the login)", False, None),
    )
    return tuple(EnvVar(name, (f"{_READER}: {use}",), secret=secret, default=default)
                 for name, use, secret, default in rows)  # fmt: skip
