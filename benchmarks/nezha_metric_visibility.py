"""How visible each Nezha fault kind is from the metrics alone: a study of the data, not of the
engine (partial: written in the last minutes of a sitting; see docs/benchmarks.md).

For every fault: each pod metric's robust z (median / 1.4826 MAD of the 1200 s before the
injection) of the largest deviation in the 300 s after it; per fault kind and metric, how often
the faulty service ranks first / in the top 3 among services on that metric.

    python benchmarks/nezha_metric_visibility.py --data-dir ../shared/bench
"""

from __future__ import annotations

import argparse
import calendar
import csv
import gzip
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from nezha_code_fault_visibility import service

SKIP = {"Time", "TimeStamp", "PodName", "ServiceName"}


def metric_z(day_dir: Path, at: float) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for f in (day_dir / "metric").glob("ts-*_metric.csv.gz"):
        with gzip.open(f, "rt") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            continue
        svc = service(rows[0]["PodName"])
        for name in rows[0]:
            if name in SKIP:
                continue
            ref, inc = [], []
            for r in rows:
                try:
                    v = float(r[name])
                except (TypeError, ValueError):
                    continue
                if v != v:
                    continue
                ts = int(r["TimeStamp"])
                (ref if at - 1200 <= ts < at else inc if at <= ts < at + 300 else []).append(v)
            if len(ref) < 5 or not inc:
                continue
            med = statistics.median(ref)
            mad = statistics.median(abs(v - med) for v in ref) * 1.4826 or 1e-9
            z = max(abs(v - med) / mad for v in inc)
            out[name][svc] = max(out[name].get(svc, 0.0), z)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="../shared/bench")
    root = Path(parser.parse_args().data_dir) / "nezha"
    first: dict[tuple[str, str], int] = defaultdict(int)
    top3: dict[tuple[str, str], int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for day in ("2023-01-29", "2023-01-30"):
        listed = json.loads((root / "rca_data" / day / f"{day}-fault_list.json").read_text())
        for entries in listed.values():
            for e in entries:
                at = calendar.timegm(time.strptime(e["inject_time"], "%Y-%m-%d %H:%M:%S"))
                truth, kind = service(e["inject_pod"]), e["inject_type"]
                counts[kind] += 1
                for name, per in metric_z(root / "rca_data" / day, at).items():
                    order = sorted(per, key=lambda s: -per[s])
                    if truth in order:
                        rank = order.index(truth)
                        first[(kind, name)] += rank == 0
                        top3[(kind, name)] += rank < 3
    summary = {}
    for kind, n in sorted(counts.items()):
        names = sorted({m for k, m in first if k == kind}, key=lambda m: -first[(kind, m)])
        for m in names:
            print(f"{kind:15s} n={n:2d} {m:40s} first {first[(kind, m)]:2d} top3 {top3[(kind, m)]:2d}")
        summary[kind] = {
            "faults": n,
            "best_metric": names[0] if names else None,
            "best_first": first[(kind, names[0])] if names else 0,
        }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
