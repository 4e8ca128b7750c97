"""``autoheal mcp --http`` (a real subprocess serving the SDK's streamable HTTP transport) through
the SDK's own streamable HTTP client: a request without a token or with a wrong one is refused
with 401 before reaching MCP, a viewer's token lists and calls the context-graph tools, a tool
denied by the policy and one above the token's role are refused with clear messages, every call
is in the audit trail under the client's token fingerprint, and ``audit verify`` is clean after."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.client.streamable_http import streamable_http_client

from autoheal.store.tokens import Role, hash_token
from mcp import ClientSession
from tests.mcp.conftest import _audit, _payload

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}
ACCEPT = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(prepared: tuple[Path, dict[Role, str]]) -> Iterator[tuple[str, Path, dict[Role, str]]]:
    tmp, tokens = prepared
    (tmp / "config.yaml").write_text(f"policy_file: {tmp / 'policy.yaml'}\n")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "AUTOHEAL_TOKEN"}  # HTTP needs no server token
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autoheal.cli.main",
            "mcp",
            "--http",
            f"127.0.0.1:{port}",
            "--db",
            f"sqlite:///{tmp / 'mcp.db'}",
            "--config",
            str(tmp / "config.yaml"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(
                    f"autoheal mcp --http exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            try:
                httpx.post(url, json=INIT, headers=ACCEPT, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("autoheal mcp --http did not start listening within 60 s")
        yield url, tmp, tokens
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_no_token_or_a_wrong_one_is_refused(served: tuple[str, Path, dict[Role, str]]) -> None:
    url, _, _ = served
    for headers in ({}, {"authorization": "Bearer ah_not-a-token"}, {"authorization": "Basic eDp5"}):
        answer = httpx.post(url, json=INIT, headers={**ACCEPT, **headers}, timeout=10)
        assert answer.status_code == 401, headers
        assert answer.json()["error"] == "invalid_token"
        assert answer.headers["www-authenticate"].startswith("Bearer ")
    # the SDK's own client with a wrong token gets no session
    with pytest.raises(BaseException) as refused:
        anyio.run(_session, url, "ah_not-a-token")
    assert "401" in repr(
        refused.value.exceptions if isinstance(refused.value, BaseExceptionGroup) else refused.value
    )


async def _session(url: str, token: str) -> dict[str, Any]:
    async with (
        httpx.AsyncClient(headers={"authorization": f"Bearer {token}"}, timeout=60) as http,
        streamable_http_client(url, http_client=http) as (read, write, _),
        ClientSession(read, write) as client,
    ):
        await client.initialize()
        names = [t.name for t in (await client.list_tools()).tools]
        similar = await client.call_tool("graph_similar", {"target": "group:1"})
        known = await client.call_tool("graph_service", {"service": "checkout"})
        unknown = await client.call_tool("graph_service", {"service": "no-such-service"})
        denied = await client.call_tool(
            "logs_query",
            {"query": '{service="checkout"}', "start": "2026-12-06T09:00:00Z", "end": "2026-12-06T10:00:00Z"},
        )
        above = await client.call_tool("start_investigation", {"target": "group:1"})
        report = await client.read_resource("autoheal://reports/oncall/service/checkout")  # type: ignore[arg-type]
        return {
            "names": names,
            "similar": similar,
            "known": known,
            "unknown": unknown,
            "denied": denied,
            "above": above,
            "report": report,
        }


def test_a_viewer_queries_the_graph_over_http_and_every_call_is_audited(
    served: tuple[str, Path, dict[Role, str]],
) -> None:
    url, tmp, tokens = served
    out = anyio.run(_session, url, tokens[Role.VIEWER])
    assert {"graph_similar", "graph_service", "search_alerts", "prometheus_query"} <= set(out["names"])
    assert "start_investigation" not in out["names"]
    assert [p["incident"] for p in _payload(out["similar"])["similar"]] == ["inv-past-pool"]
    assert _payload(out["known"])["incidents"][0]["root_cause"]["kind"] == "resource_saturation"
    assert out["unknown"].isError and "no service 'no-such-service'" in _payload(out["unknown"])["message"]
    assert out["denied"].isError
    assert "denied by policy rule 'agents-read-no-logs'" in _payload(out["denied"])["message"]
    assert out["above"].isError and "needs the responder role" in _payload(out["above"])["message"]
    report = json.loads(out["report"].contents[0].text)
    assert report["scope"]["service"] == "checkout" and report["funnel"][0]["name"] == "alerts_received"

    me = "mcp:api-token:" + hash_token(tokens[Role.VIEWER])[:12]
    records = [(r.kind, json.loads(r.payload)) for r in _audit(tmp) if r.actor == me]
    calls = [(p["tool"], p["decision"], p["status"]) for kind, p in records if kind == "tool_call"]
    assert calls == [
        ("graph.similar", "allowed", "ok"),
        ("graph.service", "allowed", "ok"),
        ("graph.service", "allowed", "error"),
        ("logs.query", "denied", "denied"),
    ]
    steps = [p for kind, p in records if kind == "reasoning_step"]
    assert [(p["step"], p.get("tool"), p["status"]) for p in steps] == [
        ("mcp_tool", "autoheal.start_investigation", "refused"),
        ("mcp_resource", None, "ok"),
    ]
    check = subprocess.run(
        [sys.executable, "-m", "autoheal.cli.main", "audit", "verify", "--db", f"sqlite:///{tmp / 'mcp.db'}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0 and check.stdout.startswith("ok "), check.stdout + check.stderr
