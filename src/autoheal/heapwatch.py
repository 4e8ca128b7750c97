"""Where the server's memory grows: ``tracemalloc`` snapshots diffed over time. Off unless asked
(``AUTOHEAL_TRACEMALLOC=SECONDS`` for ``autoheal serve``): tracing costs CPU and memory, so it is
a diagnostic, never on in production.

The first snapshot, taken ``interval`` seconds after start (the warm-up), is the baseline; every
later one is compared with it by allocation traceback, and the allocations that grew most are
written to ``path`` (replaced each time) — what ``benchmarks/soak.py --heap`` reads back."""

from __future__ import annotations

import gc
import linecache
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from autoheal.ticker import Ticker

FRAMES = 6


class HeapWatch:
    def __init__(self, path: Path, interval: float, top: int = 25) -> None:
        self.path, self._top = path, top
        self._baseline: tracemalloc.Snapshot | None = None
        self._types: Counter[str] = Counter()
        self._ticker = Ticker("autoheal-heapwatch", self.tick, interval)
        self._ticks = 0

    def start(self) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(FRAMES)
        self._ticker.start()

    def _snapshot(self) -> tracemalloc.Snapshot:
        return tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, linecache.__file__))
        )

    @staticmethod
    def _count_types() -> Counter[str]:
        return Counter(type(o).__qualname__ for o in gc.get_objects())

    def tick(self) -> None:
        self._ticks += 1
        started = time.monotonic()
        snapshot = self._snapshot()
        types = self._count_types()
        if self._baseline is None:
            self._baseline, self._types = snapshot, types
            return
        stats = snapshot.compare_to(self._baseline, "traceback")
        current, peak = tracemalloc.get_traced_memory()
        grown = sorted(((n - self._types.get(t, 0), t) for t, n in types.items()), reverse=True)[:15]
        lines = [
            f"tick {self._ticks}: traced {current / 1e6:.1f} MB (peak {peak / 1e6:.1f} MB), tracemalloc's own "
            f"{tracemalloc.get_tracemalloc_memory() / 1e6:.1f} MB, {sum(types.values())} objects",
            "objects by type, growth since the baseline: " + ", ".join(f"{t} {d:+d}" for d, t in grown),
            "allocations, growth since the baseline:",
        ]
        for stat in stats[: self._top]:
            lines.append(f"\n{stat.size_diff / 1e6:+.3f} MB, {stat.count_diff:+d} blocks")
            lines.extend(f"    {line}" for line in stat.traceback.format(limit=FRAMES))
        lines.append(f"\n(this report took {time.monotonic() - started:.1f} s)")
        self.path.write_text("\n".join(lines) + "\n")

    def stop(self) -> None:
        self._ticker.stop()
