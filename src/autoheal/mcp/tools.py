"""The MCP server's own tools: read what Autoheal stored, and start an investigation.

Each is a plain function ``(app, arguments) -> JSON-able`` with an input schema and the role it
needs (viewer reads; responder starts investigations), so the server and the tests call the same
code. Stored text (alert annotations, tool output) is returned as data: it was written by the
outside world and is never an instruction to the agent reading it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from autoheal.app import Autoheal
from autoheal.errors import InputError
from autoheal.reasoning import store as reasoning_store
from autoheal.store.alerts import AlertFilter, AlertRepository, alert_to_dict
from autoheal.store.conclusions import conclusions
from autoheal.store.tokens import Role

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ReadTool:
    name: str
    description: str
    schema: dict[str, Any]
    role: Role
    run: Callable[[Autoheal, Mapping[str, Any]], Any]


def _limit(args: Mapping[str, Any], default: int = 20) -> int:
    value = args.get("limit", default)
    if not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise InputError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return value


def search_alerts(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    text = str(args.get("text") or "").lower()
    status = args.get("status") or None
    if status not in (None, "firing", "resolved"):
        raise InputError("status must be firing or resolved")
    limit = _limit(args)
    with app.sessions() as session:
        repo = AlertRepository(session)
        rows = repo.list_alerts(AlertFilter(status=status, service=args.get("service") or None, limit=1000))
        found = [r for r in rows if not text or text in r.name.lower() or text in str(r.labels).lower()][
            :limit
        ]
        groups: dict[int, dict[str, Any]] = {}
        out = []
        for row in found:
            item = alert_to_dict(row)
            item.pop("payload_id", None)
            if row.group_id is not None:
                if row.group_id not in groups:
                    groups[row.group_id] = conclusions(session, repo.get_group(row.group_id).key)
                triage = groups[row.group_id]["triage"]
                item["triage"] = (
                    {k: triage[k] for k in ("kind", "score", "explanation", "investigation_id")}
                    if triage
                    else None
                )
            out.append(item)
    return {"alerts": out, "count": len(out)}


def get_investigation(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    investigation_id = str(args.get("investigation_id") or "")
    if not investigation_id:
        raise InputError(
            "investigation_id is required (e.g. inv-1a2b3c4d5e6f; list_investigations shows them)"
        )
    with app.sessions() as session:
        row = reasoning_store.get_investigation(session, investigation_id)
        return {
            "id": row.id,
            "subject": row.subject,
            "status": row.status,
            "started_at": row.started_at.isoformat(),
            "finished_at": row.finished_at.isoformat() if row.finished_at else None,
            "report": row.report,
        }


def list_investigations(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    with app.sessions() as session:
        rows = session.scalars(
            select(reasoning_store.InvestigationRow)
            .order_by(reasoning_store.InvestigationRow.started_at.desc())
            .limit(_limit(args))
        )
        return {
            "investigations": [
                {
                    "id": r.id,
                    "subject": r.subject,
                    "status": r.status,
                    "started_at": r.started_at.isoformat(),
                    "top_service": r.top_service,
                    "top_cause": (((r.report or {}).get("causes") or [{}])[0].get("hypothesis") or {}).get(
                        "statement"
                    ),
                }
                for r in rows
            ]
        }


def _incidents(app: Autoheal) -> Any:
    from autoheal.incidents import IncidentService

    shared = getattr(app, "incidents", None)
    if isinstance(shared, IncidentService):
        return shared
    return IncidentService(app.sessions, app.clock, redactor=app.governance.gateway.redactor)


def list_incidents(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    from autoheal.incidents import parse_status

    status = args.get("status") or None
    incidents = _incidents(app).list(
        status=parse_status(status) if status else None,
        open_only=bool(args.get("open_only", False)),
        service=args.get("service") or None,
        limit=_limit(args),
    )
    return {"incidents": [i.to_dict() for i in incidents]}


def get_incident(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    ref = str(args.get("incident") or "")
    if not ref:
        raise InputError("incident is required (INC-1 or 1)")
    service = _incidents(app)
    incident = service.get(ref)
    return {**incident.to_dict(), "timeline": [e.to_dict() for e in service.timeline(incident.id)]}


def start_investigation(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    """Runs to the end (the report is the answer), through the same runner as the API."""
    import uuid

    from autoheal.api.routes.investigations import run_investigation
    from autoheal.reasoning.subjects import load_subject

    target = str(args.get("target") or "")
    if not target:
        raise InputError("target is required: an alert id, group:ID, a fingerprint or a group key")
    with app.sessions() as session:
        subject, alerts = load_subject(session, target)
    investigation_id = f"inv-{uuid.uuid4().hex[:12]}"
    run_investigation(app, investigation_id, subject, alerts)
    return get_investigation(app, {"investigation_id": investigation_id})


def _schema(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }


LIMIT = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}

READ_TOOLS: list[ReadTool] = [
    ReadTool(
        "search_alerts",
        "Search stored alerts by text (name or labels), status and service; each with its group's "
        "triage verdict (noise / duplicate / known_issue / signal) and reason.",
        _schema(
            {
                "text": {"type": "string", "maxLength": 256},
                "status": {"type": "string", "enum": ["firing", "resolved"]},
                "service": {"type": "string", "maxLength": 256},
                "limit": LIMIT,
            }
        ),
        Role.VIEWER,
        search_alerts,
    ),
    ReadTool(
        "list_investigations",
        "The most recent investigations with their most likely cause.",
        _schema({"limit": LIMIT}),
        Role.VIEWER,
        list_investigations,
    ),
    ReadTool(
        "get_investigation_report",
        "An investigation's report: ranked root causes with confidence, the evidence each cites "
        "(tool, query, result), what the verifier ruled out and why, next checks.",
        _schema({"investigation_id": {"type": "string", "maxLength": 64}}, ["investigation_id"]),
        Role.VIEWER,
        get_investigation,
    ),
    ReadTool(
        "list_incidents",
        "Incidents, newest first (status, severity, roles, service).",
        _schema(
            {
                "status": {"type": "string", "maxLength": 32},
                "open_only": {"type": "boolean", "default": False},
                "service": {"type": "string", "maxLength": 256},
                "limit": LIMIT,
            }
        ),
        Role.VIEWER,
        list_incidents,
    ),
    ReadTool(
        "get_incident",
        "One incident with its timeline (the decision trace: what was checked, ruled out, decided).",
        _schema({"incident": {"type": "string", "maxLength": 32}}, ["incident"]),
        Role.VIEWER,
        get_incident,
    ),
    ReadTool(
        "start_investigation",
        "Run a deep investigation of an alert or alert group and return its report (responder token).",
        _schema({"target": {"type": "string", "maxLength": 512}}, ["target"]),
        Role.RESPONDER,
        start_investigation,
    ),
]
