"""How visible each Nezha fault kind is from the metrics alone: a study of the data, not of the
engine (docs/benchmarks.md, "What the metrics alone show on Nezha").

For every fault in the two ``fault_list.json`` files: the baseline is the 1200 s before the
injection, the fault window the 300 s after (the windows of nezha_code_fault_visibility.py). For
each pod metric (the per-pod columns of ``metric/ts-*_metric.csv.gz``; the ``Node*`` columns are the
node's, shared by every pod on it, and left out) the score is the largest robust |z| of a
fault-window sample: median of the baseline, scale 1.4826 MAD (the standard deviation where the
MAD is 0), at least 1% of the baseline's mean |value| (the latency series are quantised), capped
at 1e6. A service's score on a metric is the largest over its pods.

* ``rank``: services ordered by their largest score over all their metrics; the faulty service's
  rank (0 = first) and the metric that gives its score: the plain rule "the service whose own
  metric moved most". ``latency_rank``: the same over the ``*Latency*`` metrics only.
* ``own_latency`` / ``own_network``: the faulty service's largest |z| over its ``*Latency*`` /
  ``Network*`` metrics; ``caller_latency`` / ``caller_network``: the same over its callers (the
  services whose spans are parents of its spans in the day's fault-free ``construct_data`` trace
  minute: the topology only, no fault-window trace is read). "Moves" is |z| >= 3.
  ``moving_share``: the share of all services with a latency metric at |z| >= 3 (the base rate).
* ``best_metric``: per kind, the single metric on which the faulty service ranks first most often
  (chosen after the fact: a ceiling, not a rule); ``any_metric_first``: the faults in which the
  faulty service is first on at least one of its metrics (a looser ceiling). Ties rank against it.

    python benchmarks/nezha_metric_visibility.py --data-dir ../shared/bench
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from nezha_code_fault_visibility import fault_list, service

SKIP = {"Time", "TimeStamp", "PodName", "ServiceName"}
MOVES = 3.0
FLOOR = 0.01
CAP = 1e6

Pod = list[tuple[int, dict[str, float]]]


def load_metrics(day_dir: Path) -> dict[str, list[Pod]]:
    out: dict[str, list[Pod]] = defaultdict(list)
    for f in sorted((day_dir / "metric").glob("ts-*_metric.csv.gz")):
        with gzip.open(f, "rt") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            continue
        pod = []
        for r in rows:
            values = {}
            for k, v in r.items():
                if k in SKIP or k.startswith("Node") or not v:
                    continue
                x = float(v)
                if x == x:
                    values[k] = x
            pod.append((int(r["TimeStamp"]), values))
        out[service(rows[0]["PodName"])].append(pod)
    return out


def z_score(ref: list[float], inc: list[float]) -> float:
    med = statistics.median(ref)
    mad = statistics.median(abs(v - med) for v in ref) * 1.4826
    scale = max(mad or statistics.pstdev(ref), FLOOR * statistics.mean(abs(v) for v in ref))
    worst = max(abs(v - med) for v in inc)
    if scale == 0:
        return CAP if worst > 0 else 0.0
    return min(worst / scale, CAP)


def scores(pods: list[Pod], at: float) -> dict[str, float]:
    """Metric name -> the largest |z| over the service's pods."""
    out: dict[str, float] = {}
    for rows in pods:
        for name in sorted({k for _, vals in rows for k in vals}):
            ref = [v[name] for t, v in rows if at - 1200 <= t < at and name in v]
            inc = [v[name] for t, v in rows if at <= t < at + 300 and name in v]
            if len(ref) >= 5 and inc:
                out[name] = max(out.get(name, 0.0), z_score(ref, inc))
    return out


def callers(day_dir: Path) -> dict[str, set[str]]:
    pods: dict[str, str] = {}
    parents: list[tuple[str, str]] = []
    for f in sorted((day_dir / "trace").glob("*.csv.gz")):
        with gzip.open(f, "rt") as fh:
            for r in csv.DictReader(fh):
                pods[r["SpanID"]] = service(r["PodName"])
                parents.append((r["ParentID"], pods[r["SpanID"]]))
    out: dict[str, set[str]] = defaultdict(set)
    for parent, child in parents:
        if parent in pods and pods[parent] != child:
            out[child].add(pods[parent])
    return out


def top(named: dict[str, float], kind: str) -> float:
    return max((v for k, v in named.items() if kind in k), default=0.0)


