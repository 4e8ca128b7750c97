"""pipeline.hold_seconds: a signal is investigated once its group has fired for the hold; an
episode that resolves within it is never investigated; a page waits for the report from the
hold's end; the held job survives in the scheduled_jobs table until it is released."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.jobs.scheduled import ScheduledJobRow, Scheduler
from autoheal.reasoning import store as rstore
from autoheal.telemetry.embedded import EmbeddedTelemetry
from tests.pipeline.conftest import am_payload

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FIRED = "2026-11-25T12:00:00Z"


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    clock = ManualClock(T0)
    telemetry = EmbeddedTelemetry(":memory:")
    start = (T0 - timedelta(hours=2)).timestamp()
    samples = [(start + 15 * i, 0.01 if i < 470 else 0.4) for i in range(500)]
    telemetry.metrics.write_samples("error_ratio", {"service": "checkout"}, samples)
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'h.db'}"},
            "sources": {"alertmanager": {"auth": {"type": "bearer", "token": "t"}}},
            "pipeline": {"hold_seconds": 120},
        }
    )
    autoheal = Autoheal.create(settings, clock=clock, jobs=InlineQueue(), telemetry=telemetry)
    yield autoheal
    autoheal.close()


def _fire(app: Autoheal, fp: str = "h1", starts: str = FIRED) -> None:
    app.ingestor.ingest(
        "alertmanager",
        am_payload({"fp": fp, "labels": {"service": "checkout", "severity": "critical"}, "startsAt": starts}),
    )


def _resolve(app: Autoheal, fp: str = "h1", starts: str = FIRED) -> None:
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": fp,
                "status": "resolved",
                "labels": {"service": "checkout", "severity": "critical"},
                "startsAt": starts,
                "endsAt": app.clock.now().isoformat().replace("+00:00", "Z"),
            }
        ),
    )


def _investigations(app: Autoheal) -> list[rstore.InvestigationRow]:
    with app.sessions() as s:
        return list(s.scalars(select(rstore.InvestigationRow)))


def _waiting(app: Autoheal) -> int:
    with app.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(ScheduledJobRow)) or 0)


def test_a_lasting_signal_is_investigated_when_the_hold_ends(app):
    _fire(app)
    with app.sessions() as s:
        verdict = s.scalars(select(rstore.TriageVerdictRow)).one()
    assert verdict.kind == "signal" and verdict.investigation_id  # the id is chosen at triage
    assert _investigations(app) == [] and _waiting(app) == 1
    app.advance_clock(T0 + timedelta(seconds=119))
    assert _investigations(app) == []  # not a second early
    app.advance_clock(T0 + timedelta(minutes=10))
    (inv,) = _investigations(app)
    assert inv.id == verdict.investigation_id and inv.status == "finished"
    assert inv.started_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=120)  # at the hold's end
    assert _waiting(app) == 0


def test_an_episode_that_resolves_within_the_hold_is_never_investigated(app):
    _fire(app)
    app.advance_clock(T0 + timedelta(seconds=60))
    _resolve(app)
    app.advance_clock(T0 + timedelta(minutes=10))
    assert _investigations(app) == [] and _waiting(app) == 0
    with app.sessions() as s:
        verdicts = list(s.scalars(select(rstore.TriageVerdictRow).order_by(rstore.TriageVerdictRow.id)))
    # the firing verdict no longer points at an investigation that will never exist
    assert verdicts[0].kind == "signal" and verdicts[0].investigation_id is None


def test_a_group_that_fired_anew_during_the_hold_is_held_from_the_new_episode(app):
    _fire(app)
    app.advance_clock(T0 + timedelta(seconds=60))
    _resolve(app)
    app.advance_clock(T0 + timedelta(seconds=100))
    again = "2026-11-25T12:01:40Z"
    _fire(app, starts=again)
    app.advance_clock(T0 + timedelta(seconds=200))  # the first hold ended; the new one has not
    assert _investigations(app) == []
    app.advance_clock(T0 + timedelta(minutes=10))
    (inv,) = _investigations(app)
    assert inv.started_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=220)  # 12:01:40 + 120 s


def test_an_alert_already_firing_for_longer_than_the_hold_is_investigated_at_once(app):
    _fire(app, starts="2026-11-25T11:55:00Z")
    (inv,) = _investigations(app)
    assert inv.status == "finished" and _waiting(app) == 0


def test_hold_zero_investigates_at_once(tmp_path):
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'z.db'}"},
            "sources": {"alertmanager": {"auth": {"type": "bearer", "token": "t"}}},
            "pipeline": {"hold_seconds": 0},
        }
    )
    app = Autoheal.create(
        settings, clock=ManualClock(T0), jobs=InlineQueue(), telemetry=EmbeddedTelemetry(":memory:")
    )
    try:
        _fire(app)
        assert len(_investigations(app)) == 1
    finally:
        app.close()


def test_the_scheduler_releases_in_order_and_once(app):
    released: list[str] = []
    app.jobs.register("probe", lambda job: released.append(job.payload["n"]))
    scheduler = Scheduler(app.sessions, app.jobs, app.clock)
    with app.sessions() as s:
        scheduler.schedule(s, "probe", {"n": "late"}, T0 + timedelta(seconds=30))
        scheduler.schedule(s, "probe", {"n": "early"}, T0 + timedelta(seconds=10))
        s.commit()
    assert scheduler.release_due() == 0 and released == []
    assert scheduler.next_due() == T0 + timedelta(seconds=10)
    assert scheduler.advance_to(app.clock, T0 + timedelta(minutes=1)) == 2
    assert released == ["early", "late"]
    assert scheduler.release_due() == 0 and released == ["early", "late"]  # gone once handed over


def test_a_scheduled_job_is_rolled_back_with_its_transaction(app):
    scheduler = Scheduler(app.sessions, app.jobs, app.clock)
    with app.sessions() as s:
        scheduler.schedule(s, "probe", {"n": 1}, T0)
        s.rollback()
    assert scheduler.waiting() == 0
    with pytest.raises(ValueError, match="timezone-aware"), app.sessions() as s:
        scheduler.schedule(s, "probe", {}, datetime(2026, 1, 1))


def test_advance_clock_needs_a_manual_clock(tmp_path):
    from autoheal.clock import SystemClock

    settings = Settings.model_validate({"database": {"url": f"sqlite:///{tmp_path / 's.db'}"}})
    app = Autoheal.create(
        settings, clock=SystemClock(), jobs=InlineQueue(), telemetry=EmbeddedTelemetry(":memory:")
    )
    try:
        with pytest.raises(TypeError, match="ManualClock"):
            app.advance_clock(T0)
    finally:
        app.close()
