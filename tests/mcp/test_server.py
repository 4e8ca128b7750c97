"""The MCP server through the official SDK's own client: over stdio against `autoheal mcp` (a
real subprocess), and in memory (streamable HTTP: test_http.py). Lists tools, calls each kind
(Autoheal's own read tools and the context graph's go through the gateway like the telemetry
tools), a denied tool is refused with a clear message and recorded in the audit trail under the
MCP client's name, and the trail still verifies."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.stdio import stdio_client
from mcp.shared.memory import create_connected_server_and_client_session

from autoheal.app import Autoheal
from autoheal.audit.verify import verify_chain
from autoheal.errors import AuthError
from autoheal.jobs import InlineQueue
from autoheal.mcp.server import AutohealMCP, build_server
from autoheal.store.db import create_db_engine
from autoheal.store.tokens import Role
from mcp import ClientSession, StdioServerParameters
from tests.mcp.conftest import _audit, _payload, _settings


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
            similar = await client.call_tool("graph_similar", {"target": "group:1"})
            known = await client.call_tool("graph_service", {"service": "checkout"})
            query = await client.call_tool("prometheus_query", {"query": "up"})
            denied = await client.call_tool(
                "logs_query",
                {
                    "query": '{service="checkout"}',
                    "start": "2026-12-06T09:00:00Z",
                    "end": "2026-12-06T10:00:00Z",
                },
            )
            return {
                "names": names,
                "found": found,
                "similar": similar,
                "known": known,
                "query": query,
                "denied": denied,
            }

    out = anyio.run(session)
    assert {"search_alerts", "get_investigation_report", "list_incidents", "prometheus_query_range"} <= set(
        out["names"]
    )
    assert "start_investigation" not in out["names"]  # a viewer's token does not list it
    alerts = _payload(out["found"])["alerts"]
    assert [a["name"] for a in alerts] == ["HighErrorRate"] and alerts[0]["triage"]["kind"]
    assert {"graph_similar", "graph_service"} <= set(out["names"])
    priors = _payload(out["similar"])["similar"]
    assert [p["incident"] for p in priors] == ["inv-past-pool"]
    assert "the same alert rule on the same service" in priors[0]["reasons"]
    # the deploy since halved the lesson: still offered as a hypothesis, no longer an anchor
    assert priors[0]["weight"] == 0.5 and priors[0]["offered"] and not priors[0]["anchor"]
    known = _payload(out["known"])
    assert [d["service"] for d in known["depends_on"]] == ["postgres"]
    assert [d["service"] for d in known["depended_on_by"]] == ["frontend"]
    assert known["incidents"][0]["use"] == "hypothesis"
    assert known["changes"][0]["lowered"][0]["rule"] == "change_decay"
    assert not out["query"].isError and _payload(out["query"])["status"] in ("ok", "no_data")
    assert out["denied"].isError
    assert "denied by policy rule 'agents-read-no-logs'" in _payload(out["denied"])["message"]

    records = _audit(tmp)
    mine = [r for r in records if r.actor.startswith("mcp:api-token:")]
    calls = [json.loads(r.payload) for r in mine if r.kind == "tool_call"]
    assert [(c["tool"], c["decision"]) for c in calls] == [
        ("autoheal.search_alerts", "allowed"),
        ("graph.similar", "allowed"),
        ("graph.service", "allowed"),
        ("prometheus.query", "allowed"),
        ("logs.query", "denied"),
    ]
    engine = create_db_engine(f"sqlite:///{tmp / 'mcp.db'}")
    assert verify_chain(engine).ok
    engine.dispose()


def test_roles_decide_what_a_client_may_call(prepared: tuple[Path, dict[Role, str]]) -> None:
    tmp, tokens = prepared
    app = Autoheal.create(_settings(tmp), jobs=InlineQueue())
    try:
        with pytest.raises(AuthError):
            AutohealMCP.for_token(app, "ah_not-a-token")

        async def as_role(role: Role) -> dict[str, Any]:
            server = build_server(app, AutohealMCP.for_token(app, tokens[role]))
            async with create_connected_server_and_client_session(server) as client:
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
            viewer["started"].isError and "needs the responder role" in _payload(viewer["started"])["message"]
        )
        responder = anyio.run(as_role, Role.RESPONDER)
        assert "start_investigation" in responder["listed"]
        report = _payload(responder["started"])
        assert report["status"] == "finished" and "causes" in report["report"]
        # the fixture's signal opened one incident (incidents.open: signal at or above high)
        opened = _payload(responder["incidents"])["incidents"]
        assert len(opened) == 1 and opened[0]["status"] != "resolved"
        assert opened[0]["group_keys"] == ['{alertname="HighErrorRate", service="checkout"}']
        assert responder["bad"].isError and "no investigation" in _payload(responder["bad"])["message"]
        uris = [str(r.uri) for r in responder["resources"]]
        assert f"autoheal://investigations/{report['id']}" in uris
        assert json.loads(responder["read"].contents[0].text)["status"] == "finished"
        assert {"autoheal://reports/oncall/service/checkout", "autoheal://reports/oncall/team/shop"} <= set(
            uris
        )
        assert "graph_similar" in responder["prompt"].messages[0].content.text
    finally:
        app.close()
    records = [(r.kind, json.loads(r.payload)) for r in _audit(tmp) if r.actor.startswith("mcp:")]
    refused = [p for kind, p in records if kind == "reasoning_step" and p.get("status") == "refused"]
    assert [p["tool"] for p in refused] == ["autoheal.start_investigation"]  # the viewer's, by role
    calls = [(p["tool"], p["status"]) for kind, p in records if kind == "tool_call"]
    assert ("autoheal.get_investigation_report", "error") in calls  # the unknown one, through the gateway
    assert ("autoheal.start_investigation", "ok") in calls
