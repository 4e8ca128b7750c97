"""What the MCP tests share: a database with one triaged alert, a past incident in the context
graph, a policy denying raw logs to MCP clients, and a token per role."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.audit.store import AuditRecordRow
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.store.db import create_db_engine
from autoheal.store.tokens import Role, create_token

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


def learn_past_incident(app: Autoheal) -> None:
    """The context graph holds one resolved incident like the stored alert (the same rule on the
    same service, a saturated connection pool) and a deploy of checkout since, which halves that
    lesson's weight (docs/graph.md "Validity") — learned through the graph's own Memory."""
    from autoheal.graph.learn import IncidentRecord, RootCause
    from autoheal.graph.memory import Memory
    from autoheal.reasoning.subjects import load_subject

    with app.sessions() as s:
        _, alerts = load_subject(s, "group:1")
    memory = Memory(app.engine)
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    memory.topology([("frontend", "checkout"), ("checkout", "postgres")], t0)
    memory.learn(
        IncidentRecord(
            key="inv-past-pool",
            title="HighErrorRate on checkout",
            opened_at=t0 + timedelta(hours=1),
            resolved_at=t0 + timedelta(hours=2),
            alerts=alerts,
            root_cause=RootCause("checkout", "resource_saturation", "db_pool"),
        )
    )
    memory.change("checkout", t0 + timedelta(days=3), change_id="deploy-checkout-2.0", version="2.0")


@pytest.fixture
def prepared(tmp_path: Path) -> tuple[Path, dict[Role, str]]:
    """A database with one alert (triaged), a past incident in the context graph and a token per
    role; the app is closed afterwards so that only the MCP server writes to the audit trail."""
    app = Autoheal.create(_settings(tmp_path), jobs=InlineQueue())
    try:
        with TestClient(create_app(app)) as c:
            assert c.post("/api/v1/alerts/generic", json=ALERT).status_code == 200
        learn_past_incident(app)
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
