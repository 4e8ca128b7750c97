"""Alertmanager semantics of the pipeline, on SQLite and PostgreSQL alike (``db_url``)."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from autoheal.domain.alerts import Severity
from autoheal.jobs import InlineQueue
from autoheal.store.alerts import AlertFilter, AlertRepository
from autoheal.store.models import AlertGroupRow, AlertRow, Payload, TransitionRow
from tests.pipeline.conftest import am_payload

SVC = {"service": "checkout", "severity": "critical"}


def count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_new_alert_is_stored_with_service_severity_and_raw_payload(make_app):
    app = make_app()
    body = am_payload({"fp": "aaa1", "labels": SVC})
    result = app.ingestor.ingest("alertmanager", body)
    assert result.alerts == 1 and result.outcomes == {"new": 1}
    with app.sessions() as s:
        row = s.scalar(select(AlertRow))
        assert (row.service, row.severity, row.status, row.name) == (
            "checkout",
            "critical",
            "firing",
            "HighErrorRate",
        )
        assert s.get(Payload, row.payload_id).body == body.decode()


def test_redelivery_is_idempotent(make_app, clock):
    app = make_app()
    body = am_payload({"fp": "aaa1", "labels": SVC})
    app.ingestor.ingest("alertmanager", body)
    clock.advance(30)
    again = app.ingestor.ingest("alertmanager", body)
    assert again.outcomes == {"repeated": 1}
    assert count(app, AlertRow) == 1
    assert count(app, Payload) == 1
    assert count(app, TransitionRow) == 1
    with app.sessions() as s:
        row = s.scalar(select(AlertRow))
        assert row.deliveries == 2
        assert row.last_seen.replace(tzinfo=None) == clock.now().replace(tzinfo=None)


def test_resolved_notification_closes_the_alert_it_opened(make_app):
    app = make_app()
    app.ingestor.ingest("alertmanager", am_payload({"fp": "aaa1", "labels": SVC}))
    result = app.ingestor.ingest(
        "alertmanager", am_payload({"fp": "aaa1", "labels": SVC, "status": "resolved"})
    )
    assert result.outcomes == {"resolved": 1}
    with app.sessions() as s:
        row = s.scalar(select(AlertRow))
        assert row.status == "resolved" and row.resolved_at is not None and row.transitions == 1
        assert s.scalar(select(AlertGroupRow)).status == "resolved"


def test_grouping_by_configured_labels(make_app):
    app = make_app(group_by=["alertname", "service"])
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {"fp": "p1", "labels": {**SVC, "pod": "checkout-1"}},
            {"fp": "p2", "labels": {**SVC, "pod": "checkout-2"}},
            {"fp": "p3", "labels": {"service": "cart", "severity": "warning"}},
        ),
    )
    with app.sessions() as s:
        groups = {g.key: g for g, n in AlertRepository(s).list_groups()}
    assert set(groups) == {
        '{alertname="HighErrorRate", service="checkout"}',
        '{alertname="HighErrorRate", service="cart"}',
    }
    with app.sessions() as s:
        checkout = next(g for g in groups.values() if g.service == "checkout")
        assert len(AlertRepository(s).group_alerts(checkout.id)) == 2
        assert checkout.severity == "critical"


def test_flapping_detected_within_window_and_not_outside(make_app, clock):
    app = make_app(flap_threshold=4, flap_window_seconds=600)
    firing = am_payload({"fp": "flap", "labels": SVC})
    resolved = am_payload({"fp": "flap", "labels": SVC, "status": "resolved"})
    app.ingestor.ingest("alertmanager", firing)
    for i in range(4):
        clock.advance(60)
        app.ingestor.ingest("alertmanager", resolved if i % 2 == 0 else firing)
    with app.sessions() as s:
        assert s.scalar(select(AlertRow)).flapping is True
    # Same number of changes spread over far more than the window: not flapping.
    clock.advance(3600)
    app.ingestor.ingest("alertmanager", am_payload({"fp": "slow", "labels": SVC}))
    for i in range(4):
        clock.advance(900)
        app.ingestor.ingest(
            "alertmanager",
            am_payload({"fp": "slow", "labels": SVC, "status": "resolved" if i % 2 == 0 else "firing"}),
        )
    with app.sessions() as s:
        assert s.scalar(select(AlertRow).where(AlertRow.fingerprint == "slow")).flapping is False


def test_stale_firing_alerts_expire(make_app, clock):
    app = make_app(stale_after_seconds=600)
    app.ingestor.ingest("alertmanager", am_payload({"fp": "old", "labels": SVC}))
    clock.advance(300)
    app.ingestor.ingest("alertmanager", am_payload({"fp": "fresh", "labels": SVC}))
    assert app.expire_stale() == 0
    clock.advance(400)
    assert app.expire_stale() == 1
    with app.sessions() as s:
        rows = {r.fingerprint: r for r in AlertRepository(s).list_alerts(AlertFilter())}
    assert rows["old"].status == "resolved" and rows["old"].expired
    assert rows["fresh"].status == "firing"


def test_same_fingerprint_twice_in_one_payload_is_one_alert(make_app):
    app = make_app()
    result = app.ingestor.ingest(
        "alertmanager", am_payload({"fp": "dup", "labels": SVC}, {"fp": "dup", "labels": SVC})
    )
    assert result.outcomes == {"new": 1, "repeated": 1}
    assert count(app, AlertRow) == 1


def test_triage_jobs_follow_the_commit(make_app):
    app = make_app()
    assert isinstance(app.jobs, InlineQueue)
    seen: list[int] = []
    app.jobs.register("triage", lambda job: seen.append(job.payload["group_id"]))
    app.ingestor.ingest("alertmanager", am_payload({"fp": "t1", "labels": SVC}))
    app.ingestor.ingest("alertmanager", am_payload({"fp": "t1", "labels": SVC}))  # repeat: no new triage
    assert len(seen) == 1
    with app.sessions() as s:
        assert s.get(AlertGroupRow, seen[0]) is not None


def test_concurrent_deliveries_are_all_committed(make_app):
    from concurrent.futures import ThreadPoolExecutor

    app = make_app()
    bodies = [am_payload({"fp": f"c{i}", "labels": SVC}, {"fp": f"d{i}", "labels": SVC}) for i in range(60)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda b: app.ingestor.ingest("alertmanager", b), bodies))
    assert sum(r.alerts for r in results) == 120
    assert count(app, AlertRow) == 120


def _commit_together(app, *batches):
    """The prepared ``batches`` committed in one transaction, as the writer's group commit does."""
    from autoheal.pipeline.stage import Batch, StageContext

    merged = Batch(
        deliveries=[d for b in batches for d in b.deliveries], changes=[c for b in batches for c in b.changes]
    )
    with app.sessions() as s:
        ctx = StageContext(
            now=app.clock.now(), config=app.settings.pipeline, rules=app.settings.sources.rules, session=s
        )
        app.pipeline.run_commit(ctx, merged)
        s.commit()
    return merged


