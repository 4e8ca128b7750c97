from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from autoheal.clock import ManualClock
from autoheal.domain.alerts import AlertGroup, AlertStatus, Severity
from autoheal.domain.tools import ToolResult
from autoheal.reasoning.triage import (
    InMemoryAlertHistory,
    Lean,
    MaintenanceWindow,
    Outcome,
    PastVerdict,
    RecentSignal,
    Transition,
    Triage,
    TriageConfig,
    TriageKind,
    TriageSignal,
)
from autoheal.reasoning.triage.signals import fingerprint_args

from .fakes import T0, CannedTools, alert, matrix, ramp

EXPR = 'rate(http_errors_total{service="checkout"}[5m]) > 0.05'


def quiet_tools() -> CannedTools:
    return (
        CannedTools()
        .on("alertmanager.silences", ToolResult.success([]))
        .on("changes.list", ToolResult.success([]))
        .on("prometheus.query_range", ToolResult.empty())
    )


def group_for(*alerts):  # type: ignore[no-untyped-def]
    return AlertGroup(
        key=f"{{}}:{{alertname={alerts[0].name}}}",
        labels={"alertname": alerts[0].name},
        fingerprints=tuple(a.fingerprint for a in alerts),
        service=alerts[0].service,
    )


def assess(tools, alerts, history=None, config=None, now=None):  # type: ignore[no-untyped-def]
    clock = ManualClock(now or T0 + timedelta(minutes=10))
    return Triage(tools, clock, config).assess(group_for(*alerts), alerts, history or InMemoryAlertHistory())


def test_flapping_alert_is_noise_with_one_line_explanation() -> None:
    a = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=8))
    history = InMemoryAlertHistory()
    for i in range(6):
        history.add_transition(
            Transition(a.fingerprint, "firing" if i % 2 == 0 else "resolved", T0 + timedelta(minutes=i))
        )
    verdict = assess(quiet_tools(), [a], history)
    assert verdict.kind is TriageKind.NOISE
    assert "flapped 6 times" in verdict.explanation
    assert "\n" not in verdict.explanation
    flapping = next(s for s in verdict.signals if s.name == "flapping")
    assert flapping.evidence and flapping.evidence[0].tool == "autoheal.alert_history"


def test_self_resolved_transient_is_noise() -> None:
    a = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(seconds=45))
    verdict = assess(quiet_tools(), [a], now=T0 + timedelta(minutes=2))
    assert verdict.kind is TriageKind.NOISE
    assert "resolved on its own after 45 s" in verdict.explanation


def test_transient_with_a_recent_deploy_is_signal() -> None:
    a = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(seconds=45))
    tools = quiet_tools().on(
        "changes.list",
        ToolResult.success(
            [
                {
                    "id": "c1",
                    "at": (T0 - timedelta(minutes=5)).isoformat(),
                    "service": "checkout",
                    "kind": "deploy",
                    "version": "v2",
                }
            ]
        ),
    )
    verdict = assess(tools, [a], now=T0 + timedelta(minutes=2))
    assert verdict.kind is TriageKind.SIGNAL
    assert any("deploy v2" in r for r in verdict.reasons)


def test_duplicate_of_open_signal_on_same_service() -> None:
    a = alert()
    history = InMemoryAlertHistory()
    history.add_signal(RecentSignal("other-group", "checkout", T0 - timedelta(minutes=3), "INC-7"))
    verdict = assess(quiet_tools(), [a], history)
    assert verdict.kind is TriageKind.DUPLICATE
    assert verdict.related == "INC-7"


def test_real_incident_worsening_is_signal() -> None:
    a = alert(expr=EXPR, severity=Severity.CRITICAL)
    now = T0 + timedelta(minutes=10)
    values = ramp(now - timedelta(minutes=15), 15, lambda i: 0.06 + 0.02 * i)
    tools = quiet_tools().on(
        "prometheus.query_range", ToolResult.success(matrix([({"service": "checkout"}, values)]))
    )
    verdict = assess(tools, [a], now=now)
    assert verdict.kind is TriageKind.SIGNAL
    assert verdict.score > 0.8
    trend = next(s for s in verdict.signals if s.name == "trend")
    assert trend.facts["trend"] == "worsening"
    _tool, args, caller = next(c for c in tools.calls if c[0] == "prometheus.query_range")
    assert args["query"] == EXPR and caller == "triage"


