"""The triage signals, one function each: (facts) -> TriageSignal with its evidence.

Each is cheap (at most one tool call) so that a group is triaged well under a second. A signal that
cannot be established (tool failed, no data) is NEUTRAL: it never pushes towards noise.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus, Severity
from autoheal.domain.investigation import Evidence
from autoheal.domain.tools import ToolStatus
from autoheal.reasoning import reading
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.triage.config import MaintenanceWindow, TriageConfig
from autoheal.reasoning.triage.history import AlertHistory, distinct_verdicts
from autoheal.reasoning.triage.model import Lean, Outcome, PastVerdict, Transition, TriageKind, TriageSignal

HISTORY_TOOL = "autoheal.alert_history"
NAMED_FINGERPRINTS = 20  # an evidence record names at most this many of a group's fingerprints


def fingerprint_args(alerts: Sequence[Alert]) -> dict[str, object]:
    """Which alerts a store read was about, as evidence arguments: every fingerprint of a group of
    up to ``NAMED_FINGERPRINTS``; for a larger one (an alert storm: thousands) the first of them in
    order, their number and a digest of all of them. The verdict keeps every fingerprint it covers
    (``triage_verdict_fingerprints``); three full copies in its evidence, and a fourth in the audit
    trail, made a storm group's verdict 160 KB of JSON written and hashed at every triage."""
    fingerprints = sorted({a.fingerprint for a in alerts})
    if len(fingerprints) <= NAMED_FINGERPRINTS:
        return {"fingerprints": fingerprints}
    digest = hashlib.sha256("\n".join(fingerprints).encode()).hexdigest()
    return {
        "fingerprints": fingerprints[:NAMED_FINGERPRINTS],
        "fingerprint_count": len(fingerprints),
        "fingerprints_sha256": digest,
    }


@dataclass(slots=True)
class Facts:
    group: AlertGroup
    alerts: Sequence[Alert]
    history: AlertHistory
    config: TriageConfig
    ctx: InvestigationContext
    now: datetime
    stored_windows: Sequence[MaintenanceWindow] = ()  # silences and windows kept in the database
    _transitions: dict[datetime, list[Transition]] = field(default_factory=dict)

    def transitions(self, since: datetime) -> list[Transition]:
        """The group's alert transitions since ``since``, read once for this assessment (the
        flapping and episode signals ask for the same window; a storm group has thousands of
        fingerprints, so the read was the larger part of both)."""
        if since not in self._transitions:
            self._transitions[since] = self.history.transitions([a.fingerprint for a in self.alerts], since)
        return self._transitions[since]

    @property
    def service(self) -> str | None:
        return self.group.service or next((a.service for a in self.alerts if a.service), None)

    @property
    def firing(self) -> list[Alert]:
        return [a for a in self.alerts if a.status is AlertStatus.FIRING]

    def history_evidence(self, what: str, args: dict[str, object], summary: str) -> Evidence:
        """Store reads are evidence too (the alert history is Autoheal's own record)."""
        ev = Evidence(
            id=f"ev{len(self.ctx.evidence) + 1}",
            tool=HISTORY_TOOL,
            args={"read": what, **args},
            summary=summary,
            observed_at=self.now,
        )
        self.ctx.evidence.append(ev)
        self.ctx.statuses[ev.id] = ToolStatus.OK
        return ev


def state(f: Facts) -> TriageSignal:
    if f.firing:
        oldest = min(a.starts_at for a in f.firing)
        age = (f.now - oldest).total_seconds()
        return TriageSignal(
            "state",
            Lean.NEUTRAL,
            0.5,
            f"{len(f.firing)} of {len(f.alerts)} alert(s) still firing, for {_human(age)}",
            facts={"firing": len(f.firing), "age_seconds": age},
        )
    durations = [
        ((a.ends_at or f.now) - a.starts_at).total_seconds() for a in f.alerts if a.ends_at is not None
    ]
    longest = max(durations, default=0.0)
    if longest <= f.config.transient_seconds:
        return TriageSignal(
            "state",
            Lean.NOISE,
            -1.5,
            f"already resolved on its own after {_human(longest)} (transient)",
            facts={"firing": 0, "longest_seconds": longest},
        )
    return TriageSignal(
        "state",
        Lean.NEUTRAL,
        0.0,
        f"resolved after {_human(longest)} (too long to be a transient)",
        facts={"firing": 0, "longest_seconds": longest},
    )


