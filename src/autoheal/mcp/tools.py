"""The MCP server's own tools: read what Autoheal stored (alerts, investigations, incidents, the
context graph), and start an investigation.

Each is a plain function ``(app, arguments) -> JSON-able``, wrapped as a governed
:class:`~autoheal.domain.tools.Tool` (``autoheal.*``, ``graph.*``: a pydantic argument model, the
role it needs) that the server adds to the app's gateway with :meth:`Gateway.extended
<autoheal.governance.gateway.Gateway.extended>` — so a call is validated, decided by the policy,
rate-limited, redacted and audited like a telemetry call. Stored text (alert annotations, tool
output) is returned as data: it was written by the outside world and is never an instruction to
the agent reading it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from autoheal.app import Autoheal
from autoheal.domain.tools import Access, ToolResult
from autoheal.errors import AutohealError, InputError
from autoheal.reasoning import store as reasoning_store
from autoheal.store.alerts import AlertFilter, AlertRepository, alert_to_dict
from autoheal.store.conclusions import conclusions
from autoheal.store.tokens import Role

MAX_LIMIT = 200


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


def graph_similar(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    """Past incidents like an alert, an alert group, an Autoheal incident (``INC-3``: its alert
    group) or a past incident of the graph, through the graph's retrieval."""
    from autoheal.graph.context import similar_for
    from autoheal.graph.store import GraphStore

    target = str(args.get("target") or "").strip()
    if not target:
        raise InputError(
            "target is required: an alert id, group:ID, fingerprint, INC-n or a graph incident key"
        )
    subject = target
    if target.upper().startswith("INC-"):
        incident = _incidents(app).get(target)
        if not incident.group_keys:
            raise InputError(f"incident {target} has no alert group to compare")
        subject = incident.group_keys[0]
    with app.sessions() as session:
        priors = similar_for(GraphStore(session), subject, at=app.clock.now(), limit=_limit(args, 5))
    return {"target": target, "similar": [p.to_dict() for p in priors]}


def graph_service(app: Autoheal, args: Mapping[str, Any]) -> dict[str, Any]:
    """What the context graph knows about a service: dependencies, past incidents with what was
    learned and its validity, and the changes that made a lesson stale."""
    from autoheal.graph.context import service_context
    from autoheal.graph.store import GraphStore

    service = str(args.get("service") or "").strip()
    if not service:
        raise InputError("service is required (a service name, e.g. checkout)")
    with app.sessions() as session:
        return service_context(GraphStore(session), service)


# --- the governed wrappers ---------------------------------------------------------------------
class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


Limit = Field(20, ge=1, le=MAX_LIMIT)


class SearchAlertsArgs(_Args):
    text: str = Field("", max_length=256, description="matched in the alert's name and labels")
    status: Literal["firing", "resolved"] | None = None
    service: str | None = Field(None, max_length=256)
    limit: int = Limit


class LimitArgs(_Args):
    limit: int = Limit


class InvestigationArgs(_Args):
    investigation_id: str = Field(min_length=1, max_length=64, description="e.g. inv-1a2b3c4d5e6f")


class IncidentsArgs(_Args):
    status: str | None = Field(None, max_length=32)
    open_only: bool = False
    service: str | None = Field(None, max_length=256)
    limit: int = Limit


class IncidentArgs(_Args):
    incident: str = Field(min_length=1, max_length=32, description="INC-1 or 1")


class TargetArgs(_Args):
    target: str = Field(
        min_length=1, max_length=512, description="alert id, group:ID, fingerprint or group key"
    )


class SimilarArgs(_Args):
    target: str = Field(
        min_length=1,
        max_length=512,
        description="alert id, group:ID, fingerprint, group key, INC-n, or a past incident's key in the graph",
    )
    limit: int = Field(5, ge=1, le=50)


class ServiceArgs(_Args):
    service: str = Field(min_length=1, max_length=256)


class OwnTool:
    """One of Autoheal's own read tools as a governed :class:`~autoheal.domain.tools.Tool`.
    ``role`` is checked by the MCP server before the call (the policy knows no roles); what the
    function raises for bad input or a missing record comes back as an ERROR result."""

    name: ClassVar[str]
    description: ClassVar[str]
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]]
    role: ClassVar[Role] = Role.VIEWER
    function: ClassVar[Any]

    def __init__(self, app: Autoheal) -> None:
        self.app = app

    def invoke(self, args: BaseModel) -> ToolResult:
        try:
            return ToolResult.success(type(self).function(self.app, args.model_dump()))
        except AutohealError as exc:
            return ToolResult.failure(exc.message)


class SearchAlerts(OwnTool):
    name = "autoheal.search_alerts"
    description = (
        "Search stored alerts by text (name or labels), status and service; each with its group's "
        "triage verdict (noise / duplicate / known_issue / signal) and reason."
    )
    args_model = SearchAlertsArgs
    function = search_alerts


class ListInvestigations(OwnTool):
    name = "autoheal.list_investigations"
    description = "The most recent investigations with their most likely cause."
    args_model = LimitArgs
    function = list_investigations


class GetInvestigationReport(OwnTool):
    name = "autoheal.get_investigation_report"
    description = (
        "An investigation's report: ranked root causes with confidence, the evidence each cites "
        "(tool, query, result), what the verifier ruled out and why, next checks."
    )
    args_model = InvestigationArgs
    function = get_investigation


class ListIncidents(OwnTool):
    name = "autoheal.list_incidents"
    description = "Incidents, newest first (status, severity, roles, service)."
    args_model = IncidentsArgs
    function = list_incidents


class GetIncident(OwnTool):
    name = "autoheal.get_incident"
    description = "One incident with its timeline (the decision trace: what was checked, ruled out, decided)."
    args_model = IncidentArgs
    function = get_incident


class StartInvestigation(OwnTool):
    name = "autoheal.start_investigation"
    description = (
        "Run a deep investigation of an alert or alert group and return its report (responder token)."
    )
    args_model = TargetArgs
    role = Role.RESPONDER
    function = start_investigation


class GraphSimilar(OwnTool):
    name = "graph.similar"
    description = (
        "Past incidents most like an alert, alert group or incident, from the Production Context Graph: "
        "why each is similar, its root cause, the validity weight of that lesson (lowered by later "
        "changes), whether it may anchor an investigation, what responders checked and ruled out."
    )
    args_model = SimilarArgs
    function = graph_similar


class GraphService(OwnTool):
    name = "graph.service"
    description = (
        "What Autoheal knows about a service: what it depends on and what depends on it, its past "
        "incidents with what was learned (root cause, weight, check order, red herrings), and the "
        "changes that made a lesson stale."
    )
    args_model = ServiceArgs
    function = graph_service


OWN_TOOLS: list[type[OwnTool]] = [
    SearchAlerts,
    ListInvestigations,
    GetInvestigationReport,
    ListIncidents,
    GetIncident,
    StartInvestigation,
    GraphSimilar,
    GraphService,
]


def own_tools(app: Autoheal) -> list[OwnTool]:
    return [cls(app) for cls in OWN_TOOLS]
