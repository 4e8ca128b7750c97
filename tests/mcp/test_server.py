"""The MCP server through the official SDK's own client: over stdio against `autoheal mcp` (a
real subprocess), and in memory. Lists tools, calls each kind, a denied tool is refused with a
clear message and recorded in the audit trail under the MCP client's name, and the trail still
verifies."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp.client.stdio import stdio_client
from mcp.shared.memory import create_connected_server_and_client_session
from sqlalchemy import select

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.audit.store import AuditRecordRow
from autoheal.audit.verify import verify_chain
from autoheal.config import Settings
from autoheal.errors import AuthError
from autoheal.jobs import InlineQueue
from autoheal.mcp.server import build_server
from autoheal.store.db import create_db_engine
from autoheal.store.tokens import Role, create_token
from mcp import ClientSession, StdioServerParameters

POLICY = """
version: 1
default: allow
write_actions: require_approval
rules:
  - name: agents-read-no-logs
    effect: deny
    tools: ["logs.*"]
    callers: ["mcp:*"]
    reason: MCP clients may not read raw logs
"""

ALERT = {
    "name": "HighErrorRate",
    "status": "firing",
    "starts_at": "2026-12-06T10:00:00Z",
    "labels": {"service": "checkout", "team": "shop"},
    "annotations": {"summary": "checkout 5xx above 5%"},
    "service": "checkout",
    "severity": "critical",
}


def _settings(tmp: Path) -> Settings:
    (tmp / "policy.yaml").write_text(POLICY)
    return Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp / 'mcp.db'}"},
            "policy_file": str(tmp / "policy.yaml"),
            "sources": {"generic": {"auth": {"type": "none"}}},
        }
    )


@pytest.fixture
def prepared(tmp_path: Path) -> tuple[Path, dict[Role, str]]:
    """A database with one alert (triaged) and a token per role; the app is closed afterwards so
    that only the MCP server writes to the audit trail."""
    app = Autoheal.create(_settings(tmp_path), jobs=InlineQueue())
    try:
        with TestClient(create_app(app)) as c:
            assert c.post("/api/v1/alerts/generic", json=ALERT).status_code == 200
        with app.sessions() as s:
            tokens = {role: create_token(s, role, f"mcp-{role.value}", app.clock.now()) for role in Role}
    finally:
        app.close()
    return tmp_path, tokens


def _payload(result: Any) -> Any:
    return json.loads(result.content[0].text)


def _audit(tmp: Path) -> list[AuditRecordRow]:
    engine = create_db_engine(f"sqlite:///{tmp / 'mcp.db'}")
    with engine.connect() as conn:
        rows = list(conn.execute(select(AuditRecordRow).order_by(AuditRecordRow.seq)))
    engine.dispose()
    return rows  # type: ignore[return-value]


def test_stdio_lists_tools_and_governs_every_call(prepared: tuple[Path, dict[Role, str]]) -> None:
    tmp, tokens = prepared
    (tmp / "config.yaml").write_text(f"policy_file: {tmp / 'policy.yaml'}\n")
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "autoheal.cli.main",
            "mcp",
            "--db",
            f"sqlite:///{tmp / 'mcp.db'}",
            "--config",
            str(tmp / "config.yaml"),
        ],
        env={**os.environ, "AUTOHEAL_TOKEN": tokens[Role.VIEWER]},
    )

    async def session() -> dict[str, Any]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            names = [t.name for t in (await client.list_tools()).tools]
            found = await client.call_tool("search_alerts", {"text": "errorrate"})
            query = await client.call_tool("prometheus_query", {"query": "up"})
            denied = await client.call_tool(
                "logs_query",
                {
                    "query": '{service="checkout"}',
                    "start": "2026-12-06T09:00:00Z",
                    "end": "2026-12-06T10:00:00Z",
                },
            )
            return {"names": names, "found": found, "query": query, "denied": denied}

    out = anyio.run(session)
    assert {"search_alerts", "get_investigation_report", "list_incidents", "prometheus_query_range"} <= set(
        out["names"]
    )
    assert "start_investigation" not in out["names"]  # a viewer's token does not list it
    alerts = _payload(out["found"])["alerts"]
    assert [a["name"] for a in alerts] == ["HighErrorRate"] and alerts[0]["triage"]["kind"]
    assert not out["query"].isError and _payload(out["query"])["status"] in ("ok", "no_data")
    assert out["denied"].isError
    assert "denied by policy rule 'agents-read-no-logs'" in _payload(out["denied"])["message"]

    records = _audit(tmp)
    mine = [r for r in records if r.actor.startswith("mcp:api-token:")]
    calls = [json.loads(r.payload) for r in mine if r.kind == "tool_call"]
    assert [(c["tool"], c["decision"]) for c in calls] == [
        ("prometheus.query", "allowed"),
        ("logs.query", "denied"),
    ]
    assert any(
        json.loads(r.payload).get("tool") == "search_alerts" for r in mine if r.kind == "reasoning_step"
    )
    engine = create_db_engine(f"sqlite:///{tmp / 'mcp.db'}")
    assert verify_chain(engine).ok
    engine.dispose()


def test_roles_decide_what_a_client_may_call(prepared: tuple[Path, dict[Role, str]]) -> None:
    tmp, tokens = prepared
    app = Autoheal.create(_settings(tmp), jobs=InlineQueue())
    try:
        with pytest.raises(AuthError):
            build_server(app, "ah_not-a-token")

        async def as_role(role: Role) -> dict[str, Any]:
            async with create_connected_server_and_client_session(build_server(app, tokens[role])) as client:
                listed = [t.name for t in (await client.list_tools()).tools]
                started = await client.call_tool("start_investigation", {"target": "group:1"})
                incidents = await client.call_tool("list_incidents", {"open_only": True})
                bad = await client.call_tool("get_investigation_report", {"investigation_id": "inv-nope"})
                resources = (await client.list_resources()).resources
                read = await client.read_resource(resources[0].uri) if resources else None
                prompt = await client.get_prompt("investigate_alert", {"alert": "HighErrorRate"})
                return {
                    "listed": listed,
                    "started": started,
                    "incidents": incidents,
                    "bad": bad,
                    "resources": resources,
                    "read": read,
                    "prompt": prompt,
                }

        viewer = anyio.run(as_role, Role.VIEWER)
        assert (
            viewer["started"].isError and "needs the responder role" in _payload(viewer["started"])["error"]
        )
        responder = anyio.run(as_role, Role.RESPONDER)
        assert "start_investigation" in responder["listed"]
        report = _payload(responder["started"])
        assert report["status"] == "finished" and "causes" in report["report"]
        # the fixture's signal opened one incident (incidents.open: signal at or above high)
        opened = _payload(responder["incidents"])["incidents"]
        assert len(opened) == 1 and opened[0]["status"] != "resolved"
        assert opened[0]["group_keys"] == ['{alertname="HighErrorRate", service="checkout"}']
        assert responder["bad"].isError and "no investigation" in _payload(responder["bad"])["error"]
        uris = [str(r.uri) for r in responder["resources"]]
        assert f"autoheal://investigations/{report['id']}" in uris
        assert json.loads(responder["read"].contents[0].text)["status"] == "finished"
        assert "search_alerts" in responder["prompt"].messages[0].content.text
    finally:
        app.close()
    steps = [
        json.loads(r.payload)
        for r in _audit(tmp)
        if r.kind == "reasoning_step" and r.actor.startswith("mcp:")
    ]
    refused = [s for s in steps if s["status"] == "refused"]
    assert {s["tool"] for s in refused} == {"start_investigation", "get_investigation_report"}
