"""What triage needs to know about the past, as a small protocol, and an in-memory implementation.

``SqlAlertHistory`` (``autoheal.reasoning.triage.sql_history``) implements it on the alert and
triage tables; :class:`InMemoryAlertHistory` is a real implementation for the simulator, the
triage benchmark and tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from autoheal.reasoning.triage.model import PastVerdict, RecentSignal, Transition


def distinct_verdicts(verdicts: Iterable[PastVerdict]) -> list[PastVerdict]:
    """Each stored verdict once, in the given order: a verdict on a group is read back for every
    fingerprint it covered. A verdict without an id (added by hand) is its own."""
    seen: set[int] = set()
    out = []
    for v in verdicts:
        if v.verdict_id is not None:
            if v.verdict_id in seen:
                continue
            seen.add(v.verdict_id)
        out.append(v)
    return out


class AlertHistory(Protocol):
    """Each lookup takes all the fingerprints of a group at once (one query, not one per alert)."""

    def transitions(self, fingerprints: Sequence[str], since: datetime) -> list[Transition]:
        """Every firing/resolved change of these fingerprints at or after ``since``, oldest first."""
        ...

    def past_verdicts(
        self, fingerprints: Sequence[str], since: datetime, *, each_once: bool = False
    ) -> list[PastVerdict]:
        """Triage verdicts (and their outcomes when known) of these fingerprints since ``since``,
        oldest first: one per fingerprint a verdict covered, or with ``each_once`` each verdict
        once (carrying the smallest of ``fingerprints`` it covered; a verdict on a storm group
        covers thousands)."""
        ...

    def recent_signals(self, service: str, since: datetime) -> list[RecentSignal]:
        """Signal verdicts on ``service`` since ``since``, and those of its groups still firing
        whenever they were given (open incidents), newest first."""
        ...


class InMemoryAlertHistory:
    def __init__(self) -> None:
        self._transitions: list[Transition] = []
        self._verdicts: list[PastVerdict] = []
        self._signals: list[RecentSignal] = []

    def add_transition(self, transition: Transition) -> None:
        self._transitions.append(transition)

    def add_verdict(self, verdict: PastVerdict) -> None:
        self._verdicts.append(verdict)

    def add_signal(self, signal: RecentSignal) -> None:
        self._signals.append(signal)

    def transitions(self, fingerprints: Sequence[str], since: datetime) -> list[Transition]:
        wanted = set(fingerprints)
        found = [t for t in self._transitions if t.fingerprint in wanted and t.at >= since]
        return sorted(found, key=lambda t: t.at)

    def past_verdicts(
        self, fingerprints: Sequence[str], since: datetime, *, each_once: bool = False
    ) -> list[PastVerdict]:
        wanted = set(fingerprints)
        found = [v for v in self._verdicts if v.fingerprint in wanted and v.at >= since]
        found.sort(key=lambda v: (v.at, v.fingerprint))
        return distinct_verdicts(found) if each_once else found

    def recent_signals(self, service: str, since: datetime) -> list[RecentSignal]:
        found = [s for s in self._signals if s.service == service and (s.at >= since or s.firing)]
        return sorted(found, key=lambda s: s.at, reverse=True)
