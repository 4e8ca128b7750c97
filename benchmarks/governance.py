"""Per-call overhead of the governance gateway (`make bench-governance`).

A trivial in-memory tool is called directly and through the gateway (policy, argument validation,
query guards, budget, rate limiter, concurrency slot, redaction of the result, audit record in a
real SQLite file). Both audit durability modes are measured:

* ``sync``  — every call commits its audit record before returning (durable per call);
* ``async`` — records are group-committed by a background writer in chain order; ``flush()`` /
  ``close()`` waits for them (at most ~``flush_interval`` of records lost on ``kill -9``).

Prints a table, then as its last line one JSON object for the default mode (``async``):
{"overhead_us_p50": ..., "overhead_us_p99": ..., ...}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from autoheal.audit.trail import AuditTrail
from autoheal.audit.verify import verify_chain
from autoheal.domain.tools import Access, ToolResult
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import parse_policy
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
    opts = parser.parse_args(argv)
    calls = max(10, min(opts.calls, 50_000))
    with tempfile.TemporaryDirectory(prefix="bench-governance-") as tmp:
        rows = [measure(calls, mode, Path(tmp)) for mode in ("sync", "async")]
    cols = ["durability", "calls", "direct_us_p50", "gateway_us_p50", "gateway_us_p99", "overhead_us_p50",
            "overhead_us_p99", "calls_per_s", "final_flush_ms"]  # fmt: skip
    print("governance gateway overhead per call (microseconds; SQLite audit file, redaction on)")
    print("  ".join(f"{c:>15}" for c in cols))
    for row in rows:
        print("  ".join(f"{row[c]!s:>15}" for c in cols))
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
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
