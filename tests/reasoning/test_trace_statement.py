from __future__ import annotations

from autoheal.analysis.traces import ServiceTraceShift
from autoheal.reasoning.generators.traces import _describe


def _shift(latency: float, network: float, error: float, ref_ms: float, inc_ms: float) -> ServiceTraceShift:
    return ServiceTraceShift(
        service="catalogue",
        latency_score=latency,
        network_score=network,
        error_score=error,
        reference_self_ms=ref_ms,
        incident_self_ms=inc_ms,
        reference_spans=100,
        incident_spans=60,
        incident_errors=3,
        volume_change=0.0,
        operation="catalogue.get" if latency else None,
        reference_errors=0,
        operation_reference_ms=4.0,
        operation_incident_ms=30.0,
    )


def test_errors_alone_are_not_a_latency_claim() -> None:
    kind, what = _describe(_shift(0.0, 0.0, 2.5, 10.1, 9.5))
    assert kind == "span_errors"
    assert "slower" not in what and "3 of 60 spans failed (0 of 100" in what


def test_latency_from_one_operation_states_that_operation() -> None:
    kind, what = _describe(_shift(1.5, 0.0, 0.0, 10.1, 9.5))
    assert kind == "latency"
    assert "catalogue.get spans got slower (4.0 -> 30.0 ms" in what and "10.1" not in what


def test_service_self_time_growth_and_network() -> None:
    assert _describe(_shift(1.5, 0.0, 0.0, 10.0, 40.0)) == (
        "latency",
        "its own spans got slower (10.0 -> 40.0 ms self time)",
    )
    assert _describe(_shift(0.5, 2.0, 0.0, 10.0, 10.0))[0] == "network_latency"
