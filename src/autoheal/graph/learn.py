"""Building the graph incrementally from what the pipeline stores: one resolved incident at a time.

:func:`learn_incident` records an incident (today: a finished investigation and what it turned out
to be), its alerts (fingerprints, rules, services), the hypotheses its report ranked and ruled
out with the evidence behind them, the responders' decision steps, the fixes, and the root cause,
plus the retrieval features of the incident. Learning the same incident again updates it.
:func:`learn_topology` records declared dependencies (see :mod:`autoheal.graph.validity` for what a
change of them does to earlier knowledge).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from autoheal.decisions.model import Action, DecisionStep, TargetKind
from autoheal.domain.alerts import Alert
from autoheal.graph.model import EdgeKind, NodeKind
from autoheal.graph.store import GraphStore
from autoheal.reasoning.symptoms import alert_symptoms

MAX_HYPOTHESES = 3  # of each report: ranked causes and ruled-out ones
MAX_EVIDENCE = 3  # per hypothesis


@dataclass(frozen=True, slots=True)
class RootCause:
    """What the incident turned out to be, as a responder confirmed it."""

    service: str
    kind: str  # a hypothesis kind (bad_deploy, resource_saturation, ...)
    component: str | None = None
    confirmed_by: str = "responder"

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "kind": self.kind,
            "component": self.component,
            "confirmed_by": self.confirmed_by,
        }


@dataclass(slots=True)
class IncidentRecord:
    key: str  # the incident's id (the investigation id until incidents exist)
    title: str
    opened_at: datetime
    resolved_at: datetime
    alerts: Sequence[Alert]
    report: Mapping[str, Any] = field(default_factory=dict)  # InvestigationReport.to_dict()
    steps: Sequence[DecisionStep] = ()
    root_cause: RootCause | None = None
    # "noise" when the person who resolved it closed it as noise (the alert was not actionable),
    # else "incident"; a noise closure carries no root cause (docs/graph.md "Triage")
    outcome: str = "incident"
    closed_by: str | None = None
    closed_reason: str = ""


def features(alerts: Iterable[Alert]) -> list[tuple[str, str]]:
    """The structural features an incident is found by: services, fingerprints, alert rules (alone
    and on their service), and the metrics the alerts' expressions name."""
    alerts = list(alerts)
    out: list[tuple[str, str]] = []
    for a in alerts:
        out.append(("fingerprint", a.fingerprint))
        if a.service:
            out.append(("service", a.service))
            out.append(("rule_service", f"{a.name}@{a.service}"))
        out.append(("rule", a.name))
    out += [("symptom", s.family) for s in alert_symptoms(alerts)]
    return list(dict.fromkeys(out))


def _text(record: IncidentRecord) -> str:
    parts = [record.title, *(a.name for a in record.alerts)]
    parts += [str(a.annotations.get("summary", "")) for a in record.alerts]
    parts.append(str(record.report.get("narrative", "")))
    parts += [s.text for s in record.steps]
    if record.root_cause:
        rc = record.root_cause
        parts.append(f"{rc.kind.replace('_', ' ')} {rc.component or ''} {rc.service}")
    return "\n".join(p for p in parts if p)


def _check_order(record: IncidentRecord) -> list[str]:
    """What to check first next time: what resolved it, then what the responders checked, in order."""
    out: list[str] = []
    if record.root_cause:
        rc = record.root_cause
        out.append(f"{rc.kind} on {rc.service}" + (f" ({rc.component})" if rc.component else ""))
    for s in record.steps:
        if s.action in (Action.CHECKED, Action.OBSERVED) and (s.target or s.service):
            what = s.target.value if s.target and s.target.kind is not TargetKind.SERVICE else ""
            out.append(" ".join(p for p in (s.service or "", what) if p))
    return list(dict.fromkeys(out))


def _ruled_out(record: IncidentRecord) -> list[dict[str, Any]]:
    out = []
    for c in list(record.report.get("ruled_out", []))[:MAX_HYPOTHESES]:
        h = c.get("hypothesis", {})
        out.append(
            {
                "service": h.get("service"),
                "kind": h.get("kind"),
                "why": c.get("verification", {}).get("reason", ""),
            }
        )
    for s in record.steps:
        if s.action is Action.RULED_OUT:
            out.append({"service": s.service, "kind": None, "why": s.rationale or s.text, "by": s.who})
    return out


