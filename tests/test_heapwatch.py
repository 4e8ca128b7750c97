"""autoheal.heapwatch: what grew between two snapshots is named by type and allocation site."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from autoheal.heapwatch import HeapWatch


class Hoarded:
    def __init__(self, n: int) -> None:
        self.payload = [n] * 50


def test_the_report_names_what_grew_since_the_baseline(tmp_path: Path) -> None:
    report = tmp_path / "heap.txt"
    watch = HeapWatch(report, interval=3600)  # ticks by hand below
    was_tracing = tracemalloc.is_tracing()
    tracemalloc.start(6)
    try:
        watch.tick()  # the baseline
        assert not report.exists()
        hoard = [Hoarded(i) for i in range(5000)]
        watch.tick()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    text = report.read_text()
    types = next(line for line in text.splitlines() if line.startswith("objects by type"))
    assert "Hoarded +5000" in types  # the type that grew, with its count
    assert "test_heapwatch.py" in text.split("allocations, growth since the baseline:")[1]  # the site
    assert len(hoard) == 5000