def rank(by: dict[str, float], truth: str) -> int | None:
    """How many other services score at least as high (ties count against the faulty service)."""
    return sum(v >= by[truth] for s, v in by.items() if s != truth) if truth in by else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="../shared/bench")
    root = Path(parser.parse_args().data_dir) / "nezha"
    faults = fault_list(root)
    metrics = {day: load_metrics(root / "rca_data" / day) for day in {f[0] for f in faults}}
    graph = {day: callers(root / "construct_data" / day) for day in metrics}
    rows: list[dict[str, Any]] = []
    per_metric_first: dict[str, Counter[str]] = defaultdict(Counter)
    for day, at, truth, kind in faults:
        per = {svc: scores(pods, at) for svc, pods in metrics[day].items()}
        for name in sorted({m for named in per.values() for m in named}):
            per_metric_first[kind][name] += (
                rank({s: n[name] for s, n in per.items() if name in n}, truth) == 0
            )
        any_first = any(
            rank({s: n[m] for s, n in per.items() if m in n}, truth) == 0 for m in per.get(truth, {})
        )
        own = per.get(truth, {})
        up = [per[c] for c in graph[day].get(truth, ()) if c in per]
        best = {svc: max(named.values(), default=0.0) for svc, named in per.items()}
        row = {
            "fault": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)),
            "kind": kind,
            "truth": truth,
            "rank": rank(best, truth),
            "latency_rank": rank({s: top(n, "Latency") for s, n in per.items()}, truth),
            "metric": max(own, key=lambda k: own[k]) if own else None,
            "first": max(best, key=lambda s: best[s]) if best else None,
            "own_latency": top(own, "Latency"),
            "own_network": top(own, "Network"),
            "caller_latency": max((top(c, "Latency") for c in up), default=0.0),
            "caller_network": max((top(c, "Network") for c in up), default=0.0),
            "any_metric_first": any_first,
            "moving_share": sum(top(p, "Latency") >= MOVES for p in per.values()) / max(len(per), 1),
        }
        rows.append(row)
        print(
            f"{row['fault']} {kind:14s} {truth:30s} rank {row['rank']!s:3s} latency rank "
            f"{row['latency_rank']!s:3s} by {row['metric']!s:24s} own lat {row['own_latency']:9.1f} "
            f"net {row['own_network']:7.1f} callers lat {row['caller_latency']:9.1f} "
            f"net {row['caller_network']:7.1f} (first {row['first']})"
        )
    summary: dict[str, dict[str, object]] = {}
    for kind in sorted({r["kind"] for r in rows}):
        mine = [r for r in rows if r["kind"] == kind]
        best_metric, best_first = per_metric_first[kind].most_common(1)[0]
        summary[kind] = {
            "faults": len(mine),
            "first": sum(r["rank"] == 0 for r in mine),
            "top3": sum(r["rank"] is not None and r["rank"] < 3 for r in mine),
            "latency_first": sum(r["latency_rank"] == 0 for r in mine),
            "latency_top3": sum(r["latency_rank"] is not None and r["latency_rank"] < 3 for r in mine),
            "own_latency_moves": sum(r["own_latency"] >= MOVES for r in mine),
            "own_network_moves": sum(r["own_network"] >= MOVES for r in mine),
            "caller_latency_moves": sum(r["caller_latency"] >= MOVES for r in mine),
            "caller_network_moves": sum(r["caller_network"] >= MOVES for r in mine),
            "moving_share": round(statistics.mean(r["moving_share"] for r in mine), 3),
            "top_metric": Counter(r["metric"] for r in mine).most_common(1)[0][0],
            "any_metric_first": sum(r["any_metric_first"] for r in mine),
            "best_metric": best_metric,
            "best_metric_first": best_first,
        }
    print()
    head = (
        "kind            n first top3 lat1 lat3 ownlat ownnet calllat callnet base  any  best metric (first)"
    )
    print(head)
    for kind, s in summary.items():
        print(
            f"{kind:14s} {s['faults']:2d} {s['first']:5d} {s['top3']:4d} {s['latency_first']:4d} "
            f"{s['latency_top3']:4d} {s['own_latency_moves']:6d} {s['own_network_moves']:6d} "
            f"{s['caller_latency_moves']:7d} {s['caller_network_moves']:7d} {s['moving_share']:5.2f} {s['any_metric_first']:3d}"
            f"  {s['best_metric']} ({s['best_metric_first']})"
        )
    print(json.dumps({"moves_at_z": MOVES, "kinds": summary}))


if __name__ == "__main__":
    main()
