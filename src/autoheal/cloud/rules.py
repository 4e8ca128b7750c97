"""The RDS causes, one function per alarmed metric family, and the red herrings they know.

Each rule reads :class:`~autoheal.cloud.gather.RdsEvidence` and adds hypotheses to
:class:`Findings`. Shared reasoning:

* **maintenance** (:func:`maintenance`): a backup / maintenance event that starts within 15 minutes
  before a spike starts explains it only when the spike is over by the time the event finished (or
  the metric is back down); a spike that outlives the job is not the job's.
* **the statement that carries the load** (:func:`dominant_sql`): the Performance Insights top
  statement when it holds at least half of the window's database load; its waits say whether it
  burned CPU, read the disk or waited on a lock.
* a metric with no datapoints is never a level: :func:`autoheal.cloud.series.fmt` writes
  "not reported".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from autoheal.clock import utc
from autoheal.cloud.gather import RdsEvidence
from autoheal.cloud.limits import default_max_connections, iops_limit
from autoheal.cloud.series import GIB, MIB, Series, fmt, hhmm
from autoheal.domain.investigation import Evidence, Hypothesis

STRONG, LIKELY, WEAK = 0.9, 0.75, 0.35
AVAILABILITY = frozenset({"failover", "availability", "recovery"})
LOCK_WAITS = ("Lock:", "LWLock:lock_manager", "row_lock_wait", "synch/cond/innodb/row_lock")
IO_WAITS = ("IO:", "io/", "IO:DataFileRead", "wait/io/")


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


def _t(text: str) -> datetime:
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
    starts = [e for e in ev.maintenance_events() if _t(e["at"]) <= span[0] + timedelta(minutes=5)]
    near = [e for e in starts if _t(e["at"]) >= span[0] - timedelta(minutes=15)]
    if not near:
        return None
    event = near[-1]
    finished = [
        e
        for e in ev.maintenance_events()
        if _t(e["at"]) > _t(event["at"]) and "finish" in e["message"].lower()
    ]
    tail = ev.incident(metric).tail_mean(3)
    midway = (base + peak) / 2
    if finished:
        done = _t(finished[0]["at"])
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
    at = _t(event["at"])
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


def cpu(f: Findings, ev: RdsEvidence) -> None:
    base, peak, _ = spike(ev, "CPUUtilization")
    context = f"CPUUtilization rose from {fmt(base, ' %')} to {fmt(peak, ' %')} at {hhmm(ev.incident('CPUUtilization').when_peak())}"
    explained = maintenance_hypothesis(f, ev, "CPUUtilization", context)
    if sql_hypothesis(f, ev, LIKELY if explained else STRONG, context, [ev.metrics_ev]):
        return
    if not explained and peak is not None:
        f.add(
            "cpu_saturation",
            f"{ev.instance} is CPU-bound: {context}; no single statement carries the load",
            LIKELY,
            [ev.metrics_ev, ev.top_sql_ev],
        )


def availability(ev: RdsEvidence, metric: str) -> dict[str, Any] | None:
    """A failover, reboot or recovery event within 15 minutes before the spike of ``metric`` starts."""
    _, _, span = spike(ev, metric)
    if span is None:
        return None
    near = [
        e
        for e in ev.events
        if AVAILABILITY & {c.lower() for c in e["categories"]}
        and span[0] - timedelta(minutes=15) <= _t(e["at"]) <= span[0] + timedelta(minutes=2)
    ]
    return near[-1] if near else None


def connections(f: Findings, ev: RdsEvidence) -> None:
    series = ev.incident("DatabaseConnections")
    facts = ev.facts or {}
    limit = default_max_connections(facts.get("DBInstanceClass"), facts.get("Engine"))
    limit_text = f" of about {limit:,} allowed for {facts.get('DBInstanceClass')}" if limit else ""
    context = f"DatabaseConnections rose from {fmt(ev.reference('DatabaseConnections').mean())} to {fmt(series.peak())}{limit_text}"
    event = availability(ev, "DatabaseConnections")
    if event is not None:
        kind = "failover" if "failover" in {c.lower() for c in event["categories"]} else "restart"
        f.add(
            kind,
            f"Connections to {ev.instance} surged right after the RDS event '{event['message']}' "
            f"({', '.join(event['categories'])}) at {hhmm(_t(event['at']))}: clients reconnecting at once ({context})",
            STRONG,
            [ev.events_ev, ev.metrics_ev, ev.facts_ev],
        )
    if sql_hypothesis(f, ev, STRONG, f"sessions piled up behind it: {context}", [ev.metrics_ev, ev.facts_ev]):
        return
    cpu_now, load_now = ev.incident("CPUUtilization").mean(), ev.incident("DBLoad").mean()
    slope = series.slope_per_hour()
    if slope and slope > 0 and series.steadiness() > 0.8 and (cpu_now is None or cpu_now < 50):
        f.add(
            "connection_leak",
            f"Connections to {ev.instance} climbed steadily ({slope:,.0f} per hour; {context}) while "
            f"CPUUtilization stayed at {fmt(cpu_now, ' %')} and DBLoad at {fmt(load_now, digits=1)}: "
            "clients open connections and do not close them (idle connections, a leaking pool)",
            STRONG,
            [ev.metrics_ev, ev.facts_ev],
        )
        return
    f.add(
        "connection_surge",
        f"A surge of connections to {ev.instance}: {context}",
        LIKELY,
        [ev.metrics_ev, ev.facts_ev],
    )


def storage(f: Findings, ev: RdsEvidence) -> None:
    series = ev.series.get("FreeStorageSpace", Series("FreeStorageSpace", ())).between(
        ev.reference_start, ev.end
    )
    slope = series.slope_per_hour()
    allocated = (ev.facts or {}).get("AllocatedStorage")
    last = series.last()
    of = f" of {allocated} GiB allocated" if allocated else ""
    if slope is not None and slope < 0 and last is not None:
        hours = last / -slope
        writes = ev.incident("WriteIOPS").mean()
        f.add(
            "storage_exhaustion",
            f"Free storage on {ev.instance} fell from {fmt((series.first() or 0) / GIB, ' GiB', 1)} to "
            f"{fmt(last / GIB, ' GiB', 1)}{of} at {-slope / GIB:.1f} GiB per hour: full in about {hours:.1f} h "
            f"(WriteIOPS {fmt(writes)})"
            + (
                "; storage autoscaling is on (MaxAllocatedStorage "
                + str(ev.facts["MaxAllocatedStorage"])
                + " GiB)"
                if ev.facts and ev.facts.get("MaxAllocatedStorage")
                else ""
            ),
            STRONG,
            [ev.metrics_ev, ev.facts_ev],
        )
    elif last is not None:
        f.add(
            "storage_low",
            f"Free storage on {ev.instance} is {fmt(last / GIB, ' GiB', 1)}{of} and not falling",
            LIKELY,
            [ev.metrics_ev, ev.facts_ev],
        )


def memory(f: Findings, ev: RdsEvidence) -> None:
    low = ev.incident("FreeableMemory").low()
    before = ev.reference("FreeableMemory").mean()
    swap, swap_before = ev.incident("SwapUsage").peak(), ev.reference("SwapUsage").mean()
    conns, conns_before = (
        ev.incident("DatabaseConnections").peak(),
        ev.reference("DatabaseConnections").mean(),
    )
    text = (
        f"FreeableMemory on {ev.instance} fell from {fmt(before and before / MIB, ' MiB')} to "
        f"{fmt(low and low / MIB, ' MiB')}, SwapUsage {fmt(swap_before and swap_before / MIB, ' MiB')} -> "
        f"{fmt(swap and swap / MIB, ' MiB')}"
    )
    if conns and conns_before and conns > 1.5 * conns_before:
        text += f"; DatabaseConnections rose from {fmt(conns_before)} to {fmt(conns)} (each connection holds its own memory)"
        f.add("memory_pressure", text, STRONG, [ev.metrics_ev], component="connections")
        return
    if sql_hypothesis(f, ev, STRONG, text, [ev.metrics_ev]):
        return
    f.add("memory_pressure", text, LIKELY, [ev.metrics_ev])


def iops(f: Findings, ev: RdsEvidence) -> None:
    facts = ev.facts or {}
    read, write = ev.incident("ReadIOPS"), ev.incident("WriteIOPS")
    total = (read.peak() or 0) + (write.peak() or 0) if not (read.missing and write.missing) else None
    queue = ev.incident("DiskQueueDepth").peak()
    burst = ev.incident("BurstBalance").low()
    limit = iops_limit(facts)
    context = f"ReadIOPS peaked at {fmt(read.peak())}, WriteIOPS at {fmt(write.peak())}, DiskQueueDepth at {fmt(queue, digits=1)}"
    metric = ev.target.metric if ev.target.metric in ("ReadIOPS", "WriteIOPS") else "ReadIOPS"
    if maintenance_hypothesis(f, ev, metric, context):
        sql_hypothesis(f, ev, LIKELY, context, [ev.metrics_ev])
        return
    if facts.get("StorageType") == "gp2" and burst is not None and burst < 20:
        f.add(
            "burst_balance_exhausted",
            f"The gp2 volume of {ev.instance} ran out of I/O credits: BurstBalance fell to {burst:.0f} %, "
            f"so IOPS are capped at the baseline of {3 * int(facts.get('AllocatedStorage') or 0):,} ({context})",
            STRONG,
            [ev.metrics_ev, ev.facts_ev],
        )
    elif limit is not None and total is not None and total >= 0.9 * limit[0]:
        f.add(
            "iops_saturation",
            f"{ev.instance} is at its I/O limit: {total:,.0f} IOPS against {limit[1]} ({context})",
            STRONG,
            [ev.metrics_ev, ev.facts_ev],
        )
    sql_hypothesis(f, ev, LIKELY, context, [ev.metrics_ev])


def replica_lag(f: Findings, ev: RdsEvidence, source: tuple[Series, Series, Evidence] | None) -> None:
    lag = ev.incident("ReplicaLag")
    facts = ev.facts or {}
    context = f"ReplicaLag reached {fmt(lag.peak(), ' s')}"
    if source is not None:
        ref, now, evidence = source
        name = facts.get("ReadReplicaSourceDBInstanceIdentifier")
        if ref.mean() and now.peak() and now.peak() > 2 * ref.mean():  # type: ignore[operator]
            f.add(
                "replica_lag",
                f"{ev.instance} lags its source {name} after a write burst there: WriteIOPS on {name} rose from "
                f"{fmt(ref.mean())} to {fmt(now.peak())}; {context} (replica class {facts.get('DBInstanceClass')})",
                STRONG,
                [evidence, ev.metrics_ev, ev.facts_ev],
                component=name,
            )
            return
    cpu_peak = ev.incident("CPUUtilization").peak()
    if cpu_peak is not None and cpu_peak > 80:
        f.add(
            "replica_overloaded",
            f"The replica {ev.instance} is CPU-bound ({fmt(cpu_peak, ' %')}) and cannot replay in time; {context}",
            LIKELY,
            [ev.metrics_ev],
        )
        return
    f.add(
        "replica_lag",
        f"{ev.instance}: {context}; the source's writes do not explain it",
        WEAK,
        [ev.metrics_ev, ev.facts_ev],
    )


def locks(f: Findings, ev: RdsEvidence) -> None:
    if ev.target.metric == "DBLoad":
        context = f"DBLoad rose from {fmt(ev.reference('DBLoad').mean(), digits=1)} to {fmt(ev.incident('DBLoad').peak(), digits=1)} active sessions"
    else:
        dead = ev.incident("Deadlocks")
        context = (
            f"Deadlocks {fmt(sum(dead.values()), digits=0)} in the window"
            if not dead.missing
            else "Deadlocks not reported by this engine"
        )
    if not sql_hypothesis(f, ev, STRONG, context, [ev.metrics_ev]):
        f.add(
            "lock_contention",
            f"{ev.instance}: {context}; Performance Insights names no statement",
            WEAK,
            [ev.metrics_ev, ev.top_sql_ev],
        )


def no_evidence(f: Findings, ev: RdsEvidence) -> None:
    facts = ev.facts or {}
    status = facts.get("DBInstanceStatus")
    f.add(
        "no_evidence",
        f"CloudWatch has no datapoints for {ev.target.metric} of {ev.instance} between {hhmm(ev.start)} and "
        f"{hhmm(ev.end)}: the alarm has nothing behind it (the metric is missing, which is not 0)"
        + (f"; the instance is {status}" if status else "; the instance was not found"),
        STRONG,
        [ev.metrics_ev, ev.facts_ev],
        component=ev.target.metric,
    )
