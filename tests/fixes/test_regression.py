"""The regression test generated for a simulated bad deploy fails with the fault and passes
without it (two real pytest runs against the simulated service)."""

from __future__ import annotations

from datetime import timedelta

from autoheal.fixes.generators.regression import RegressionTestGenerator
from autoheal.fixes.regression_run import run_regression
from autoheal.sim import load_scenario, simulate
from autoheal.sim.service import SimulatedService
from tests.fixes.conftest import alert, series

SCENARIO = "bad-deploy-checkout"


def test_simulated_service_raises_only_with_the_fault():
    run = simulate(load_scenario(SCENARIO))
    at = run.start + timedelta(minutes=62)
    window = (at, at + timedelta(minutes=5))
    faulty = SimulatedService(run, "checkout").requests(*window)
    assert {a.exception for a in faulty if not a.ok} >= {"NullPointerException"}
    healthy = SimulatedService.load(SCENARIO, "checkout", without_fault=0).requests(*window)
    assert not any(a.exception for a in healthy)


def test_generated_regression_test_fails_with_the_fault_and_passes_without(make_ctx):
    run = simulate(load_scenario(SCENARIO))
    first = alert("HighErrorRate", "checkout", run.start + timedelta(minutes=61))
    ratios = run.value("error_ratio", "checkout").tolist()
    found = [series("error_ratio", "checkout", ratios, start=run.start)]
    found[0] = type(found[0])(found[0].labels, [(run.timestamps[i], v) for i, v in enumerate(ratios)])
    ctx = make_ctx(found, first, sim_scenario=SCENARIO, sim_fault=0)
    [fix] = RegressionTestGenerator().generate(ctx)
    assert fix.figures["exception"] == "NullPointerException"
    checks = run_regression(fix)
    assert [c.name for c in checks] == ["pytest with the fault", "pytest without the fault"]
    assert all(c.ok for c in checks), [c.output for c in checks]


def test_a_window_cut_keeps_a_scenario_with_maintenance_windows():
    """A maintenance window starts at ``start`` (no ``at``): cutting the scenario to a test's
    window must keep it, with the fault and without (the bench found both runs failing on it)."""
    spec = load_scenario("maintenance-postgres")
    at = spec.start + timedelta(minutes=75)
    window = (at, at + timedelta(minutes=5))
    faulty = SimulatedService.load("maintenance-postgres", "cart", until=window[1]).requests(*window)
    assert any(a.exception == "NullPointerException" for a in faulty)
    healthy = SimulatedService.load("maintenance-postgres", "cart", without_fault=0, until=window[1])
    assert healthy.run.scenario.maintenance and not any(a.exception for a in healthy.requests(*window))
