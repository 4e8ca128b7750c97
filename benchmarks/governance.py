"""Per-call overhead of the governance gateway (`make bench-governance`).

A trivial in-memory tool is called directly and through the gateway (policy, argument validation,
query guards, budget, rate limiter, concurrency slot, redaction of the result, audit record in a
real SQLite file). Both audit durability modes are measured:

* ``sync``  — every call commits its audit record before returning (durable per call);
* ``async`` — records are group-committed by a background writer in chain order; ``flush()`` /
  ``close()`` waits for them (at most ~``flush_interval`` of records lost on ``kill -9``).

Then redaction of one realistic large result on its own (``--lines`` log lines of a Loki/embedded
log query plus a Prometheus ``query_range`` matrix of ``--series`` x ``--samples`` float strings with
epoch timestamps, a few planted secrets), with a fresh redactor per run (no cache carried over).

Prints tables, then as its last line one JSON object for the default mode (``async``):
{"overhead_us_p50": ..., "overhead_us_p99": ..., ..., "redact_large_ms_p50": ...}.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from autoheal.audit.trail import AuditTrail
from autoheal.audit.verify import verify_chain
from autoheal.domain.tools import Access, ToolResult
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import parse_policy
from autoheal.governance.redaction import Redactor
from autoheal.store.db import create_db_engine, migrate

POLICY = parse_policy(
    """
default: allow
rules:
  - {name: no-kube-system, effect: deny, tools: ["kubernetes.*"], args: {namespace: ["kube-*"]}}
