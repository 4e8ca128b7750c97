"""The one HTTP helper every HTTP-backed tool uses: timeouts, auth headers, errors as data.

``HttpApi.get_json`` / ``post_json`` return ``(body, None)`` on success or ``(None, ToolResult)``
with status ERROR and a message that says what went wrong (timeout, connection refused, HTTP
status with the server's own error text, invalid JSON). They never raise for the outside world.
Tests pass an ``httpx.MockTransport`` as ``transport``.

Resilience, per upstream (one ``HttpApi`` per configured server):

* **timeouts** — every request is bounded by ``timeout`` (the endpoint's ``timeout`` setting);
* **retries with backoff** — a refused connection, 429, 502, 503 or 504 is retried ``retries``
  times, waiting ``backoff``, then twice that...; a request that timed out is not retried (a
  hanging server would multiply the wait), and other statuses are answers, not retried;
* **circuit breaking** — after ``circuit_failures`` consecutive failed requests the circuit
  opens: for ``circuit_open_seconds`` calls fail at once (``kind="circuit_open"``) without
  touching the server; then one call is let through, and its success closes the circuit.

Every failure is a ``ToolResult`` with status ERROR: an investigation records it as evidence that
could not be fetched, and its report names the tools that did not answer (``next_checks``,
``evidence_gaps``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from autoheal.domain.tools import ToolResult

Params = Mapping[str, Any] | list[tuple[str, Any]]
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class Circuit:
    """Consecutive failures of one upstream; open for ``open_seconds`` after ``failures`` of them."""

    def __init__(self, failures: int, open_seconds: float, monotonic: Callable[[], float]) -> None:
        self.failures, self.open_seconds, self._now = failures, open_seconds, monotonic
        self._lock = threading.Lock()
        self.consecutive = 0
        self.opened_at: float | None = None

    def blocked(self) -> float | None:
        """Seconds until a call may be tried again, or None when it may go now."""
        with self._lock:
            if self.opened_at is None:
                return None
            left = self.opened_at + self.open_seconds - self._now()
            if left > 0:
                return left
            self.opened_at = None  # half-open: this call goes; a failure opens it again at once
            self.consecutive = self.failures - 1
            return None

    def record(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self.consecutive, self.opened_at = 0, None
                return
            self.consecutive += 1
            if self.consecutive >= self.failures:
                self.opened_at = self._now()


def _server_error(response: httpx.Response) -> str:
    """The error text the server put in its body (Prometheus ``error``, Loki plain text...)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500]
    if isinstance(body, dict):
        for key in ("error", "message", "msg"):
            if body.get(key):
                kind = body.get("errorType")
                return f"{kind}: {body[key]}" if kind else str(body[key])
        if isinstance(body.get("errors"), list) and body["errors"]:
            return "; ".join(str(e.get("msg", e)) if isinstance(e, dict) else str(e) for e in body["errors"])[
                :500
            ]
    return str(body)[:500]


class HttpApi:
    """A small JSON-over-HTTP client bound to one server (base URL, timeout, optional auth)."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        timeout: float = 10.0,
        bearer_token: SecretStr | str | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        backoff: float = 0.2,
        circuit_failures: int = 5,
        circuit_open_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.retries, self.backoff, self._sleep = retries, backoff, sleep
        self.circuit = Circuit(circuit_failures, circuit_open_seconds, monotonic)
        self.base_url = base_url.rstrip("/")
        all_headers = {"Accept": "application/json", **(headers or {})}
        if bearer_token is not None:
            token = bearer_token.get_secret_value() if isinstance(bearer_token, SecretStr) else bearer_token
            all_headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers=all_headers, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def get_json(self, path: str, params: Params | None = None) -> tuple[Any, ToolResult | None]:
        return self._request("GET", path, params=params)

    def post_json(self, path: str, body: Any) -> tuple[Any, ToolResult | None]:
        return self._request("POST", path, json=body)

    def _request(self, method: str, path: str, **kwargs: Any) -> tuple[Any, ToolResult | None]:
        where = f"{self.name} at {self.base_url}"
        left = self.circuit.blocked()
        if left is not None:
            return None, ToolResult.failure(
                f"{where}: circuit open after {self.circuit.failures} consecutive failures; "
                f"not called again for {left:.0f}s",
                kind="circuit_open",
            )
        attempt = 0
        while True:
            body, failure, retry = self._once(method, path, where, **kwargs)
            if failure is None or not retry or attempt >= self.retries:
                # an answer of the server (4xx, bad JSON) says it is up; only outages count
                self.circuit.record(failure is None or not _outage(failure))
                if failure is not None and attempt:
                    failure = ToolResult.failure(
                        f"{failure.message} (after {attempt + 1} attempts)",
                        **failure.meta,
                        attempts=attempt + 1,
                    )
                return body, failure
            self._sleep(self.backoff * 2**attempt)
            attempt += 1

    def _once(self, method: str, path: str, where: str, **kwargs: Any) -> tuple[Any, ToolResult | None, bool]:
        body, failure = self._attempt(method, path, where, **kwargs)
        if failure is None:
            return body, None, False
        kind, status = failure.meta.get("kind"), failure.meta.get("http_status")
        return None, failure, kind == "unreachable" or status in RETRY_STATUSES

    def _attempt(self, method: str, path: str, where: str, **kwargs: Any) -> tuple[Any, ToolResult | None]:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            return None, ToolResult.failure(
                f"{where} did not answer {method} {path} within {self.timeout:g}s", kind="timeout"
            )
        except httpx.HTTPError as exc:
            return None, ToolResult.failure(f"cannot reach {where}: {exc}", kind="unreachable")
        if response.status_code >= 400:
            return None, ToolResult.failure(
                f"{where} answered {response.status_code} to {method} {path}: {_server_error(response)}",
                kind="http",
                http_status=response.status_code,
            )
        if not response.content:
            return None, None
        try:
            return response.json(), None
        except ValueError:
            return None, ToolResult.failure(
                f"{where} answered {method} {path} with something that is not JSON: {response.text[:200]!r}",
                kind="decode",
            )


def _outage(failure: ToolResult) -> bool:
    kind, status = failure.meta.get("kind"), failure.meta.get("http_status")
    return kind in ("timeout", "unreachable") or (isinstance(status, int) and status >= 500) or status == 429
