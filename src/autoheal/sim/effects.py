"""What faults, noise and red herrings do to one service, before propagation.

Each injector writes into the :class:`Effects` of the service it targets ("own" effects); the
metrics module then propagates errors and latency to the callers. Noise is applied *after*
propagation (see :class:`Overlay`): it is a measurement or alerting artefact local to one service,
not a failure that travels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from autoheal.sim import kinds as k
from autoheal.sim.scenario import FaultSpec, NoiseSpec, RedHerringSpec, Scenario
from autoheal.sim.topology import ServiceSpec
from autoheal.telemetry.model import ChangeEvent, ChangeKind


@dataclass
class Effects:
    """Per-step arrays for one service. ``reasons`` lists (start, end, log template key) so the log
    generator can write the lines a real service would while the fault lasts."""

    n: int
    err: np.ndarray = field(init=False)
    lat_add: np.ndarray = field(init=False)
    lat_mult: np.ndarray = field(init=False)
    cpu: np.ndarray = field(init=False)  # NaN = baseline
    mem: np.ndarray = field(init=False)  # NaN = baseline
    pool: np.ndarray = field(init=False)  # NaN = baseline
    disk: np.ndarray = field(init=False)  # NaN = baseline
    restarts: np.ndarray = field(init=False)  # restarts happening at that step
    down: np.ndarray = field(init=False)
    tls_fail: np.ndarray = field(init=False)  # callers cannot complete a TLS handshake with it
    load: np.ndarray = field(init=False)  # multiple of the usual traffic (a load surge)
    throttle: np.ndarray = field(init=False)  # own CPU throttling, NaN = baseline
    steal: np.ndarray = field(init=False)  # CPU time lost to other workloads on the node, NaN = baseline
    node_cpu: np.ndarray = field(init=False)  # CPU usage of the service's node, NaN = baseline
    silent_err: np.ndarray = field(init=False)  # failures its callers see, its own metrics do not
    amplify: float = 1.0
    reasons: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = self.n
        self.err = np.zeros(n)
        self.lat_add = np.zeros(n)
        self.lat_mult = np.ones(n)
        self.cpu = np.full(n, np.nan)
        self.mem = np.full(n, np.nan)
        self.pool = np.full(n, np.nan)
        self.disk = np.full(n, np.nan)
        self.restarts = np.zeros(n)
        self.down = np.zeros(n, dtype=bool)
        self.tls_fail = np.zeros(n, dtype=bool)
        self.load = np.ones(n)
        self.throttle = np.full(n, np.nan)
        self.steal = np.full(n, np.nan)
        self.node_cpu = np.full(n, np.nan)
        self.silent_err = np.zeros(n)

    def add_err(self, sl: slice, ratio: np.ndarray | float) -> None:
        self.err[sl] = 1.0 - (1.0 - self.err[sl]) * (1.0 - np.clip(ratio, 0.0, 1.0))


@dataclass
class Overlay:
    """Post-propagation changes to one service's metrics (noise)."""

    n: int
    err: np.ndarray = field(init=False)
    p99_floor: np.ndarray = field(init=False)  # NaN = none
    throttling: np.ndarray = field(init=False)
    restarts: np.ndarray = field(init=False)
    reasons: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.err = np.zeros(self.n)
        self.p99_floor = np.full(self.n, np.nan)
        self.throttling = np.zeros(self.n)
        self.restarts = np.zeros(self.n)