def test_flapping_but_worsening_now_is_signal() -> None:
    a = alert(expr=EXPR)
    history = InMemoryAlertHistory()
    for i in range(6):
        history.add_transition(Transition(a.fingerprint, "firing", T0 + timedelta(minutes=i)))
    now = T0 + timedelta(minutes=10)
    values = ramp(now - timedelta(minutes=15), 15, lambda i: 0.06 + 0.02 * i)
    tools = quiet_tools().on(
        "prometheus.query_range", ToolResult.success(matrix([({"service": "checkout"}, values)]))
    )
    verdict = assess(tools, [a], history, now=now)
    assert verdict.kind is TriageKind.SIGNAL
    assert any("not noise despite: flapped" in r for r in verdict.reasons)


def test_silence_and_maintenance_are_noise() -> None:
    a = alert()
    silence = {
        "id": "s-1",
        "status": {"state": "active"},
        "comment": "db migration",
        "matchers": [{"name": "service", "value": "checkout", "isRegex": False, "isEqual": True}],
        "startsAt": T0.isoformat(),
        "endsAt": (T0 + timedelta(hours=1)).isoformat(),
    }
    tools = quiet_tools().on("alertmanager.silences", ToolResult.success([silence]))
    assert assess(tools, [a]).kind is TriageKind.NOISE

    window = MaintenanceWindow(
        name="failover test", start=T0, end=T0 + timedelta(hours=1), services=["checkout"]
    )
    verdict = assess(quiet_tools(), [a], config=TriageConfig(maintenance=[window]))
    assert verdict.kind is TriageKind.NOISE
    assert "failover test" in verdict.explanation


def test_never_actionable_history_is_noise_unless_critical() -> None:
    a = alert()
    history = InMemoryAlertHistory()
    for d in range(4):
        history.add_verdict(
            PastVerdict(a.fingerprint, TriageKind.SIGNAL, T0 - timedelta(days=d + 1), Outcome.NOT_ACTIONABLE)
        )
    assert assess(quiet_tools(), [a], history).kind is TriageKind.NOISE
    critical = alert(severity=Severity.CRITICAL)
    assert assess(quiet_tools(), [critical], history).kind is TriageKind.SIGNAL


def test_known_issue() -> None:
    a = alert()
    history = InMemoryAlertHistory()
    history.add_verdict(
        PastVerdict(a.fingerprint, TriageKind.SIGNAL, T0 - timedelta(days=1), Outcome.KNOWN_ISSUE, "JIRA-12")
    )
    verdict = assess(quiet_tools(), [a], history)
    assert verdict.kind is TriageKind.KNOWN_ISSUE and verdict.related == "JIRA-12"


def test_tool_failures_never_make_noise() -> None:
    a = alert(expr=EXPR)
    tools = CannedTools()  # every tool denied
    verdict = assess(tools, [a])
    assert verdict.kind is TriageKind.SIGNAL


def test_firing_with_no_history_is_signal() -> None:
    assert assess(quiet_tools(), [alert()]).kind is TriageKind.SIGNAL


def test_alert_in_the_blast_radius_of_an_open_signal_is_duplicate() -> None:
    a = alert(service="frontend", status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(seconds=15))
    history = InMemoryAlertHistory()
    history.add_signal(RecentSignal("checkout-errors", "checkout", T0 - timedelta(minutes=2), "INC-9"))
    tools = quiet_tools().on(
        "topology.graph", ToolResult.success({"edges": [{"caller": "frontend", "callee": "checkout"}]})
    )
    verdict = assess(tools, [a], history, now=T0 + timedelta(minutes=1))
    assert verdict.kind is TriageKind.DUPLICATE and verdict.related == "INC-9"
    assert "which frontend depends on" in verdict.explanation or "checkout" in verdict.reasons[0]


def test_real_incident_resolved_after_a_while_stays_signal() -> None:
    """Re-triaged at resolution: a 14-minute outage whose condition is gone is not noise."""
    a = alert(expr=EXPR, status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=14))
    verdict = assess(quiet_tools(), [a], now=T0 + timedelta(minutes=14, seconds=10))
    assert verdict.kind is TriageKind.SIGNAL


def test_resolution_of_an_episode_already_called_signal_on_evidence_is_not_noise() -> None:
    a = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=3))
    history = InMemoryAlertHistory()
    for i in range(6):
        history.add_transition(Transition(a.fingerprint, "firing", T0 - timedelta(minutes=30 - i)))
    # at firing it was a signal because the service had restarted (a fact that stays true)
    history.add_verdict(
        PastVerdict(
            a.fingerprint, TriageKind.SIGNAL, T0 + timedelta(seconds=60), vetoes=("restarts", "severity")
        )
    )
    verdict = assess(quiet_tools(), [a], history, now=T0 + timedelta(minutes=3, seconds=10))
    assert verdict.kind is TriageKind.SIGNAL
    assert any("already judged signal" in r for r in verdict.reasons)


