"""The graph as the investigation's memory: recall priors for new alerts, learn resolved incidents,
record changes. One object over a migrated database (the app's), a session per call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from autoheal.clock import Clock
from autoheal.domain.alerts import Alert
from autoheal.graph.learn import IncidentRecord, learn_incident, learn_topology
from autoheal.graph.retrieval import Prior, similar
from autoheal.graph.store import GraphStore, Node
from autoheal.graph.validity import change_happened, topology_changed
from autoheal.store.db import session_factory

log = logging.getLogger(__name__)


class Memory:
    def __init__(self, engine: Engine) -> None:
        self._sessions = session_factory(engine)

    def recall(self, alerts: Sequence[Alert], at: datetime, *, limit: int = 3) -> list[Prior]:
        with self._sessions() as session:
            return similar(GraphStore(session), alerts, at=at, limit=limit)

    def learn(self, record: IncidentRecord) -> int:
        with self._sessions.begin() as session:
            return learn_incident(GraphStore(session), record)

    def change(
        self,
        service: str,
        at: datetime,
        *,
        change_id: str,
        kind: str = "deploy",
        summary: str = "",
        version: str | None = None,
    ) -> list[Node]:
        with self._sessions.begin() as session:
            return change_happened(
                GraphStore(session),
                service,
                at,
                change_id=change_id,
                kind=kind,
                summary=summary,
                version=version,
            )

    def topology(self, edges: Iterable[tuple[str, str]], at: datetime) -> list[Node]:
        """Declare the current dependencies; what a removal or addition made stale is lowered."""
        wanted = list(edges)
        with self._sessions.begin() as session:
            store = GraphStore(session)
            before = _dependencies(store)
            removed = learn_topology(store, wanted, at)
            added = [e for e in wanted if e not in before] if before else []
            return topology_changed(store, removed, added, at)


def _dependencies(store: GraphStore) -> set[tuple[str, str]]:
    from autoheal.graph.model import EdgeKind

    edges = [e for e in store.edges(kinds=[EdgeKind.DEPENDS_ON]) if e.valid_to is None]
    nodes = store.nodes([e.src for e in edges] + [e.dst for e in edges])
    return {(nodes[e.src].key, nodes[e.dst].key) for e in edges}


def recaller(
    engine: Engine,
    clock: Clock,
    *,
    before: Callable[[Sequence[Alert], datetime], None] | None = None,
) -> Callable[[Sequence[Alert]], list[dict[str, Any]]]:
    """The pipeline's hook: the priors for a group's alerts, as the investigation takes them.
    ``before(alerts, now)`` runs first (the app records the alerts' services' changes there,
    :func:`autoheal.graph.live.change_feed`); if it fails, the recall goes on without it."""
    memory = Memory(engine)

    def recall(alerts: Sequence[Alert]) -> list[dict[str, Any]]:
        now = clock.now()
        if before is not None:
            try:
                before(alerts, now)
            except Exception:
                log.exception("recording changes into the context graph failed; recalling without them")
        return [p.to_dict() for p in memory.recall(alerts, now)]

    return recall