def flapping(f: Facts) -> TriageSignal:
    since = f.now - timedelta(seconds=f.config.flapping_window_seconds)
    counts = Counter(t.fingerprint for t in f.transitions(since))
    worst, worst_fp = 0, None
    for alert in f.alerts:
        count = counts[alert.fingerprint]
        if count > worst:
            worst, worst_fp = count, alert.fingerprint
    window = _human(f.config.flapping_window_seconds)
    ev = f.history_evidence(
        "transitions",
        {**fingerprint_args(f.alerts), "since": since.isoformat()},
        f"at most {worst} firing/resolved changes per alert in the last {window}",
    )
    if worst >= f.config.flapping_transitions:
        return TriageSignal(
            "flapping",
            Lean.NOISE,
            -1.5,
            f"flapped {worst} times in the last {window}",
            (ev,),
            {"transitions": worst, "fingerprint": worst_fp},
        )
    return TriageSignal("flapping", Lean.NEUTRAL, 0.0, f"{worst} changes in the last {window}", (ev,))


def past_outcomes(f: Facts) -> tuple[TriageSignal, str | None]:
    """Past verdicts of these fingerprints; returns the signal and a known-issue reference."""
    since = f.now - timedelta(days=f.config.history_days)
    verdicts = f.history.past_verdicts([a.fingerprint for a in f.alerts], since, each_once=True)
    judged = [v for v in verdicts if v.outcome is not Outcome.UNKNOWN]
    actionable = [v for v in judged if v.outcome is Outcome.ACTIONABLE]
    known = sorted((v for v in judged if v.outcome is Outcome.KNOWN_ISSUE), key=lambda v: v.at)
    ev = f.history_evidence(
        "past_verdicts",
        {**fingerprint_args(f.alerts), "since": since.isoformat()},
        f"{len(verdicts)} past verdict(s), {len(judged)} with an outcome, {len(actionable)} actionable",
    )
    days = int(f.config.history_days)
    if known:
        ref = known[-1].reference or known[-1].fingerprint
        return (
            TriageSignal(
                "history",
                Lean.NEUTRAL,
                0.0,
                f"a known issue ({ref}) was recorded for this alert",
                (ev,),
                {"known_issue": ref},
            ),
            ref,
        )
    if len(judged) >= f.config.never_actionable_min and not actionable:
        return (
            TriageSignal(
                "history",
                Lean.NOISE,
                -1.0,
                f"fired {len(verdicts)} times in {days} days and was never actionable",
                (ev,),
                {"past": len(verdicts), "actionable": 0},
            ),
            None,
        )
    if actionable:
        share = len(actionable) / len(judged)
        return (
            TriageSignal(
                "history",
                Lean.SIGNAL if share >= 0.5 else Lean.NEUTRAL,
                1.0 * share,
                f"actionable {len(actionable)} of {len(judged)} times in {days} days",
                (ev,),
                {"past": len(verdicts), "actionable": len(actionable)},
            ),
            None,
        )
    return TriageSignal("history", Lean.NEUTRAL, 0.0, "no judged history", (ev,)), None


def episode(f: Facts) -> TriageSignal:
    """An alert already judged signal on evidence (or part of an incident) earlier in this same
    episode stays so: its resolution, or a re-triage after it, does not turn a real incident into
    noise. A signal that rested only on a precaution of the moment ("critical and still firing",
    or no reason either way) does not bind (``PastVerdict.binding``): once the alert resolved on
    its own or is seen flapping, that is what it is judged on."""
    window = f.now - timedelta(seconds=f.config.flapping_window_seconds)
    fingerprints = [a.fingerprint for a in f.alerts]
    fired: dict[str, list[datetime]] = defaultdict(list)
    for t in f.transitions(window):
        if t.status == "firing" and t.at <= f.now:
            fired[t.fingerprint].append(t.at)
    # the episode began at the latest firing transition (a re-fired alert keeps its first starts_at)
    start = {a.fingerprint: max([a.starts_at, *fired[a.fingerprint]]) for a in f.alerts}
    since = min(start.values())
    earlier = _episode_verdicts(f, fingerprints, start, since)
    if not earlier:
        return TriageSignal("episode", Lean.NEUTRAL, 0.0, "no earlier verdict on evidence in this episode")
    first = min(earlier, key=lambda v: v.at)
    ev = f.history_evidence(
        "past_verdicts",
        {**fingerprint_args(f.alerts), "since": since.isoformat()},
        f"{len(earlier)} earlier verdict(s) on evidence in this episode, first {first.kind.value} at {first.at:%H:%M:%S}",
    )
    return TriageSignal(
        "episode",
        Lean.SIGNAL,
        1.0,
        f"already judged {first.kind.value} at {first.at:%H:%M:%S} in this episode",
        (ev,),
    )


