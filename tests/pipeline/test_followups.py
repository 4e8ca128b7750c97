"""After commit: triage runs as a job; a signal starts an investigation; the group shows both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.reasoning import store as rstore
from autoheal.store.tokens import Role, create_token
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import ChangeEvent, ChangeKind
from tests.pipeline.conftest import am_payload

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    clock = ManualClock(T0)
    telemetry = EmbeddedTelemetry(":memory:")
    # an hour of healthy checkout metrics, then errors after a deploy at T0 - 5 min
    start = (T0 - timedelta(hours=2)).timestamp()
    samples = [
        (start + 15 * i, 0.01 if start + 15 * i < (T0 - timedelta(minutes=5)).timestamp() else 0.4)
        for i in range(480)
    ]
    telemetry.metrics.write_samples("error_ratio", {"service": "checkout"}, samples)
    telemetry.metrics.write_samples("error_ratio", {"service": "cart"}, [(t, 0.01) for t, _ in samples])
    telemetry.changes.record_change(
        ChangeEvent(
            "d1", T0 - timedelta(minutes=5), "checkout", ChangeKind.DEPLOY, "deploy checkout v2", version="v2"
        )
    )
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'f.db'}"},
            "sources": {"alertmanager": {"auth": {"type": "bearer", "token": "t"}}},
        }
    )
    autoheal = Autoheal.create(settings, clock=clock, jobs=InlineQueue(), telemetry=telemetry)
    yield autoheal
    autoheal.close()


def test_signal_is_triaged_investigated_and_shown_on_the_group(app):
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": "s1",
                "labels": {"service": "checkout", "severity": "critical"},
                "startsAt": "2026-11-25T11:56:00Z",
            }
        ),
    )
    with app.sessions() as s:
        verdict = s.scalars(select(rstore.TriageVerdictRow)).one()
        assert verdict.kind == "signal" and verdict.investigation_id
        inv = s.get(rstore.InvestigationRow, verdict.investigation_id)
        assert inv.status == "finished"
        kinds = [e["kind"] for e in rstore.events(s, inv.id)]
    assert kinds[0] == "started" and kinds[-1] == "report"
    with app.sessions() as s:
        token = create_token(s, Role.VIEWER, "t", app.clock.now())
    with TestClient(create_app(app)) as client:
        group = client.get("/api/v1/groups", headers={"Authorization": f"Bearer {token}"}).json()["groups"][0]
        detail = client.get(
            f"/api/v1/groups/{group['id']}", headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert detail["triage"]["kind"] == "signal"
    assert detail["investigation"]["status"] == "finished"
    assert detail["investigation"]["top_service"] == "checkout"


def test_every_investigation_tool_call_is_governed_and_audited(app):
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": "s2",
                "labels": {"service": "checkout", "severity": "critical"},
                "startsAt": "2026-11-25T11:56:00Z",
            }
        ),
    )
    app.governance.audit.flush()
    records = list(app.governance.audit.records())
    callers = {r.payload_obj().get("caller") for r in records if r.kind == "tool_call"}
    assert {"triage", "investigation"} <= callers


def test_changes_webhook_is_closed_without_credentials(app):
    with TestClient(create_app(app)) as client:
        r = client.post("/api/v1/changes", json={"service": "cart", "kind": "deploy"})
    assert r.status_code == 401 and "closed by default" in r.json()["detail"]


def test_investigation_api_on_the_wired_app(app):
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": "s3",
                "labels": {"service": "checkout", "severity": "warning"},
                "startsAt": "2026-11-25T11:56:00Z",
            }
        ),
    )
    with app.sessions() as s:
        viewer = create_token(s, Role.VIEWER, "v", app.clock.now())
        responder = create_token(s, Role.RESPONDER, "r", app.clock.now())
    with TestClient(create_app(app)) as client:
        alert_id = client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {viewer}"}).json()[
            "alerts"
        ][0]["id"]
        refused = client.post(
            "/api/v1/investigations",
            json={"target": str(alert_id)},
            headers={"Authorization": f"Bearer {viewer}"},
        )
        assert refused.status_code == 403
        started = client.post(
            "/api/v1/investigations",
            json={"target": str(alert_id)},
            headers={"Authorization": f"Bearer {responder}"},
        )
        assert started.status_code == 202, started.text
        report = client.get(started.json()["report"], headers={"Authorization": f"Bearer {viewer}"}).json()
        assert report["status"] == "finished" and report["top_service"] == "checkout"
        events = client.get(started.json()["events"], headers={"Authorization": f"Bearer {viewer}"}).json()[
            "events"
        ]
        assert events[-1]["kind"] == "report"


def test_reasoning_steps_are_in_the_audit_trail_and_the_chain_verifies(app):
    from autoheal.audit.verify import verify_chain

    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": "s4",
                "labels": {"service": "checkout", "severity": "critical"},
                "startsAt": "2026-11-25T11:56:00Z",
            }
        ),
    )
    app.governance.audit.flush()
    steps = [r.payload_obj() for r in app.governance.audit.records() if r.kind == "reasoning_step"]
    kinds = {s["step"] for s in steps}
    assert {"triage_verdict", "verification", "report"} <= kinds
    report = next(s for s in steps if s["step"] == "report")
    assert report["causes"] and report["causes"][0]["service"] == "checkout"
    assert verify_chain(app.engine).ok


def _verdicts(app):  # type: ignore[no-untyped-def]
    with app.sessions() as s:
        return [(v.group_key, v.kind, v.investigation_id) for v in s.scalars(select(rstore.TriageVerdictRow))]


def test_a_critical_blip_is_signal_at_firing_and_noise_once_it_resolved_on_its_own(app):
    """Triage runs again when the alert resolves: the page was the safe call while it fired, the
    resolution a minute later shows a transient, and the investigation held for
    pipeline.hold_seconds never runs (its verdict no longer links to it)."""
    blip = {
        "fp": "b1",
        "labels": {"service": "cart", "severity": "critical"},
        "startsAt": "2026-11-25T12:00:00Z",
    }
    app.ingestor.ingest("alertmanager", am_payload(blip))
    app.clock.set(T0 + timedelta(seconds=70))
    app.ingestor.ingest(
        "alertmanager", am_payload({**blip, "status": "resolved", "endsAt": "2026-11-25T12:01:00Z"})
    )
    app.advance_clock(T0 + timedelta(minutes=10))  # past the hold: the job is released, and not run
    verdicts = _verdicts(app)
    assert [k for _, k, _ in verdicts] == ["signal", "noise"]
    assert verdicts[0][2] is None and verdicts[1][2] is None
    with app.sessions() as s:
        assert len(s.scalars(select(rstore.InvestigationRow)).all()) == 0


def test_an_old_signal_whose_group_still_fires_makes_a_new_alert_a_duplicate(app):
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": "o1",
                "labels": {"service": "checkout", "severity": "critical"},
                "startsAt": "2026-11-25T11:56:00Z",
            }
        ),
    )
    app.clock.set(T0 + timedelta(minutes=45))  # beyond duplicate_window_seconds, o1 still firing
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": "o2",
                "name": "HighLatencyP99",
                "labels": {"service": "checkout", "severity": "warning"},
                "startsAt": "2026-11-25T12:44:00Z",
            }
        ),
    )
    (_, first, inv), (_, second, _) = _verdicts(app)
    assert first == "signal" and second == "duplicate"
    with app.sessions() as s:
        row = s.scalars(select(rstore.TriageVerdictRow).order_by(rstore.TriageVerdictRow.id.desc())).first()
        assert row.related == inv


def _investigations(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.sessions() as s:
        return [r.id for r in s.scalars(select(rstore.InvestigationRow)).all()]


def _checkout(fp: str, starts: str, **extra: object) -> dict[str, object]:
    return {"fp": fp, "labels": {"service": "checkout", "severity": "critical", **extra}, "startsAt": starts}


def _resolve(app, alert: dict[str, object], ends: str) -> None:  # type: ignore[no-untyped-def]
    app.ingestor.ingest("alertmanager", am_payload({**alert, "status": "resolved", "endsAt": ends}))


def test_a_refire_within_the_window_links_to_the_groups_investigation(app):
    """The same alert firing again ten minutes later is the same problem: its signal verdict points
    at the investigation already made, and no second one runs."""
    app.ingestor.ingest("alertmanager", am_payload(_checkout("r1", "2026-11-25T11:56:00Z")))
    app.clock.set(T0 + timedelta(minutes=6))
    _resolve(app, _checkout("r1", "2026-11-25T11:56:00Z"), "2026-11-25T12:05:00Z")
    app.clock.set(T0 + timedelta(minutes=10))
    app.ingestor.ingest("alertmanager", am_payload(_checkout("r1", "2026-11-25T12:09:00Z")))
    verdicts = _verdicts(app)
    linked = [inv for _, kind, inv in verdicts if kind == "signal" and inv is not None]
    assert len(linked) == 2, verdicts  # the resolution's verdict starts nothing
    assert linked[0] == linked[1]
    assert _investigations(app) == [linked[0]]


def test_a_new_alert_in_the_group_or_an_old_investigation_starts_a_new_one(app):
    app.ingestor.ingest("alertmanager", am_payload(_checkout("n1", "2026-11-25T11:56:00Z")))
    app.clock.set(T0 + timedelta(minutes=5))
    # same alertname and service (same group), another instance: evidence the first did not cover
    app.ingestor.ingest(
        "alertmanager", am_payload(_checkout("n2", "2026-11-25T12:04:00Z", instance="checkout-2"))
    )
    assert len(_investigations(app)) == 2
    app.clock.set(T0 + timedelta(minutes=30))
    _resolve(app, _checkout("n1", "2026-11-25T11:56:00Z"), "2026-11-25T12:29:00Z")
    app.clock.set(T0 + timedelta(minutes=5 + 31))  # past pipeline.reinvestigate_after_seconds
    app.ingestor.ingest("alertmanager", am_payload(_checkout("n1", "2026-11-25T12:35:00Z")))
    verdicts = _verdicts(app)
    assert verdicts[-1][1] == "signal", verdicts
    assert len(_investigations(app)) == 3
    assert verdicts[-1][2] not in {inv for _, _, inv in verdicts[:-1]}


def test_a_failed_investigation_does_not_answer_for_the_group(app):
    app.ingestor.ingest("alertmanager", am_payload(_checkout("f1", "2026-11-25T11:56:00Z")))
    (first,) = _investigations(app)
    with app.sessions() as s:  # as if its run had raised
        s.get(rstore.InvestigationRow, first).status = "failed"
        s.commit()
    app.clock.set(T0 + timedelta(minutes=2))
    _resolve(app, _checkout("f1", "2026-11-25T11:56:00Z"), "2026-11-25T12:01:00Z")
    app.clock.set(T0 + timedelta(minutes=4))
    app.ingestor.ingest("alertmanager", am_payload(_checkout("f1", "2026-11-25T12:03:00Z")))
    app.advance_clock(T0 + timedelta(minutes=6))  # the new episode's hold ends at 12:05
    found = _investigations(app)
    assert len(found) == 2 and first in found, _verdicts(app)
    assert _verdicts(app)[-1][2] == next(i for i in found if i != first)


def test_a_failed_investigation_says_why(app):
    from autoheal.pipeline.followups import record_investigation

    class Broken:
        def run(self, subject, alerts, *, investigation_id=None, prior=()):  # type: ignore[no-untyped-def]
            yield from ()
            raise OverflowError("date value out of range")

    with pytest.raises(OverflowError):
        list(record_investigation(Broken(), app.sessions, app.clock, "s", [], "inv-broken"))  # type: ignore[arg-type]
    with app.sessions() as s:
        viewer = create_token(s, Role.VIEWER, "v", app.clock.now())
    client = TestClient(create_app(app))
    body = client.get(
        "/api/v1/investigations/inv-broken", headers={"Authorization": f"Bearer {viewer}"}
    ).json()
    assert body["status"] == "failed" and body["report"] is None
    assert body["error"] == "OverflowError: date value out of range"


def test_load_group_reads_the_firing_alerts_and_the_recently_seen_newest_first(app):
    """What triage reads of a group (``AlertRepository.active_group_alerts``, columns not ORM rows):
    every firing alert, a resolved one only if seen within ``active_seconds``, newest first."""
    from autoheal.pipeline.followups import load_group
    from autoheal.store.models import AlertRow

    firing = {"labels": {"service": "checkout", "severity": "warning"}, "startsAt": "2026-11-25T11:56:00Z"}
    app.ingestor.ingest("alertmanager", am_payload({"fp": "old", **firing}))
    app.ingestor.ingest("alertmanager", am_payload({"fp": "gone", **firing}))
    app.ingestor.ingest("alertmanager", am_payload({"fp": "gone", **firing, "status": "resolved"}))
    app.clock.advance(7200)  # "gone" resolved two hours ago; "old" still fires
    app.ingestor.ingest("alertmanager", am_payload({"fp": "now", **firing}))
    app.ingestor.ingest("alertmanager", am_payload({"fp": "done", **firing}))
    app.ingestor.ingest("alertmanager", am_payload({"fp": "done", **firing, "status": "resolved"}))
    with app.sessions() as session:
        group_id = session.scalar(select(AlertRow.group_id).where(AlertRow.fingerprint == "now"))
        group, alerts = load_group(session, group_id, 3600, app.clock)
    assert [a.fingerprint for a in alerts] == ["done", "now", "old"]
    assert group.fingerprints == ("done", "now", "old")
    done = alerts[0]
    assert done.status.value == "resolved" and done.ends_at is not None and done.starts_at.tzinfo is not None
    assert alerts[1].labels["service"] == "checkout" and alerts[1].annotations == {"summary": "errors"}
