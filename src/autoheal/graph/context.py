"""What the graph knows about one service, for people and agents (the console's graph page, the
MCP tool ``graph_service``): the services it depends on and those depending on it, the past
incidents on it or caused by it with what was learned (root cause, validity weight, check order,
what was ruled out), and the changes that lowered or closed that knowledge and why.

Read-only, over :class:`~autoheal.graph.store.GraphStore`; the weights and the ``use`` of each
lesson (anchor / hypothesis / invalidated) follow the rule in :mod:`autoheal.graph.model`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from autoheal.errors import NotFoundError
from autoheal.graph.model import ANCHOR_MIN_WEIGHT, OFFER_MIN_WEIGHT, EdgeKind, NodeKind
from autoheal.graph.retrieval import Prior, similar, similar_to
from autoheal.graph.store import GraphStore, Node
from autoheal.graph.validity import invalidations

MAX_INCIDENTS = 20


def use_of(weight: float, closed: bool) -> str:
    """How an investigation may use a lesson of this weight (docs/graph.md "Validity")."""
    if closed or weight < OFFER_MIN_WEIGHT:
        return "invalidated"
    return "anchor" if weight >= ANCHOR_MIN_WEIGHT else "hypothesis"


def _services(store: GraphStore, node: Node, outgoing: bool) -> list[dict[str, Any]]:
    edges = (
        store.edges(src=node.id, kinds=[EdgeKind.DEPENDS_ON])
        if outgoing
        else store.edges(dst=node.id, kinds=[EdgeKind.DEPENDS_ON])
    )
    others = store.nodes(e.dst if outgoing else e.src for e in edges)
    out = []
    for e in edges:
        other = others.get(e.dst if outgoing else e.src)
        if other is not None:
            out.append(
                {
                    "service": other.key,
                    "since": e.valid_from.isoformat(),
                    "removed_at": e.valid_to.isoformat() if e.valid_to else None,
                }
            )
    return sorted(out, key=lambda s: (s["removed_at"] is not None, s["service"]))


def service_context(store: GraphStore, service: str) -> dict[str, Any]:
    """Everything the picture and the agents need about ``service``; NotFoundError when the graph
    has never heard of it."""
    node = store.find(NodeKind.SERVICE, service)
    if node is None:
        known = graph_services(store)[:30]
        raise NotFoundError(
            f"no service {service!r} in the context graph"
            + (f"; known: {', '.join(known)}" if known else " (`autoheal graph stats` shows what it holds)")
        )
    # incidents on the service (their first symptom) and incidents whose root cause is about it
    roots = store.about(service, [NodeKind.ROOT_CAUSE])
    caused = (
        {e.src for e in store.edges(dst=[r.id for r in roots], kinds=[EdgeKind.CAUSED_BY])}
        if roots
        else set()
    )
    incident_ids = {n.id for n in store.about(service, [NodeKind.INCIDENT])} | caused
    incidents = sorted(
        store.nodes(incident_ids).values(),
        key=lambda n: str(n.attrs.get("resolved_at") or ""),
        reverse=True,
    )[:MAX_INCIDENTS]
    root_of = (
        {e.src: e.dst for e in store.edges(src=[i.id for i in incidents], kinds=[EdgeKind.CAUSED_BY])}
        if incidents
        else {}
    )
    root_nodes = store.nodes(root_of.values())
    stale = _lowered(store, [i.id for i in incidents], root_of)
    learned = []
    for inc in incidents:
        root = root_nodes.get(root_of.get(inc.id, -1))
        closed = root is not None and root.valid_to is not None
        learned.append(
            {
                "incident": inc.key,
                "title": inc.label,
                "opened_at": inc.attrs.get("opened_at"),
                "resolved_at": inc.attrs.get("resolved_at"),
                "services": list(inc.attrs.get("services", [])),
                "root_cause": dict(root.attrs) if root is not None else None,
                "root_cause_label": root.label if root is not None else None,
                "weight": round(root.weight, 4) if root is not None else 0.0,
                "use": use_of(root.weight, closed) if root is not None else "invalidated",
                "check_order": list(inc.attrs.get("check_order", [])),
                "ruled_out": list(inc.attrs.get("ruled_out", [])),
                "invalidated_by": invalidations(store, root.id) if root is not None else [],
                "lowered": stale.get(inc.id, []),
            }
        )
    changes = []
    for change in store.about(service, [NodeKind.CHANGE]):
        lowered = store.edges(dst=change.id, kinds=[EdgeKind.INVALIDATED_BY])
        facts = store.nodes(e.src for e in lowered)
        changes.append(
            {
                "change": change.key,
                "what": change.label,
                "kind": change.attrs.get("kind"),
                "at": change.attrs.get("at") or change.valid_from.isoformat(),
                "summary": change.attrs.get("summary") or "",
                "lowered": [
                    {
                        "fact": facts[e.src].label,
                        "kind": facts[e.src].kind.value,
                        "rule": (e.attrs or {}).get("rule"),
                        "weight_after": (e.attrs or {}).get("weight_after"),
                    }
                    for e in lowered
                    if e.src in facts
                ],
            }
        )
    changes.sort(key=lambda c: str(c["at"]))
    return {
        "service": service,
        "depends_on": _services(store, node, outgoing=True),
        "depended_on_by": _services(store, node, outgoing=False),
        "incidents": learned,
        "changes": changes,
    }


def _lowered(
    store: GraphStore, incidents: list[int], root_of: dict[int, int]
) -> dict[int, list[dict[str, Any]]]:
    """Per incident, each of its facts (root cause, hypotheses) a change lowered or closed."""
    if not incidents:
        return {}
    owner = {e.src: e.dst for e in store.edges(dst=incidents, kinds=[EdgeKind.PART_OF])}
    owner.update({root: inc for inc, root in root_of.items()})
    edges = store.edges(src=list(owner), kinds=[EdgeKind.INVALIDATED_BY]) if owner else []
    nodes = store.nodes([e.src for e in edges] + [e.dst for e in edges])
    out: dict[int, list[dict[str, Any]]] = {}
    for e in edges:
        fact, change = nodes.get(e.src), nodes.get(e.dst)
        if fact is None or change is None:
            continue
        out.setdefault(owner[e.src], []).append(
            {
                "fact": fact.label,
                "kind": fact.kind.value,
                "change": change.key,
                "what": change.label,
                "at": change.attrs.get("at"),
                **(e.attrs or {}),
            }
        )
    return out


def graph_services(store: GraphStore) -> list[str]:
    """Every service the graph holds, by name."""
    from sqlalchemy import select

    from autoheal.graph.store import GraphNodeRow

    rows = store.session.scalars(
        select(GraphNodeRow.key).where(GraphNodeRow.kind == NodeKind.SERVICE.value).order_by(GraphNodeRow.key)
    )
    return list(rows)


def similar_for(store: GraphStore, ident: str, *, at: datetime, limit: int = 5) -> list[Prior]:
    """Past incidents most similar to ``ident``: an incident key in the graph (its own features
    and text, itself excluded), else an alert (id, ``group:ID``, fingerprint or group key) read
    from the alerts tables (``autoheal graph similar``, the MCP tool ``graph_similar``)."""
    from autoheal.reasoning.subjects import load_subject

    incident = store.find(NodeKind.INCIDENT, ident)
    if incident is not None:
        return similar_to(
            store,
            store.features_of(incident.id),
            str(incident.attrs.get("text", "")),
            at=at,
            limit=limit,
            exclude=[incident.key],
        )
    try:
        _, alerts = load_subject(store.session, ident)
    except NotFoundError as exc:
        raise NotFoundError(f"{exc.message}; nor is {ident!r} an incident in the graph") from exc
    return similar(store, alerts, at=at, limit=limit)
