"""When an investigation's top cause counts as the simulated fault (``matched_kind``).

The engine has no vocabulary of its own for every simulated fault kind: a memory leak shows up as
``resource_saturation`` of memory, an outage as the service itself being the furthest-upstream
anomaly. ``ACCEPTED`` says, once for every fault kind, which hypothesis kinds (and, where the kind
alone is too vague, which ``component``) name the fault the way a senior SRE reading the report
would accept; the service must match as well (``matched_service``). The table is documented in
docs/scenarios.md ("When a cause counts as right").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autoheal.sim.engine import SimulatedRun
from autoheal.sim.kinds import FaultKind

SERVICE_ITSELF = frozenset({"service_fault", "dependency_fault"})  # topology: the furthest-upstream anomaly
LATENCY_METRICS = frozenset({"latency_p99_ms", "latency_p50_ms"})


@dataclass(frozen=True, slots=True)
class Accepted:
    """Hypothesis kinds that name the fault; ``components[kind]``, when given, restricts the
    hypothesis ``component`` for that kind (e.g. which resource saturated)."""

    kinds: frozenset[str]
    components: Mapping[str, frozenset[str]]

    def matches(self, kind: str | None, component: str | None) -> bool:
        if kind not in self.kinds:
            return False
        allowed = self.components.get(kind)
        return allowed is None or component in allowed


def _saturation(resource: str) -> Accepted:
    return Accepted(frozenset({"resource_saturation"}), {"resource_saturation": frozenset({resource})})


ACCEPTED: dict[FaultKind, Accepted] = {
    FaultKind.BAD_DEPLOY: Accepted(frozenset({"bad_deploy"}), {}),
    FaultKind.CONFIG_CHANGE: Accepted(frozenset({"config_change"}), {}),
    FaultKind.MEMORY_LEAK: _saturation("memory_usage_ratio"),
    # the look-alikes the engine names as distinct causes (docs/investigation.md, "Causes that look alike")
    FaultKind.CPU_CONTENTION: Accepted(frozenset({"cpu_contention"}), {}),
    FaultKind.RUNAWAY_PROCESS: Accepted(frozenset({"runaway_process"}), {}),
    FaultKind.LOAD_SURGE: Accepted(frozenset({"load_surge"}), {}),
    FaultKind.DNS_FAILURE: Accepted(frozenset({"dns_failure"}), {}),
    FaultKind.DISK_FULL: _saturation("disk_usage_ratio"),
    FaultKind.CONNECTION_POOL_EXHAUSTION: _saturation("pool_usage_ratio"),
    # the service itself is failing: down, unreachable, or a degraded external API
    FaultKind.DEPENDENCY_OUTAGE: Accepted(SERVICE_ITSELF, {}),
    FaultKind.CERTIFICATE_EXPIRY: Accepted(SERVICE_ITSELF, {}),
    FaultKind.THIRD_PARTY_DEGRADATION: Accepted(SERVICE_ITSELF | {"latency", "network_latency"}, {}),
    # a fault in its own code: the log generator's code error on it, or the service itself failing
    FaultKind.CODE_FAULT: Accepted(frozenset({"code_error"}) | SERVICE_ITSELF, {}),
    # slower calls into the service: a latency explanation, not an error one
    FaultKind.NETWORK_DELAY: Accepted(
        SERVICE_ITSELF | {"latency", "network_latency"},
        {kind: LATENCY_METRICS for kind in SERVICE_ITSELF},
    ),
}


def matched_kind(fault: FaultKind, top: Mapping[str, Any] | None, deployed: str | None = None) -> bool:
    """Whether the top cause (``kind`` and ``component``) names ``fault`` (see ``ACCEPTED``); for a
    bad deploy, ``deployed`` is the version the fault deployed and the cause must name that deploy
    (the changes generator's ``component`` is the version), not another one."""
    if not top:
        return False
    if not ACCEPTED[fault].matches(top.get("kind"), top.get("component")):
        return False
    return deployed is None or top.get("component") == deployed


def deployed_version(run: SimulatedRun, index: int) -> str | None:
    """The version fault ``index`` deployed (its deploy change event), or None (not a deploy)."""
    wanted = f"{run.scenario.name}-f{index}-deploy"
    return next((c.version for c in run.changes if c.id == wanted), None)
