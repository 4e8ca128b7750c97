"""Faithful in-process fakes of PagerDuty's Events API v2 and Opsgenie's Alert API, for tests and
the demo (no PagerDuty or Opsgenie can run here). Each is an ``httpx.MockTransport`` handler that
checks requests as the real API documents them, answers with the documented shapes, records every
call, keeps alerts by dedup key / alias as the services do, and can be told to be down
(``down(n, status)``: the next n calls fail) or to hang (``stall(n)``: the next n calls are
received and recorded but not answered until ``release()``, as when the sender dies mid-delivery).
``serve()`` also puts one on a local HTTP port, for ``autoheal serve`` / ``autoheal worker``
subprocesses (``paging.pagerduty.url: <url>/v2/enqueue``)."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass
class _Recorder:
    calls: list[dict[str, Any]] = field(default_factory=list)
    _down: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def down(self, times: int = 1, status: int = 503) -> None:
        """Fail the next ``times`` calls with ``status`` (429, 500, 503...)."""
        with self._lock:
            self._down.extend([status] * times)

    _stalls: int = 0
    hung: int = 0  # calls processed whose answer was held back (stall)
    _released: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)  # set when a call hangs
    _server: ThreadingHTTPServer | None = None

    def stall(self, times: int = 1) -> None:
        """Receive and record the next ``times`` calls, then hang until ``release()``."""
        with self._lock:
            self._stalls += times
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def _outage(self) -> int | None:
        with self._lock:
            return self._down.pop(0) if self._down else None

    def _hang(self) -> None:
        with self._lock:
            if self._stalls <= 0:
                return
            self._stalls -= 1
            self.hung += 1
        self.stalled.set()
        self._released.wait()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def serve(self) -> str:
        """Answer on ``127.0.0.1`` (a random port) until ``close()``; returns the base URL."""
        if self._server is None:
            fake = self

            class Handler(BaseHTTPRequestHandler):
                def _any(self) -> None:
                    length = int(self.headers.get("Content-Length") or 0)
                    request = httpx.Request(
                        self.command,
                        f"http://{self.headers.get('Host', 'localhost')}{self.path}",
                        headers=dict(self.headers.items()),
                        content=self.rfile.read(length) if length else b"",
                    )
                    response = fake.handle(request)
                    try:
                        self.send_response(response.status_code)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(response.content)))
                        self.end_headers()
                        self.wfile.write(response.content)
                    except (BrokenPipeError, ConnectionResetError):  # the caller was killed
                        pass

                do_POST = do_GET = _any

                def log_message(self, format: str, *args: Any) -> None:
                    pass

            self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, name="fake-pager", daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The service's answer; a stalled call is processed (as the service would on receipt),
        then its answer is held back until ``release()``."""
        response = self._handle(request)
        self._hang()
        return response

    def _handle(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError


class FakePagerDuty(_Recorder):
    """``POST /v2/enqueue``: 202 {"status": "success", "message": "Event processed", "dedup_key"},
    400 {"status": "invalid event", "message": "Event object is invalid", "errors": [...]}."""

    def __init__(self, routing_key: str) -> None:
        super().__init__()
        self.routing_key = routing_key
        self.alerts: dict[str, dict[str, Any]] = {}  # dedup_key -> {"status", "summary", "triggers"}

    def _handle(self, request: httpx.Request) -> httpx.Response:
        status = self._outage()
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            body = None
        with self._lock:
            self.calls.append({"path": request.url.path, "body": body, "answered": status or 0})
        if status is not None:
            return httpx.Response(status, json={"status": "error", "message": "Service unavailable"})
        if request.method != "POST" or request.url.path != "/v2/enqueue":
            return httpx.Response(404, json={"status": "error", "message": "Not found"})
        errors = self._errors(body)
        if errors:
            self.calls[-1]["answered"] = 400
            return httpx.Response(
                400, json={"status": "invalid event", "message": "Event object is invalid", "errors": errors}
            )
        assert isinstance(body, dict)
        key = body.get("dedup_key") or uuid.uuid4().hex
        action = body["event_action"]
        with self._lock:
            alert = self.alerts.get(key)
            if action == "trigger":
                if alert is None or alert["status"] == "resolved":
                    self.alerts[key] = {
                        "status": "triggered",
                        "summary": body["payload"]["summary"],
                        "triggers": 1,
                    }
                else:
                    alert["triggers"] += 1  # deduplicated into the open alert
            elif alert is not None and alert["status"] != "resolved":
                alert["status"] = "acknowledged" if action == "acknowledge" else "resolved"
            self.calls[-1]["answered"] = 202
        return httpx.Response(202, json={"status": "success", "message": "Event processed", "dedup_key": key})

    def _errors(self, body: Any) -> list[str]:
        if not isinstance(body, dict):
            return ["request body is not a JSON object"]
        errors = []
        if body.get("routing_key") != self.routing_key:
            errors.append("'routing_key' is invalid")
        action = body.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' must be one of trigger, acknowledge, resolve")
        if action in ("acknowledge", "resolve") and not body.get("dedup_key"):
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if action == "trigger":
            payload = body.get("payload")
            if not isinstance(payload, dict):
                errors.append("'payload' is missing")
            else:
                for key in ("summary", "source", "severity"):
                    if not payload.get(key):
                        errors.append(f"'payload.{key}' is missing or blank")
                if payload.get("severity") not in ("critical", "error", "warning", "info"):
                    errors.append("'payload.severity' must be critical, error, warning or info")
                if len(str(payload.get("summary", ""))) > 1024:
                    errors.append("'payload.summary' is longer than 1024 characters")
        return errors

    def accepted(self, action: str | None = None) -> list[dict[str, Any]]:
        return [
            c["body"]
            for c in self.calls
            if c["answered"] == 202 and (action is None or c["body"].get("event_action") == action)
        ]


class FakeOpsgenie(_Recorder):
    """``POST /v2/alerts`` (create), ``POST /v2/alerts/{alias}/acknowledge|close?identifierType=alias``;
    202 {"result": "Request will be processed", "took": 0.01, "requestId": ...};
    401 without ``Authorization: GenieKey <key>``; 422 for a create without ``message``."""

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.alerts: dict[str, dict[str, Any]] = {}  # alias -> {"status", "message", "count"}

    def _handle(self, request: httpx.Request) -> httpx.Response:
        status = self._outage()
        body = json.loads(request.content or b"{}")
        with self._lock:
            self.calls.append(
                {
                    "path": request.url.path,
                    "query": dict(request.url.params),
                    "body": body,
                    "answered": status or 0,
                }
            )
        if status is not None:
            return httpx.Response(status, json={"message": "Service unavailable", "took": 0.0})
        if request.headers.get("authorization") != f"GenieKey {self.api_key}":
            self.calls[-1]["answered"] = 401
            return httpx.Response(401, json={"message": "Could not authenticate", "took": 0.0})
        parts = request.url.path.strip("/").split("/")
        answer = {"result": "Request will be processed", "took": 0.01, "requestId": str(uuid.uuid4())}
        with self._lock:
            if parts == ["v2", "alerts"]:
                if not body.get("message"):
                    self.calls[-1]["answered"] = 422
                    return httpx.Response(
                        422,
                        json={
                            "message": "Request body is not processable",
                            "errors": {"message": "Message can not be empty."},
                            "took": 0.0,
                        },
                    )
                alias = body.get("alias") or str(uuid.uuid4())
                alert = self.alerts.get(alias)
                if alert is None or alert["status"] == "closed":
                    self.alerts[alias] = {"status": "open", "message": body["message"], "count": 1}
                else:
                    alert["count"] += 1
            elif len(parts) == 4 and parts[:2] == ["v2", "alerts"] and parts[3] in ("acknowledge", "close"):
                if request.url.params.get("identifierType") != "alias":
                    self.calls[-1]["answered"] = 400
                    return httpx.Response(
                        400, json={"message": "identifierType must be alias here", "took": 0.0}
                    )
                alert = self.alerts.get(parts[2])
                if alert is not None:
                    alert["status"] = "acked" if parts[3] == "acknowledge" else "closed"
            else:
                self.calls[-1]["answered"] = 404
                return httpx.Response(404, json={"message": "Not found", "took": 0.0})
            self.calls[-1]["answered"] = 202
        return httpx.Response(202, json=answer)
