"""What the RDS rules share: the hypothesis builder, spikes, and the two readings every rule uses.

* **maintenance** (:func:`maintenance`): a backup / maintenance event that starts within 15 minutes
  before a spike starts explains it only when the spike is over by the time the event finished (or
  the metric is back down); a spike that outlives the job is not the job's.
* **availability** (:func:`availability`): a failover, reboot or recovery event just before a spike.
* **the statement that carries the load** (:func:`dominant_sql`): the Performance Insights top
  statement when it holds at least half of the window's database load; its waits say whether it
  burned CPU, read the disk or waited on a lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from autoheal.clock import utc
from autoheal.cloud.gather import RdsEvidence
from autoheal.cloud.series import fmt, hhmm
from autoheal.domain.investigation import Evidence, Hypothesis

STRONG, LIKELY, WEAK = 0.9, 0.75, 0.35
AVAILABILITY = frozenset({"failover", "availability", "recovery"})
LOCK_WAITS = ("Lock:", "LWLock:lock_manager", "row_lock_wait", "synch/cond/innodb/row_lock")


class Findings:
    def __init__(self, ev: RdsEvidence, offset: int) -> None:
        self.ev = ev
        self.offset = offset
        self.items: list[Hypothesis] = []

    def add(
        self, kind: str, statement: str, score: float, evidence: Sequence[Evidence | None], **attrs: Any
    ) -> None:
        self.items.append(
            Hypothesis(
                id=f"rds-{self.offset}-{len(self.items) + 1}",
                service=self.ev.instance,
                kind=kind,
                statement=statement,
                generator="rds",
                score=score,
                component=attrs.pop("component", None),
                evidence=[e for e in evidence if e is not None],
                attributes={"metric": self.ev.target.metric, "via": self.ev.target.via, **attrs},
            )
        )


def when(text: str) -> datetime:
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def spike(
    ev: RdsEvidence, metric: str
) -> tuple[float | None, float | None, tuple[datetime, datetime] | None]:
    """(reference mean, incident peak, first/last time above the midway level)."""
    base, peak = ev.reference(metric).mean(), ev.incident(metric).peak()
    if base is None or peak is None:
        return base, peak, None
    return base, peak, ev.incident(metric).above((base + peak) / 2)


def maintenance(ev: RdsEvidence, metric: str) -> tuple[dict[str, Any], bool, str] | None:
    """The maintenance event near the spike of ``metric``, whether it explains it, and why."""
    base, peak, span = spike(ev, metric)
    if span is None or base is None or peak is None:
        return None
    starts = [e for e in ev.maintenance_events() if when(e["at"]) <= span[0] + timedelta(minutes=5)]
    near = [e for e in starts if when(e["at"]) >= span[0] - timedelta(minutes=15)]
    if not near:
        return None
    event = near[-1]
    finished = [
        e
        for e in ev.maintenance_events()
        if when(e["at"]) > when(event["at"]) and "finish" in e["message"].lower()
    ]
    tail = ev.incident(metric).tail_mean(3)
    midway = (base + peak) / 2
    if finished:
        done = when(finished[0]["at"])
        after = ev.incident(metric).between(done + timedelta(minutes=3), ev.end)
        if after.points and (after.mean() or 0) > midway:
            return (
                event,
                False,
                f"{metric} stayed at {fmt(after.mean(), digits=0)} after the job finished at {hhmm(done)}",
            )
        return event, True, f"it ended when the job finished at {hhmm(done)}"
    if tail is not None and tail <= midway:
        return event, True, f"{metric} is back to {fmt(tail, digits=0)}"
    return event, False, f"{metric} is still at {fmt(tail, digits=0)} and the job has not finished"


def dominant_sql(ev: RdsEvidence) -> tuple[dict[str, Any], float, str] | None:
    """(top statement, its share of the load, its main wait) when it carries >= half the load."""
    if not ev.top_sql:
        return None
    total = sum(s["db_load"] for s in ev.top_sql)
    top = ev.top_sql[0]
    if total <= 0 or top["db_load"] / total < 0.5 or top["db_load"] < 0.5:
        return None
    waits = top.get("waits") or {}
    wait = max(waits, key=lambda w: waits[w]) if waits else "CPU"
    return top, top["db_load"] / total, wait


def _sql(top: dict[str, Any]) -> str:
    text = " ".join(top["statement"].split())
    return text if len(text) <= 120 else text[:117] + "..."


def sql_hypothesis(
    f: Findings, ev: RdsEvidence, score: float, context: str, evidence: Sequence[Evidence | None]
) -> bool:
    found = dominant_sql(ev)
    if found is None:
        return False
    top, share, wait = found
    locked = any(wait.startswith(p) or p in wait for p in LOCK_WAITS)
    kind = "lock_contention" if locked else "expensive_query"
    what = f"waiting on {wait}" if locked else f"mostly on {wait}"
    f.add(
        kind,
        f"The statement `{_sql(top)}` carried {top['db_load']:.1f} average active sessions "
        f"({share:.0%} of the database load) on {ev.instance}, {what}; {context}",
        score,
        [ev.top_sql_ev, *evidence],
        component=str(top.get("id") or "sql"),
        statement_text=top["statement"],
        wait=wait,
    )
    return True


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def in_window(window: str | None, at: datetime) -> bool:
    """Whether ``at`` falls in an RDS window: daily ``hh24:mi-hh24:mi`` (backup) or weekly
    ``ddd:hh24:mi-ddd:hh24:mi`` (maintenance), UTC."""
    if not window or "-" not in window:
        return False
    first, last = window.split("-", 1)

    def minute(text: str, weekly: bool) -> int:
        parts = text.split(":")
        day = _DAYS.index(parts[0].lower()) if weekly else 0
        return day * 1440 + int(parts[-2]) * 60 + int(parts[-1])

    try:
        weekly = first.count(":") == 2
        lo, hi = minute(first, weekly), minute(last, weekly)
    except (ValueError, IndexError):
        return False
    at = utc(at)
    now = (at.weekday() * 1440 if weekly else 0) + at.hour * 60 + at.minute
    return lo <= now <= hi if lo <= hi else now >= lo or now <= hi


def maintenance_hypothesis(f: Findings, ev: RdsEvidence, metric: str, context: str) -> bool:
    """Add the maintenance hypothesis for a spike of ``metric``; True when the job explains it."""
    herring = maintenance(ev, metric)
    if herring is None:
        return False
    event, ok, why = herring
    at = when(event["at"])
    facts = ev.facts or {}
    windows = []
    for key, label in (("PreferredBackupWindow", "backup"), ("PreferredMaintenanceWindow", "maintenance")):
        if in_window(facts.get(key), at):
            windows.append(f" in the {label} window {facts[key]}")
    f.add(
        "maintenance",
        f"The {metric} spike on {ev.instance} ({context}) came with the RDS event "
        f"'{event['message']}' ({', '.join(event['categories'])}) at {hhmm(at)}"
        + "".join(windows)
        + (f"; {why}: a maintenance job, not the workload" if ok else f"; ruled out: {why}"),
        STRONG if ok else WEAK,
        [ev.events_ev, ev.metrics_ev, ev.facts_ev],
    )
    return ok


def availability(ev: RdsEvidence, metric: str) -> dict[str, Any] | None:
    """A failover, reboot or recovery event within 15 minutes before the spike of ``metric`` starts."""
    _, _, span = spike(ev, metric)
    if span is None:
        return None
    near = [
        e
        for e in ev.events
        if AVAILABILITY & {c.lower() for c in e["categories"]}
        and span[0] - timedelta(minutes=15) <= when(e["at"]) <= span[0] + timedelta(minutes=2)
    ]
    return near[-1] if near else None
