"""How visible Nezha's code-level faults (return, exception) are without logs: a study of the data,
not of the engine (docs/benchmarks.md, "Why metrics + traces stays below 0.80 on Nezha").

For each return / exception fault: the incident is the fault's three trace minute files from the
injection on (spans starting within 300 s of it), the reference the day's fault-free
``construct_data`` minute; metrics: the 1200 s before the injection against the 300 s after.
Printed per fault, then a summary; the last line is one JSON object with the counts.

* ``trace_share_rank``: services ordered by how much their share of the traces fell (incident
  share / reference share, +1 smoothed); the rank (0 = fell most) of the faulty service. A fault
  that stops a service's calls would put it first.
* ``error_spans``: the services with Spring's error dispatch (``BasicErrorController.error``)
  spans in the incident (none in the reference): where a failed request surfaced.
* ``latency_rank``: pods ordered by the largest robust z (median / 1.4826 MAD of the reference)
  of ``PodServerLatencyP90(s)`` in the incident; the faulty service's rank.

    python benchmarks/nezha_code_fault_visibility.py --data-dir ../shared/bench
"""

from __future__ import annotations

import argparse
import calendar
import csv
import gzip
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

POD = re.compile(r"-[0-9a-f]{8,10}-[0-9a-z]{5}$")
ERROR_OPERATION = "BasicErrorController.error"
LATENCY = "PodServerLatencyP90(s)"


def service(pod: str) -> str:
    return POD.sub("", pod)


def spans(files: list[Path], lo: float | None = None, hi: float | None = None) -> list[tuple[str, str, str]]:
    out = []
    for f in files:
        with gzip.open(f, "rt") as fh:
            for r in csv.DictReader(fh):
                start = int(r["StartTimeUnixNano"]) / 1e9
                if lo is None or hi is None or lo <= start < hi:
                    out.append((r["TraceID"], service(r["PodName"]), r["OperationName"]))
    return out


def trace_share(rows: list[tuple[str, str, str]]) -> tuple[Counter[str], int]:
    per = Counter(svc for _, svc in {(t, s) for t, s, _ in rows})
    return per, len({t for t, _, _ in rows})


def latency_z(day_dir: Path, at: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for f in (day_dir / "metric").glob("ts-*_metric.csv.gz"):
        with gzip.open(f, "rt") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            continue

        def values(a: float, b: float, rows: list[dict[str, str]] = rows) -> list[float]:
            got = [float(r[LATENCY]) for r in rows if a <= int(r["TimeStamp"]) < b and r[LATENCY]]
            return [v for v in got if v == v]

        ref, inc = values(at - 1200, at), values(at, at + 300)
        if len(ref) < 5 or not inc:
            continue
        med = statistics.median(ref)
        mad = statistics.median(abs(v - med) for v in ref) * 1.4826 or 1e-9
        svc = service(rows[0]["PodName"])
        out[svc] = max(out.get(svc, 0.0), max(abs(v - med) / mad for v in inc))
    return out


def fault_list(root: Path) -> list[tuple[str, int, str, str]]:
    """Nezha's injected faults, oldest first: (day, injection time, faulty service, fault kind)."""
    faults = []
    for day in ("2023-01-29", "2023-01-30"):
        listed = json.loads((root / "rca_data" / day / f"{day}-fault_list.json").read_text())
        for entries in listed.values():
            for e in entries:
                at = calendar.timegm(time.strptime(e["inject_time"], "%Y-%m-%d %H:%M:%S"))
                faults.append((day, at, service(e["inject_pod"]), e["inject_type"]))
    return sorted(faults, key=lambda f: f[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="../shared/bench")
    root = Path(parser.parse_args().data_dir) / "nezha"
    faults = fault_list(root)
    references: dict[str, tuple[Counter[str], int]] = {}
    rows: list[dict[str, Any]] = []
    for day, at, truth, kind in faults:
        if kind not in ("return", "exception"):
            continue
        if day not in references:
            references[day] = trace_share(
                spans(sorted((root / "construct_data" / day / "trace").glob("*.csv.gz")))
            )
        files = sorted((root / "rca_data" / day / "trace").glob("*.csv.gz"))
        first = next(
            i for i, f in enumerate(files) if f.name.startswith(time.strftime("%H_%M", time.gmtime(at)))
        )
        incident = spans(files[first : first + 3], at, at + 300)
        (ref, ref_n), (inc, inc_n) = references[day], trace_share(incident)
        ratio = {s: ((inc[s] + 1) / inc_n) / ((ref[s] + 1) / ref_n) for s in set(ref) | set(inc)}
        # ties count against the faulty service (a set's order would break them by hash seed)
        share_rank = (
            sum(r <= ratio[truth] for s, r in ratio.items() if s != truth) if truth in ratio else None
        )
        errors = sorted({s for _, s, op in incident if op == ERROR_OPERATION})
        z = latency_z(root / "rca_data" / day, at)
        lat_rank = sum(v >= z[truth] for s, v in z.items() if s != truth) if truth in z else None
        rows.append(
            {
                "fault": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)),
                "truth": truth,
                "kind": kind,
                "trace_share_rank": share_rank,
                "error_spans": errors,
                "latency_rank": lat_rank,
            }
        )
        print(
            f"{rows[-1]['fault']} {kind:9s} {truth:30s} share rank {share_rank!s:4s} "
            f"latency rank {lat_rank!s:4s} error spans in {', '.join(errors) or '-'}"
        )
    n = len(rows)
    summary = {
        "faults": n,
        "trace_share_first": sum(r["trace_share_rank"] == 0 for r in rows),
        "trace_share_top3": sum(
            r["trace_share_rank"] is not None and r["trace_share_rank"] < 3 for r in rows
        ),
        "error_spans_anywhere": sum(bool(r["error_spans"]) for r in rows),
        "error_spans_in_truth": sum(r["truth"] in r["error_spans"] for r in rows),
        "latency_first": sum(r["latency_rank"] == 0 for r in rows),
        "latency_top3": sum(r["latency_rank"] is not None and r["latency_rank"] < 3 for r in rows),
    }
    print(f"{n} code-level faults: " + ", ".join(f"{k} {v}" for k, v in summary.items() if k != "faults"))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
