"""The background ticker keeps calling through a failing call and stops when told."""

from __future__ import annotations

import threading

from autoheal.ticker import Ticker


def test_a_failing_tick_does_not_stop_the_ticker() -> None:
    calls: list[int] = []
    enough = threading.Event()

    def tick() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        if len(calls) >= 3:
            enough.set()

    ticker = Ticker("test-ticker", tick, 0.01)
    ticker.start()
    try:
        assert enough.wait(10), "the ticker stopped after its first failure"
    finally:
        ticker.stop()
    after = len(calls)
    assert not ticker._thread.is_alive() and len(calls) == after  # stopped: no more calls
