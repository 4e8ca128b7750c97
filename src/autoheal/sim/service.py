"""One simulated service answering requests, so a generated regression test can exercise it.

:class:`SimulatedService` plays a scenario (:func:`autoheal.sim.simulate`) and answers, for a
window of simulated time, the requests the service served: per metric step ``per_step`` requests,
of which the step's error ratio fail. A failing request carries the exception the service logged
in that step (``unhandled IndexOutOfBoundsException in ...``) or, when it logged none (an error
inherited from a dependency), ``HTTP 500``. ``without_fault`` plays the same scenario with one
fault left out: the same test then exercises the healthy service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autoheal.errors import ScenarioError
from autoheal.sim.engine import SimulatedRun

EXCEPTION = re.compile(r"unhandled ([A-Za-z_][A-Za-z0-9_.]*) in (\S+)")


@dataclass(frozen=True, slots=True)
class Answer:
    at: datetime
    ok: bool
    exception: str | None  # the exception raised, or None (ok, or an error with no exception logged)
    detail: str


class SimulatedService:
    def __init__(self, run: SimulatedRun, service: str) -> None:
        if service not in run.services:
            raise ScenarioError(f"{service!r} is not a service of scenario {run.scenario.name!r}")
        self.run = run
        self.service = service

    @classmethod
    def load(
        cls,
        scenario: str | Path,
        service: str,
        *,
        without_fault: int | None = None,
        until: datetime | None = None,
    ) -> SimulatedService:
        """``until``: simulate only up to that time (a test's window), which is cheaper; what the
        scenario holds after it is left out."""
        from autoheal.sim import load_scenario, simulate

        spec = load_scenario(scenario)
        if without_fault is not None:
            if not 0 <= without_fault < len(spec.faults):
                raise ScenarioError(f"scenario {spec.name!r} has no fault {without_fault}")
            spec = spec.model_copy(
                update={"faults": [f for i, f in enumerate(spec.faults) if i != without_fault]}
            )
        if until is not None:
            cut = max(spec.step * 8, (until - spec.start).total_seconds() + spec.step)
            if cut < spec.duration:
                update: dict[str, object] = {"duration": cut}
                for key in ("faults", "noise", "red_herrings", "maintenance"):
                    events = getattr(spec, key, None)
                    if events is not None:
                        # a maintenance window starts at ``start``; every other event at ``at``
                        update[key] = [
                            e for e in events if float(getattr(e, "at", getattr(e, "start", 0.0))) < cut
                        ]
                spec = spec.model_copy(update=update)
        return cls(simulate(spec), service)

    def requests(self, start: datetime, end: datetime, *, per_step: int = 20) -> list[Answer]:
        step = float(self.run.scenario.step)
        errors = self.run.value("error_ratio", self.service)
        lines: dict[int, list[str]] = {}
        t0 = self.run.start.timestamp()
        for log in self.run.logs:
            if log.service == self.service and start <= log.at < end and EXCEPTION.search(log.line):
                lines.setdefault(int((log.at.timestamp() - t0) // step), []).append(log.line)
        out: list[Answer] = []
        for i, when in enumerate(self.run.timestamps.tolist()):
            at = datetime.fromtimestamp(when, self.run.start.tzinfo)
            if not start <= at < end:
                continue
            failed = round(per_step * float(errors[i]))
            logged = lines.get(i, [])
            for n in range(per_step):
                if n >= failed:
                    out.append(Answer(at, True, None, "200"))
                    continue
                line = logged[n % len(logged)] if logged else ""
                found = EXCEPTION.search(line)
                out.append(Answer(at, False, found.group(1) if found else None, line or "HTTP 500"))
        return out
