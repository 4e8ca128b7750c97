from __future__ import annotations

from autoheal.reasoning.triage.bench import run, summarise


def test_triage_bench_on_noise_and_incident_scenarios() -> None:
    cases = run(["noise-flapping", "bad-deploy-checkout"])
    summary = summarise(cases)
    assert summary["incidents_called_noise"] == 0
    assert summary["noise_recall"] is not None and summary["noise_recall"] >= 0.9
    assert summary["signals"] > 0 and summary["p99_ms"] < 500
