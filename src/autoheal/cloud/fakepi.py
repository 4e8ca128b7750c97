"""A local fake of the Performance Insights API, serving recorded responses (moto has no ``pi``).

It speaks the API's wire protocol as boto3 does: ``POST /`` with ``Content-Type:
application/x-amz-json-1.1`` and ``X-Amz-Target: PerformanceInsightsv20180227.<Operation>``, a
SigV4 ``Authorization`` header, JSON bodies with epoch-second timestamps, and errors as
``{"__type": ..., "message": ...}`` with HTTP 400. It answers ``GetResourceMetrics`` and
``DescribeDimensionKeys`` for the resource ids it was given, with the response recorded for that
id (the documented response shape), after checking the request's required members the way the
service does. Every request is kept in :attr:`FakePerformanceInsights.requests` so tests can assert
what the client sent. It is a fake, not an emulator: it does not aggregate or filter the recording
by the request's window or grouping.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TARGET_PREFIX = "PerformanceInsightsv20180227."
REQUIRED = {
    "GetResourceMetrics": ("ServiceType", "Identifier", "MetricQueries", "StartTime", "EndTime"),
    "DescribeDimensionKeys": ("ServiceType", "Identifier", "StartTime", "EndTime", "Metric", "GroupBy"),
}


class FakePerformanceInsights:
    def __init__(self, recorded: dict[str, dict[str, Any]] | None = None) -> None:
        """``recorded``: resource id -> operation name -> response body (the API's JSON)."""
        self.recorded: dict[str, dict[str, Any]] = dict(recorded or {})
        self.requests: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def start(self) -> FakePerformanceInsights:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                code, body = fake.answer(dict(self.headers.items()), raw)
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePerformanceInsights:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        lower = {k.lower(): v for k, v in headers.items()}
        target = lower.get("x-amz-target", "")
        operation = target.removeprefix(TARGET_PREFIX)
        signed = lower.get("authorization", "").startswith("AWS4-HMAC-SHA256 ")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return 400, _error("SerializationException", "the request body is not JSON")
        self.requests.append({"operation": operation, "body": body, "signed": signed})
        if not signed:
            return 400, _error("MissingAuthenticationTokenException", "Missing Authentication Token")
        if not target.startswith(TARGET_PREFIX) or operation not in REQUIRED:
            return 400, _error("UnknownOperationException", f"unknown operation {target!r}")
        missing = [m for m in REQUIRED[operation] if m not in body]
        if missing:
            return 400, _error("InvalidArgumentException", f"missing required members: {', '.join(missing)}")
        if body["ServiceType"] not in ("RDS", "DOCDB"):
            return 400, _error(
                "InvalidArgumentException", f"ServiceType {body['ServiceType']!r} is not valid"
            )
        if body["EndTime"] <= body["StartTime"]:
            return 400, _error("InvalidArgumentException", "EndTime must be after StartTime")
        recorded = self.recorded.get(str(body["Identifier"]))
        if recorded is None:
            return 400, _error("NotAuthorizedException", f"no access to resource {body['Identifier']}")
        response = recorded.get(operation)
        if response is None:  # PI enabled, nothing recorded for this operation: an empty answer
            response = {"Keys": []} if operation == "DescribeDimensionKeys" else {"MetricList": []}
        return 200, {"Identifier": body["Identifier"], **response}


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"__type": kind, "message": message}
