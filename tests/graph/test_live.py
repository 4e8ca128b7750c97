"""The running app learns into the graph by itself: a resolved incident anchors the next alert on
its service inside the same app, with no offline step (autoheal.graph.live)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.graph.live import confirmed_cause
from autoheal.graph.memory import Memory
from autoheal.graph.model import NodeKind
from autoheal.graph.store import GraphStore
from autoheal.jobs import InlineQueue
from autoheal.reasoning import store as rstore
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import ChangeEvent, ChangeKind
from tests.pipeline.conftest import am_payload

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)


def _episode(telemetry: EmbeddedTelemetry, at: datetime, change: str) -> None:
    """Two hours of checkout and cart error ratios; checkout's jumps after a deploy 5 min before ``at``."""
    start = (at - timedelta(hours=2)).timestamp()
    onset = (at - timedelta(minutes=5)).timestamp()
    samples = [(start + 15 * i, 0.01 if start + 15 * i < onset else 0.4) for i in range(480)]
    telemetry.metrics.write_samples("error_ratio", {"service": "checkout"}, samples)
    telemetry.metrics.write_samples("error_ratio", {"service": "cart"}, [(t, 0.01) for t, _ in samples])
    telemetry.changes.record_change(
        ChangeEvent(
            change,
            at - timedelta(minutes=5),
            "checkout",
            ChangeKind.DEPLOY,
            f"deploy {change}",
            version=change,
        )
    )


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Autoheal]:
    telemetry = EmbeddedTelemetry(":memory:")
    _episode(telemetry, T0, "v2")
    _episode(telemetry, T1, "v3")
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'live.db'}"},
            "sources": {"alertmanager": {"auth": {"type": "bearer", "token": "t"}}},
        }
    )
    autoheal = Autoheal.create(settings, clock=ManualClock(T0), jobs=InlineQueue(), telemetry=telemetry)
    yield autoheal
    autoheal.close()


def _fire(
    app: Autoheal,
    fp: str,
    at: datetime,
    status: str = "firing",
    service: str = "checkout",
    severity: str = "critical",
) -> None:
    app.clock.set(at)  # type: ignore[attr-defined]
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": fp,
                "status": status,
                "labels": {"service": service, "severity": severity},
                "annotations": {"summary": "checkout errors"},
                "startsAt": (at - timedelta(minutes=4)).isoformat().replace("+00:00", "Z"),
                "endsAt": at.isoformat().replace("+00:00", "Z"),
            }
        ),
    )


def _report(app: Autoheal, investigation_id: str | None) -> dict:
    with app.sessions() as s:
        row = s.get(rstore.InvestigationRow, investigation_id)
        assert row is not None and row.report
        return dict(row.report)


def _confirm_and_resolve(app: Autoheal, ref: str) -> None:
    service = app.incidents.service
    finding = next(e for e in reversed(service.timeline(ref)) if e.kind == "investigation_finding")
    top = finding.data["causes"][0]
    assert (top["service"], top["kind"]) == ("checkout", "bad_deploy")
    service.add_note(ref, "not cart, its error rate looks fine", actor="alice", source="cli")
    service.decide_hypothesis(ref, top["hypothesis_id"], confirm=True, actor="alice", source="console")
    service.add_note(ref, "rolled back checkout to v1", actor="alice", source="slack")
    service.resolve(ref, actor="alice", source="cli", summary="bad checkout release rolled back")


def test_a_resolved_incident_anchors_the_next_alert_in_the_same_app(app: Autoheal) -> None:
    _fire(app, "c1", T0 - timedelta(minutes=1), service="cart", severity="info")  # cart is known
    _fire(app, "a1", T0)
    first = app.incidents.service.list()[0]
    assert first.ref == "INC-1" and first.service == "checkout" and first.investigation_id
    memory = Memory(app.engine)
    probe = Alert(
        source="alertmanager",
        fingerprint="probe",
        status=AlertStatus.FIRING,
        name="HighErrorRate",
        starts_at=T1,
        labels={"alertname": "HighErrorRate", "service": "checkout"},
        service="checkout",
    )
    assert memory.recall([probe], T0 + timedelta(minutes=30)) == []  # nothing learned while open

    _confirm_and_resolve(app, first.ref)
    with app.sessions() as s:  # learned at once, by the app's own listener
        store = GraphStore(s)
        node = store.find(NodeKind.INCIDENT, "INC-1")
        assert node is not None
        assert node.attrs["root_cause"]["service"] == "checkout"
        assert node.attrs["root_cause"]["kind"] == "bad_deploy"
        assert node.attrs["root_cause"]["confirmed_by"] == "alice"
        assert node.attrs["check_order"][0] == "bad_deploy on checkout (v2)"
        assert any(r.get("service") == "cart" for r in node.attrs["ruled_out"])  # "not cart"
        steps = [store.find(NodeKind.DECISION_STEP, f"INC-1:step:{i}") for i in range(1, 5)]
        assert [n.attrs["action"] for n in steps if n] == ["ruled_out", "checked", "mitigated", "resolved"]
        assert store.find(NodeKind.FIX, "INC-1:fix:3") is not None  # "rolled back checkout to v1"

    _fire(app, "a1", T0 + timedelta(minutes=30), status="resolved")
    _fire(app, "a2", T1)  # the same alert rule on checkout a day later, after another release
    second = app.incidents.service.list()[0]
    assert second.ref == "INC-2" and second.investigation_id != first.investigation_id
    report = _report(app, second.investigation_id)
    memory_section = report["memory"]
    prior = next(p for p in memory_section["priors"] if p["incident"] == "INC-1")
    assert prior["anchor"] is True and prior["root_cause"]["kind"] == "bad_deploy"
    assert "the same alert rule on the same service" in prior["reasons"]
    assert memory_section["checked_first"] is True
    # the verifier keeps the last word: this thin telemetry (no topology, logs or traces) cannot
    # support the remembered cause, so nothing is cut short and the investigation runs in full
    assert memory_section["anchored"] is False
    assert memory_section["reason"].startswith("checked first, not confirmed")
    assert report["causes"][0]["hypothesis"]["service"] == "checkout"
    assert report["usage"]["tool_calls"] >= _report(app, first.investigation_id)["usage"]["tool_calls"]
    with app.sessions() as s:  # the second release was recorded in the graph before the recall
        assert GraphStore(s).find(NodeKind.CHANGE, "v3") is not None


