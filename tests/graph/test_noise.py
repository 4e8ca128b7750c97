"""Triage from the graph: an alert whose past occurrences were all closed as noise by people is
noise with that reason; one incident among them, fewer than the minimum, or a change since, and
it is not (autoheal.graph.noise, autoheal.reasoning.triage.graph)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from autoheal.clock import ManualClock
from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus
from autoheal.domain.tools import ToolResult
from autoheal.graph.learn import IncidentRecord, RootCause
from autoheal.graph.memory import Memory
from autoheal.graph.model import NOISE_MIN_OCCURRENCES
from autoheal.graph.noise import noise_lookup
from autoheal.reasoning.triage import InMemoryAlertHistory, Lean, Triage, TriageKind
from autoheal.store.db import create_db_engine, migrate
from tests.reasoning.fakes import CannedTools

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
FP = "fp-disk-probe"


def _alert(at: datetime, fp: str = FP, service: str = "shipping") -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=fp,
        status=AlertStatus.FIRING,
        name="DiskProbeSlow",
        starts_at=at,
        labels={"alertname": "DiskProbeSlow", "service": service},
        service=service,
    )


@pytest.fixture
def engine() -> Iterator[Engine]:
    e = create_db_engine("sqlite://")
    migrate(e)
    yield e
    e.dispose()


def _closed(memory: Memory, n: int, at: datetime, *, noise: bool = True, by: str | None = "alice") -> None:
    memory.learn(
        IncidentRecord(
            key=f"INC-{n}",
            title="DiskProbeSlow on shipping",
            opened_at=at,
            resolved_at=at + timedelta(minutes=20),
            alerts=[_alert(at)],
            root_cause=None if noise else RootCause("shipping", "resource_saturation", "disk_usage_ratio"),
            outcome="noise" if noise else "incident",
            closed_by=by,
            closed_reason="the probe host is slow, not shipping" if noise else "disk full",
        )
    )


def _three_noise(memory: Memory, start: datetime = T0) -> None:
    for i in range(NOISE_MIN_OCCURRENCES):
        _closed(memory, i + 1, start + timedelta(days=i))


def _history(engine: Engine, at: datetime, changes: object = None):  # type: ignore[no-untyped-def]
    return noise_lookup(engine, changes)([_alert(at)], at)  # type: ignore[arg-type]


def test_three_closures_as_noise_by_people_make_it_noise_naming_them(engine: Engine) -> None:
    _three_noise(Memory(engine))
    found = _history(engine, T0 + timedelta(days=5))
    assert found.noise
    assert "INC-1 by alice" in found.reason and "INC-3 by alice" in found.reason
    assert "the probe host is slow" in found.reason and "none was an incident" in found.reason


def test_fewer_than_the_minimum_is_not_noise(engine: Engine) -> None:
    memory = Memory(engine)
    for i in range(NOISE_MIN_OCCURRENCES - 1):
        _closed(memory, i + 1, T0 + timedelta(days=i))
    found = _history(engine, T0 + timedelta(days=5))
    assert not found.noise and f"fewer than {NOISE_MIN_OCCURRENCES}" in found.reason


def test_one_incident_among_the_occurrences_means_no_noise(engine: Engine) -> None:
    memory = Memory(engine)
    _closed(memory, 0, T0 - timedelta(days=10), noise=False)  # long ago, a real incident
    _three_noise(memory)
    found = _history(engine, T0 + timedelta(days=5))
    assert not found.noise and "(INC-0)" in found.reason and "not closed as noise" in found.reason


def test_a_closure_nobody_is_named_for_is_not_a_person_saying_noise(engine: Engine) -> None:
    memory = Memory(engine)
    _three_noise(memory)
    _closed(memory, 9, T0 + timedelta(days=4), by=None)
    assert not _history(engine, T0 + timedelta(days=5)).noise


def test_a_deploy_since_resets_the_count_and_it_builds_up_again(engine: Engine) -> None:
    memory = Memory(engine)
    _three_noise(memory)
    memory.change("shipping", T0 + timedelta(days=4), change_id="v7", kind="deploy", version="v7")
    found = _history(engine, T0 + timedelta(days=5))
    assert not found.noise and "reset its history: 0 of its 3" in found.reason
    for i in range(NOISE_MIN_OCCURRENCES):
        _closed(memory, 10 + i, T0 + timedelta(days=6 + i))
    again = _history(engine, T0 + timedelta(days=12))
    assert again.noise and "since the change on shipping" in again.reason
    assert "INC-1 " not in again.reason and "INC-12 by alice" in again.reason


def test_a_change_only_the_change_store_knows_resets_too(engine: Engine) -> None:
    _three_noise(Memory(engine))

    class Change:
        service, at = "shipping", T0 + timedelta(days=4)

    class Changes:
        def changes(self, *, start: datetime, end: datetime, service: str | None = None) -> list[Change]:
            return [Change()]

    assert not _history(engine, T0 + timedelta(days=5), Changes()).noise


def test_an_occurrence_not_closed_yet_or_of_another_alert_does_not_count(engine: Engine) -> None:
    memory = Memory(engine)
    _three_noise(memory)
    assert not _history(engine, T0 + timedelta(days=2)).noise  # the third closes later
    assert noise_lookup(engine)([_alert(T0, fp="other")], T0 + timedelta(days=5)).reason.startswith("no past")


def _quiet() -> CannedTools:
    return (
        CannedTools()
        .on("alertmanager.silences", ToolResult.success([]))
        .on("changes.list", ToolResult.success([]))
        .on("prometheus.query_range", ToolResult.empty())
    )


def _triage(engine: Engine, at: datetime):  # type: ignore[no-untyped-def]
    a = _alert(at - timedelta(minutes=3))
    group = AlertGroup(key="{}:{alertname=DiskProbeSlow}", labels={}, fingerprints=(FP,), service="shipping")
    triage = Triage(_quiet(), ManualClock(at), graph=noise_lookup(engine))
    return triage.assess(group, [a], InMemoryAlertHistory())


def test_triage_calls_it_noise_with_the_graphs_reason(engine: Engine) -> None:
    _three_noise(Memory(engine))
    verdict = _triage(engine, T0 + timedelta(days=5))
    assert verdict.kind is TriageKind.NOISE
    assert "closed as noise by people (INC-3 by alice" in verdict.explanation  # newest first
    assert "INC-2 by alice" in verdict.explanation and "INC-1 by alice" in verdict.explanation
    graph = next(s for s in verdict.signals if s.name == "graph")
    assert graph.lean is Lean.NOISE and graph.evidence[0].tool == "autoheal.context_graph"


def test_triage_with_an_incident_among_the_occurrences_is_signal(engine: Engine) -> None:
    memory = Memory(engine)
    _three_noise(memory)
    _closed(memory, 4, T0 + timedelta(days=3, hours=1), noise=False)
    verdict = _triage(engine, T0 + timedelta(days=5))
    assert verdict.kind is TriageKind.SIGNAL
    assert next(s for s in verdict.signals if s.name == "graph").lean is Lean.NEUTRAL


def test_a_failing_graph_leaves_triage_neutral() -> None:
    def broken(alerts: object, now: datetime) -> None:
        raise RuntimeError("graph down")

    a = _alert(T0)
    group = AlertGroup(key="g", labels={}, fingerprints=(FP,), service="shipping")
    verdict = Triage(_quiet(), ManualClock(T0 + timedelta(minutes=3)), graph=broken).assess(  # type: ignore[arg-type]
        group, [a], InMemoryAlertHistory()
    )
    assert verdict.kind is TriageKind.SIGNAL
    assert "unavailable" in next(s for s in verdict.signals if s.name == "graph").detail
