"""A ToolCaller built on the real protocol that serves tool results from Python functions.

Used until scenario tests run through the real governance Gateway: each tool is a function of its
arguments, every call is recorded (tool, args, caller), unknown tools answer ``denied`` exactly as
a gateway would for a tool outside the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.domain.tools import ToolResult, ToolStatus

Handler = Callable[[Mapping[str, Any]], ToolResult]
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class CannedTools:
    handlers: dict[str, Handler] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)

    def on(self, tool: str, handler: Handler | ToolResult) -> CannedTools:
        self.handlers[tool] = handler if callable(handler) else (lambda _args, r=handler: r)
        return self

    def call(
        self,
        tool: str,
        args: Mapping[str, Any],
        *,
        caller: str,
        investigation_id: str | None = None,
    ) -> ToolResult:
        self.calls.append((tool, dict(args), caller))
        handler = self.handlers.get(tool)
        if handler is None:
            return ToolResult(ToolStatus.DENIED, message=f"{tool} is not allowed by the test policy")
        return handler(args)


def alert(
    name: str = "HighErrorRate",
    *,
    service: str = "checkout",
    fingerprint: str | None = None,
    status: AlertStatus = AlertStatus.FIRING,
    starts_at: datetime = T0,
    ends_at: datetime | None = None,
    severity: Severity = Severity.WARNING,
    expr: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Alert:
    url = None
    if expr:
        from urllib.parse import urlencode

        url = "http://127.0.0.1:9090/graph?" + urlencode({"g0.expr": expr, "g0.tab": "1"})
    return Alert(
        source="alertmanager",
        fingerprint=fingerprint or f"fp-{name}-{service}",
        status=status,
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        labels={"alertname": name, "service": service, **(labels or {})},
        service=service,
        severity=severity,
        generator_url=url,
    )


def matrix(series: list[tuple[dict[str, str], list[tuple[float, float]]]]) -> dict[str, Any]:
    """A Prometheus ``query_range`` answer (resultType matrix)."""
    return {
        "resultType": "matrix",
        "result": [
            {"metric": labels, "values": [[t, str(v)] for t, v in points]} for labels, points in series
        ],
    }


def ramp(
    start: datetime, minutes: int, value: Callable[[int], float], step_s: int = 60
) -> list[tuple[float, float]]:
    return [
        ((start + timedelta(seconds=i * step_s)).timestamp(), value(i)) for i in range(minutes * 60 // step_s)
    ]
