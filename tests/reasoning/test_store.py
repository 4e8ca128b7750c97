from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from autoheal.domain.investigation import InvestigationEvent
from autoheal.reasoning import store
from autoheal.reasoning.triage import Outcome, RecentSignal, TriageKind, TriageVerdict
from autoheal.reasoning.triage.sql_history import SqlAlertHistory
from autoheal.store.db import create_db_engine, session_factory
from autoheal.store.models import AlertRow, Payload, TransitionRow
from autoheal.store.schema import metadata

from .fakes import T0

MINE = {"triage_verdicts", "triage_verdict_fingerprints", "investigations", "investigation_events"}


def verdict(kind: TriageKind = TriageKind.SIGNAL, at=T0) -> TriageVerdict:  # type: ignore[no-untyped-def]
    return TriageVerdict(
        "g1", kind, 0.8, "Signal on checkout.", ["worsening"], [], at, "checkout", ("fp1", "fp2")
    )


def test_migration_matches_the_tables(db_url: str) -> None:
    engine = create_db_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    mine = [d for d in diff if any(t in repr(d) for t in MINE)]
    assert mine == []


def test_verdicts_and_history(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_db_engine(db_url)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        vid = store.save_verdict(s, verdict())
        payload = Payload(source="am", digest="d1", received_at=T0, body="{}", alert_count=1)
        s.add(payload)
        s.flush()
        row = AlertRow(
            source="am",
            fingerprint="fp1",
            name="X",
            status="firing",
            service="checkout",
            severity="warning",
            labels={},
            annotations={},
            starts_at=T0,
            first_seen=T0,
            last_seen=T0,
            expired=False,
            flapping=False,
            transitions=2,
            deliveries=1,
            payload_id=payload.id,
        )
        s.add(row)
        s.flush()
        for i, status in enumerate(["firing", "resolved", "firing"]):
            s.add(
                TransitionRow(
                    alert_id=row.id, status=status, at=T0 + timedelta(minutes=i), payload_id=payload.id
                )
            )
    with sessions.begin() as s:
        store.set_outcome(s, vid, Outcome.KNOWN_ISSUE, "JIRA-1")
    history = SqlAlertHistory(sessions)
    past = history.past_verdicts(["fp2"], T0 - timedelta(days=1))
    assert [(p.kind, p.outcome, p.reference) for p in past] == [
        (TriageKind.SIGNAL, Outcome.KNOWN_ISSUE, "JIRA-1")
    ]
    # the verdict covers fp1 and fp2: one pair each, both naming the one stored verdict
    both = history.past_verdicts(["fp1", "fp2"], T0 - timedelta(days=1))
    assert sorted(p.fingerprint for p in both) == ["fp1", "fp2"] and {p.verdict_id for p in both} == {vid}
    # each verdict once (with its smallest fingerprint), whichever chunk of the IN lists found it
    once = history.past_verdicts(["fp2", "fp1"], T0 - timedelta(days=1), each_once=True)
    assert [(p.fingerprint, p.verdict_id) for p in once] == [("fp1", vid)]
    monkeypatch.setattr(store, "IN_CHUNK", 1)
    once = history.past_verdicts(["fp2", "fp1"], T0 - timedelta(days=1), each_once=True)
    assert [(p.fingerprint, p.verdict_id) for p in once] == [("fp1", vid)]
    assert [t.status for t in history.transitions(["fp1"], T0)] == ["firing", "resolved", "firing"]
    signals = history.recent_signals("checkout", T0 - timedelta(minutes=5))
    assert signals == [RecentSignal("g1", "checkout", T0, f"triage-verdict-{vid}")]
    engine.dispose()


def test_investigation_events_round_trip(db_url: str) -> None:
    engine = create_db_engine(db_url)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        store.start_investigation(s, "inv-1", "checkout errors", ["fp1"], T0)
        store.append_event(s, "inv-1", 0, InvestigationEvent("started", T0, {"subject": "checkout errors"}))
        report = {"causes": [{"hypothesis": {"service": "payments"}}], "ruled_out": []}
        store.append_event(
            s, "inv-1", 1, InvestigationEvent("report", T0 + timedelta(seconds=2), {"report": report})
        )
    with sessions() as s:
        row = store.get_investigation(s, "inv-1")
        assert (row.status, row.top_service) == ("finished", "payments")
        assert [e["kind"] for e in store.events(s, "inv-1")] == ["started", "report"]
        assert [e["seq"] for e in store.events(s, "inv-1", after=0)] == [1]
    engine.dispose()


def test_a_queued_investigation_answers_for_alerts_that_joined_the_group(db_url: str) -> None:
    """A queued investigation reads the group's alerts when it starts: a storm adding alerts to
    the group does not queue one investigation per triage. Once it began, a new alert is new
    evidence."""
    engine = create_db_engine(db_url)
    sessions = session_factory(engine)
    since = T0 - timedelta(minutes=30)
    with sessions.begin() as s:  # verdict on fp1, fp2 links inv-1, whose job has not started
        store.save_verdict(s, verdict(), investigation_id="inv-1")
    with sessions.begin() as s:
        assert store.open_investigation(s, "g1", ["fp1", "fp2", "fp3"], since) == "inv-1"
        assert store.open_investigation(s, "g1", ["fp1"], T0 + timedelta(minutes=1)) is None  # older
    with sessions.begin() as s:  # it began on fp1 and fp2
        store.start_investigation(s, "inv-1", "group:1", ["fp1", "fp2"], T0)
    with sessions.begin() as s:
        assert store.open_investigation(s, "g1", ["fp1", "fp2"], since) == "inv-1"
        assert store.open_investigation(s, "g1", ["fp1", "fp2", "fp3"], since) is None
    engine.dispose()
