"""The one HTTP helper every HTTP-backed tool uses: timeouts, auth headers, errors as data.

``HttpApi.get_json`` / ``post_json`` return ``(body, None)`` on success or ``(None, ToolResult)``
with status ERROR and a message that says what went wrong (timeout, connection refused, HTTP
status with the server's own error text, invalid JSON). They never raise for the outside world.
Tests pass an ``httpx.MockTransport`` as ``transport``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from autoheal.domain.tools import ToolResult

Params = Mapping[str, Any] | list[tuple[str, Any]]


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
    ) -> None:
        self.name = name
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
