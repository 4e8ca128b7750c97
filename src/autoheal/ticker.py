"""A daemon thread that calls one function every ``interval`` seconds until stopped: the paging
outbox's deliveries and escalations, the release of held jobs (``autoheal serve`` / ``worker``).
A failing call (the database went away) is logged and the ticking goes on."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, name: str, tick: Callable[[], object], interval: float) -> None:
        self._tick, self._interval, self.name = tick, interval, name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._tick()
            except Exception:
                log.exception("tick failed", extra={"ticker": self.name})

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
