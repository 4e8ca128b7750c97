"""Metrics of the simulated system: healthy baselines, then faults propagated to callers.

Propagation runs callees first. A caller inherits a callee's errors in proportion to the share of
its requests that reach the callee (edge weight), and its latency the same way (the tail more
than the median). Nothing flows the other way: a callee never sees its callers' trouble, except as
traffic (a broken frontend sends fewer requests downstream).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from autoheal.sim.effects import Effects, Overlay
from autoheal.sim.topology import ServiceKind, Topology

METRICS = (
    "request_rate",
    "error_ratio",
    "latency_p50_ms",
    "latency_p99_ms",
    "cpu_usage_ratio",
    "memory_usage_ratio",
    "pool_usage_ratio",
    "restarts_total",
    "disk_usage_ratio",
    "cpu_throttling_ratio",
    "cpu_steal_ratio",
    "node_cpu_usage_ratio",
    "up",
)


def service_rng(seed: int, name: str, purpose: str) -> np.random.Generator:
    """A generator per (seed, service, purpose): adding a service never changes the others."""
    return np.random.default_rng([seed, zlib.crc32(name.encode()), zlib.crc32(purpose.encode())])


def seasonality(timestamps: np.ndarray) -> np.ndarray:
    """Daily traffic shape: quiet at night (UTC), peak mid-afternoon, a little weekly dip."""
    hours = (timestamps % 86400) / 3600.0
    daily = 1.0 + 0.45 * np.sin(2 * np.pi * (hours - 9.0) / 24.0)
    weekday = ((timestamps // 86400) + 4) % 7  # 1970-01-01 was a Thursday
    weekly = np.where(weekday >= 5, 0.8, 1.0)
    return daily * weekly


@dataclass
class ServiceMetrics:
    """Computed per-step values for one service (``caller_err`` is what its callers experience)."""

    values: dict[str, np.ndarray]
    caller_err: np.ndarray
    extra_p50: np.ndarray
    extra_p99: np.ndarray
    silent_err: np.ndarray | None = None  # the part of ``caller_err`` its own metrics do not show


def compute(
    topology: Topology,
    timestamps: np.ndarray,
    effects: dict[str, Effects],
    overlays: dict[str, Overlay],
    seed: int,
) -> dict[str, ServiceMetrics]:
    n = len(timestamps)
    season = seasonality(timestamps)
    out: dict[str, ServiceMetrics] = {}
    for name in topology.order():
        svc = topology.get(name)
        eff = effects[name]
        rng = service_rng(seed, name, "metrics")
        # errors: own, then inherited from callees
        survive = 1.0 - np.clip(svc.error_ratio * rng.lognormal(0.0, 0.25, n), 0.0, 1.0)
        survive *= 1.0 - eff.err
        extra50 = eff.lat_add.copy()
        extra99 = eff.lat_add * 1.6
        for dep in svc.depends_on:
            inherited = out[dep.service]
            usual = 2.0 * topology.get(dep.service).error_ratio
            seen = np.minimum(inherited.caller_err, usual) + eff.amplify * np.maximum(
                inherited.caller_err - usual, 0.0
            )
            survive *= 1.0 - np.clip(dep.weight * seen, 0.0, 1.0)
            extra50 += dep.weight * inherited.extra_p50 * eff.amplify
            extra99 += min(1.0, 3.0 * dep.weight) * inherited.extra_p99 * eff.amplify
        err = 1.0 - survive
        base50 = svc.latency_p50_ms * rng.lognormal(0.0, 0.05, n)
        base99 = svc.latency_p99_ms * rng.lognormal(0.0, 0.08, n)
        p50 = base50 * eff.lat_mult + extra50
        p99 = np.maximum(p50 * 1.5, base99 * eff.lat_mult + extra99)
        slowdown50 = p50 - svc.latency_p50_ms
        slowdown99 = p99 - svc.latency_p99_ms
        caller_err = np.where(eff.tls_fail, 1.0, np.where(eff.down, 1.0, err))
        silent = eff.silent_err.any()
        if silent:  # a code fault: its callers fail on answers its own metrics count as fine
            caller_err = 1.0 - (1.0 - caller_err) * (1.0 - eff.silent_err)

        load = season * rng.lognormal(0.0, 0.03, n) * eff.load
        rate = svc.rps * load
        rate = np.where(eff.down | eff.tls_fail, rate * 0.02, rate)
        cpu = np.clip(
            svc.cpu * load * (1.0 + 0.25 * np.clip(slowdown50 / 1000.0, 0, 2)) + rng.normal(0, 0.015, n),
            0.01,
            1.0,
        )
        cpu = np.where(np.isnan(eff.cpu), cpu, np.clip(eff.cpu + rng.normal(0, 0.01, n), 0, 1))
        mem = np.clip(svc.memory + rng.normal(0, 0.01, n), 0.0, 1.0)
        mem = np.where(np.isnan(eff.mem), mem, eff.mem)
        values: dict[str, np.ndarray] = {
            "request_rate": rate,
            "cpu_usage_ratio": cpu,
            "memory_usage_ratio": mem,
            "up": np.where(eff.down, 0.0, 1.0),
        }
        if svc.pool is not None:
            db_wait = sum(
                (
                    out[d.service].extra_p50
                    for d in svc.depends_on
                    if topology.get(d.service).kind is ServiceKind.DATABASE
                ),
                np.zeros(n),
            )
            pool = np.clip(
                svc.pool * load + np.clip(db_wait / 400.0, 0, 0.7) + rng.normal(0, 0.01, n), 0.0, 1.0
            )
            values["pool_usage_ratio"] = np.where(
                np.isnan(eff.pool), pool, np.clip(eff.pool + rng.normal(0, 0.005, n), 0, 1)
            )
        if svc.disk is not None:
            disk = svc.disk + 0.002 * np.arange(n) / max(n, 1) + rng.normal(0, 0.0005, n)
            values["disk_usage_ratio"] = np.clip(np.where(np.isnan(eff.disk), disk, eff.disk), 0.0, 1.0)

        ov = overlays[name]
        err = 1.0 - (1.0 - err) * (1.0 - ov.err)
        p99 = np.where(np.isnan(ov.p99_floor), p99, np.maximum(p99, np.nan_to_num(ov.p99_floor)))
        values["error_ratio"] = np.clip(err, 0.0, 1.0)
        values["latency_p50_ms"] = p50
        values["latency_p99_ms"] = p99
        values["restarts_total"] = np.cumsum(eff.restarts + ov.restarts)
        throttling = 0.03 + ov.throttling + rng.normal(0, 0.01, n)
        values["cpu_throttling_ratio"] = np.clip(
            np.where(np.isnan(eff.throttle), throttling, throttling + np.nan_to_num(eff.throttle)), 0.0, 1.0
        )
        # the node the service runs on (its own generator: adding these series changed no other)
        node_rng = service_rng(seed, name, "node")
        steal = 0.01 + np.abs(node_rng.normal(0, 0.004, n))
        node = np.clip(0.45 * season + node_rng.normal(0, 0.02, n), 0.0, 1.0)
        values["cpu_steal_ratio"] = np.clip(
            np.where(np.isnan(eff.steal), steal, eff.steal + node_rng.normal(0, 0.01, n)), 0.0, 1.0
        )
        values["node_cpu_usage_ratio"] = np.clip(
            np.where(np.isnan(eff.node_cpu), node, eff.node_cpu + node_rng.normal(0, 0.005, n)), 0.0, 1.0
        )
        out[name] = ServiceMetrics(
            values={m: np.round(v, 6) for m, v in values.items()},
            caller_err=caller_err,
            extra_p50=np.maximum(slowdown50, 0.0)
            if eff.lat_add.any() or eff.lat_mult.max() > 1 or extra50.any()
            else np.zeros(n),
            extra_p99=np.maximum(slowdown99, 0.0)
            if eff.lat_add.any() or eff.lat_mult.max() > 1 or extra99.any()
            else np.zeros(n),
            silent_err=eff.silent_err.copy() if silent else None,
        )
    return out
