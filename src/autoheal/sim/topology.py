"""The simulated system: services, what each one calls, and how it behaves when healthy.

A :class:`Topology` is plain data (loaded from a scenario file or :func:`default_topology`). Edges
point from caller to callee (``checkout -> payment``); ``weight`` is the share of the caller's
requests that reach the callee, which is how much of the callee's trouble the caller inherits.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ServiceKind(StrEnum):
    SERVICE = "service"
    DATABASE = "database"
    CACHE = "cache"
    QUEUE = "queue"
    EXTERNAL = "external"


class Dependency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str
    weight: float = Field(default=1.0, gt=0.0, le=1.0)


class ServiceSpec(BaseModel):
    """One service and its healthy baseline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    kind: ServiceKind = ServiceKind.SERVICE
    depends_on: list[Dependency] = Field(default_factory=list)
    rps: float = Field(default=50.0, gt=0)
    latency_p50_ms: float = Field(default=20.0, gt=0)
    latency_p99_ms: float = Field(default=120.0, gt=0)
    error_ratio: float = Field(default=0.002, ge=0, lt=1)
    cpu: float = Field(default=0.35, ge=0, le=1)
    memory: float = Field(default=0.45, ge=0, le=1)
    pool: float | None = Field(default=None, ge=0, le=1, description="connection-pool usage when it has one")
    disk: float | None = Field(default=None, ge=0, le=1, description="disk usage when it stores data")
    replicas: int = Field(default=2, ge=1, le=20)
    version: str = "1.0.0"
    language: str = "go"

    @property
    def stateful(self) -> bool:
        return self.disk is not None


class Topology(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    services: list[ServiceSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Topology:
        names = [s.name for s in self.services]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"service {name!r} is declared twice")
            seen.add(name)
        for svc in self.services:
            for dep in svc.depends_on:
                if dep.service not in seen:
                    raise ValueError(f"{svc.name} depends on unknown service {dep.service!r}")
                if dep.service == svc.name:
                    raise ValueError(f"{svc.name} depends on itself")
        self.order()  # raises on cycles
        return self

    def names(self) -> list[str]:
        return [s.name for s in self.services]

    def get(self, name: str) -> ServiceSpec:
        for svc in self.services:
            if svc.name == name:
                return svc
        raise KeyError(name)

    def callers(self, name: str) -> list[str]:
        return [s.name for s in self.services if any(d.service == name for d in s.depends_on)]

    def callees(self, name: str) -> list[str]:
        return [d.service for d in self.get(name).depends_on]

    def upstream_of(self, name: str) -> set[str]:
        """Every service that reaches ``name`` through calls (its transitive callers)."""
        found: set[str] = set()
        todo = [name]
        while todo:
            for caller in self.callers(todo.pop()):
                if caller not in found:
                    found.add(caller)
                    todo.append(caller)
        return found

    def downstream_of(self, name: str) -> set[str]:
        found: set[str] = set()
        todo = [name]
        while todo:
            for callee in self.callees(todo.pop()):
                if callee not in found:
                    found.add(callee)
                    todo.append(callee)
        return found

    def order(self) -> list[str]:
        """Callees before callers (so a caller's health can be computed from its callees')."""
        done: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str, path: tuple[str, ...]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                cycle = " -> ".join((*path, name))
                raise ValueError(f"dependency cycle: {cycle}")
            state[name] = 1
            for dep in self.get(name).depends_on:
                visit(dep.service, (*path, name))
            state[name] = 2
            done.append(name)

        for svc in self.services:
            visit(svc.name, ())
        return done

    def edges(self) -> Iterator[tuple[str, str, float]]:
        for svc in self.services:
            for dep in svc.depends_on:
                yield svc.name, dep.service, dep.weight


def _dep(service: str, weight: float = 1.0) -> Dependency:
    return Dependency(service=service, weight=weight)


def default_topology() -> Topology:
    """An e-commerce shop of twelve services, the shape most microservice demos share."""
    S = ServiceSpec
    K = ServiceKind
    return Topology(
        services=[
            S(
                name="frontend",
                depends_on=[
                    _dep("catalogue", 0.8),
                    _dep("cart", 0.5),
                    _dep("checkout", 0.2),
                    _dep("recommendation", 0.5),
                    _dep("currency", 0.6),
                    _dep("shipping", 0.15),
                ],
                rps=220,
                latency_p50_ms=45,
                latency_p99_ms=260,
                language="typescript",
                replicas=4,
                version="3.8.2",
            ),
            S(
                name="checkout",
                depends_on=[
                    _dep("payment", 0.9),
                    _dep("cart", 0.9),
                    _dep("shipping", 0.8),
                    _dep("currency", 0.7),
                    _dep("postgres", 0.9),
                    _dep("rabbitmq", 0.9),
                ],
                rps=40,
                latency_p50_ms=80,
                latency_p99_ms=420,
                pool=0.3,
                version="2.13.4",
            ),
            S(
                name="cart",
                depends_on=[_dep("redis", 1.0)],
                rps=120,
                latency_p50_ms=8,
                latency_p99_ms=45,
                version="1.9.0",
                language="csharp",
            ),
            S(
                name="payment",
                depends_on=[_dep("payment-gateway", 1.0), _dep("postgres", 0.8)],
                rps=38,
                latency_p50_ms=120,
                latency_p99_ms=600,
                pool=0.35,
                version="4.2.1",
                language="java",
                memory=0.55,
            ),
            S(
                name="catalogue",
                depends_on=[_dep("postgres", 0.4), _dep("redis", 0.9)],
                rps=260,
                latency_p50_ms=12,
                latency_p99_ms=90,
                pool=0.25,
                version="5.0.3",
            ),
            S(
                name="shipping",
                depends_on=[_dep("rabbitmq", 0.5)],
                rps=60,
                latency_p50_ms=15,
                latency_p99_ms=80,
                version="1.4.7",
            ),
            S(
                name="currency",
                depends_on=[_dep("redis", 0.3)],
                rps=300,
                latency_p50_ms=3,
                latency_p99_ms=20,
                version="2.0.1",
                language="nodejs",
            ),
            S(
                name="recommendation",
                depends_on=[_dep("catalogue", 1.0)],
                rps=110,
                latency_p50_ms=30,
                latency_p99_ms=180,
                version="0.9.12",
                language="python",
                memory=0.6,
            ),
            S(
                name="postgres",
                kind=K.DATABASE,
                rps=500,
                latency_p50_ms=2,
                latency_p99_ms=25,
                disk=0.55,
                cpu=0.3,
                memory=0.7,
                replicas=1,
                version="15.4",
            ),
            S(
                name="redis",
                kind=K.CACHE,
                rps=900,
                latency_p50_ms=0.5,
                latency_p99_ms=4,
                memory=0.5,
                cpu=0.2,
                replicas=1,
                version="7.0.11",
                disk=0.2,
            ),
            S(
                name="rabbitmq",
                kind=K.QUEUE,
                rps=110,
                latency_p50_ms=1.5,
                latency_p99_ms=12,
                disk=0.35,
                replicas=1,
                version="3.12.4",
            ),
            S(
                name="payment-gateway",
                kind=K.EXTERNAL,
                rps=38,
                latency_p50_ms=90,
                latency_p99_ms=450,
                error_ratio=0.003,
                replicas=1,
                version="v2",
            ),
        ]
    )