def test_group_commit_credits_each_transition_to_its_own_delivery(make_app):
    """Two deliveries of one alert (firing, then resolved) committed in the same transaction."""
    app = make_app()
    first = app.ingestor.prepare("alertmanager", am_payload({"fp": "gc", "labels": SVC}))
    second = app.ingestor.prepare(
        "alertmanager", am_payload({"fp": "gc", "labels": SVC, "status": "resolved"})
    )
    merged = _commit_together(app, first, second)
    assert [c.outcome.value for c in merged.changes] == ["new", "resolved"]
    with app.sessions() as s:
        transitions = s.scalars(select(TransitionRow).order_by(TransitionRow.id)).all()
        payloads = [first.deliveries[0].payload_id, second.deliveries[0].payload_id]
        assert [(t.status, t.payload_id) for t in transitions] == list(
            zip(["firing", "resolved"], payloads, strict=True)
        )
        assert s.scalar(select(AlertRow)).status == "resolved"


def test_one_body_twice_in_a_group_commit_is_one_payload_for_both(make_app):
    """A re-delivery that lands in the same transaction as the first: one payload row, and each
    delivery (the earlier one too) carries its id."""
    app = make_app()
    body = am_payload({"fp": "twice", "labels": SVC})
    merged = _commit_together(app, *(app.ingestor.prepare("alertmanager", body) for _ in range(2)))
    assert count(app, Payload) == 1
    with app.sessions() as s:
        only = s.scalar(select(Payload.id))
    assert [d.payload_id for d in merged.deliveries] == [only, only]


def test_a_groups_status_and_severity_follow_its_alerts_through_any_sequence(make_app, clock):
    """The roll-up (index probes per (status, severity)) against the rule computed from the alert
    rows themselves, after each of 40 random deliveries into one group: firing while any alert
    fires, at the highest severity among the firing ones; once none fires, the highest of all."""
    app = make_app()
    rng = random.Random(7)
    rank = {s.value: s.rank for s in Severity}
    for step in range(40):
        alerts = [
            {
                "fp": f"r{rng.randrange(6)}",
                "status": rng.choice(["firing", "firing", "resolved"]),
                "labels": {
                    "service": "cart",
                    "severity": rng.choice(["critical", "high", "warning", "info"]),
                },
            }
            for _ in range(rng.randrange(1, 4))
        ]
        app.ingestor.ingest("alertmanager", am_payload(*alerts))
        clock.advance(5)
        with app.sessions() as s:
            group = s.scalars(select(AlertGroupRow)).one()
            rows = s.execute(select(AlertRow.status, AlertRow.severity)).all()
        firing = [sev for st, sev in rows if st == "firing"]
        expected_status = "firing" if firing else "resolved"
        expected = max(firing or [sev for _, sev in rows], key=rank.__getitem__)
        assert (group.status, group.severity) == (expected_status, expected), step
