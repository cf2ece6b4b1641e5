"""What the judges run instead of the flink env's python while the session's Flink judge service is
up (tests/judges/flink_service.py writes a copy of this file as STATE_DIR/bin/python, its first
lines naming the real interpreter and the server's socket). `python SCRIPT ARGS`, `python -m MODULE
ARGS` and `python -c CODE ARGS` are sent to the server (tests/judges/flink_server.py) with this
process's working directory, environment and stdin/stdout/stderr (the file descriptors themselves):
the request runs in a fork of the server, which writes straight to them, and this process exits
with the request's exit code (or dies of its signal). Anything else (interpreter options, no
script), a server that is gone, or one that answers `fallback` (a request the shared JVM would run
differently), runs as a process of the real interpreter, exec'd in place: the same verdict, only
the JVM start paid again. Standard library only; run with -I -S (no site-packages: a fast start).
"""

import json
import os
import socket
import struct
import sys

PYTHON = ""  # the flink env's python (set in the copy)
SOCKET = ""  # the server's Unix socket (set in the copy)


def fallback(argv: list[str]) -> None:
    os.execv(PYTHON, [PYTHON, *argv])


def shareable(argv: list[str]) -> bool:
    if argv[:1] in (["-c"], ["-m"]):
        return len(argv) >= 2
    return bool(argv) and not argv[0].startswith("-")


def standard_fds() -> list[int]:
    """0, 1 and 2, each opened on /dev/null first if closed (a process would find them so)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)
    return [0, 1, 2]


def main() -> None:
    argv = sys.argv[1:]
    if not shareable(argv):
        fallback(argv)
    cwd = os.getcwd()  # noqa: PTH109 (no pathlib: the shim starts fast)
    request = json.dumps({"argv": argv, "cwd": cwd, "env": dict(os.environ)}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(SOCKET)
        socket.send_fds(conn, [struct.pack("!I", len(request))], standard_fds())
        conn.sendall(request)
    except OSError:  # no server (any more): nothing ran yet
        fallback(argv)
    reply = b""
    while not reply.endswith(b"\n"):
        try:
            chunk = conn.recv(4096)
        except OSError:
            break
        if not chunk:
            break
        reply += chunk
    if not reply:  # the server died before answering
        sys.stderr.write("flink judge service: no answer from the server\n")
        sys.exit(70)
    answer = json.loads(reply)
    if "fallback" in answer:
        fallback(argv)
    if "signal" in answer:
        import signal

        if answer["signal"] not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(answer["signal"], signal.SIG_DFL)
        os.kill(os.getpid(), answer["signal"])
    sys.exit(answer["exit"])


if __name__ == "__main__":
    main()
