"""The opening rules and what the pipeline puts on an incident's timeline: signal at or above a
severity opens, noise never does, N alerts within a window, an unassessed group errs on paging,
later alerts join, the group's resolve is recorded but does not close, findings release the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from autoheal.clock import ManualClock
from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus, Severity
from autoheal.incidents import IncidentSeverity, Status
from autoheal.incidents.config import IncidentsConfig
from autoheal.incidents.paging.fakes import FakePagerDuty
from autoheal.incidents.wiring import build_incidents

from .test_slack import REPORT

KEY = "R0123456789abcdef0123456789abcd"


@dataclass
class Verdict:
    kind: str
    score: float = 0.8
    explanation: str = "error ratio up after a deploy"
    reasons: list[str] = field(default_factory=lambda: ["recent deploy"])


def _alert(clock: ManualClock, fp: str, severity: Severity = Severity.HIGH, ago: float = 0) -> Alert:
    return Alert(
        "alertmanager",
        fp,
        AlertStatus.FIRING,
        "HighErrorRate",
        clock.now() - timedelta(seconds=ago),
        service="checkout",
        severity=severity,
    )


def _group(severity: Severity = Severity.HIGH, status: AlertStatus = AlertStatus.FIRING) -> AlertGroup:
    return AlertGroup(
        "alertname=HighErrorRate,service=checkout", {}, status=status, service="checkout", severity=severity
    )


def _rt(sessions: Any, clock: ManualClock, **open_rules: Any) -> tuple[Any, FakePagerDuty]:
    fake = FakePagerDuty(KEY)
    config = IncidentsConfig.model_validate(
        {"open": open_rules, "paging": {"provider": "pagerduty", "pagerduty": {"routing_key": KEY}}}
    )
    return build_incidents(config, sessions, clock, paging_transport=fake.transport()), fake


def test_signal_at_or_above_the_severity_opens_and_noise_never(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    rt, fake = _rt(sqlite_sessions, clock, signal_min_severity="high")
    esc = rt.escalation
    assert esc.after_triage(_group(), [_alert(clock, "a")], Verdict("noise")) is None
    assert (
        esc.after_triage(_group(Severity.WARNING), [_alert(clock, "a", Severity.WARNING)], Verdict("signal"))
        is None
    )
    assert rt.service.list() == [] and fake.calls == []
    inc = esc.after_triage(_group(), [_alert(clock, "a")], Verdict("signal"), verdict_id=7)
    assert (
        inc is not None and inc.severity is IncidentSeverity.SEV2 and inc.title == "HighErrorRate on checkout"
    )
    assert [e.kind for e in rt.service.timeline(inc.id)] == ["opened", "triage_verdict", "page_sent"]
    assert rt.service.timeline(inc.id, kinds=["triage_verdict"])[0].data["verdict_id"] == 7
    assert len(fake.accepted("trigger")) == 1


def test_alerts_in_a_window_open_unless_noise(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    rt, _ = _rt(
        sqlite_sessions, clock, signal_min_severity=None, alerts_in_window={"count": 3, "window_seconds": 300}
    )
    two = [_alert(clock, "a", Severity.WARNING), _alert(clock, "b", Severity.WARNING)]
    old = _alert(clock, "c", Severity.WARNING, ago=600)
    assert rt.escalation.after_triage(_group(Severity.WARNING), [*two, old], Verdict("signal")) is None
    three = [*two, _alert(clock, "d", Severity.WARNING, ago=60)]
    assert rt.escalation.after_triage(_group(Severity.WARNING), three, Verdict("noise")) is None
    inc = rt.escalation.after_triage(_group(Severity.WARNING), three, Verdict("known_issue"))
    assert inc is not None and "3 alerts within 300 s" in inc.summary


def test_later_alerts_join_group_resolve_is_recorded_but_does_not_close(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    rt, _ = _rt(sqlite_sessions, clock)
    inc = rt.escalation.after_triage(_group(), [_alert(clock, "a")], Verdict("signal"))
    again = rt.escalation.after_triage(_group(), [_alert(clock, "a"), _alert(clock, "b")], Verdict("signal"))
    assert again is not None and again.id == inc.id and len(rt.service.list()) == 1
    joined = rt.service.timeline(inc.id, kinds=["alert_joined"])
    assert len(joined) == 1 and joined[0].data["fingerprints"] == ["b"]
    rt.escalation.after_triage(_group(), [_alert(clock, "a"), _alert(clock, "b")], Verdict("signal"))
    assert len(rt.service.timeline(inc.id, kinds=["alert_joined", "triage_verdict"])) == 2  # nothing new
    resolved = _group(status=AlertStatus.RESOLVED)
    rt.escalation.after_triage(resolved, [_alert(clock, "a")], Verdict("noise"))
    rt.escalation.after_triage(resolved, [_alert(clock, "a")], Verdict("noise"))
    assert len(rt.service.timeline(inc.id, kinds=["group_resolved"])) == 1
    assert rt.service.get(inc.id).status is Status.TRIGGERED  # a human resolves it
    assert [e.data["kind"] for e in rt.service.timeline(inc.id, kinds=["triage_verdict"])] == [
        "signal",
        "noise",
    ]


def test_the_page_waits_for_the_root_cause_then_carries_it(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    rt, fake = _rt(sqlite_sessions, clock)
    rt.escalation.config.public_url = None
    inc = rt.escalation.after_triage(
        _group(), [_alert(clock, "a")], Verdict("signal"), investigation_id="inv-1"
    )
    assert fake.calls == [] and rt.paging.pages(inc.id)[0]["status"] == "waiting"
    rt.escalation.after_investigation(_group().key, "inv-1", REPORT)
    trigger = fake.accepted("trigger")[0]
    assert (
        "Root cause: release 4.2 of checkout raised its error ratio (confidence 0.91)"
        in trigger["payload"]["summary"]
    )
    got = rt.service.get(inc.id)
    assert got.cause and got.investigation_id == "inv-1"
    finding = rt.service.timeline(inc.id, kinds=["investigation_finding"])[0].data
    assert (
        finding["causes"][0]["evidence"][0]["id"] == "ev-1"
        and finding["ruled_out"][0]["reason"] == "after the onset"
    )


def test_a_page_that_waited_too_long_goes_out_anyway(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    rt, fake = _rt(sqlite_sessions, clock)
    rt.escalation.after_triage(_group(), [_alert(clock, "a")], Verdict("signal"), investigation_id="inv-9")
    clock.advance(119)
    rt.paging.tick()
    assert fake.calls == []
    clock.advance(1)
    rt.paging.tick()
    assert len(fake.accepted("trigger")) == 1


def test_unassessed_group_errs_on_the_side_of_paging(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    rt, fake = _rt(sqlite_sessions, clock)
    inc = rt.escalation.triage_failed(
        _group(Severity.WARNING), [_alert(clock, "a", Severity.WARNING)], "TimeoutError"
    )
    assert inc is not None and "triage could not assess" in inc.summary
    assert len(fake.accepted("trigger")) == 1
    assert rt.escalation.triage_failed(_group(), [_alert(clock, "a")], "again") is None  # already open


def test_a_page_for_a_held_investigation_waits_from_the_hold_end(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    rt, fake = _rt(sqlite_sessions, clock)
    held_until = clock.now() + timedelta(seconds=120)  # pipeline.hold_seconds
    rt.escalation.after_triage(
        _group(),
        [_alert(clock, "a")],
        Verdict("signal"),
        investigation_id="inv-h",
        report_expected_at=held_until,
    )
    clock.advance(120 + 119)
    rt.paging.tick()
    assert fake.calls == []  # the report may still come: the investigation began at the hold's end
    clock.advance(1)
    rt.paging.tick()
    assert len(fake.accepted("trigger")) == 1
