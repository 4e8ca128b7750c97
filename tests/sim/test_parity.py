"""The same scenario gives the same triage and investigation results whether the ``prometheus.*``
tools read the embedded metric store or a real Prometheus serving the scenario's TSDB blocks
(realservice: needs ``prometheus`` and ``promtool``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoheal.cli.main import root
from autoheal.sim import load_scenario, simulate
from autoheal.sim.investigate import InvestigationOutcome
from autoheal.sim.parity import (
    BackendRun,
    MetricCall,
    conclusions,
    differences,
    parity_summary,
    play_on,
)
from autoheal.sim.play import AlertOutcome, PlayResult
from autoheal.sim.prometheus import Backend
from tests.conftest import require

# The demo story (flapping noise, an unrelated deploy, a bad deploy twice) and a red herring:
# payment's bad deploy makes checkout and frontend anomalous as victims.
SCENARIOS = ("demo-story", "bad-deploy-payment-victim")


@pytest.mark.realservice
@pytest.mark.parametrize("name", SCENARIOS)
def test_same_triage_and_investigation_on_both_backends(name: str, tmp_path: Path) -> None:
    require("promtool")
    require("prometheus")
    run = simulate(load_scenario(name))
    embedded = play_on(run, "embedded", tmp_path / "embedded")
    real = play_on(run, "prometheus", tmp_path / "prometheus")

    assert embedded.result.backend == "embedded" and real.result.backend == "prometheus"
    # the real server answered the queries: nothing fell back to the embedded store
    assert real.prometheus_queries is not None and real.prometheus_queries > 20
    assert not (tmp_path / "prometheus" / "prometheus-backend").exists()  # server stopped, blocks removed

    a, b = conclusions(embedded.result), conclusions(real.result)
    assert [v[4] for v in a["verdicts"]] and all(v[4] is not None for v in a["verdicts"])
    assert a["verdicts"] == b["verdicts"]  # triage verdict (and top cause) of every alert
    assert a["investigations"] and [i[1] for i in a["investigations"]] == [i[1] for i in b["investigations"]]
    # every prometheus.* call the gateway audited got byte-identical data (same result digest)
    assert len(real.metric_calls) > 20 and real.metric_calls == embedded.metric_calls
    assert sum(c.status == "ok" for c in real.metric_calls) > len(real.metric_calls) // 2
    assert differences(embedded, real) == []  # ranked causes, confidences to 1e-6
    summary = parity_summary(embedded, real)  # what `sim run --backend both` prints
    assert summary["identical"] and summary["metric_tool_calls"] == len(real.metric_calls)
    # and both match the scenario's ground truth
    assert embedded.result.to_dict()["ground_truth_matched"] is True
    assert real.result.to_dict()["ground_truth_matched"] is True


def _played(backend: Backend, verdict: str, top: str, digest: str) -> BackendRun:
    alert = AlertOutcome("2026-01-05T09:00:00+00:00", "HighErrorRate", "checkout", "fp", "signal", "", None)
    alert.verdict = verdict
    inv = InvestigationOutcome(
        0,
        {"service": "checkout", "kind": "bad_deploy"},
        [],
        {"service": top, "kind": "bad_deploy"},
        [],
        True,
        True,
        3,
    )
    call = MetricCall("prometheus.query_range", '{"query":"up"}', "ok", digest)
    return BackendRun(backend, PlayResult("s", [alert], 1, [], 1, 1, 0.1, [inv], backend), None, [call])


def test_differences_name_what_diverged() -> None:
    same = _played("embedded", "signal", "checkout", "d1")
    assert differences(same, _played("prometheus", "signal", "checkout", "d1")) == []
    diff = differences(same, _played("prometheus", "noise", "payment", "d2"))
    assert len(diff) == 3
    assert diff[0].startswith("alert HighErrorRate/checkout") and "'noise'" in diff[0]
    assert diff[1].startswith("metric tool call 0 (prometheus.query_range")
    assert (
        diff[2]
        == "fault 0 top cause: embedded ('checkout', 'bad_deploy') vs prometheus ('payment', 'bad_deploy')"
    )


def test_sim_run_names_an_unknown_backend() -> None:
    result = CliRunner().invoke(root, ["sim", "run", "demo-story", "--backend", "victoria"])
    assert result.exit_code == 1
    assert "--backend 'victoria': use one of embedded, prometheus or both" in result.output
