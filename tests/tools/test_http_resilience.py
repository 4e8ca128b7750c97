"""The HTTP helper under an upstream that hangs or answers 5xx: bounded by its timeout, retried
with doubling backoff where a retry can help, and cut off by a circuit after repeated outages."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from autoheal.domain.tools import ToolStatus
from autoheal.tools.http import HttpApi


class Clock:
    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def _api(handler: Any, clock: Clock, **kw: Any) -> HttpApi:
    return HttpApi(
        "http://upstream.test",
        name="prometheus",
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
        monotonic=clock.now,
        **kw,
    )


def test_a_5xx_is_retried_with_doubling_backoff_then_succeeds() -> None:
    clock, answers = Clock(), iter([503, 502, 200])
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        calls.append(status)
        return httpx.Response(
            status, json={"status": "success"} if status == 200 else {"error": "overloaded"}
        )

    body, failure = _api(handler, clock, retries=2, backoff=0.5).get_json("/api/v1/query")
    assert failure is None and body == {"status": "success"}
    assert calls == [503, 502, 200] and clock.slept == [0.5, 1.0]


def test_retries_give_up_and_say_so() -> None:
    clock = Clock()
    api = _api(lambda r: httpx.Response(503, text="down"), clock, retries=2, backoff=0.1)
    _, failure = api.get_json("/x")
    assert failure is not None and failure.status is ToolStatus.ERROR
    assert "503" in failure.message and "after 3 attempts" in failure.message
    assert failure.meta["attempts"] == 3


def test_a_4xx_is_an_answer_not_retried_and_not_an_outage() -> None:
    clock, calls = Clock(), []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json={"errorType": "bad_data", "error": "parse error"})

    api = _api(handler, clock, circuit_failures=2)
    for _ in range(4):
        _, failure = api.get_json("/x")
        assert failure is not None and "bad_data" in failure.message
    assert len(calls) == 4 and clock.slept == []  # never retried, circuit never opened


def test_the_circuit_opens_after_consecutive_outages_and_closes_after_a_success() -> None:
    clock, calls, up = Clock(), [], {"now": False}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if not up["now"]:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"ok": True})

    api = _api(handler, clock, retries=0, circuit_failures=3, circuit_open_seconds=30)
    for _ in range(3):
        assert api.get_json("/x")[1].meta["kind"] == "unreachable"  # type: ignore[union-attr]
    _, failure = api.get_json("/x")
    assert failure is not None and failure.meta["kind"] == "circuit_open"
    assert "circuit open after 3 consecutive failures" in failure.message and len(calls) == 3
    clock.t += 31  # half-open: one call goes through; the upstream is still down -> open again
    assert api.get_json("/x")[1].meta["kind"] == "unreachable"  # type: ignore[union-attr]
    assert api.get_json("/x")[1].meta["kind"] == "circuit_open"  # type: ignore[union-attr]
    assert len(calls) == 4
    clock.t += 31
    up["now"] = True
    assert api.get_json("/x") == ({"ok": True}, None)
    assert api.get_json("/x") == ({"ok": True}, None) and len(calls) == 6


class _Hanging(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(3)  # longer than the client's timeout
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hanging_server() -> Any:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hanging)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_hanging_upstream_is_bounded_by_the_timeout_and_not_retried(hanging_server: str) -> None:
    """A real socket that accepts and never answers: the call ends at the timeout, once."""
    slept: list[float] = []
    api = HttpApi(hanging_server, name="loki", timeout=0.3, sleep=slept.append, circuit_failures=2)
    started = time.monotonic()
    _, failure = api.get_json("/loki/api/v1/query_range")
    took = time.monotonic() - started
    assert failure is not None and failure.meta["kind"] == "timeout"
    assert "did not answer" in failure.message and 0.25 < took < 2.0 and slept == []
    api.get_json("/loki/api/v1/query_range")
    started = time.monotonic()
    _, failure = api.get_json("/loki/api/v1/query_range")
    assert failure is not None and failure.meta["kind"] == "circuit_open" and time.monotonic() - started < 0.1
    api.close()