def test_a_duplicate_earlier_in_the_episode_binds_too() -> None:
    a = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=2))
    history = InMemoryAlertHistory()
    history.add_verdict(PastVerdict(a.fingerprint, TriageKind.DUPLICATE, T0 + timedelta(seconds=10)))
    verdict = assess(quiet_tools(), [a], history, now=T0 + timedelta(minutes=2, seconds=10))
    assert verdict.kind is TriageKind.SIGNAL
    assert any("already judged duplicate" in r for r in verdict.reasons)


def test_signal_given_only_as_a_precaution_is_noise_once_it_resolved_on_its_own() -> None:
    """A critical blip is a signal while it fires ("critical and still firing", "still true and
    worsening"); resolved on its own a minute later, nothing binds it and it is a transient."""
    a = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=1), severity=Severity.CRITICAL)
    history = InMemoryAlertHistory()
    history.add_transition(Transition(a.fingerprint, "firing", T0))
    history.add_verdict(
        PastVerdict(
            a.fingerprint, TriageKind.SIGNAL, T0 + timedelta(seconds=10), vetoes=("trend", "severity")
        )
    )
    verdict = assess(quiet_tools(), [a], history, now=T0 + timedelta(minutes=1, seconds=10))
    assert verdict.kind is TriageKind.NOISE
    assert "transient" in verdict.explanation
    episode = next(s for s in verdict.signals if s.name == "episode")
    assert episode.lean.value == "neutral"


def test_flapping_critical_alert_is_signal_while_firing_and_noise_when_it_resolves() -> None:
    fp = "fp-HighErrorRate-currency"
    history = InMemoryAlertHistory()
    for i in range(6):  # fired and resolved three times in the last half hour
        history.add_transition(
            Transition(fp, "firing" if i % 2 == 0 else "resolved", T0 + timedelta(minutes=4 * i))
        )
    now = T0 + timedelta(minutes=24)
    history.add_transition(Transition(fp, "firing", now))
    firing = alert(service="currency", severity=Severity.CRITICAL, starts_at=T0, fingerprint=fp)
    at_firing = assess(quiet_tools(), [firing], history, now=now + timedelta(seconds=10))
    assert at_firing.kind is TriageKind.SIGNAL  # the page decision stays on the safe side
    assert any("not noise despite: flapped" in r for r in at_firing.reasons)
    history.add_verdict(
        PastVerdict(
            fp,
            at_firing.kind,
            now + timedelta(seconds=10),
            vetoes=tuple(s.name for s in at_firing.signals if s.lean.value == "signal"),
        )
    )
    history.add_transition(Transition(fp, "resolved", now + timedelta(minutes=1)))
    resolved = alert(
        service="currency",
        severity=Severity.CRITICAL,
        status=AlertStatus.RESOLVED,
        starts_at=T0,
        ends_at=now + timedelta(minutes=1),
        fingerprint=fp,
    )
    at_resolution = assess(quiet_tools(), [resolved], history, now=now + timedelta(minutes=1, seconds=10))
    assert at_resolution.kind is TriageKind.NOISE
    assert "flapped" in at_resolution.explanation


def test_resolved_alert_is_suppressed_when_it_fired_and_resolved_inside_the_window() -> None:
    window = MaintenanceWindow(
        name="upgrade", start=T0, end=T0 + timedelta(minutes=20), services=["checkout"]
    )
    config = TriageConfig(maintenance=[window])
    inside = alert(
        starts_at=T0 + timedelta(minutes=2),
        status=AlertStatus.RESOLVED,
        ends_at=T0 + timedelta(minutes=19, seconds=55),
    )
    # re-triaged when its resolution arrives, just after the window closed
    verdict = assess(quiet_tools(), [inside], config=config, now=T0 + timedelta(minutes=20, seconds=5))
    assert verdict.kind is TriageKind.NOISE and "upgrade" in verdict.explanation
    # still failing long after the window: the maintenance went wrong, not suppressed
    outlasting = alert(
        starts_at=T0 + timedelta(minutes=2), status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=50)
    )
    verdict = assess(quiet_tools(), [outlasting], config=config, now=T0 + timedelta(minutes=50, seconds=10))
    assert verdict.kind is TriageKind.SIGNAL


def test_a_group_still_firing_is_an_open_incident_however_old_its_verdict() -> None:
    a = alert(name="HighErrorRate", service="checkout")
    old = T0 + timedelta(minutes=10) - timedelta(hours=2)
    history = InMemoryAlertHistory()
    history.add_signal(RecentSignal("other-group", "checkout", old, "INC-old"))
    assert assess(quiet_tools(), [a], history).kind is TriageKind.SIGNAL  # resolved long ago
    history = InMemoryAlertHistory()
    history.add_signal(RecentSignal("other-group", "checkout", old, "INC-open", firing=True))
    verdict = assess(quiet_tools(), [a], history)
    assert verdict.kind is TriageKind.DUPLICATE and verdict.related == "INC-open"


