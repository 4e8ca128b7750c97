"""The same scenario gives the same triage and investigation results whether the ``prometheus.*``
tools read the embedded metric store or a real Prometheus serving the scenario's TSDB blocks
(realservice: needs ``prometheus`` and ``promtool``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal.sim import load_scenario, simulate
from autoheal.sim.parity import conclusions, differences, play_on
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
    assert differences(embedded, real) == []  # ranked causes, confidences to 1e-6
    # and both match the scenario's ground truth
    assert embedded.result.to_dict()["ground_truth_matched"] is True
    assert real.result.to_dict()["ground_truth_matched"] is True
