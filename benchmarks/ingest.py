"""Ingest benchmark: N concurrent senders POST real-format Alertmanager webhooks to `autoheal serve`.

    make bench-ingest                                   # 16 senders, 15 s, 10 alerts per payload, SQLite
    .venv/bin/python benchmarks/ingest.py --senders 32 --duration 20 --alerts-per-payload 5
    .venv/bin/python benchmarks/ingest.py --db postgresql://autoheal@127.0.0.1:5432/autoheal
    .venv/bin/python benchmarks/ingest.py --postgres --replicas 2 --workers 4

--postgres starts a private PostgreSQL (autoheal.servers.Postgres) and runs --replicas `autoheal
serve` processes on it (no job threads; the senders take turns, like a round-robin load balancer)
and --workers `autoheal worker` processes (one job at a time each) running the follow-up jobs on
procrastinate.

Prints a table, then as the last line one JSON object:
{"alerts_per_s": ..., "p50_ms": ..., "p99_ms": ..., "lost": ..., "triage_verdicts": ...}
"lost" = alerts acknowledged with a 2xx but absent from the database afterwards (read directly).
"triage_verdicts" = verdicts triage wrote by the end of the run (including the jobs the server or
worker finished while stopping; follow-up jobs share the machine's cores, and without
--worker-process the server's process: the ingest figure is for a server that also triages).
Senders and server share the machine, so the figure is for both together.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from autoheal.servers import AutohealServer, Postgres
from autoheal.servers.autoheal import autoheal_command
from autoheal.servers.webhook_load import (
    Progress,
    follow_up_counts,
    lost_alerts,
    send_stream,
    stored_fingerprints,
)
from autoheal.store.db import create_db_engine

TOKEN = "bench-ingest-token"
CONFIG = f"""\
sources:
  alertmanager:
    auth: {{type: bearer, token: "{TOKEN}"}}
pipeline:
  queue: {{queue}}
  workers: {{workers}}