def _episode_verdicts(
    f: Facts, fingerprints: Sequence[str], start: Mapping[str, datetime], since: datetime
) -> list[PastVerdict]:
    """The binding verdicts given after the episode of one of their alerts began, each once.

    Each verdict is read once first (with one fingerprint of the group it covers): when that
    fingerprint's episode had begun by the verdict for every binding one, those are the answer.
    Only otherwise (an alert of the verdict fired anew after it) are the (fingerprint, verdict)
    pairs read — a storm group's verdicts each cover thousands of fingerprints, and reading every
    pair was the largest part of its triage."""
    once = [v for v in f.history.past_verdicts(fingerprints, since, each_once=True) if v.binding]
    if all(v.at >= start[v.fingerprint] for v in once):
        return once
    return distinct_verdicts(
        v for v in f.history.past_verdicts(fingerprints, since) if v.binding and v.at >= start[v.fingerprint]
    )


def suppression(f: Facts) -> TriageSignal:
    """Alertmanager silences (through the governed tool), configured maintenance windows, and the
    silences and maintenance windows stored in Autoheal's database."""
    reasons: list[str] = []
    evidence: list[Evidence] = []
    result, ev = f.ctx.call(reading.SILENCES, {}, "active Alertmanager silences")
    evidence.append(ev)
    if result.ok:
        for alert in f.alerts:
            for s in reading.read_silences(result.data):
                if reading.silence_matches(s, alert.labels, f.now):
                    sid = s.get("id", "?") if isinstance(s, dict) else "?"
                    comment = s.get("comment", "") if isinstance(s, dict) else ""
                    reasons.append(f"silenced by {sid} ({comment})" if comment else f"silenced by {sid}")
                    break
    if f.stored_windows:
        evidence.append(
            f.history_evidence(
                "suppressions",
                {"at": f.now.isoformat()},
                f"{len(f.stored_windows)} silence(s) / maintenance window(s) stored in Autoheal",
            )
        )
    for window in (*f.config.maintenance, *f.stored_windows):
        for alert in f.alerts:
            if _in_window(window, alert, f):
                reasons.append(window.describe())
                break
    if reasons:
        return TriageSignal("suppression", Lean.NOISE, -3.0, "; ".join(sorted(set(reasons))), tuple(evidence))
    return TriageSignal("suppression", Lean.NEUTRAL, 0.0, "no silence or maintenance window", tuple(evidence))


def _in_window(window: MaintenanceWindow, alert: Alert, f: Facts) -> bool:
    """A firing alert is covered while the window is on; a resolved one when it fired and resolved
    inside the window (re-triaged at its resolution, which may be delivered just after the end)."""
    service = alert.service or f.service
    if alert.status is AlertStatus.FIRING or alert.ends_at is None:
        return window.covers(f.now, service, alert.labels)
    return window.covers(alert.starts_at, service, alert.labels) and window.covers(
        alert.ends_at, service, alert.labels
    )


