"""Helpers for end-to-end tests: a tiny service exposing a metric, and bounded polling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest


class MetricsApp:
    """A tiny service: ``GET /metrics`` exposes a counter that grows on every scrape."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.scrapes = 0
        self._stopped = False
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/metrics":
                    self.send_error(404)
                    return
                app.scrapes += 1
                body = (
                    "# HELP demo_errors_total Errors served.\n"
                    "# TYPE demo_errors_total counter\n"
                    f'demo_errors_total{{service="{app.service}"}} {app.scrapes * 10}\n'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-app", daemon=True)
        self._thread.start()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop answering scrapes (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def poll(fetch: Callable[[], Any], accept: Callable[[Any], bool], *, timeout: float, what: str) -> Any:
    """Call ``fetch`` until ``accept(result)``; fail with the last result after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fetch()
        except httpx.HTTPError as exc:
            last = exc
        else:
            if accept(last):
                return last
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {last!r}", pytrace=False)


class StallingPrometheus:
    """An HTTP server answering the Prometheus HTTP API's read endpoints with empty results (no
    series), that can hang: until ``release()``, a request that arrives while ``stall_if()`` is
    true is held. ``stalled`` is set when the first one arrives, so a test knows the moment a
    process is inside, say, an investigation's metrics query (no sleeping, no race)."""

    def __init__(self, stall_if: Callable[[], bool] = lambda: True) -> None:
        self.requests: list[str] = []
        self.stalling = True
        self._stall_if = stall_if
        self.stalled = threading.Event()
        self._released = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gate.requests.append(self.path)
                if gate.stalling and gate._stall_if():
                    gate.stalled.set()
                    gate._released.wait()
                path = self.path.split("?")[0]
                data: Any = []
                if path.endswith("/query_range"):
                    data = {"resultType": "matrix", "result": []}
                elif path.endswith("/query"):
                    data = {"resultType": "vector", "result": []}
                elif path.endswith("/rules"):
                    data = {"groups": []}
                elif path.endswith("/alerts"):
                    data = {"alerts": []}
                body = json.dumps({"status": "success", "data": data}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the caller was killed
                    pass

            do_POST = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, name="stalling-prometheus", daemon=True).start()

    def release(self) -> None:
        """Answer the held requests and every later one at once."""
        self.stalling = False
        self._released.set()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
