"""Soak: minutes of mixed traffic against a real ``autoheal serve``, memory and open files sampled.

Starts ``autoheal serve`` (a subprocess, SQLite by default or ``--db URL``) and, for ``--minutes``,
sends a repeating mix through its real endpoints:

* storms — one webhook with ``--storm`` firing alerts of a new group (new fingerprints each time);
* flapping — a fixed set of alerts sent firing / resolved in turn (the same fingerprints);
* resolves — every storm's alerts resolved a cycle later;
* investigations — ``POST /api/v1/investigations`` on a storm's group, and the triage-driven ones
  its signal verdicts start.

Every ``--sample`` seconds it reads the server's resident memory (``VmRSS``) and open file
descriptors (``/proc/PID/fd``). Growth is measured from the first sample after ``--warmup``
seconds to the last. Prints a table and, last, one JSON object.

    .venv/bin/python benchmarks/soak.py --minutes 10 [--db postgresql+psycopg://...]
    .venv/bin/python benchmarks/soak.py --minutes 6 --heap 60   # where memory grows (tracemalloc)

``--heap SECONDS`` runs the server with ``AUTOHEAL_TRACEMALLOC=SECONDS`` (autoheal.heapwatch): the
allocations that grew most since the first snapshot are written to ``--heap-out`` (tracing slows
the server: the throughput and memory figures of such a run are not the soak's).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

TOKEN = "soak-source-token-0123456789"
ADMIN = "ah_admin_soak-admin-token-0123456789"
GO_ZERO = "0001-01-01T00:00:00Z"


def _alert(name: str, service: str, fp: str, status: str, severity: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    labels = {"alertname": name, "service": service, "severity": severity, "instance": fp}
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": f"{name} on {service}"},
        "startsAt": now,
        "endsAt": GO_ZERO if status == "firing" else now,
        "generatorURL": "http://127.0.0.1:9090/graph",
        "fingerprint": fp,
    }


def _body(alerts: list[dict[str, Any]]) -> bytes:
    first = alerts[0]["labels"]
    group = {"alertname": first["alertname"], "service": first["service"]}
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return json.dumps(
        {
            "receiver": "autoheal",
            "status": status,
            "alerts": alerts,
            "groupLabels": group,
            "commonLabels": group,
            "commonAnnotations": {},
            "externalURL": "http://127.0.0.1:9093",
            "version": "4",
            "groupKey": "{}:{" + ",".join(f'{k}="{v}"' for k, v in group.items()) + "}",
            "truncatedAlerts": 0,
        }
    ).encode()


def sample(pid: int) -> tuple[float, int, float]:
    """Resident memory (MB), open file descriptors, and the anonymous part of the resident memory
    (MB: the heap and malloc's mappings; the rest is mapped files: code, SQLite's shared memory)."""
    rss_kb = anon_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            anon_kb = int(line.split()[1])
    return rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd")), anon_kb / 1024


def stored_alerts(db_url: str) -> int:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from autoheal.store.db import create_db_engine
    from autoheal.store.models import AlertRow

    engine = create_db_engine(db_url)
    try:
        with Session(engine) as session:
            return int(session.scalar(select(func.count()).select_from(AlertRow)) or 0)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    from autoheal.servers import AutohealServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds before growth is measured")
    parser.add_argument("--sample", type=float, default=15.0, help="seconds between samples")
    parser.add_argument("--storm", type=int, default=50, help="alerts in one storm webhook")
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temp dir)")
    parser.add_argument("--heap", type=float, default=0, help="tracemalloc snapshot every N s (0: off)")
    parser.add_argument("--heap-out", default="autoheal-soak-heap.txt", help="where --heap writes its report")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.sample <= 0 or args.storm < 1 or args.warmup < 0:
        parser.error("--minutes and --sample must be > 0, --storm >= 1, --warmup >= 0")

    config = f"""\
auth: {{admin_token: "{ADMIN}"}}
sources:
  alertmanager:
    auth: {{type: bearer, token: "{TOKEN}"}}
