"""Rate limits (token buckets, per tool and global), a concurrency cap, per-investigation budgets.

Time comes from the injected clock and waiting goes through an injected ``sleep`` function, so
tests drive time by hand: ``sleep=lambda s: clock.advance(s)``.

A bucket measures time as it passes forward on that clock. When the clock steps back (an NTP
correction on a real host; a simulator or backtest setting its clock to the next delivery after
waits moved it on), the step earns no tokens and owes none: the bucket carries on from the new
time with what it held. Without this, a step back of N seconds would refuse every call for N
seconds (nothing refills until the clock is past the old time again).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from autoheal.clock import Clock
from autoheal.governance.policy import Budgets, Concurrency, RateLimit, RateLimits, first_match

Sleep = Callable[[float], None]


class TokenBucket:
    def __init__(self, limit: RateLimit, now: float) -> None:
        self.rate = limit.rate
        self.capacity = float(limit.burst)
        self.tokens = float(limit.burst)
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now  # also when the clock stepped back: refill from here on

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        if self.tokens >= 1.0 - 1e-9:  # float error must not make a caller wait for nothing
            return 0.0
        # whole microseconds, rounded up: clocks (datetime) do not resolve less
        return math.ceil(round((1.0 - self.tokens) / self.rate * 1e6, 3)) / 1e6

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass(frozen=True, slots=True)
class Admission:
    ok: bool
    waited: float = 0.0
    reason: str = ""


class RateLimiter:
    """All buckets a call needs (its tool's and the global one) are taken together, under one
    lock: a call either gets every token or waits, never holding some while waiting for others."""

    def __init__(self, limits: RateLimits, clock: Clock, sleep: Sleep) -> None:
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._epoch = clock.now()
        self._lock = threading.Lock()
        self._global: TokenBucket | None = None
        self._tools: dict[str, TokenBucket | None] = {}

    def _now(self) -> float:
        # seconds since this limiter was made: small numbers keep microsecond precision in a float
        return (self._clock.now() - self._epoch).total_seconds()

    def _buckets(self, tool: str, now: float) -> list[TokenBucket]:
        if self._limits.global_ is not None and self._global is None:
            self._global = TokenBucket(self._limits.global_, now)
        if tool not in self._tools:
            hit = first_match(self._limits.tools, tool)
            self._tools[tool] = TokenBucket(hit[1], now) if hit else None
        return [b for b in (self._tools[tool], self._global) if b is not None]

    def acquire(self, tool: str) -> Admission:
        waited = 0.0
        max_wait = self._limits.max_wait_seconds
        for _ in range(10_000):  # bounded: each pass either admits, sleeps, or gives up
            with self._lock:
                now = self._now()
                buckets = self._buckets(tool, now)
                need = max((b.wait_time(now) for b in buckets), default=0.0)
                if need <= 0.0:
                    for b in buckets:
                        b.take()
                    return Admission(True, waited)
            if waited + need > max_wait:
                return Admission(
                    False,
                    waited,
                    f"rate limit reached for {tool}: next call possible in {need:.2f}s, "
                    f"more than the {max_wait:g}s a caller may wait",
                )
            self._sleep(need)
            waited += need
        return Admission(False, waited, f"rate limit reached for {tool}")


class ConcurrencyLimiter:
    """A cap on calls in flight, global and per tool pattern. Waiting for a slot is bounded by
    ``max_wait_seconds`` of real time (a slot frees when another call returns, not with time)."""

    def __init__(self, cfg: Concurrency) -> None:
        self._cfg = cfg
        self._cond = threading.Condition()
        self._global = 0
        self._per: dict[str, int] = {}
        self.peak = 0

    def _tool_cap(self, tool: str) -> tuple[str, int] | None:
        return first_match(self._cfg.tools, tool)

    def _free(self, tool_cap: tuple[str, int] | None) -> bool:
        if self._global >= self._cfg.global_:
            return False
        return not (tool_cap and self._per.get(tool_cap[0], 0) >= tool_cap[1])

    @contextmanager
    def slot(self, tool: str) -> Iterator[bool]:
        cap = self._tool_cap(tool)
        with self._cond:
            got = self._cond.wait_for(lambda: self._free(cap), timeout=self._cfg.max_wait_seconds)
            if got:
                self._global += 1
                self.peak = max(self.peak, self._global)
                if cap:
                    self._per[cap[0]] = self._per.get(cap[0], 0) + 1
        try:
            yield got
        finally:
            if got:
                with self._cond:
                    self._global -= 1
                    if cap:
                        self._per[cap[0]] -= 1
                    self._cond.notify_all()


@dataclass(slots=True)
class Usage:
    started: datetime
    tool_calls: int = 0
    query_cost: float = 0.0
    model_tokens: int = 0
    refusals: list[str] = field(default_factory=list)

    def as_dict(self, now: datetime) -> dict[str, float]:
        return {
            "tool_calls": self.tool_calls,
            "query_cost": self.query_cost,
            "model_tokens": self.model_tokens,
            "wall_time_seconds": (now - self.started).total_seconds(),
        }


class BudgetBook:
    """Per-investigation usage against :class:`Budgets`; reserve-then-run, under one lock, so
    concurrent calls of one investigation can never overshoot together."""

    def __init__(self, budgets: Budgets, clock: Clock, *, max_investigations: int = 10_000) -> None:
        self._budgets = budgets
        self._clock = clock
        self._lock = threading.Lock()
        self._usage: dict[str, Usage] = {}
        self._max = max_investigations

    def _get(self, investigation_id: str) -> Usage:
        usage = self._usage.get(investigation_id)
        if usage is None:
            if len(self._usage) >= self._max:  # forget the oldest; bounded memory
                self._usage.pop(next(iter(self._usage)))
            usage = self._usage[investigation_id] = Usage(started=self._clock.now())
        return usage

    def start(self, investigation_id: str) -> None:
        """Start the wall-time clock of an investigation (otherwise its first call starts it)."""
        with self._lock:
            self._get(investigation_id)

    def reserve_call(self, investigation_id: str, cost: float) -> str | None:
        """Count one tool call of ``cost``; return why not when it would exceed a budget."""
        b = self._budgets
        with self._lock:
            u = self._get(investigation_id)
            elapsed = (self._clock.now() - u.started).total_seconds()
            if elapsed > b.wall_time_seconds:
                return f"wall time budget spent: {elapsed:.0f}s of {b.wall_time_seconds:g}s"
            if u.tool_calls + 1 > b.tool_calls:
                return f"tool call budget spent: {u.tool_calls} of {b.tool_calls} calls"
            if u.query_cost + cost > b.query_cost:
                return (
                    f"query cost budget: this call (~{cost:.0f} samples) would bring the investigation "
                    f"to {u.query_cost + cost:.0f} of {b.query_cost:.0f}"
                )
            u.tool_calls += 1
            u.query_cost += cost
            return None

    def refund_call(self, investigation_id: str, cost: float) -> None:
        """Give back a reservation for a call that was not made (rate limited)."""
        with self._lock:
            u = self._get(investigation_id)
            u.tool_calls = max(0, u.tool_calls - 1)
            u.query_cost = max(0.0, u.query_cost - cost)

    def reserve_tokens(self, investigation_id: str, tokens: int) -> str | None:
        b = self._budgets
        with self._lock:
            u = self._get(investigation_id)
            if u.model_tokens + tokens > b.model_tokens:
                return f"model token budget: {u.model_tokens + tokens} of {b.model_tokens} tokens"
            u.model_tokens += tokens
            return None

    def usage(self, investigation_id: str) -> dict[str, float]:
        with self._lock:
            return self._get(investigation_id).as_dict(self._clock.now())
