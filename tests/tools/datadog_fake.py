"""An in-repo fake of the two Datadog endpoints the tools use, serving recorded responses.

``POST /api/v2/logs/events/search`` (Logs Search API v2, cursor pagination through
``meta.page.after`` / ``page.cursor``), ``GET /api/v1/monitor`` and ``GET /api/v1/monitor/{id}``
(Monitors API v1). Keys are checked like Datadog does (``DD-API-KEY`` and ``DD-APPLICATION-KEY``;
403 ``{"errors": ["Forbidden"]}`` otherwise); every request is recorded. The official client is
pointed at it with ``Configuration(host=...)`` (``tools.datadog.host``).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).parent / "recorded" / "datadog"


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


class FakeDatadog:
    def __init__(self, api_key: str, app_key: str) -> None:
        self.api_key, self.app_key = api_key, app_key
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None  # answer every request with this status
        self.logs_pages = [recorded("logs_search_page1.json"), recorded("logs_search_page2.json")]
        self.monitors = recorded("monitors_list.json")
        self.monitor = recorded("monitor_12345678.json")
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def __enter__(self) -> FakeDatadog:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                code, answer = fake.answer(self.command, self.path, dict(self.headers.items()), body)
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _reply
            do_POST = _reply

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        self.requests.append(
            {"method": method, "path": url.path, "query": query, "body": body, "headers": lower}
        )
        if lower.get("dd-api-key") != self.api_key or lower.get("dd-application-key") != self.app_key:
            return 403, {"errors": ["Forbidden"]}
        if self.fail_with is not None:
            return self.fail_with, {"errors": [f"fake failure {self.fail_with}"]}
        if method == "POST" and url.path == "/api/v2/logs/events/search":
            if not isinstance(body, dict) or "filter" not in body:
                return 400, {"errors": ["filter is required"]}
            cursor = (body.get("page") or {}).get("cursor")
            first = self.logs_pages[0]
            if cursor is None:
                return 200, first
            if cursor == first["meta"]["page"]["after"]:
                return 200, self.logs_pages[1]
            return 400, {"errors": ["invalid cursor"]}
        if method == "GET" and url.path == "/api/v1/monitor":
            items = self.monitors
            if "name" in query:
                items = [m for m in items if query["name"].lower() in m["name"].lower()]
            if "monitor_tags" in query:
                wanted = set(query["monitor_tags"].split(","))
                items = [m for m in items if wanted <= set(m["tags"])]
            return 200, items
        if method == "GET" and url.path.startswith("/api/v1/monitor/"):
            if url.path.rsplit("/", 1)[1] == str(self.monitor["id"]):
                return 200, self.monitor
            return 404, {"errors": ["Monitor not found"]}
        return 404, {"errors": ["unknown path"]}
