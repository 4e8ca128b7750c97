"""The machinery shared by every launcher: binaries, free ports, readiness polling, stopping.

Nothing here sleeps to let *time* pass in the domain sense; the only waits are bounded polls for an
external process to become ready or to exit, each with a deadline.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from autoheal.errors import AutohealError


class ServerUnavailable(AutohealError):
    """A real server could not be found or started (the message says what to install or read)."""


# Logical name -> (candidate executables on PATH, glob patterns of known Debian locations, package).
_BINARIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "prometheus": (("prometheus",), ("/usr/bin/prometheus",), "prometheus"),
    "promtool": (("promtool",), ("/usr/bin/promtool",), "prometheus"),
    "alertmanager": (
        ("prometheus-alertmanager", "alertmanager"),
        ("/usr/bin/prometheus-alertmanager",),
        "prometheus-alertmanager",
    ),
    "amtool": (("amtool",), ("/usr/bin/amtool",), "prometheus-alertmanager"),
    "postgres": (
        ("postgres",),
        ("/usr/lib/postgresql/15/bin/postgres", "/usr/lib/postgresql/*/bin/postgres"),
        "postgresql",
    ),
    "initdb": (
        ("initdb",),
        ("/usr/lib/postgresql/15/bin/initdb", "/usr/lib/postgresql/*/bin/initdb"),
        "postgresql",
    ),
    "victoria-metrics": (
        ("victoria-metrics", "victoria-metrics-prod"),
        ("/usr/bin/victoria-metrics",),
        "victoria-metrics",
    ),
}
_ALIASES = {
    "prometheus-alertmanager": "alertmanager",
    "postgresql": "postgres",
    "pg": "postgres",
    "victoriametrics": "victoria-metrics",
    "victoria": "victoria-metrics",
}


def canonical_name(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in _BINARIES:
        raise ValueError(f"unknown server binary {name!r}; known: {', '.join(sorted(_BINARIES))}")
    return name


def debian_package(name: str) -> str:
    """The Debian package that provides ``name`` (for install hints)."""
    return _BINARIES[canonical_name(name)][2]


def find_binary(name: str) -> Path | None:
    """Locate a server binary on PATH or in its known Debian location; ``None`` if absent."""
    names, patterns, _package = _BINARIES[canonical_name(name)]
    for exe in names:
        found = shutil.which(exe)
        if found:
            return Path(found)
    for pattern in patterns:
        # Newest major version first when several PostgreSQL versions are installed.
        for candidate in sorted(glob.glob(pattern), reverse=True):
            if os.access(candidate, os.X_OK):
                return Path(candidate)
    return None


def require_binary(name: str) -> Path:
    path = find_binary(name)
    if path is None:
        package = debian_package(name)
        raise ServerUnavailable(
            f"{name} is not installed: run `apt-get install -y --no-install-recommends {package}` "
            "(or scripts/install-services.sh)",
            binary=name,
            package=package,
        )
    return path


def available(name: str) -> bool:
    """True when the binary behind server ``name`` is installed (PATH or known Debian path)."""
    return find_binary(name) is not None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def is_alive(process: subprocess.Popen[bytes]) -> Callable[[], bool]:
    return lambda: process.poll() is None


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    alive: Callable[[], bool] = lambda: True,
    interval: float = 0.05,
) -> bool:
    """Poll ``check`` until it returns True (-> True), ``alive`` turns False or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        if not alive():
            return False
        time.sleep(interval)
    return check()


def spawn(
    argv: Sequence[str],
    log_path: Path,
    *,
    cwd: Path,
    user: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own process group with stdout/stderr appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
    try:
        return subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            start_new_session=True,
            user=user,
            env=None if env is None else dict(env),
        )
    finally:
        log.close()


def terminate(process: subprocess.Popen[bytes], *, timeout: float = 10.0, sig: int = signal.SIGTERM) -> None:
    """Send ``sig``, wait up to ``timeout``, then SIGKILL and wait."""
    if process.poll() is not None:
        return
    try:
        process.send_signal(sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# Servers still running when the interpreter exits (a test run interrupted, a script that forgot
# to stop one) are stopped then, so nothing lingers on a shared machine. A SIGKILL of the parent
# cannot be caught; the servers' process groups then need `kill -- -PGID`.
_RUNNING: weakref.WeakSet[ManagedServer] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):  # best effort at exit; nothing can be reported any more
            server.stop(timeout=5)


class ManagedServer:
    """A running server process on 127.0.0.1 with ``url``, ``port``, ``stop()`` and ``with`` support."""

    name = "server"
    stop_signal = signal.SIGTERM

    def __init__(self, *, process: subprocess.Popen[bytes], port: int, workdir: Path, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.workdir = workdir
        self.log_path = log_path
        _RUNNING.add(self)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log(self, lines: int = 30) -> str:
        return log_tail(self.log_path, lines)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate (the server's own graceful signal), SIGKILL after ``timeout``, wait."""
        terminate(self.process, timeout=timeout, sig=self.stop_signal)
        _RUNNING.discard(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited({self.process.returncode})"
        return f"<{type(self).__name__} {self.url} {state}>"
