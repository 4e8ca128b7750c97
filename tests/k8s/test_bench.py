"""The catalogue bench runs in the suite: every case right, through both backends."""

from __future__ import annotations

from typer.testing import CliRunner

from autoheal.k8s.bench import run_bench, summarise
from autoheal.k8s.catalogue import load_all
from autoheal.k8s.router import KubernetesGenerator

FAMILIES = {
    "KubePodCrashLooping", "KubePodNotReady", "KubeContainerWaiting", "KubeDeploymentReplicasMismatch",
    "KubeDeploymentRolloutStuck", "KubeJobFailed", "KubeHpaMaxedOut", "CPUThrottlingHigh",
    "KubeMemoryOvercommit", "KubeCPUOvercommit", "KubePersistentVolumeFillingUp",
    "NodeFilesystemSpaceFillingUp", "KubeNodeNotReady", "NodeMemoryHighUtilization", "TargetDown",
    "PrometheusRuleFailures", "Watchdog", "InfoInhibitor",
}  # fmt: skip


def test_catalogue_is_complete() -> None:
    cases = load_all()
    assert len(cases) >= 30
    assert all(c.expected and c.expected.facts for c in cases)
    assert {c.family for c in cases} >= FAMILIES
    routed = KubernetesGenerator()
    assert all(routed.handles(c.alerts[0]) for c in cases)


def test_every_case_right_with_recorded_backend() -> None:
    results = run_bench()
    wrong = [
        (r.case, r.top, r.missing_facts)
        for r in results
        if not (r.top1 and r.noise_correct and not r.missing_facts)
    ]
    assert wrong == []
    assert summarise(results)["p99_s"] < 2.0


def test_bench_through_fake_api_server_and_official_client() -> None:
    results = run_bench(only="crashloop", via_api=True)
    assert results and all(r.top1 for r in results)


def test_cli_last_line_is_json() -> None:
    import json

    from autoheal.cli.bench import app

    out = CliRunner().invoke(app, ["k8s", "--only", "watchdog"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output.strip().splitlines()[-1])
    assert set(summary) == {
        "cases", "top1", "facts_recall", "noise_correct", "triage_noise_paged", "triage_signal_called_noise", "p99_s"
    }  # fmt: skip
