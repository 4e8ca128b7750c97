"""Start an HTTP server binary on a free loopback port and wait for its readiness endpoint."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

import httpx

from autoheal.servers._process import (
    ServerUnavailable,
    free_port,
    is_alive,
    log_tail,
    spawn,
    terminate,
    wait_until,
)

_PORT_ATTEMPTS = 3  # another process may grab the port between our probe and the server's bind


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def start_http_server(
    name: str,
    argv_for_port: Callable[[int], Sequence[str]],
    *,
    workdir: Path,
    ready_path: str,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """Spawn ``argv_for_port(port)`` until it answers 200 on ``ready_path``; return (process, port, log)."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    for _attempt in range(_PORT_ATTEMPTS):
        port = free_port()
        process = spawn(argv_for_port(port), log_path, cwd=workdir, env=env)
        ready_url = f"http://127.0.0.1:{port}{ready_path}"
        if wait_until(partial(http_ok, ready_url), timeout=timeout, alive=is_alive(process)):
            return process, port, log_path
        terminate(process, timeout=5)
        tail = log_tail(log_path)
        if "address already in use" not in tail.lower():
            break
    raise ServerUnavailable(
        f"{name} did not become ready within {timeout:.0f}s (log {log_path}):\n{tail}",
        server=name,
        log=str(log_path),
    )
