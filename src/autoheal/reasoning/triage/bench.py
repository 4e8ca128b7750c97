"""`autoheal bench triage`: triage on the simulator's labelled scenarios.

Every alert episode of every shipped scenario is triaged the way the pipeline would: through the
real tools over the scenario's telemetry behind the governance gateway (default policy, every call
audited into an in-memory trail), with the scenario's maintenance windows as configured
maintenance, and with the history the pipeline would have by then (earlier firing/resolved
transitions of the same fingerprint, earlier verdicts, signal verdicts on the same service and
those of groups still firing). Each episode is assessed ``hold_seconds`` after it fired (this
verdict decides the page) and again 10 s after it resolved (the pipeline re-triages a group when
an alert of it fires, re-fires or resolves), every assessment in time order with the history
known then.

Figures: ``incidents_called_noise`` (episodes the scenario labels signal that triage called noise —
the error that matters most, goal 0), ``noise_recall`` (noise-labelled episodes called noise),
``noise_handled`` (noise-labelled episodes called noise or duplicate: no page), and the p99 of the
wall time of one ``assess`` call in milliseconds. Parameters are the defaults of TriageConfig.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from autoheal.clock import ManualClock
from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus, Severity
from autoheal.reasoning.triage.config import MaintenanceWindow, TriageConfig
from autoheal.reasoning.triage.history import InMemoryAlertHistory
from autoheal.reasoning.triage.model import (
    Lean,
    PastVerdict,
    RecentSignal,
    Transition,
    TriageKind,
    TriageVerdict,
)
from autoheal.reasoning.triage.triager import Triage

HOLD_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Case:
    scenario: str
    alert: str
    service: str
    expected: str  # signal | noise | unexplained
    verdict: str  # assessed hold_seconds after it fired (decides the page)
    explanation: str
    ms: float
    at_resolution: str | None = None  # re-assessed when it resolved (the pipeline re-triages changes)


def run(scenarios: Iterable[str] | None = None, *, hold_seconds: float = HOLD_SECONDS) -> list[Case]:
    from autoheal.sim.scenario import catalogue, load_scenario

    loaded = [load_scenario(n) for n in scenarios] if scenarios else catalogue()
    cases: list[Case] = []
    for scenario in loaded:
        cases.extend(_run_one(scenario, hold_seconds))
    return cases


def _run_one(scenario: Any, hold_seconds: float) -> list[Case]:
    from autoheal.governance.policy import default_policy
    from autoheal.governance.wiring import build_governance
    from autoheal.sim import simulate
    from autoheal.sim.investigate import write_topology
    from autoheal.sim.play import maintenance_config
    from autoheal.sim.webhook import fingerprint
    from autoheal.store.db import create_db_engine, migrate
    from autoheal.telemetry.embedded import EmbeddedTelemetry
    from autoheal.tools.registry import ToolsConfig, TopologyConfig, build_tools

    sim = simulate(scenario)
    telemetry = EmbeddedTelemetry(":memory:")
    sim.write_to(telemetry)
    maintenance = [MaintenanceWindow.model_validate(w) for w in maintenance_config(sim)]
    clock = ManualClock(sim.start)
    with tempfile.TemporaryDirectory(prefix="autoheal-triage-bench-") as tmp:
        topology = write_topology(sim, Path(tmp) / "topology.yaml")
        tools = build_tools(ToolsConfig(topology=TopologyConfig(file=topology)), telemetry, clock=clock)
        audit = create_db_engine("sqlite://")  # every triage tool call audited, like the app's
        migrate(audit)
        governance = build_governance(tools, default_policy(), audit, clock=clock)
        triage = Triage(governance.gateway, clock, TriageConfig(maintenance=maintenance))
        signals: list[tuple[RecentSignal, datetime | None]] = []  # with the episode's end
        verdicts: list[PastVerdict] = []
        episodes = sorted(sim.alerts, key=lambda a: a.starts_at)
        # every assessment in time order (the history then holds only what was known by then, and
        # the gateway's rate limiter sees a clock that never goes back)
        moments: list[tuple[datetime, int, int]] = []
        for i, episode in enumerate(episodes):
            fired_at = episode.starts_at + timedelta(seconds=hold_seconds)
            moments.append((fired_at, 0, i))
            if episode.ends_at is not None and episode.ends_at > fired_at:
                moments.append((episode.ends_at + timedelta(seconds=10), 1, i))
        first: dict[int, tuple[TriageVerdict, float]] = {}
        later: dict[int, str] = {}
        for at, phase, i in sorted(moments):
            episode = episodes[i]
            fp = fingerprint(episode.labels)
            verdict, ms = _assess(triage, clock, episode, fp, episodes, signals, verdicts, at)
            vetoes = tuple(s.name for s in verdict.signals if s.lean is Lean.SIGNAL)
            verdicts.append(PastVerdict(fp, verdict.kind, at, vetoes=vetoes))
            if verdict.kind is TriageKind.SIGNAL:
                group = f"{episode.name}/{episode.service}"
                signal = RecentSignal(group, episode.service, at, f"{scenario.name}#{i}")
                signals.append((signal, episode.ends_at))
            if phase == 0:
                first[i] = (verdict, ms)
            else:
                later[i] = verdict.kind.value
        out = [
            Case(
                scenario.name,
                episode.name,
                episode.service,
                episode.expected,
                first[i][0].kind.value,
                first[i][0].explanation,
                first[i][1],
                later.get(i),
            )
            for i, episode in enumerate(episodes)
        ]
        return out


def _assess(
    triage: Triage,
    clock: ManualClock,
    episode: Any,
    fp: str,
    episodes: list[Any],
    signals: list[tuple[RecentSignal, datetime | None]],
    verdicts: list[PastVerdict],
    now: datetime,
) -> tuple[TriageVerdict, float]:
    """Triage one episode at ``now`` with the history the pipeline would have recorded by then."""
    from autoheal.sim.webhook import fingerprint

    clock.set(now)
    history = InMemoryAlertHistory()
    for signal, ends_at in signals:  # an episode still firing is an open incident, however old
        history.add_signal(replace(signal, firing=ends_at is None or ends_at > now))
    for past in verdicts:
        history.add_verdict(past)
    for earlier in episodes:
        if fingerprint(earlier.labels) != fp or earlier.starts_at > now:
            continue
        history.add_transition(Transition(fp, "firing", earlier.starts_at))
        if earlier.ends_at and earlier.ends_at <= now:
            history.add_transition(Transition(fp, "resolved", earlier.ends_at))
    resolved = episode.ends_at is not None and episode.ends_at <= now
    alert = Alert(
        source="alertmanager",
        fingerprint=fp,
        status=AlertStatus.RESOLVED if resolved else AlertStatus.FIRING,
        name=episode.name,
        starts_at=episode.starts_at,
        ends_at=episode.ends_at if resolved else None,
        labels=episode.labels,
        annotations=episode.annotations,
        service=episode.service,
        severity=_severity(episode.labels.get("severity")),
        generator_url="http://127.0.0.1:9090/graph?" + urlencode({"g0.expr": episode.expr}),
    )
    group = AlertGroup(
        key=f"{episode.name}/{episode.service}",
        labels={"alertname": episode.name, "service": episode.service},
        fingerprints=(fp,),
        status=alert.status,
        service=episode.service,
        severity=alert.severity,
    )
    started = time.perf_counter()
    verdict = triage.assess(group, [alert], history)
    return verdict, (time.perf_counter() - started) * 1000


def _severity(value: str | None) -> Severity:
    try:
        return Severity(value or "warning")
    except ValueError:
        return Severity.WARNING


def summarise(cases: list[Case]) -> dict[str, Any]:
    signals = [c for c in cases if c.expected == "signal"]
    noise = [c for c in cases if c.expected == "noise"]
    times = sorted(c.ms for c in cases)
    p99 = times[min(len(times) - 1, math.ceil(0.99 * len(times)) - 1)] if times else 0.0
    return {
        "incidents_called_noise": sum(1 for c in signals if "noise" in (c.verdict, c.at_resolution)),
        "noise_recall": round(sum(1 for c in noise if c.verdict == "noise") / len(noise), 4)
        if noise
        else None,
        "noise_handled": round(sum(1 for c in noise if c.verdict in ("noise", "duplicate")) / len(noise), 4)
        if noise
        else None,
        "p99_ms": round(p99, 2),
        "signals": len(signals),
        "noise": len(noise),
        "unexplained": sum(1 for c in cases if c.expected not in ("signal", "noise")),
        "episodes": len(cases),
    }


def render(cases: list[Case], *, as_json: bool = False) -> None:
    """Per-episode lines (JSON), or the wrong calls and a per-scenario table."""
    import json
    from collections import defaultdict
    from dataclasses import asdict

    if as_json:
        for c in cases:
            print(json.dumps(asdict(c) | {"ms": round(c.ms, 2)}))
        return
    by: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by[c.scenario].append(c)
        if (c.expected == "signal" and "noise" in (c.verdict, c.at_resolution)) or (
            c.expected == "noise" and c.verdict not in ("noise", "duplicate")
        ):
            print(
                f"WRONG {c.scenario}: {c.alert} on {c.service} is {c.expected}, triage said {c.verdict}: {c.explanation}"
            )
    print(f"{'scenario':42s} episodes signal->noise noise->noise")
    for name, items in sorted(by.items()):
        missed = sum(1 for c in items if c.expected == "signal" and c.verdict == "noise")
        noise = [c for c in items if c.expected == "noise"]
        caught = sum(1 for c in noise if c.verdict == "noise")
        print(f"{name:42s} {len(items):8d} {missed:12d} {caught:6d}/{len(noise)}")