def duplicate(f: Facts) -> tuple[TriageSignal, str | None]:
    """An open incident / recent signal on the same service, or on a service it depends on (its
    blast radius reaches this one): then this alert belongs to that incident."""
    if not f.service:
        return TriageSignal("duplicate", Lean.NEUTRAL, 0.0, "no service to compare with"), None
    since = f.now - timedelta(seconds=f.config.duplicate_window_seconds)
    evidence: list[Evidence] = []
    upstream: list[str] = []
    if f.config.blast_radius_depth > 0:
        result, ev = f.ctx.call(reading.TOPOLOGY, {}, f"dependencies of {f.service}")
        if result.ok:
            graph = reading.read_graph(result.data)
            upstream = sorted(graph.dependencies(f.service, f.config.blast_radius_depth))
            evidence.append(ev)
    found = []
    for service in [f.service, *upstream]:
        found += [
            s for s in f.history.recent_signals(service, since) if s.group_key != f.group.key and s.open
        ]
    where = f.service + (f" and its {len(upstream)} dependencies" if upstream else "")
    evidence.append(
        f.history_evidence(
            "recent_signals",
            {"services": [f.service, *upstream], "since": since.isoformat()},
            f"{len(found)} open incident(s) or recent signal(s) on {where}",
        )
    )
    if found:
        first = max(found, key=lambda s: (s.service == f.service, s.at))
        via = "" if first.service == f.service else f" on {first.service}, which {f.service} depends on"
        return (
            TriageSignal(
                "duplicate",
                Lean.NEUTRAL,
                0.0,
                f"part of the open signal {first.reference} ({first.group_key}){via}",
                tuple(evidence),
                {"reference": first.reference, "service": first.service},
            ),
            first.reference,
        )
    return TriageSignal("duplicate", Lean.NEUTRAL, 0.0, f"nothing open on {where}", tuple(evidence)), None