rate_limits: {global: {rate: 1000000, burst: 1000000}, tools: {"bench.*": {rate: 1000000, burst: 1000000}}}
budgets: {tool_calls: 100000000, query_cost: 1.0e12}
"""
)


class EchoArgs(BaseModel):
    service: str
    query: str = ""


class EchoTool:
    name: ClassVar[str] = "bench.echo"
    description: ClassVar[str] = "returns a small result"
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = EchoArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, EchoArgs)
        return ToolResult.success(
            {
                "service": args.service,
                "lines": [
                    "GET /api/orders 200 12ms trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
                    "pool: 48/50 connections in use",
                    "POST /api/pay 500 connect to postgresql://app:hunter2@db:5432/pay failed",
                ],
                "count": 3,
            }
        )


_LOG_TEMPLATES = (
    "GET /api/v1/orders/{n} HTTP/1.1 {code} {ms}ms trace_id={hex32} span_id={hex16}",
    "POST /api/pay 500 upstream connect error after {ms}ms to payments-{n}.svc:8443",
    "pool: {k}/50 connections in use, {k} waiting, timeout 30000 ms",
    "java.lang.IllegalStateException: consumer poll timeout at offset {big} partition {k}",
    "user {n} checkout completed amount={ms}.{k} currency=EUR request_id={uuid}",
    "slow query {ms}ms: SELECT * FROM orders WHERE id = {n} AND created_at > '2026-01-01'",
    "GC pause {ms}.{k}ms heap 1234567890/2147483648 bytes",
    'level=info msg="reconciled" duration={ms}.{big}s object=checkout-7d4b9c8f6-x2x9z',
)
_PLANTED = (
    "retrying with password=hunter2hunter2 on replica",
    "db=postgresql://app_user:Tr0ub4dor3@db.internal:5432/orders",
    "Authorization: Bearer 9f8e7d6c5b4a39281706abcdefABCDEF123456",
    "refund to card 4111 1111 1111 1111 failed",
    "ticket opened by jane.doe@example.com",
)


def large_result(lines: int, series: int, samples: int, seed: int = 7) -> tuple[dict[str, object], int]:
    """(data of a large tool result, number of planted secrets). Deterministic for a seed."""
    rnd = random.Random(seed)
    start = 1767261600
    logs = []
    planted = 0
    for i in range(lines):
        if i % 500 == 250:
            text = _PLANTED[planted % len(_PLANTED)]
            planted += 1
        else:
            text = rnd.choice(_LOG_TEMPLATES).format(
                n=rnd.randrange(10**6),
                code=rnd.choice((200, 200, 200, 404, 500)),
                ms=rnd.randrange(1, 5000),
                k=rnd.randrange(50),
                big=rnd.randrange(10**15, 10**17),
                hex32=f"{rnd.getrandbits(128):032x}",
                hex16=f"{rnd.getrandbits(64):016x}",
                uuid=f"{rnd.getrandbits(32):08x}-{rnd.getrandbits(16):04x}-4{rnd.getrandbits(12):03x}-"
                f"a{rnd.getrandbits(12):03x}-{rnd.getrandbits(48):012x}",
            )
        logs.append(
            {
                "at": f"2026-01-01T10:{i // 600 % 60:02d}:{i // 10 % 60:02d}.{i % 1000:03d}Z",
                "service": f"svc-{i % 12}",
                "level": "error" if i % 7 == 0 else "info",
                "line": text,
                "labels": {
                    "service": f"svc-{i % 12}",
                    "namespace": "shop",
                    "pod": f"svc-{i % 12}-7d4b9c8f6-x2x9z",
                },
                "trace_id": f"{rnd.getrandbits(128):032x}",
            }
        )
    matrix = [
        {
            "metric": {
                "__name__": "http_request_duration_seconds",
                "service": f"svc-{s}",
                "quantile": "0.99",
            },
            "values": [
                [start + 15 * j, repr(rnd.random() * 10 ** rnd.randrange(-3, 4))] for j in range(samples)
            ],
        }
        for s in range(series)
    ]
    return {"logs": logs, "metrics": {"resultType": "matrix", "result": matrix}}, planted


def measure_redaction(lines: int, series: int, samples: int, runs: int) -> dict[str, float]:
    data, planted = large_result(lines, series, samples)
    times: list[float] = []
    found = 0
    for _ in range(runs):
        redactor = Redactor()  # fresh: no cache carried over from the previous run
        counter: Counter[str] = Counter()
        t = time.perf_counter()
        out = redactor.redact(data, counter)
        times.append((time.perf_counter() - t) * 1000)
        found = sum(counter.values())
    assert found >= planted, (found, planted)
    assert out["metrics"] == data["metrics"], "a metric sample was altered"
    return {
        "lines": lines,
        "samples": series * samples,
        "redactions": found,
        "redact_ms_p50": round(statistics.median(times), 1),
        "redact_ms_min": round(min(times), 1),
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(calls: int, durability: str, workdir: Path) -> dict[str, float]:
    tool = EchoTool()
    args = {"service": "checkout", "query": "errors"}
    direct: list[float] = []
    for _ in range(calls):
        t = time.perf_counter_ns()
        tool.invoke(EchoArgs.model_validate(args))
        direct.append((time.perf_counter_ns() - t) / 1000)

    db = workdir / f"audit-{durability}.db"
    engine = create_db_engine(f"sqlite:///{db}")
    migrate(engine)
    trail = AuditTrail(engine, durability=durability)  # type: ignore[arg-type]
    gateway = Gateway([tool], POLICY, audit=trail)
    for _ in range(min(200, calls)):  # warm up (SQLAlchemy caches, pydantic, regexes)
        gateway.call("bench.echo", args, caller="bench", investigation_id="warmup")
    trail.flush()
    governed: list[float] = []
    wall = time.perf_counter()
    for _ in range(calls):
        t = time.perf_counter_ns()
        result = gateway.call("bench.echo", args, caller="bench", investigation_id="inv")
        governed.append((time.perf_counter_ns() - t) / 1000)
    assert result.ok and "hunter2" not in str(result.data)
    t = time.perf_counter()
    trail.close()
    flush_ms = (time.perf_counter() - t) * 1000
    wall_s = time.perf_counter() - wall
    report = verify_chain(engine)
    assert report.ok and report.records == calls + min(200, calls), report.problems[:1]
    engine.dispose()
    d50, g50, g99 = statistics.median(direct), statistics.median(governed), _pct(governed, 0.99)
    return {
        "durability": durability,
        "calls": calls,
        "direct_us_p50": round(d50, 1),
        "gateway_us_p50": round(g50, 1),
        "gateway_us_p99": round(g99, 1),
        "overhead_us_p50": round(g50 - d50, 1),
        "overhead_us_p99": round(g99 - _pct(direct, 0.99), 1),
        "calls_per_s": round(calls / wall_s),
        "final_flush_ms": round(flush_ms, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=3000, help="calls per mode (bounded: at most 50000)")
    parser.add_argument(
        "--lines", type=int, default=5000, help="log lines in the large result (at most 50000)"
    )
    parser.add_argument(
        "--series", type=int, default=50, help="matrix series in the large result (at most 500)"
    )
    parser.add_argument("--samples", type=int, default=240, help="samples per series (at most 11000)")
    parser.add_argument("--runs", type=int, default=5, help="redaction runs of the large result (at most 50)")
    opts = parser.parse_args(argv)
    calls = max(10, min(opts.calls, 50_000))
    big = measure_redaction(
        max(1, min(opts.lines, 50_000)),
        max(1, min(opts.series, 500)),
        max(1, min(opts.samples, 11_000)),
        max(1, min(opts.runs, 50)),
    )
    with tempfile.TemporaryDirectory(prefix="bench-governance-") as tmp:
        rows = [measure(calls, mode, Path(tmp)) for mode in ("sync", "async")]
    cols = ["durability", "calls", "direct_us_p50", "gateway_us_p50", "gateway_us_p99", "overhead_us_p50",
            "overhead_us_p99", "calls_per_s", "final_flush_ms"]  # fmt: skip
    print("governance gateway overhead per call (microseconds; SQLite audit file, redaction on)")
    print("  ".join(f"{c:>15}" for c in cols))
    for row in rows:
        print("  ".join(f"{row[c]!s:>15}" for c in cols))
    print(
        f"redaction of a large result: {big['lines']} log lines + {big['samples']} samples, "
        f"{big['redactions']} findings: p50 {big['redact_ms_p50']} ms, min {big['redact_ms_min']} ms"
    )
    default = rows[1]
    sys.stdout.write(
        json.dumps(
            {
                "overhead_us_p50": default["overhead_us_p50"],
                "overhead_us_p99": default["overhead_us_p99"],
                "durability": "async",
                "sync_overhead_us_p50": rows[0]["overhead_us_p50"],
                "sync_overhead_us_p99": rows[0]["overhead_us_p99"],
                "calls": calls,
                "redact_large_ms_p50": big["redact_ms_p50"],
                "redact_large_lines": big["lines"],
                "redact_large_samples": big["samples"],
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
