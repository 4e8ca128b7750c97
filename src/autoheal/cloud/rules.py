"""The RDS causes, one function per alarmed metric family, and the red herrings they know.

Each rule reads :class:`~autoheal.cloud.gather.RdsEvidence` and adds hypotheses to
:class:`~autoheal.cloud.findings.Findings`, using the shared readings of
:mod:`autoheal.cloud.findings` (maintenance jobs, availability events, the statement carrying the
load). A metric with no datapoints is never a level: :func:`autoheal.cloud.series.fmt` writes
"not reported".
"""

from __future__ import annotations

from autoheal.cloud.findings import (
    LIKELY,
    STRONG,
    WEAK,
    Findings,
    availability,
    maintenance_hypothesis,
    spike,
    sql_hypothesis,
    when,
)
from autoheal.cloud.gather import RdsEvidence
from autoheal.cloud.limits import default_max_connections, iops_limit
from autoheal.cloud.series import GIB, MIB, Series, fmt, hhmm
from autoheal.domain.investigation import Evidence

__all__ = [
    "Findings",
    "connections",
    "cpu",
    "iops",
    "locks",
    "memory",
    "no_evidence",
    "replica_lag",
    "storage",
]


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
            f"({', '.join(event['categories'])}) at {hhmm(when(event['at']))}: clients reconnecting at once ({context})",
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
