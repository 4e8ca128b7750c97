"""Fault, noise and red-herring kinds and the parameters each accepts (with their defaults).

Every parameter model forbids unknown keys, so a typo in a scenario file is an error that names
the field (``faults[0].params.eror_ratio: extra inputs are not permitted``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from autoheal.sim.timeparse import Duration


class FaultKind(StrEnum):
    BAD_DEPLOY = "bad_deploy"
    DEPENDENCY_OUTAGE = "dependency_outage"
    CONNECTION_POOL_EXHAUSTION = "connection_pool_exhaustion"
    MEMORY_LEAK = "memory_leak"
    CPU_CONTENTION = "cpu_contention"
    NETWORK_DELAY = "network_delay"
    CONFIG_CHANGE = "config_change"
    CERTIFICATE_EXPIRY = "certificate_expiry"
    DISK_FULL = "disk_full"
    THIRD_PARTY_DEGRADATION = "third_party_degradation"
    RUNAWAY_PROCESS = "runaway_process"
    LOAD_SURGE = "load_surge"
    DNS_FAILURE = "dns_failure"
    CODE_FAULT = "code_fault"


class NoiseKind(StrEnum):
    FLAPPING = "flapping"
    TRANSIENT_SPIKE = "transient_spike"
    DUPLICATES = "duplicates"
    MAINTENANCE = "maintenance"
    CHRONIC = "chronic"


class RedHerringKind(StrEnum):
    UNRELATED_DEPLOY = "unrelated_deploy"
    VICTIM = "victim"


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BadDeployParams(_Params):
    error_ratio: float = Field(default=0.3, gt=0, le=1)
    latency_ms: float = Field(default=40.0, ge=0)
    version: str | None = None  # default: the service's version with the minor part bumped
    rollback: bool = True  # a rollback change event when the fault ends
    exception: str = "NullPointerException"


class DependencyOutageParams(_Params):
    error_ratio: float = Field(default=1.0, gt=0, le=1)


class PoolExhaustionParams(_Params):
    ramp: Duration = 300.0
    latency_ms: float = Field(default=1500.0, ge=0)
    error_ratio: float = Field(default=0.15, ge=0, le=1)
    pool_size: int = Field(default=20, ge=1)


class MemoryLeakParams(_Params):
    ramp: Duration = 1200.0  # time from the baseline to the OOM kill
    restart_error_ratio: float = Field(default=0.25, ge=0, le=1)


class CpuContentionParams(_Params):
    """A noisy neighbour: another workload on the service's node takes the CPU. The service's own
    usage stays where it was; its threads wait for a CPU (``steal``) while the node is busy."""

    steal: float = Field(default=0.35, gt=0, le=1)  # cpu_steal_ratio while it lasts
    node_cpu: float = Field(default=0.97, gt=0, le=1)  # node_cpu_usage_ratio while it lasts
    latency_factor: float = Field(default=3.0, ge=1)
    error_ratio: float = Field(default=0.02, ge=0, le=1)


class RunawayProcessParams(_Params):
    """The service's own process burns CPU (a busy loop): its usage ramps to its limit, the
    limit throttles it, latency follows."""

    ramp: Duration = 600.0  # baseline to the limit
    throttling: float = Field(default=0.6, gt=0, le=1)  # cpu_throttling_ratio at the limit
    latency_factor: float = Field(default=4.0, ge=1)
    error_ratio: float = Field(default=0.02, ge=0, le=1)


class LoadSurgeParams(_Params):
    """More traffic than usual (a campaign, a crawler): request rate, memory, CPU and latency
    follow the load up and come back down with it."""

    factor: float = Field(default=3.0, gt=1, le=50)  # request-rate multiple at the peak
    ramp: Duration = 300.0  # up at the start, down at the end
    memory: float = Field(default=0.95, gt=0, le=1)  # memory_usage_ratio at the peak
    latency_factor: float = Field(default=2.5, ge=1)  # latency multiple at the peak
    error_ratio: float = Field(default=0.01, ge=0, le=1)


class DnsFailureParams(_Params):
    """The service cannot resolve the name of one of its dependencies; the dependency itself is
    healthy."""

    name: str | None = None  # the dependency whose name fails (default: its first dependency)
    error_ratio: float = Field(default=1.0, gt=0, le=1)  # share of calls to that name failing


class CodeFaultParams(_Params):
    """An exception path in the service's own code, caught and answered with a fallback result
    (the code-level faults of Nezha and of real services behave so): the signature is in the
    service's own logs (one error line per failing answer) and the failure in what its callers
    see (their errors, their failed spans); the service's own error rate and spans stay flat (it
    answers 200), and its latency rises only by what the failing path costs."""

    error_ratio: float = Field(default=0.3, gt=0, le=1)  # share of its answers its callers fail on
    exception: str = "IllegalStateException"  # the exception its logs name
    latency_ms: float = Field(default=40.0, ge=0)  # what a failing answer costs it (stack trace, fallback)


class NetworkDelayParams(_Params):
    delay_ms: float = Field(default=400.0, gt=0)
    error_ratio: float = Field(default=0.01, ge=0, le=1)


class ConfigChangeParams(_Params):
    error_ratio: float = Field(default=0.25, gt=0, le=1)
    key: str = "upstream.timeout_ms"
    old_value: str = "3000"
    new_value: str = "30"


class CertificateExpiryParams(_Params):
    common_name: str | None = None


class DiskFullParams(_Params):
    ramp: Duration = 900.0
    error_ratio: float = Field(default=0.6, gt=0, le=1)


class ThirdPartyParams(_Params):
    latency_ms: float = Field(default=2500.0, ge=0)
    error_ratio: float = Field(default=0.2, ge=0, le=1)


FAULT_PARAMS: dict[FaultKind, type[_Params]] = {
    FaultKind.BAD_DEPLOY: BadDeployParams,
    FaultKind.DEPENDENCY_OUTAGE: DependencyOutageParams,
    FaultKind.CONNECTION_POOL_EXHAUSTION: PoolExhaustionParams,
    FaultKind.MEMORY_LEAK: MemoryLeakParams,
    FaultKind.CPU_CONTENTION: CpuContentionParams,
    FaultKind.NETWORK_DELAY: NetworkDelayParams,
    FaultKind.CONFIG_CHANGE: ConfigChangeParams,
    FaultKind.CERTIFICATE_EXPIRY: CertificateExpiryParams,
    FaultKind.DISK_FULL: DiskFullParams,
    FaultKind.THIRD_PARTY_DEGRADATION: ThirdPartyParams,
    FaultKind.RUNAWAY_PROCESS: RunawayProcessParams,
    FaultKind.LOAD_SURGE: LoadSurgeParams,
    FaultKind.DNS_FAILURE: DnsFailureParams,
    FaultKind.CODE_FAULT: CodeFaultParams,
}


class FlappingParams(_Params):
    period: Duration = 240.0  # one on/off cycle
    metric: str = "error_ratio"  # error_ratio | latency_p99_ms


class TransientSpikeParams(_Params):
    error_ratio: float = Field(default=0.12, gt=0, le=1)


class DuplicatesParams(_Params):
    copies: int = Field(default=2, ge=2, le=10)  # deliveries of each payload in the window
    alert: str | None = None  # only this alert name (default: every alert in the window)


class MaintenanceParams(_Params):
    error_ratio: float = Field(default=0.3, ge=0, le=1)


class ChronicParams(_Params):
    period: Duration = 1800.0  # how often the noisy alert comes back
    alert: str = "CPUThrottlingHigh"


NOISE_PARAMS: dict[NoiseKind, type[_Params]] = {
    NoiseKind.FLAPPING: FlappingParams,
    NoiseKind.TRANSIENT_SPIKE: TransientSpikeParams,
    NoiseKind.DUPLICATES: DuplicatesParams,
    NoiseKind.MAINTENANCE: MaintenanceParams,
    NoiseKind.CHRONIC: ChronicParams,
}


class UnrelatedDeployParams(_Params):
    version: str | None = None


class VictimParams(_Params):
    amplification: float = Field(default=2.5, ge=1, le=20)


RED_HERRING_PARAMS: dict[RedHerringKind, type[_Params]] = {
    RedHerringKind.UNRELATED_DEPLOY: UnrelatedDeployParams,
    RedHerringKind.VICTIM: VictimParams,
}
