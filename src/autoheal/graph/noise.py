"""Triage from the graph: an alert whose past occurrences were all closed as noise by people.

An **occurrence** of an alert is a learned incident that holds its fingerprint
(:func:`autoheal.graph.learn.learn_incident`); its outcome is ``noise`` when the person who resolved
it closed it as noise (:func:`autoheal.graph.live.closed_as_noise`), else ``incident``. The rule
(:func:`noise_history`, the number in :mod:`autoheal.graph.model`):

1. no occurrence was an incident — one real incident among them, however old, and the past says
   nothing about noise;
2. the occurrences that count are those opened after the last change of the alert's service (a
   deploy, config or flag change: known to the graph, or to the app's change store) — a change
   resets the count, the new version has earned no trust yet;
3. at least ``NOISE_MIN_OCCURRENCES`` count, and every one was closed as noise by a person.

Then triage has a noise reason naming the past incidents, who closed them and why; triage's own
vetoes (a recent change, a worsening trend, critical and still firing...) still apply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine

from autoheal.clock import utc
from autoheal.domain.alerts import Alert
from autoheal.graph.model import NOISE_MIN_OCCURRENCES, NodeKind
from autoheal.graph.store import GraphStore
from autoheal.store.db import session_factory

OCCURRENCES = 50  # the newest occurrences looked at per lookup
CHANGE_LOOKBACK = timedelta(days=90)  # the change store is asked this far back


@dataclass(frozen=True, slots=True)
class Occurrence:
    incident: str
    title: str
    opened_at: datetime
    outcome: str  # noise | incident
    closed_by: str | None = None
    reason: str = ""

    @property
    def noise(self) -> bool:
        return self.outcome == "noise" and bool(self.closed_by)

    def describe(self) -> str:
        who = f" by {self.closed_by}" if self.closed_by else ""
        why = f': "{self.reason[:80]}"' if self.reason else ""
        return f"{self.incident}{who}{why}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "title": self.title,
            "opened_at": self.opened_at.isoformat(),
            "outcome": self.outcome,
            "closed_by": self.closed_by,
            "reason": self.reason,
        }


@dataclass(slots=True)
class NoiseHistory:
    """The alert's past occurrences and what the rule makes of them."""

    occurrences: list[Occurrence] = field(default_factory=list)  # newest first
    counted: list[Occurrence] = field(default_factory=list)  # opened since the last change
    last_change: datetime | None = None
    noise: bool = False
    reason: str = "no past occurrence in the context graph"

    def to_dict(self) -> dict[str, Any]:
        return {
            "noise": self.noise,
            "reason": self.reason,
            "occurrences": [o.to_dict() for o in self.occurrences],
            "counted": [o.incident for o in self.counted],
            "last_change": self.last_change.isoformat() if self.last_change else None,
        }


def _occurrences(store: GraphStore, fingerprints: Sequence[str], at: datetime) -> list[Occurrence]:
    known = store.indexed("fingerprint", fingerprints)  # most of a storm group's never were
    shared = store.matching([("fingerprint", fp) for fp in fingerprints if fp in known], limit=OCCURRENCES)
    out = []
    for node in store.nodes(shared).values():
        if node.kind is not NodeKind.INCIDENT:
            continue
        opened = node.attrs.get("opened_at")
        resolved = node.attrs.get("resolved_at")
        if not opened or (resolved and datetime.fromisoformat(str(resolved)) > at):
            continue  # not closed yet at ``at``: not a past occurrence
        out.append(
            Occurrence(
                incident=node.key,
                title=node.label,
                opened_at=datetime.fromisoformat(str(opened)),
                outcome=str(node.attrs.get("outcome") or "incident"),
                closed_by=node.attrs.get("closed_by"),
                reason=str(node.attrs.get("closed_reason") or ""),
            )
        )
    return sorted(out, key=lambda o: o.opened_at, reverse=True)


def _graph_change(store: GraphStore, service: str, at: datetime) -> datetime | None:
    times = []
    for node in store.about(service, [NodeKind.CHANGE]):
        when = node.attrs.get("at")
        moment = datetime.fromisoformat(str(when)) if when else node.valid_from
        if moment <= at:
            times.append(moment)
    return max(times, default=None)


def noise_history(
    store: GraphStore,
    fingerprints: Sequence[str],
    service: str | None,
    at: datetime,
    *,
    last_change: datetime | None = None,
) -> NoiseHistory:
    """The rule of the module for an alert group's ``fingerprints`` on ``service`` at ``at``.
    ``last_change``: the latest change of the service another source knows of."""
    occurrences = _occurrences(store, fingerprints, at)
    if not occurrences:
        return NoiseHistory()
    changed = [t for t in (last_change, _graph_change(store, service, at) if service else None) if t]
    change = max(changed, default=None)
    counted = [o for o in occurrences if change is None or o.opened_at > change]
    history = NoiseHistory(occurrences, counted, change)
    incidents = [o for o in occurrences if not o.noise]
    n = len(occurrences)
    if incidents:
        history.reason = (
            f"{len(incidents)} of its {n} past occurrence(s) not closed as noise by a person "
            f"({', '.join(o.incident for o in incidents[:3])})"
        )
        return history
    where = f" on {service}" if service else ""
    if change is not None and len(counted) < n:
        history.reason = (
            f"a change{where} at {change.isoformat()} reset its history: {len(counted)} of its {n} "
            "closures as noise since"
        )
    else:
        history.reason = f"closed as noise {len(counted)} time(s)"
    if len(counted) < NOISE_MIN_OCCURRENCES:
        history.reason += f", fewer than {NOISE_MIN_OCCURRENCES}"
        return history
    named = "; ".join(o.describe() for o in counted[:5])
    more = f" and {len(counted) - 5} more" if len(counted) > 5 else ""
    since = f" since the change{where} at {change.isoformat()}" if change else ""
    history.noise = True
    history.reason = (
        f"its last {len(counted)} occurrences{since} were all closed as noise by people "
        f"({named}{more}), none was an incident"
    )
    return history


class ChangeSource(Protocol):
    def changes(self, *, start: datetime, end: datetime, service: str | None = None) -> list[Any]: ...


def noise_lookup(
    engine: Engine, changes: ChangeSource | None = None
) -> Callable[[Sequence[Alert], datetime], NoiseHistory]:
    """Triage's hook: the noise history of an alert group's alerts at ``now``, read from the graph
    in ``engine`` (its own session each call), with the last change from ``changes`` too."""
    sessions = session_factory(engine)

    def lookup(alerts: Sequence[Alert], now: datetime) -> NoiseHistory:
        service = next((a.service for a in alerts if a.service), None)
        last = None
        if changes is not None and service:
            found = changes.changes(start=now - CHANGE_LOOKBACK, end=now, service=service)
            last = max((utc(c.at) for c in found if c.service == service), default=None)
        with sessions() as session:
            return noise_history(
                GraphStore(session), [a.fingerprint for a in alerts], service, now, last_change=last
            )

    return lookup