def trend(f: Facts) -> TriageSignal:
    """Re-evaluate the alert's own expression: is the condition still true, and getting worse?"""
    alert = next((a for a in f.alerts if reading.expression_from_url(a.generator_url)), None)
    expr = reading.expression_from_url(alert.generator_url) if alert else None
    if alert is None or expr is None:
        return TriageSignal("trend", Lean.NEUTRAL, 0.0, "no expression to re-evaluate (no generatorURL)")
    window = Window(f.now - timedelta(seconds=f.config.trend_lookback_seconds), f.now)
    step = reading.step_for(window, 60)
    result, ev = f.ctx.call(
        reading.QUERY_RANGE, reading.range_args(expr, window, step), f"re-evaluated {expr}"
    )
    if not result.ok and result.status.value != "no_data":
        return TriageSignal("trend", Lean.NEUTRAL, 0.0, f"could not re-evaluate: {result.message}", (ev,))
    series = [s for s in reading.read_series(result.data) if _same_alert(s.labels, alert.labels)]
    points = max(series, key=lambda s: len(s.values), default=None)
    if points is None or not points.values:
        detail = "condition no longer true (expression returns nothing now)"
        # a recovery is no reason on its own to call an alert noise (every real incident recovers)
        return TriageSignal("trend", Lean.NEUTRAL, -0.5, detail, (ev,), {"trend": "recovered"})
    active = points.times[-1] >= f.now.timestamp() - max(3 * step, 150.0)
    third = max(1, len(points.values) // 3)
    first, last = statistics.median(points.values[:third]), statistics.median(points.values[-third:])
    lower_is_worse = bool(re.search(r"<\s*=?\s*[-+]?[0-9.]+\s*$", expr)) and ">" not in expr
    change = (last - first) / max(abs(first), 1e-9)
    worsening = active and (
        change <= -f.config.trend_rise_ratio if lower_is_worse else change >= f.config.trend_rise_ratio
    )
    facts = {
        "trend": "worsening" if worsening else ("active" if active else "recovered"),
        "first": first,
        "last": last,
    }
    ev = f.ctx.cite(ev, f"{expr}: {first:.4g} -> {last:.4g} over {_human(window.seconds)}")
    if worsening:
        return TriageSignal(
            "trend", Lean.SIGNAL, 1.5, f"still true and worsening ({first:.4g} -> {last:.4g})", (ev,), facts
        )
    if active:
        return TriageSignal(
            "trend", Lean.NEUTRAL, 0.5, f"still true, steady ({first:.4g} -> {last:.4g})", (ev,), facts
        )
    return TriageSignal("trend", Lean.NEUTRAL, -0.5, "condition no longer true", (ev,), facts)


def changes(f: Facts) -> TriageSignal:
    if not f.service:
        return TriageSignal("changes", Lean.NEUTRAL, 0.0, "no service to look up changes for")
    window = Window(f.now - timedelta(seconds=f.config.changes_lookback_seconds), f.now)
    result, ev = f.ctx.call(
        reading.CHANGES, reading.window_args(window, f.service), f"changes on {f.service} in the last hour"
    )
    found = [c for c in reading.read_changes(result.data) if c.service == f.service] if result.ok else []
    if found:
        last = found[-1]
        ago = _human((f.now - last.at).total_seconds())
        what = f"{last.kind} {last.version or last.summary}".strip()
        ev = f.ctx.cite(ev, f"{len(found)} change(s) on {f.service}; latest {what} {ago} ago")
        return TriageSignal(
            "changes", Lean.SIGNAL, 1.5, f"{what} on {f.service} {ago} ago", (ev,), {"changes": len(found)}
        )
    return TriageSignal("changes", Lean.NEUTRAL, 0.0, f"no change on {f.service} in the last hour", (ev,))


def restarts(f: Facts) -> TriageSignal:
    """Restarts of the service's containers in the last hour (crash loops, OOM kills): a real
    problem even when its alerts flap (a memory leak fires, restarts, resolves, fires again)."""
    if not f.service or not f.config.restart_metrics:
        return TriageSignal("restarts", Lean.NEUTRAL, 0.0, "no restart metric configured")
    window = Window(f.now - timedelta(seconds=f.config.changes_lookback_seconds), f.now)
    evidence: list[Evidence] = []
    for metric in f.config.restart_metrics:
        query = f'{metric}{{service="{f.service}"}}'
        result, ev = f.ctx.call(
            reading.QUERY_RANGE,
            reading.range_args(query, window, reading.step_for(window, 60)),
            f"restarts of {f.service}",
        )
        evidence.append(ev)
        if not result.ok:
            continue
        total = 0.0
        for series in reading.read_series(result.data):
            values = series.values
            # a counter: sum of increases, resets (a new container) counted from zero
            total += sum(max(b - a, 0.0) if b >= a else b for a, b in itertools.pairwise(values))
        if total >= 1:
            cited = f.ctx.cite(ev, f"{f.service} restarted {total:.0f} time(s) in the last hour ({metric})")
            return TriageSignal(
                "restarts",
                Lean.SIGNAL,
                1.5,
                f"{f.service} restarted {total:.0f} time(s) in the last hour",
                (cited,),
            )
    return TriageSignal(
        "restarts", Lean.NEUTRAL, 0.0, f"no restart of {f.service} in the last hour", tuple(evidence)
    )


def severity(f: Facts) -> TriageSignal:
    worst = max((a.severity for a in f.alerts), key=lambda s: s.rank, default=f.group.severity)
    if worst is Severity.CRITICAL and f.firing and f.config.critical_blocks_noise:
        return TriageSignal("severity", Lean.SIGNAL, 1.0, "critical and still firing")
    return TriageSignal("severity", Lean.NEUTRAL, 0.25 * (worst.rank - 2), f"severity {worst.value}")


# An investigator that can tell from the alert (and, if it needs them, a few governed reads through
# the triage context) that the alert is noise: the reason and the evidence, or None.
NoiseRecogniser = Callable[[Alert, InvestigationContext], "tuple[str, Sequence[Evidence]] | None"]


def default_recognisers() -> tuple[NoiseRecogniser, ...]:
    """Kubernetes' heartbeat / inhibition-helper recogniser (alert only) and its recovered /
    healthy recogniser (reads the objects the alert names through the governed tools)."""
    from autoheal.k8s.triage import heartbeat_recogniser, recovered_recogniser

    return (heartbeat_recogniser, recovered_recogniser)


def recognised(f: Facts, recognisers: Sequence[NoiseRecogniser]) -> TriageSignal:
    """Asks the investigators that can recognise noise; noise only when every alert is recognised."""
    reasons: list[str] = []
    evidence: list[Evidence] = []
    for alert in f.alerts:
        found = next((r for rec in recognisers if (r := rec(alert, f.ctx)) is not None), None)
        if found is None:
            return TriageSignal("recognised", Lean.NEUTRAL, 0.0, "no investigator recognises it as noise")
        reasons.append(found[0])
        evidence.extend(found[1])
    return TriageSignal(
        "recognised", Lean.NOISE, -3.0, reasons[0], tuple(evidence), facts={"reasons": reasons}
    )


def _same_alert(series_labels: Mapping[str, str], alert_labels: Mapping[str, str]) -> bool:
    return all(alert_labels.get(k, v) == v for k, v in series_labels.items() if k != "__name__")


def _human(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


__all__ = ["Facts", "TriageKind"]