def _span(scenario: Scenario, at: float, duration: float | None) -> slice:
    start = int(at // scenario.step)
    end = scenario.steps if duration is None else int((at + duration) // scenario.step)
    return slice(max(0, min(start, scenario.steps)), max(0, min(end, scenario.steps)))


def _ramp(length: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, max(length, 1), endpoint=False)[:length] if length else np.zeros(0)


def bump_version(version: str, by: int = 1) -> str:
    parts = version.lstrip("v").split(".")
    if len(parts) >= 2 and parts[1].isdigit():
        parts[1] = str(int(parts[1]) + by)
        if len(parts) >= 3:
            parts[2] = "0"
        return ".".join(parts)
    return f"{version}-{by}"


def next_version(versions: dict[str, str], service: str) -> str:
    """The next release of ``service``: never reuses a version released earlier in the run."""
    candidate = bump_version(versions[service])
    released = versions.setdefault(f"{service}#released", "")
    for _ in range(100):  # bounded
        if candidate not in released.split(","):
            break
        candidate = bump_version(candidate)
    versions[f"{service}#released"] = f"{released},{candidate}"
    return candidate


def _change(
    scenario: Scenario, idx: str, at: float, svc: ServiceSpec, kind: ChangeKind, summary: str, **kw: object
) -> ChangeEvent:
    return ChangeEvent(
        id=f"{scenario.name}-{idx}",
        at=scenario.at(at),
        service=svc.name,
        kind=kind,
        summary=summary,
        source="sim",
        **kw,  # type: ignore[arg-type]
    )


def apply_fault(
    scenario: Scenario, index: int, fault: FaultSpec, svc: ServiceSpec, eff: Effects, versions: dict[str, str]
) -> list[ChangeEvent]:
    """Write the fault's own effects on its service; returns the change events it implies."""
    sl = _span(scenario, fault.at, fault.duration)
    length = sl.stop - sl.start
    kind = fault.kind
    changes: list[ChangeEvent] = []
    if kind is k.FaultKind.BAD_DEPLOY:
        p = k.BadDeployParams.model_validate(fault.params)
        old = versions[svc.name]
        new = p.version or next_version(versions, svc.name)
        versions[svc.name] = new
        changes.append(
            _change(
                scenario,
                f"f{index}-deploy",
                fault.at - scenario.step,
                svc,
                ChangeKind.DEPLOY,
                f"deploy {svc.name} {new}",
                version=new,
                previous_version=old,
                author="ci-bot",
            )
        )
        eff.add_err(sl, p.error_ratio)
        eff.lat_add[sl] += p.latency_ms
        eff.reasons.append((sl.start, sl.stop, f"exception:{p.exception}:{new}"))
        if p.rollback:
            versions[svc.name] = old
            changes.append(
                _change(
                    scenario,
                    f"f{index}-rollback",
                    fault.end,
                    svc,
                    ChangeKind.ROLLBACK,
                    f"rollback {svc.name} to {old}",
                    version=old,
                    previous_version=new,
                    author="oncall",
                )
            )
    elif kind is k.FaultKind.DEPENDENCY_OUTAGE:
        p1 = k.DependencyOutageParams.model_validate(fault.params)
        eff.down[sl] = True
        eff.add_err(sl, p1.error_ratio)
        eff.reasons.append((sl.start, sl.stop, "down"))
    elif kind is k.FaultKind.CONNECTION_POOL_EXHAUSTION:
        p2 = k.PoolExhaustionParams.model_validate(fault.params)
        ramp_steps = max(1, int(p2.ramp // scenario.step))
        shape = np.minimum(1.0, (np.arange(length) + 1) / ramp_steps)
        eff.pool[sl] = 0.4 + 0.6 * shape
        eff.lat_add[sl] += p2.latency_ms * shape**2
        eff.add_err(sl, p2.error_ratio * shape**3)
        eff.reasons.append((sl.start, sl.stop, f"pool:{p2.pool_size}"))
    elif kind is k.FaultKind.MEMORY_LEAK:
        p3 = k.MemoryLeakParams.model_validate(fault.params)
        ramp_steps = max(2, int(p3.ramp // scenario.step))
        base = svc.memory
        for j in range(length):  # bounded by the scenario's step count
            phase = j % ramp_steps
            eff.mem[sl.start + j] = base + (1.0 - base) * (phase + 1) / ramp_steps
            if phase == ramp_steps - 1:
                eff.restarts[sl.start + j] += 1
                end = min(sl.start + j + 3, scenario.steps)
                eff.add_err(slice(sl.start + j, end), p3.restart_error_ratio)
                eff.reasons.append((sl.start + j, end, "oom"))
    elif kind is k.FaultKind.CPU_CONTENTION:
        # a noisy neighbour: the node is busy and the service waits for CPU; its own usage is flat
        p4 = k.CpuContentionParams.model_validate(fault.params)
        eff.steal[sl] = p4.steal
        eff.node_cpu[sl] = p4.node_cpu
        eff.lat_mult[sl] *= p4.latency_factor
        eff.add_err(sl, p4.error_ratio)
        eff.reasons.append((sl.start, sl.stop, "steal"))
    elif kind is k.FaultKind.RUNAWAY_PROCESS:
        p9 = k.RunawayProcessParams.model_validate(fault.params)
        shape = np.minimum(1.0, (np.arange(length) + 1) / max(1, int(p9.ramp // scenario.step)))
        eff.cpu[sl] = svc.cpu + (0.995 - svc.cpu) * shape
        # the limit bites (throttling, then latency and timeouts) only as usage nears it
        hot = np.clip((shape - 0.85) / 0.15, 0.0, 1.0)
        eff.throttle[sl] = p9.throttling * hot
        eff.lat_mult[sl] *= 1.0 + (p9.latency_factor - 1.0) * hot
        eff.add_err(sl, p9.error_ratio * hot)
        eff.reasons.append((sl.start, sl.stop, "cpu"))
    elif kind is k.FaultKind.LOAD_SURGE:
        p10 = k.LoadSurgeParams.model_validate(fault.params)
        ramp_steps = max(1, int(p10.ramp // scenario.step))
        steps = np.arange(length)
        surge = np.minimum(1.0, np.minimum(steps + 1, length - steps) / ramp_steps)  # up, plateau, down
        eff.load[sl] = 1.0 + (p10.factor - 1.0) * surge
        eff.mem[sl] = svc.memory + (p10.memory - svc.memory) * surge
        eff.lat_mult[sl] *= 1.0 + (p10.latency_factor - 1.0) * surge
        eff.add_err(sl, p10.error_ratio * surge)
        eff.reasons.append((sl.start, sl.stop, "surge"))
    elif kind is k.FaultKind.DNS_FAILURE:
        p11 = k.DnsFailureParams.model_validate(fault.params)
        deps = {d.service: d.weight for d in svc.depends_on}
        name = p11.name or next(iter(deps), None)
        if name is None or name not in deps:
            raise ValueError(
                f"faults[{index}].params.name: {svc.name} does not call {name!r}; "
                f"expected one of {', '.join(deps) or '(it has no dependencies)'}"
            )
        eff.add_err(sl, deps[name] * p11.error_ratio)
        eff.reasons.append((sl.start, sl.stop, f"dns:{name}"))
    elif kind is k.FaultKind.CODE_FAULT:
        # its own metrics stay flat: only its callers' errors, its logs and its callers' spans show it
        p12 = k.CodeFaultParams.model_validate(fault.params)
        eff.silent_err[sl] = 1.0 - (1.0 - eff.silent_err[sl]) * (1.0 - p12.error_ratio)
        eff.lat_add[sl] += p12.latency_ms * p12.error_ratio  # on the failing share of its answers
        eff.reasons.append((sl.start, sl.stop, f"code:{p12.exception}"))
    elif kind is k.FaultKind.NETWORK_DELAY:
        p5 = k.NetworkDelayParams.model_validate(fault.params)
        eff.lat_add[sl] += p5.delay_ms
        eff.add_err(sl, p5.error_ratio)
        eff.reasons.append((sl.start, sl.stop, "netdelay"))
    elif kind is k.FaultKind.CONFIG_CHANGE:
        p6 = k.ConfigChangeParams.model_validate(fault.params)
        changes.append(
            _change(
                scenario,
                f"f{index}-config",
                fault.at - scenario.step,
                svc,
                ChangeKind.CONFIG,
                f"set {p6.key}={p6.new_value} on {svc.name}",
                author="ops",
                attributes={"key": p6.key, "old": p6.old_value, "new": p6.new_value},
            )
        )
        eff.add_err(sl, p6.error_ratio)
        eff.reasons.append((sl.start, sl.stop, f"config:{p6.key}:{p6.new_value}"))
    elif kind is k.FaultKind.CERTIFICATE_EXPIRY:
        eff.tls_fail[sl] = True
        eff.reasons.append((sl.start, sl.stop, "cert"))
    elif kind is k.FaultKind.DISK_FULL:
        p7 = k.DiskFullParams.model_validate(fault.params)
        ramp_steps = max(1, int(p7.ramp // scenario.step))
        base = svc.disk if svc.disk is not None else 0.5
        full = np.minimum(1.0, base + (1.0 - base) * (np.arange(length) + 1) / ramp_steps)
        eff.disk[sl] = full
        failing = full >= 0.999
        eff.add_err(sl, np.where(failing, p7.error_ratio, 0.0))
        first = int(np.argmax(failing)) if failing.any() else length
        eff.reasons.append((sl.start + first, sl.stop, "disk"))
    elif kind is k.FaultKind.THIRD_PARTY_DEGRADATION:
        p8 = k.ThirdPartyParams.model_validate(fault.params)
        eff.lat_add[sl] += p8.latency_ms
        eff.add_err(sl, p8.error_ratio)
        eff.reasons.append((sl.start, sl.stop, "thirdparty"))
    return changes


def apply_red_herring(
    scenario: Scenario,
    index: int,
    rh: RedHerringSpec,
    svc: ServiceSpec,
    eff: Effects,
    versions: dict[str, str],
) -> list[ChangeEvent]:
    if rh.kind is k.RedHerringKind.UNRELATED_DEPLOY:
        p = k.UnrelatedDeployParams.model_validate(rh.params)
        old = versions[svc.name]
        new = p.version or next_version(versions, svc.name)
        versions[svc.name] = new
        return [
            _change(
                scenario,
                f"r{index}-deploy",
                rh.at,
                svc,
                ChangeKind.DEPLOY,
                f"deploy {svc.name} {new}",
                version=new,
                previous_version=old,
                author="ci-bot",
            )
        ]
    p2 = k.VictimParams.model_validate(rh.params)
    eff.amplify = max(eff.amplify, p2.amplification)
    return []


def apply_noise(
    scenario: Scenario, noise: NoiseSpec, svc: ServiceSpec, ov: Overlay, p99_threshold: float
) -> None:
    sl = _span(scenario, noise.at, noise.duration)
    length = sl.stop - sl.start
    if noise.kind is k.NoiseKind.FLAPPING:
        p = k.FlappingParams.model_validate(noise.params)
        period = max(2, int(p.period // scenario.step))
        on = (np.arange(length) % period) < period // 2
        if p.metric == "latency_p99_ms":
            ov.p99_floor[sl] = np.where(on, p99_threshold * 1.4, np.nan)
        else:
            ov.err[sl] = np.maximum(ov.err[sl], np.where(on, 0.09, 0.0))
        ov.reasons.append((sl.start, sl.stop, "flap"))
    elif noise.kind is k.NoiseKind.TRANSIENT_SPIKE:
        p2 = k.TransientSpikeParams.model_validate(noise.params)
        ov.err[sl] = np.maximum(
            ov.err[sl], p2.error_ratio * np.sin(np.pi * (_ramp(length) + 0.5 / max(length, 1)))
        )
        ov.reasons.append((sl.start, sl.stop, "spike"))
    elif noise.kind is k.NoiseKind.MAINTENANCE:
        p3 = k.MaintenanceParams.model_validate(noise.params)
        ov.err[sl] = np.maximum(ov.err[sl], p3.error_ratio)
        if length:
            ov.restarts[sl.start] += 1
        ov.reasons.append((sl.start, sl.stop, "maintenance"))
    elif noise.kind is k.NoiseKind.CHRONIC:
        p4 = k.ChronicParams.model_validate(noise.params)
        period = max(4, int(p4.period // scenario.step))
        burst = max(4, period // 6)
        on = (np.arange(length) % period) < burst
        ov.throttling[sl] = np.where(on, 0.45, 0.08)
    # duplicates act on deliveries, not on metrics (see autoheal.sim.alerts)


def window_seconds(scenario: Scenario, sl: slice) -> tuple[float, float]:
    return sl.start * scenario.step, sl.stop * scenario.step


def at_step(scenario: Scenario, i: int) -> timedelta:
    return timedelta(seconds=i * scenario.step)