def test_an_incident_resolved_without_a_confirmed_cause_is_never_offered(app: Autoheal) -> None:
    _fire(app, "a1", T0)
    ref = app.incidents.service.list()[0].ref
    app.incidents.service.resolve(ref, actor="bob", source="cli", summary="went away")
    memory = Memory(app.engine)
    with app.sessions() as s:
        node = GraphStore(s).find(NodeKind.INCIDENT, ref)
        assert node is not None and node.attrs["root_cause"] is None
    _fire(app, "a1", T0 + timedelta(minutes=30), status="resolved")
    _fire(app, "a2", T1)
    report = _report(app, app.incidents.service.list()[0].investigation_id)
    assert not (report.get("memory") or {}).get("anchored")
    priors = memory.recall([], T1)
    assert priors == []


class _Event:
    def __init__(self, kind: str, data: dict[str, str]) -> None:
        self.kind, self.data = kind, data


def test_the_last_confirmation_not_rejected_afterwards_is_the_cause() -> None:
    a = {"hypothesis_id": "h1", "service": "checkout", "kind": "bad_deploy"}
    b = {"hypothesis_id": "h2", "service": "postgres", "kind": "resource_saturation"}
    assert confirmed_cause([_Event("hypothesis_confirmed", a)]) == a
    assert confirmed_cause([_Event("hypothesis_confirmed", a), _Event("hypothesis_rejected", a)]) is None
    events = [_Event("hypothesis_confirmed", a), _Event("hypothesis_confirmed", b)]
    assert confirmed_cause(events) == b
    assert confirmed_cause([*events, _Event("hypothesis_rejected", b)]) == a


def test_a_failing_change_feed_does_not_stop_the_recall(tmp_path: Path) -> None:
    from autoheal.graph.memory import recaller
    from autoheal.store.db import create_db_engine, migrate

    engine = create_db_engine(f"sqlite:///{tmp_path / 'g.db'}")
    migrate(engine)
    calls: list[int] = []

    def broken(alerts: object, now: datetime) -> None:
        calls.append(1)
        raise RuntimeError("change store unreachable")

    recall = recaller(engine, ManualClock(T0), before=broken)
    assert recall([]) == [] and calls == [1]
    engine.dispose()


def test_an_incident_a_person_closes_as_noise_is_learned_as_noise_without_a_cause(app: Autoheal) -> None:
    _fire(app, "a1", T0)
    ref = app.incidents.service.list()[0].ref
    service = app.incidents.service
    finding = next(e for e in reversed(service.timeline(ref)) if e.kind == "investigation_finding")
    top = finding.data["causes"][0]
    service.decide_hypothesis(ref, top["hypothesis_id"], confirm=True, actor="alice", source="console")
    service.resolve(ref, actor="bob", source="cli", summary="synthetic probe, not users", noise=True)
    resolved = next(e for e in reversed(service.timeline(ref)) if e.kind == "resolved")
    assert resolved.data["outcome"] == "noise"
    with app.sessions() as s:
        node = GraphStore(s).find(NodeKind.INCIDENT, ref)
        assert node is not None
        assert node.attrs["outcome"] == "noise" and node.attrs["closed_by"] == "bob"
        assert node.attrs["closed_reason"] == "synthetic probe, not users"
        assert node.attrs["root_cause"] is None  # closing as noise overrides the confirmation
    other = app.incidents.service
    _fire(app, "a1", T0 + timedelta(minutes=30), status="resolved")
    _fire(app, "a2", T1)
    second = other.list()[0]
    other.resolve(second.ref, actor="bob", source="cli", summary="fixed")
    with app.sessions() as s:
        node = GraphStore(s).find(NodeKind.INCIDENT, second.ref)
        assert node is not None and node.attrs["outcome"] == "incident"
