from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autoheal.governance.guards import QueryGuards
from autoheal.governance.policy import Guards, parse_policy

T0 = datetime(2026, 1, 1, tzinfo=UTC)
G = QueryGuards(Guards())


def promql(query: str, **args: object):  # type: ignore[no-untyped-def]
    return G.check("prometheus.query_range", {"query": query, **args})


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("up{", "does not parse"),
        ('{job=~".*"}', "does not parse"),  # the parser itself refuses an empty-matching selector
        ('{job=~".+"} + {instance=~".+"}', "regular expressions"),
        ("max_over_time(rate(x[5m])[1h:1m])[2h:5m]", "nest 2 deep"),
        ("rate(x[30d])", "looks back further"),
        ("max_over_time(x[1d:1s])", "points per series"),
        (" + ".join(f"m{i}" for i in range(21)), "21 selectors"),
        ("up" + " " * 5000, "characters long"),
    ],
)
def test_promql_refusals(query: str, why: str) -> None:
    result = promql(query)
    assert result.violation is not None and why in result.violation, result


def test_promql_accepts_and_reports_metrics_and_cost() -> None:
    r = promql('sum by (svc) (rate(http_requests_total{code=~"5.."}[5m])) / on() group_left up')
    assert r.violation is None and r.metrics == {"http_requests_total", "up"}
    ranged = promql("rate(x[1m])", start=T0, end=T0 + timedelta(hours=1), step=60)
    assert ranged.violation is None and ranged.cost == 61 * 4  # 61 points x 4 samples per [1m]


def test_promql_range_and_step() -> None:
    day = {"start": T0, "end": T0 + timedelta(days=1)}
    assert "points per series" in (promql("up", **day, step=5).violation or "")
    assert promql("up", **day, step="15s").violation is None
    assert "below the minimum" in (promql("up", **day, step=0.5).violation or "")
    assert "ends before it starts" in (promql("up", start=T0, end=T0 - timedelta(1), step=60).violation or "")
    assert "range is" in (promql("up", start=T0, end=T0 + timedelta(days=8), step=3600).violation or "")
    assert (
        promql("up", start=T0.isoformat(), end=(T0 + timedelta(hours=1)).timestamp(), step=60).violation
        is None
    )


def test_series_match_selectors() -> None:
    assert G.check("prometheus.series", {"match": ["up", "node_load1"]}).metrics == {"up", "node_load1"}
    bad = G.check("prometheus.series", {"match": ["up", "up{"]})
    assert bad.violation is not None and "does not parse" in bad.violation


def test_unguarded_tools_pass() -> None:
    assert G.check("topology.graph", {"start": T0}).kind is None


def test_log_guard() -> None:
    base = {"service": "api", "start": T0, "end": T0 + timedelta(hours=1)}
    assert G.check("logs.query", {**base, "limit": 100}).violation is None
    assert "between 1 and 5000" in (G.check("logs.query", {**base, "limit": 10_000}).violation or "")
    assert "max_bytes" in (G.check("logs.query", {**base, "limit": 10, "max_bytes": 10**9}).violation or "")
    wide = {**base, "end": T0 + timedelta(days=2), "limit": 10}
    assert "window" in (G.check("logs.query", wide).violation or "")
    relaxed = QueryGuards(
        parse_policy("guards: {logs: {require_limit: false, require_time_bound: false}}").guards
    )
    assert relaxed.check("logs.query", {"service": "api"}).violation is None