"""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def total_cpu_s(pids: list[int]) -> float | None:
    """CPU seconds of all ``pids`` (the servers and workers); None when one cannot be read."""
    values = [process_cpu_s(pid) for pid in pids]
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--senders", type=int, default=16, help="concurrent senders (default 16)")
    parser.add_argument(
        "--duration", type=float, default=15.0, help="seconds of sending (max 50; default 15)"
    )
    parser.add_argument(
        "--alerts-per-payload", type=int, default=10, help="alerts in each webhook (default 10)"
    )
    parser.add_argument(
        "--max-payloads", type=int, default=100_000, help="cap on payloads per sender (default 100000)"
    )
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--queue",
        choices=("memory", "database"),
        default="memory",
        help="pipeline.queue of the server (default memory; database stores each triage job with its alert)",
    )
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="run the follow-up jobs in an `autoheal worker` process beside the server "
        "(implies --queue database; the server runs no job threads)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="a private PostgreSQL, --replicas servers and --workers worker processes (procrastinate)",
    )
    parser.add_argument("--replicas", type=int, default=1, help="with --postgres: `autoheal serve` processes")
    parser.add_argument("--workers", type=int, default=1, help="with --postgres: `autoheal worker` processes")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (database, server log)")
    args = parser.parse_args(argv)
    args.duration = min(max(args.duration, 1.0), 50.0)  # the whole run stays under 60 s
    if args.postgres and (args.db or not 1 <= args.replicas <= 8 or not 1 <= args.workers <= 8):
        parser.error("--postgres starts its own database (no --db); --replicas and --workers: 1 to 8")
    if args.worker_process or args.postgres:
        args.queue = "database"
    if not args.postgres:
        args.replicas, args.workers = 1, 1 if args.worker_process else 0
    return args


def start_worker(workdir: Path, db_url: str, config_path: Path, name: str) -> subprocess.Popen[bytes]:
    with (workdir / f"{name}.log").open("w") as worker_log:  # the child keeps its own descriptor
        return subprocess.Popen(  # our own entry point, arguments we built
            [*autoheal_command(), "worker", "--db", db_url, "--config", str(config_path), "--threads", "1"],
            stdout=subprocess.DEVNULL,
            stderr=worker_log,
            env={**os.environ, "AUTOHEAL_LOG_LEVEL": "WARNING"},
        )


def wait_for_workers(db_url: str, count: int, timeout: float = 180.0) -> None:
    """Until ``count`` procrastinate workers have registered (a worker takes seconds to start)."""
    engine = create_db_engine(db_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one() >= count:
                    return
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise SystemExit(f"{count} worker(s) did not start within {timeout:.0f} s")


def run(args: argparse.Namespace) -> dict[str, float | int]:
    workdir = Path(tempfile.mkdtemp(prefix="autoheal-bench-ingest-"))
    postgres = Postgres.start(workdir / "postgres") if args.postgres else None
    db_url = postgres.url if postgres is not None else args.db or f"sqlite:///{workdir / 'bench.db'}"
    in_server = not args.worker_process and not args.postgres
    config = CONFIG.replace("{queue}", args.queue).replace("{workers}", "1" if in_server else "0")
    env = {"AUTOHEAL_LOG_LEVEL": "WARNING"}
    servers = [  # one after the other: the first one migrates the database
        AutohealServer.start(workdir / f"server-{i}", db_url=db_url, config=config, env=env)
        for i in range(args.replicas)
    ]
    server = servers[0]
    assert server.config_path is not None
    workers = [start_worker(workdir, db_url, server.config_path, f"worker-{i}") for i in range(args.workers)]
    try:
        if args.postgres:
            wait_for_workers(db_url, args.workers)
        urls = [f"{s.url}/api/v1/alerts/alertmanager" for s in servers]
        headers = {"Authorization": f"Bearer {TOKEN}"}
        # Warm-up (connections, first transactions) is not measured.
        asyncio.run(
            send_stream(
                urls, headers=headers, senders=2, payloads_per_sender=5, alerts_per_payload=1, run="warmup"
            )
        )
        progress = Progress()
        pids = [s.process.pid for s in servers] + [w.pid for w in workers]
        server_cpu_before = total_cpu_s(pids)
        client_cpu_before = time.process_time()
        started = time.perf_counter()
        asyncio.run(
            send_stream(
                urls,
                headers=headers,
                senders=args.senders,
                payloads_per_sender=args.max_payloads,
                alerts_per_payload=args.alerts_per_payload,
                duration_s=args.duration,
                run=uuid.uuid4().hex[:8],
                progress=progress,
            )
        )
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu_before
        server_cpu_after = total_cpu_s(pids)
        server_cpu = (
            server_cpu_after - server_cpu_before
            if server_cpu_after is not None and server_cpu_before is not None
            else float("nan")
        )
        follow_ups_in_run = follow_up_counts(db_url)  # verdicts written while the alerts came in
    finally:
        for s in servers:
            s.stop()
        for w in workers:
            w.terminate()
            w.wait(30)
    stored = stored_fingerprints(db_url)
    follow_ups = follow_up_counts(db_url)
    if postgres is not None:
        postgres.stop()
    deliveries = progress.deliveries
    acknowledged = [d for d in deliveries if d.acknowledged]
    latencies_ms = [d.latency_s * 1000 for d in acknowledged]
    errors: dict[str, int] = {}
    for d in deliveries:
        if not d.acknowledged:
            key = str(d.status) if d.status is not None else (d.error or "error").split(":")[0]
            errors[key] = errors.get(key, 0) + 1
    alerts = sum(len(d.fingerprints) for d in acknowledged)
    result: dict[str, float | int] = {
        "alerts_per_s": round(alerts / elapsed, 1),
        "requests_per_s": round(len(acknowledged) / elapsed, 1),
        "p50_ms": round(percentile(latencies_ms, 50), 2),
        "p99_ms": round(percentile(latencies_ms, 99), 2),
        "mean_ms": round(statistics.fmean(latencies_ms), 2) if latencies_ms else float("nan"),
        "alerts_acknowledged": alerts,
        "requests": len(deliveries),
        "requests_failed": len(deliveries) - len(acknowledged),
        "lost": len(lost_alerts(deliveries, stored)),
        "elapsed_s": round(elapsed, 2),
        "server_cpu_s": round(server_cpu, 2),
        "sender_cpu_s": round(client_cpu, 2),
        "alerts_per_server_cpu_s": round(alerts / server_cpu, 1) if server_cpu > 0 else float("nan"),
        "groups": follow_ups["alert_groups"],
        "triage_verdicts": follow_ups["triage_verdicts"],
        "triage_verdicts_in_run": follow_ups_in_run["triage_verdicts"],
        "replicas": args.replicas,
        "workers": args.workers,
        "investigations": follow_ups["investigations"],
    }
    print_table(args, db_url, result, errors)
    if args.keep:
        print(f"work directory kept: {workdir} (server log: {server.log_path})")
    else:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return result


def print_table(
    args: argparse.Namespace, db_url: str, result: dict[str, float | int], errors: dict[str, int]
) -> None:
    backend = db_url.split(":", 1)[0]
    if args.postgres:
        jobs = f"{args.replicas} server(s), {args.workers} `autoheal worker`(s) on procrastinate"
    elif args.worker_process:
        jobs = "jobs in an `autoheal worker`"
    else:
        jobs = f"jobs in the server ({args.queue} queue)"
    print(
        f"ingest benchmark: {args.senders} senders x {args.duration:.0f} s, "
        f"{args.alerts_per_payload} alerts/payload, {backend}, {jobs}; "
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    rows = [
        ("alerts acknowledged / s", f"{result['alerts_per_s']:,.1f}"),
        ("requests acknowledged / s", f"{result['requests_per_s']:,.1f}"),
        ("latency p50", f"{result['p50_ms']:.1f} ms"),
        ("latency p99", f"{result['p99_ms']:.1f} ms"),
        ("latency mean", f"{result['mean_ms']:.1f} ms"),
        ("alerts acknowledged", f"{result['alerts_acknowledged']:,}"),
        ("requests sent / failed", f"{result['requests']:,} / {result['requests_failed']:,}"),
        ("lost (acknowledged, not in DB)", f"{result['lost']}"),
        ("elapsed", f"{result['elapsed_s']:.1f} s"),
        ("CPU: servers+workers / senders", f"{result['server_cpu_s']:.1f} / {result['sender_cpu_s']:.1f} s"),
        ("alerts per server CPU second", f"{result['alerts_per_server_cpu_s']:,.1f}"),
        ("groups / triage verdicts written", f"{result['groups']:,} / {result['triage_verdicts']:,}"),
        ("triage verdicts during the run", f"{result['triage_verdicts_in_run']:,}"),
        ("investigations started", f"{result['investigations']:,}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>14}")
    if errors:
        print("  failures: " + ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    keys = (
        "alerts_per_s",
        "p50_ms",
        "p99_ms",
        "lost",
        "triage_verdicts",
        "triage_verdicts_in_run",
        "replicas",
        "workers",
    )
    sys.stdout.write(json.dumps({k: result[k] for k in keys}) + "\n")
    return 1 if result["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