def learn_incident(store: GraphStore, record: IncidentRecord) -> int:
    """Record ``record`` in the graph; returns the incident node's id."""
    at = record.resolved_at
    services = list(dict.fromkeys(a.service for a in record.alerts if a.service))
    incident = store.upsert(
        NodeKind.INCIDENT,
        record.key,
        at,
        label=record.title,
        service=services[0] if services else None,
        attrs={
            "title": record.title,
            "opened_at": record.opened_at.isoformat(),
            "resolved_at": record.resolved_at.isoformat(),
            "services": services,
            "text": _text(record),
            "root_cause": record.root_cause.to_dict() if record.root_cause else None,
            "check_order": _check_order(record),
            "ruled_out": _ruled_out(record),
            "tool_calls": record.report.get("usage", {}).get("tool_calls"),
            "outcome": record.outcome,
            "closed_by": record.closed_by,
            "closed_reason": record.closed_reason,
        },
    )
    service_ids = {s: store.upsert(NodeKind.SERVICE, s, at, service=s) for s in services}

    def service_node(name: str) -> int:
        if name not in service_ids:
            service_ids[name] = store.upsert(NodeKind.SERVICE, name, at, service=name)
        return service_ids[name]

    for a in record.alerts:
        alert = store.upsert(
            NodeKind.ALERT, a.fingerprint, at, label=f"{a.name} on {a.service or '?'}", service=a.service
        )
        rule = store.upsert(NodeKind.ALERT_RULE, a.name, at)
        store.link(EdgeKind.FIRED_FOR, alert, rule, at)
        if a.service:
            store.link(EdgeKind.FIRED_FOR, alert, service_node(a.service), at)
        store.link(EdgeKind.PART_OF, alert, incident, at)

    for section, edge in (("causes", EdgeKind.PART_OF), ("ruled_out", EdgeKind.RULED_OUT)):
        for cause in list(record.report.get(section, []))[:MAX_HYPOTHESES]:
            h = cause.get("hypothesis", {})
            service = str(h.get("service", "?"))
            key = f"{record.key}:{service}:{h.get('kind')}:{h.get('component') or ''}"
            node = store.upsert(
                NodeKind.HYPOTHESIS,
                key,
                at,
                label=str(h.get("statement", key))[:512],
                service=service,
                attrs={
                    "kind": h.get("kind"),
                    "component": h.get("component"),
                    "verdict": cause.get("verification", {}).get("verdict"),
                    "reason": cause.get("verification", {}).get("reason"),
                    "confidence": cause.get("confidence"),
                    "rank": cause.get("rank"),
                },
            )
            if edge is EdgeKind.RULED_OUT:
                store.link(EdgeKind.RULED_OUT, incident, node, at)
            else:
                store.link(EdgeKind.PART_OF, node, incident, at)
            store.link(EdgeKind.ABOUT, node, service_node(service), at)
            for ev in list(h.get("evidence", []))[:MAX_EVIDENCE]:
                evidence = store.upsert(
                    NodeKind.EVIDENCE,
                    f"{record.key}:{ev.get('id')}",
                    at,
                    label=str(ev.get("summary", ""))[:512],
                    attrs={"tool": ev.get("tool"), "args": ev.get("args"), "summary": ev.get("summary")},
                )
                store.link(EdgeKind.SUPPORTED_BY, node, evidence, at)

    for i, step in enumerate(record.steps):
        node = store.upsert(
            NodeKind.DECISION_STEP,
            f"{record.key}:step:{i + 1}",
            step.at,
            label=step.text[:512],
            service=step.service,
            attrs=step.to_dict(),
        )
        store.link(EdgeKind.PART_OF, node, incident, step.at)
        if step.service:
            store.link(EdgeKind.ABOUT, node, service_node(step.service), step.at)
        if step.target and step.target.kind is TargetKind.RUNBOOK:
            runbook = store.upsert(
                NodeKind.RUNBOOK, step.target.value.lower(), step.at, label=step.target.value
            )
            store.link(EdgeKind.CITES, node, runbook, step.at)
        if step.action is Action.MITIGATED:
            fix = store.upsert(
                NodeKind.FIX,
                f"{record.key}:fix:{i + 1}",
                step.at,
                label=step.text[:512],
                service=step.service,
                attrs={"text": step.text, "target": step.target.to_dict() if step.target else None},
            )
            store.link(EdgeKind.RESOLVED_BY, incident, fix, step.at)
        if step.action is Action.RULED_OUT and step.service:
            store.link(
                EdgeKind.RULED_OUT, incident, service_node(step.service), step.at, attrs={"by": step.who}
            )

    if record.root_cause:
        rc = record.root_cause
        root = store.upsert(
            NodeKind.ROOT_CAUSE,
            f"{record.key}:root",
            at,
            label=f"{rc.kind} on {rc.service}",
            service=rc.service,
            attrs=rc.to_dict(),
        )
        store.link(EdgeKind.CAUSED_BY, incident, root, at)
        store.link(EdgeKind.ABOUT, root, service_node(rc.service), at)
        store.index(incident, [*features(record.alerts), ("cause_service", rc.service)])
    else:
        store.index(incident, features(record.alerts))
    return incident


def learn_topology(
    store: GraphStore, edges: Iterable[tuple[str, str]], at: datetime
) -> list[tuple[str, str]]:
    """Declared dependencies (caller, callee) as ``depends_on`` edges valid from ``at``. Returns the
    dependencies that were valid before and are absent now (closed here; see
    :func:`autoheal.graph.validity.topology_changed`)."""
    wanted = {(a, b) for a, b in edges}
    current: dict[tuple[str, str], int] = {}
    for edge in store.edges(kinds=[EdgeKind.DEPENDS_ON]):
        if edge.valid_to is None:
            nodes = store.nodes([edge.src, edge.dst])
            current[(nodes[edge.src].key, nodes[edge.dst].key)] = edge.id
    for caller, callee in sorted(wanted - set(current)):
        a = store.upsert(NodeKind.SERVICE, caller, at, service=caller)
        b = store.upsert(NodeKind.SERVICE, callee, at, service=callee)
        store.link(EdgeKind.DEPENDS_ON, a, b, at)
    removed = sorted(set(current) - wanted)
    for pair in removed:
        store.close_edge(current[pair], at)
    return removed


def learn_owner(store: GraphStore, team: str, service: str, at: datetime) -> None:
    t = store.upsert(NodeKind.TEAM, team, at)
    s = store.upsert(NodeKind.SERVICE, service, at, service=service)
    store.link(EdgeKind.OWNS, t, s, at)
