"""Fixtures of the fixes tests: an in-memory series source, a context builder, real promtool."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.fixes.base import FixContext, Series
from autoheal.fixes.config import FixesConfig
from autoheal.fixes.promtool import Promtool
from tests.conftest import require

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = 30.0


class MemorySeries:
    """A :class:`SeriesSource` over fixed samples; a query's ``service="x"`` and ``__name__``
    matchers are honoured (enough for the generators' queries), and every query is recorded."""

    def __init__(self, series: Sequence[Series]) -> None:
        self.series = list(series)
        self.queries: list[str] = []

    def range(self, query: str, start: datetime, end: datetime, step: float) -> list[Series]:
        self.queries.append(query)
        out = []
        for s in self.series:
            name = s.metric
            if f'service="{s.labels.get("service")}"' not in query:
                continue
            if (
                query.startswith(name + "{")
                or f'"{name}|' in query
                or f'|{name}"' in query
                or query.startswith("{service")
            ):
                samples = [(t, v) for t, v in s.samples if start.timestamp() <= t <= end.timestamp()]
                out.append(Series(s.labels, samples))
        return out


def series(metric: str, service: str, values: Sequence[float], start: datetime = T0) -> Series:
    base = start.timestamp()
    return Series(
        {"__name__": metric, "service": service, "namespace": "shop"},
        [(base + i * STEP, float(v)) for i, v in enumerate(values)],
    )


def noisy(n: int, level: float, spread: float, seed: int) -> np.ndarray:
    return level + np.random.default_rng(seed).normal(0, spread, n)


def alert(name: str, service: str, at: datetime) -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=f"fp-{name}-{service}",
        status=AlertStatus.FIRING,
        name=name,
        starts_at=at,
        labels={"alertname": name, "service": service},
        annotations={"summary": f"{name} on {service}"},
        service=service,
        severity=Severity.CRITICAL,
    )


REPORT: Mapping[str, Any] = {
    "causes": [
        {
            "rank": 1,
            "confidence": 0.9,
            "hypothesis": {
                "id": "changes:checkout",
                "service": "checkout",
                "kind": "bad_deploy",
                "statement": "deploy 2.14.0 on checkout caused it; unhandled NullPointerException in CartHandler",
                "generator": "changes",
                "evidence": [
                    {
                        "id": "ev1",
                        "tool": "changes.list",
                        "args": {"service": "checkout"},
                        "summary": "deploy 2.14.0 on checkout at 10:09:30",
                    }
                ],
            },
            "verification": {
                "verdict": "supported",
                "reason": "",
                "checks": [
                    {"name": "temporal_precedence", "outcome": "passed", "detail": "the cause began first"}
                ],
            },
        }
    ],
    "ruled_out": [
        {
            "hypothesis": {"statement": "frontend `rm -rf` errors"},
            "verification": {"reason": "refuted: a victim"},
        }
    ],
    "next_checks": [],
}


@pytest.fixture
def make_ctx() -> Callable[..., FixContext]:
    def build(found: Sequence[Series], first_alert: Alert, **extra: Any) -> FixContext:
        ref_end = first_alert.starts_at - timedelta(seconds=1800)
        config = extra.pop("config", FixesConfig())
        return FixContext(
            ref="INC-7",
            service=extra.pop("service", "checkout"),
            cause_kind="bad_deploy",
            alerts=[first_alert],
            report=extra.pop("report", REPORT),
            series=MemorySeries(found),
            config=config,
            reference=(ref_end - timedelta(seconds=3600), ref_end),
            **extra,
        )

    return build


@pytest.fixture
def promtool() -> Promtool:
    require("promtool")
    return Promtool()
