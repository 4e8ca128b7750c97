"""Faithful in-process fakes of PagerDuty's Events API v2 and Opsgenie's Alert API, for tests and
the demo (no PagerDuty or Opsgenie can run here). Each is an ``httpx.MockTransport`` handler that
checks requests as the real API documents them, answers with the documented shapes, records every
call, keeps alerts by dedup key / alias as the services do, and can be told to be down
(``down(n, status)``: the next n calls fail)."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
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

    def _outage(self) -> int | None:
        with self._lock:
            return self._down.pop(0) if self._down else None

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError


class FakePagerDuty(_Recorder):
    """``POST /v2/enqueue``: 202 {"status": "success", "message": "Event processed", "dedup_key"},
    400 {"status": "invalid event", "message": "Event object is invalid", "errors": [...]}."""

    def __init__(self, routing_key: str) -> None:
        super().__init__()
        self.routing_key = routing_key
        self.alerts: dict[str, dict[str, Any]] = {}  # dedup_key -> {"status", "summary", "triggers"}

    def handle(self, request: httpx.Request) -> httpx.Response:
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

    def handle(self, request: httpx.Request) -> httpx.Response:
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
