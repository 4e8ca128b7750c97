"""Validity: production context decays, by a documented rule (docs/graph.md "Validity").

* :func:`change_happened` — a deploy, config change or flag change of a service at ``at``: every
  root cause and hypothesis about that service learned before ``at`` and still valid has its weight
  multiplied by ``CHANGE_DECAY``, except causes that are themselves changes (``CHANGE_CAUSES``: a
  bad deploy is a lesson about how the service's releases fail, which a later release does not
  make stale). Each lowered fact gets an ``invalidated_by`` edge to the change saying so.
* :func:`topology_changed` — a dependency (caller, callee) removed at ``at``: root causes on the
  callee of incidents whose symptoms were on the caller are closed (``valid_to = at``, weight 0),
  with an ``invalidated_by`` edge to a topology-change node; facts about a caller that gained a
  dependency are lowered by ``CHANGE_DECAY`` as for a deploy.

Applying the same change twice changes nothing (the edge records that it was applied).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from autoheal.graph.model import CHANGE_CAUSES, CHANGE_DECAY, EdgeKind, NodeKind
from autoheal.graph.store import GraphStore, Node

FACTS = (NodeKind.ROOT_CAUSE, NodeKind.HYPOTHESIS)


def _kind_of(fact: Node) -> str:
    return str(fact.attrs.get("kind") or "")


def _already(store: GraphStore, fact: int, change: int) -> bool:
    return bool(store.edges(src=fact, dst=change, kinds=[EdgeKind.INVALIDATED_BY]))


def change_happened(
    store: GraphStore,
    service: str,
    at: datetime,
    *,
    change_id: str,
    kind: str = "deploy",
    summary: str = "",
    version: str | None = None,
) -> list[Node]:
    """Record the change and lower what it made stale; returns the facts it lowered."""
    change = store.upsert(
        NodeKind.CHANGE,
        change_id,
        at,
        label=f"{kind} {version or ''} on {service}".replace("  ", " "),
        service=service,
        attrs={"kind": kind, "summary": summary, "version": version, "at": at.isoformat()},
    )
    service_node = store.upsert(NodeKind.SERVICE, service, at, service=service)
    store.link(EdgeKind.ABOUT, change, service_node, at)
    lowered: list[Node] = []
    for fact in store.about(service, FACTS):
        if fact.valid_from >= at or not fact.valid_at(at) or _kind_of(fact) in CHANGE_CAUSES:
            continue
        if _already(store, fact.id, change):
            continue
        weight = round(fact.weight * CHANGE_DECAY, 6)
        store.set_weight(fact.id, weight)
        store.link(
            EdgeKind.INVALIDATED_BY,
            fact.id,
            change,
            at,
            attrs={"rule": "change_decay", "factor": CHANGE_DECAY, "weight_after": weight},
        )
        lowered.append(fact)
    return lowered


def topology_changed(
    store: GraphStore,
    removed: Iterable[tuple[str, str]],
    added: Iterable[tuple[str, str]],
    at: datetime,
) -> list[Node]:
    """Close the facts that lay on a removed dependency, lower those about re-wired callers."""
    touched: list[Node] = []
    for caller, callee in removed:
        change = store.upsert(
            NodeKind.CHANGE,
            f"topology:{caller}->{callee}:removed:{at.isoformat()}",
            at,
            label=f"{caller} no longer depends on {callee}",
            service=caller,
            attrs={"kind": "topology", "removed": [caller, callee], "at": at.isoformat()},
        )
        for fact in store.about(callee, [NodeKind.ROOT_CAUSE]):
            if not fact.valid_at(at) or fact.valid_from >= at:
                continue
            incidents = [e.src for e in store.edges(dst=fact.id, kinds=[EdgeKind.CAUSED_BY])]
            seen_on = {s for node in store.nodes(incidents).values() for s in node.attrs.get("services", [])}
            if caller not in seen_on:
                continue
            store.set_weight(fact.id, 0.0, valid_to=at)
            store.link(EdgeKind.INVALIDATED_BY, fact.id, change, at, attrs={"rule": "dependency_removed"})
            touched.append(fact)
    for caller, callee in added:
        touched += change_happened(
            store,
            caller,
            at,
            change_id=f"topology:{caller}->{callee}:added:{at.isoformat()}",
            kind="topology",
        )
    return touched


def invalidations(store: GraphStore, fact: int) -> list[dict[str, object]]:
    """Why a fact's weight is what it is: each change that lowered or closed it."""
    return invalidations_of(store, [fact])[fact]


def invalidations_of(store: GraphStore, facts: Sequence[int]) -> dict[int, list[dict[str, object]]]:
    """:func:`invalidations` of several facts in one statement."""
    return {
        fact: [{"change": c.key, "what": c.label, "at": c.attrs.get("at"), **attrs} for attrs, c in pairs]
        for fact, pairs in store.outgoing(facts, EdgeKind.INVALIDATED_BY).items()
    }