def _one_verdict_on(alerts, at, **kw) -> InMemoryAlertHistory:  # type: ignore[no-untyped-def]
    """One stored verdict on the group, read back once per fingerprint as the database does."""
    history = InMemoryAlertHistory()
    for a in alerts:
        history.add_verdict(PastVerdict(a.fingerprint, TriageKind.SIGNAL, at, verdict_id=41, **kw))
    return history


def test_a_verdict_on_a_group_counts_once_in_the_history() -> None:
    """A verdict on a group of three alerts is stored for each fingerprint: it is one past verdict,
    not three (three would make a 'fired 3 times and was never actionable' history)."""
    alerts = [alert(fingerprint=f"fp{i}") for i in range(3)]
    history = _one_verdict_on(alerts, T0 - timedelta(days=1), outcome=Outcome.NOT_ACTIONABLE)
    verdict = assess(quiet_tools(), alerts, history)
    assert verdict.kind is TriageKind.SIGNAL
    assert "never actionable" not in verdict.explanation
    history_signal = next(s for s in verdict.signals if s.name == "history")
    assert history_signal.lean is not Lean.NOISE


def test_an_earlier_verdict_on_the_group_is_one_verdict_in_the_episode() -> None:
    """The episode's evidence counts stored verdicts, not the fingerprints they covered."""
    ends = T0 + timedelta(minutes=3)
    alerts = [alert(fingerprint=f"ep{i}", status=AlertStatus.RESOLVED, ends_at=ends) for i in range(3)]
    history = _one_verdict_on(alerts, T0 + timedelta(seconds=60), vetoes=("restarts",))
    verdict = assess(quiet_tools(), alerts, history, now=T0 + timedelta(minutes=3, seconds=10))
    episode = next(s for s in verdict.signals if s.name == "episode")
    assert episode.lean is Lean.SIGNAL
    summary = episode.evidence[0].summary
    assert summary.startswith("1 earlier verdict(s) on evidence"), summary


def _episode_after_refire(refired: list[str]) -> TriageSignal:
    """Two resolved alerts under one stored verdict at T0+60 s; the alerts in ``refired`` fired
    again at T0+2 min, after the verdict, so their episode began after it."""
    ends = T0 + timedelta(minutes=4)
    alerts = [alert(fingerprint=f"ep{i}", status=AlertStatus.RESOLVED, ends_at=ends) for i in range(2)]
    history = _one_verdict_on(alerts, T0 + timedelta(seconds=60), vetoes=("restarts",))
    for fp in refired:
        history.add_transition(Transition(fp, "firing", T0 + timedelta(minutes=2)))
    verdict = assess(quiet_tools(), alerts, history, now=T0 + timedelta(minutes=4, seconds=10))
    return next(s for s in verdict.signals if s.name == "episode")


def test_a_verdict_binds_through_any_of_its_alerts_whose_episode_it_belongs_to() -> None:
    """The verdict is read once with its smallest fingerprint (ep0); ep0 fired again after it,
    ep1 did not: the verdict still belongs to ep1's episode and binds (the pairs are read then)."""
    assert _episode_after_refire(["ep0"]).lean is Lean.SIGNAL
    assert _episode_after_refire([]).lean is Lean.SIGNAL
    # both fired again after it: the verdict belongs to an earlier episode of each
    assert _episode_after_refire(["ep0", "ep1"]).lean is Lean.NEUTRAL


def test_a_storm_groups_evidence_names_twenty_fingerprints_with_their_number_and_digest() -> None:
    many = [alert(fingerprint=f"fp{i:05d}") for i in range(3000)]
    args = fingerprint_args(many)
    assert args["fingerprints"] == [f"fp{i:05d}" for i in range(20)]
    assert args["fingerprint_count"] == 3000
    expected = hashlib.sha256("\n".join(sorted(a.fingerprint for a in many)).encode()).hexdigest()
    assert args["fingerprints_sha256"] == expected
    verdict = assess(quiet_tools(), many)
    flapping = next(s for s in verdict.signals if s.name == "flapping")
    assert flapping.evidence[0].args["fingerprint_count"] == 3000
    assert len(json.dumps(verdict.to_dict()["signals"])) < 20_000  # was ~160 KB for such a group
    few = [alert(fingerprint=f"fp{i}") for i in (2, 1)]
    assert fingerprint_args(few) == {"fingerprints": ["fp1", "fp2"]}