"""
    run = uuid.uuid4().hex[:6]
    sent = acked = errors = investigations = 0
    distinct: set[str] = set()
    samples: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="autoheal-soak-") as tmp:
        heap_file = Path(tmp) / "heap.txt"
        env = {"AUTOHEAL_TRACEMALLOC": str(args.heap), "AUTOHEAL_TRACEMALLOC_FILE": str(heap_file)}
        server = AutohealServer.start(
            Path(tmp), db_url=args.db, config=config, env=env if args.heap else None
        )
        pid = server.process.pid
        hook = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        admin = {"Authorization": f"Bearer {ADMIN}"}
        flappers = [f"soak-{run}-flap-{i}" for i in range(5)]
        previous_storm: list[dict[str, Any]] = []
        started = time.monotonic()
        next_sample = started
        cycle = 0
        print(f"{'t (s)':>7} {'rss MB':>8} {'fds':>5} {'sent':>7} {'acked':>7} {'errors':>6} {'invest.':>7}")
        try:
            with httpx.Client(base_url=server.url, timeout=60.0) as client:

                def post(alerts: list[dict[str, Any]]) -> None:
                    nonlocal sent, acked, errors
                    sent += len(alerts)
                    try:
                        r = client.post("/api/v1/alerts/alertmanager", content=_body(alerts), headers=hook)
                    except httpx.HTTPError:
                        errors += 1
                        return
                    if r.status_code < 300:
                        acked += len(alerts)
                        distinct.update(a["fingerprint"] for a in alerts)
                    else:
                        errors += 1

                while time.monotonic() - started < args.minutes * 60:
                    now = time.monotonic()
                    if now >= next_sample:
                        rss, fds, anon = sample(pid)
                        samples.append(
                            {
                                "t": round(now - started, 1),
                                "rss_mb": round(rss, 1),
                                "fds": fds,
                                "anon_mb": round(anon, 1),
                            }
                        )
                        print(
                            f"{samples[-1]['t']:>7} {rss:>8.1f} {fds:>5} {sent:>7} {acked:>7} {errors:>6} {investigations:>7}"
                        )
                        sys.stdout.flush()
                        next_sample += args.sample
                    cycle += 1
                    service = f"svc-{cycle % 9}"
                    storm = [
                        _alert(
                            "SoakStorm",
                            service,
                            f"soak-{run}-{cycle}-{i}",
                            "firing",
                            "critical" if i == 0 else "warning",
                        )
                        for i in range(args.storm)
                    ]
                    post(storm)
                    status = "firing" if cycle % 2 else "resolved"
                    post([_alert("SoakFlapping", "flappy", fp, status, "warning") for fp in flappers])
                    if previous_storm:
                        post([{**a, "status": "resolved", "endsAt": a["startsAt"]} for a in previous_storm])
                    previous_storm = storm
                    if cycle % 10 == 0:
                        r = client.post(
                            "/api/v1/investigations", json={"target": storm[0]["fingerprint"]}, headers=admin
                        )
                        investigations += r.status_code == 202
                        errors += r.status_code != 202
                    time.sleep(0.5)
            total = stored_alerts(server.db_url)
        finally:
            server.stop()
            if args.heap and heap_file.exists():
                Path(args.heap_out).write_text(heap_file.read_text())
                print(f"heap growth by allocation site: {args.heap_out}")
    after = [s for s in samples if s["t"] >= args.warmup] or samples[-1:]
    first, last = after[0], after[-1]
    minutes = (last["t"] - first["t"]) / 60 or 1.0
    result = {
        "minutes": args.minutes,
        "warmup_s": args.warmup,
        "samples": len(samples),
        "alerts_sent": sent,
        "alerts_acknowledged": acked,
        "distinct_alerts_acknowledged": len(distinct),
        "distinct_alerts_stored": total,
        "errors": errors,
        "investigations_requested": investigations,
        "rss_mb_after_warmup": first["rss_mb"],
        "rss_mb_end": last["rss_mb"],
        "rss_mb_growth": round(last["rss_mb"] - first["rss_mb"], 1),
        "rss_mb_growth_per_min": round((last["rss_mb"] - first["rss_mb"]) / minutes, 2),
        "rss_mb_max": max(s["rss_mb"] for s in samples),
        "anon_mb_growth": round(last["anon_mb"] - first["anon_mb"], 1),
        "rss_mb_by_sample": [s["rss_mb"] for s in after],
        "fds_after_warmup": first["fds"],
        "fds_end": last["fds"],
        "fds_growth": last["fds"] - first["fds"],
        "db": "postgresql" if args.db and args.db.startswith("postgresql") else "sqlite",
    }
    print(json.dumps(result))
    return 0 if errors == 0 and total == len(distinct) else 1


if __name__ == "__main__":
    raise SystemExit(main())
