"""Where an investigation's governed calls went (the memory benchmark's breakdown)."""

from __future__ import annotations

from datetime import UTC, datetime

from autoheal.domain.investigation import InvestigationEvent
from autoheal.sim.investigate import calls_by_phase

AT = datetime(2026, 1, 5, tzinfo=UTC)


def ev(kind: str, **payload: object) -> InvestigationEvent:
    return InvestigationEvent(kind, AT, dict(payload))


def test_calls_are_counted_in_the_phase_that_made_them() -> None:
    events = [
        ev("started"),
        ev("evidence", evidence={"tool": "topology.graph"}),
        ev("step", step="memory", priors=[]),
        ev("step", step="generate", generator="memory"),
        ev("evidence", evidence={"tool": "changes.list"}),
        ev("evidence", evidence={"tool": "prometheus.query_range"}),
        ev("step", step="generate", generator="logs"),
        ev("evidence", evidence={"tool": "logs.query"}),
        ev("hypothesis", hypothesis={}),
        ev("evidence", evidence={"tool": "prometheus.label_values"}),
        ev("verification", verification={}),
    ]
    assert calls_by_phase(events) == {
        "setup topology.graph": 1,
        "memory changes.list": 1,
        "memory prometheus.query_range": 1,
        "logs logs.query": 1,
        "verify prometheus.label_values": 1,
    }
