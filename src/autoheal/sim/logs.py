"""Log lines of the simulated system, from templates whose variable parts change on every line.

Healthy services write a few info lines a minute and the odd sporadic error. While a fault lasts,
the faulty service writes what it would really write (a new exception after a bad deploy, "No space
left on device", OOM kills...), and its callers write what a caller sees (connection refused,
upstream 503, x509 errors, timeouts) naming the callee, so log template mining points upstream.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from autoheal.sim.effects import Effects, Overlay
from autoheal.sim.metrics import ServiceMetrics, service_rng
from autoheal.sim.topology import Topology
from autoheal.telemetry.model import LogRecord

MAX_ERROR_LINES_PER_STEP = 6
_ROUTES = ("/api/products", "/api/cart", "/api/checkout", "/api/recommendations", "/api/orders", "/healthz")
_PORTS = {"postgres": 5432, "redis": 6379, "rabbitmq": 5672, "payment-gateway": 443}
_CLASSES = ("OrderService", "CheckoutHandler", "PriceCalculator", "PaymentClient", "CartRepository")


def _hex(rng: np.random.Generator, n: int) -> str:
    return "".join(f"{x:x}" for x in rng.integers(0, 16, n))


def _ip(rng: np.random.Generator) -> str:
    return f"10.{rng.integers(0, 4)}.{rng.integers(0, 255)}.{rng.integers(2, 254)}"


def _info(svc: str, rng: np.random.Generator) -> str:
    choice = int(rng.integers(0, 4))
    rid = _hex(rng, 16)
    if choice == 0:
        route = _ROUTES[int(rng.integers(0, len(_ROUTES)))]
        return f"GET {route} 200 {int(rng.integers(2, 90))}ms request_id={rid} client={_ip(rng)}"
    if choice == 1:
        return f"processed request for user u-{int(rng.integers(10000, 99999))} in {int(rng.integers(3, 120))}ms request_id={rid}"
    if choice == 2:
        return f"cache refreshed: {int(rng.integers(100, 5000))} entries in {int(rng.integers(5, 200))}ms"
    return f"health check ok (uptime {int(rng.integers(1, 900))}m, goroutines={int(rng.integers(40, 400))})"


def _own_error(reason: str, svc: str, rng: np.random.Generator) -> tuple[str, str]:
    rid = _hex(rng, 16)
    kind, _, rest = reason.partition(":")
    if kind == "exception":
        exc, _, version = rest.partition(":")
        cls = _CLASSES[int(rng.integers(0, len(_CLASSES)))]
        return (
            "error",
            f"unhandled {exc} in {cls}.process at line {int(rng.integers(40, 900))} (version {version}) request_id={rid}",
        )
    if kind == "code":
        cls = _CLASSES[int(rng.integers(0, len(_CLASSES)))]
        return (
            "error",
            f"caught {rest} in {cls}.process at line {int(rng.integers(40, 900))}, answering with the fallback result request_id={rid}",
        )
    if kind == "down":
        return (
            "critical",
            f"{svc} process exited with code {int(rng.integers(1, 3))}; not accepting connections",
        )
    if kind == "pool":
        size = int(rest or 20)
        return (
            "error",
            f"timeout acquiring connection from pool after 5000ms (active={size}/{size}, waiting={int(rng.integers(5, 80))}) request_id={rid}",
        )
    if kind == "oom":
        return (
            "critical",
            f"container {svc} OOMKilled: memory limit {int(rng.choice([512, 1024, 2048]))}Mi exceeded, restarting (pid {int(rng.integers(100, 9999))})",
        )
    if kind == "cpu":
        return (
            "warning",
            f"slow request: handler took {int(rng.integers(800, 4000))}ms, cpu throttled {int(rng.integers(30, 90))}% request_id={rid}",
        )
    if kind == "steal":
        return (
            "warning",
            f"slow request: handler took {int(rng.integers(600, 3000))}ms, {int(rng.integers(200, 1500))}ms of it runnable waiting for a cpu request_id={rid}",
        )
    if kind == "surge":
        return (
            "warning",
            f"request queue depth {int(rng.integers(200, 900))} above 100: all workers busy request_id={rid}",
        )
    if kind == "dns":
        return (
            "error",
            f"dial tcp: lookup {rest}.shop.svc.cluster.local on 10.96.0.10:53: no such host request_id={rid}",
        )
    if kind == "netdelay":
        return (
            "warning",
            f"tcp retransmission to {_ip(rng)}: rtt {int(rng.integers(300, 900))}ms request_id={rid}",
        )
    if kind == "config":
        key, _, value = rest.partition(":")
        return "error", f"request aborted: deadline {value}ms from config {key} exceeded request_id={rid}"
    if kind == "disk":
        return (
            "error",
            f'could not write to file "/var/lib/{svc}/data/{_hex(rng, 8)}": No space left on device',
        )
    if kind == "thirdparty":
        return (
            "error",
            f"provider responded HTTP {int(rng.choice([502, 503, 504]))} after {int(rng.integers(1500, 6000))}ms (attempt {int(rng.integers(1, 4))}) request_id={rid}",
        )
    if kind in {"flap", "spike"}:
        return "error", f"request failed: upstream reset before headers request_id={rid}"
    if kind == "maintenance":
        return (
            "warning",
            f"received SIGTERM: draining connections for planned maintenance (pid {int(rng.integers(100, 9999))})",
        )
    return "error", f"internal error request_id={rid}"


def _caller_error(callee: str, mode: str, rng: np.random.Generator) -> tuple[str, str]:
    rid = _hex(rng, 16)
    port = _PORTS.get(callee, 8080)
    if mode == "tls":
        return (
            "error",
            f"tls handshake with {callee}:{port} failed: x509: certificate has expired or is not yet valid request_id={rid}",
        )
    if mode == "down":
        return "error", f"dial tcp {_ip(rng)}:{port} ({callee}): connect: connection refused request_id={rid}"
    if mode == "slow":
        return (
            "error",
            f"call to {callee} timed out after {int(rng.integers(1000, 5000))}ms: context deadline exceeded request_id={rid}",
        )
    return "error", f"upstream {callee} returned {int(rng.choice([500, 502, 503]))} request_id={rid}"


def _sporadic(rng: np.random.Generator) -> str:
    return f"request validation failed: field 'quantity' must be positive (got {-int(rng.integers(1, 9))}) request_id={_hex(rng, 16)}"


def generate_logs(
    topology: Topology,
    start: datetime,
    step: float,
    metrics: dict[str, ServiceMetrics],
    effects: dict[str, Effects],
    overlays: dict[str, Overlay],
    seed: int,
) -> list[LogRecord]:
    out: list[LogRecord] = []
    for name in topology.names():
        svc = topology.get(name)
        rng = service_rng(seed, name, "logs")
        m = metrics[name]
        err = m.values["error_ratio"]
        n = len(err)
        own: list[list[str]] = [[] for _ in range(n)]
        for s, e, reason in effects[name].reasons + overlays[name].reasons:
            for i in range(s, min(e, n)):
                own[i].append(reason)
        info_lam = step / 60.0
        for i in range(n):  # bounded: steps x services
            at = start + timedelta(seconds=i * step)
            for _ in range(int(rng.poisson(info_lam))):
                off = timedelta(seconds=float(rng.uniform(0, step)))
                out.append(LogRecord(at + off, name, "info", _info(name, rng), {"service": name}))
            # a code fault logs each failure it answers with, though its error metric stays flat
            failing = err[i] if m.silent_err is None else max(err[i], m.silent_err[i])
            lines = min(MAX_ERROR_LINES_PER_STEP, int(rng.poisson(failing * 20)))
            if own[i]:
                lines = max(lines, 1)
            for _ in range(lines):
                off = timedelta(seconds=float(rng.uniform(0, step)))
                level, line = _pick_error(
                    svc.name,
                    [d.service for d in svc.depends_on],
                    [d.weight for d in svc.depends_on],
                    own[i],
                    metrics,
                    effects,
                    i,
                    rng,
                )
                out.append(LogRecord(at + off, name, level, line, {"service": name}))
    out.sort(key=lambda r: (r.at, r.service))
    return out


def _pick_error(
    name: str,
    callees: list[str],
    weights: list[float],
    own: list[str],
    metrics: dict[str, ServiceMetrics],
    effects: dict[str, Effects],
    i: int,
    rng: np.random.Generator,
) -> tuple[str, str]:
    shares = [
        w * float(metrics[c].caller_err[i]) + w * min(1.0, metrics[c].extra_p99[i] / 1500.0)
        for c, w in zip(callees, weights, strict=True)
    ]
    inherited = sum(shares)
    own_weight = 1.0 if own else 0.0
    total = inherited + own_weight
    if total < 0.02:
        return "error", _sporadic(rng)
    pick = float(rng.uniform(0, total))
    if pick < own_weight:
        return _own_error(own[int(rng.integers(0, len(own)))], name, rng)
    pick -= own_weight
    for callee, share in zip(callees, shares, strict=True):
        if pick < share:
            eff = effects[callee]
            mode = (
                "tls"
                if eff.tls_fail[i]
                else "down"
                if eff.down[i]
                else "slow"
                if metrics[callee].extra_p99[i] > 800
                else "error"
            )
            return _caller_error(callee, mode, rng)
        pick -= share
    return "error", _sporadic(rng)
