"""The code fault (issue 21, calibration): visible in the faulty service's logs and in what its
callers see, not in its own error rate or spans; the engine names it with every modality and not
without logs (the rows the confidence map learns what missing evidence costs from)."""

from __future__ import annotations

import numpy as np
import pytest

from autoheal.errors import ScenarioError
from autoheal.sim import load_scenario, parse_scenario, simulate
from autoheal.sim.cases import after_the_fact_records
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.kinds import FaultKind
from autoheal.sim.truth import matched_kind


def _run(**params: object) -> SimulatedRun:
    data = {
        "name": "t-code-fault",
        "duration": "2h",
        "step": "15s",
        "seed": 5,
        "traces_per_minute": 6,
        "faults": [
            {"kind": "code_fault", "service": "catalogue", "at": "60m", "duration": "30m", "params": params}
        ],
    }
    return simulate(parse_scenario(data))


def _mean(run: SimulatedRun, metric: str, service: str, start_min: int, end_min: int) -> float:
    return float(np.mean(run.value(metric, service)[start_min * 4 : end_min * 4]))


def test_its_own_error_rate_stays_flat_while_its_callers_fail() -> None:
    run = _run(error_ratio=0.3)
    own_before, own_during = (
        _mean(run, "error_ratio", "catalogue", 0, 55),
        _mean(run, "error_ratio", "catalogue", 65, 89),
    )
    assert abs(own_during - own_before) < 0.01
    assert _mean(run, "error_ratio", "recommendation", 65, 89) > 0.2  # it calls catalogue on every request
    # its latency rises only by the failing path's cost (40 ms on 30 % of answers)
    assert (
        _mean(run, "latency_p50_ms", "catalogue", 65, 89)
        < _mean(run, "latency_p50_ms", "catalogue", 0, 55) + 20
    )


def test_its_logs_name_the_exception_and_its_spans_answer_fine() -> None:
    run = _run(error_ratio=0.5, exception="ArithmeticException")
    start, end = run.start.timestamp() + 60 * 60, run.start.timestamp() + 90 * 60
    lines = [r.line for r in run.logs if r.service == "catalogue" and start <= r.at.timestamp() < end]
    assert sum("caught ArithmeticException" in line for line in lines) > 100  # one per failing answer
    during = [s for s in run.spans if start <= s.start.timestamp() < end]
    by_id = {s.span_id: s for s in during}
    own = [s for s in during if s.service == "catalogue"]
    callers = [by_id[s.parent_id] for s in own if s.parent_id in by_id]
    assert own and sum(s.error for s in own) / len(own) < 0.05
    assert sum(s.error for s in callers) / len(callers) > 0.3  # the caller fails on what it got


def test_a_code_error_on_the_service_names_it() -> None:
    assert matched_kind(FaultKind.CODE_FAULT, {"kind": "code_error", "component": "caught X"})
    assert not matched_kind(
        FaultKind.CODE_FAULT, {"kind": "resource_saturation", "component": "cpu_usage_ratio"}
    )


def test_a_bad_parameter_is_refused_with_its_name() -> None:
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.params\.error_ratio"):
        _run(error_ratio=1.5)


@pytest.mark.slow
def test_the_engine_names_it_with_every_modality_and_misses_it_on_metrics_alone() -> None:
    full = after_the_fact_records(simulate(load_scenario("code-fault-cart")), "all")
    metrics = after_the_fact_records(simulate(load_scenario("code-fault-catalogue")), "metrics")
    assert [r["top1"] for r in full] == [True] and full[0]["top_kind"] == "code_error", full
    # without logs the failing answers show on the callers: recommendation is named, a miss
    assert [r["top1"] for r in metrics] == [False], metrics
    assert metrics[0]["missing"] == ["logs", "traces"]
