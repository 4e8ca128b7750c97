"""`autoheal sim list|run` and `autoheal demo --json --no-serve` against the story's ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoheal.cli.main import root

runner = CliRunner()


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_sim_list_shows_the_catalogue() -> None:
    result = runner.invoke(root, ["sim", "list", "--json"])
    assert result.exit_code == 0, result.output
    names = {s["name"] for s in json.loads(result.output)}
    assert {"demo-story", "bad-deploy-checkout", "recurrence-pool-exhaustion-payment"} <= names
    table = runner.invoke(root, ["sim", "list"])
    assert table.exit_code == 0 and "scenarios" in table.output


def test_sim_run_reports_per_alert_against_ground_truth(tmp_path: Path) -> None:
    result = runner.invoke(root, ["sim", "run", "duplicates-redelivery", "--json", "--no-investigate"])
    assert result.exit_code == 0, result.output
    out = _last_json(result.output)
    assert out["ground_truth_matched"] is True
    assert out["posted"] == 3 * out["simulation"]["deliveries"] // 3 and out["rejected"] == []
    assert out["alert_rows"] == out["distinct_alerts"]  # re-deliveries did not create alerts
    assert all(a["committed"] and a["expected"] == "signal" for a in out["alerts"])
    assert all(a["cause"] == {"service": "rabbitmq", "kind": "dependency_outage"} for a in out["alerts"])


def test_sim_run_names_the_bad_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfaults:\n  - {kind: oom, service: cart, at: 1m}\n")
    result = runner.invoke(root, ["sim", "run", str(bad)])
    assert result.exit_code == 1
    assert "faults[0].kind: unknown fault kind 'oom'" in result.output


@pytest.fixture(scope="module")
def demo() -> tuple[int, dict]:
    result = runner.invoke(root, ["demo", "--json", "--no-serve"])
    return result.exit_code, _last_json(result.output)


def test_demo_json_tells_the_story(demo: tuple[int, dict]) -> None:
    _, out = demo
    assert out["seconds"] < 60
    story = {(s["alert"], s["service"], s["truth"]): s for s in out["story"]}
    flapping = story[("HighLatencyP99", "recommendation", "noise")]
    assert flapping["episodes"] >= 5 and flapping["flapping"] is True
    checkout = [s for s in out["story"] if s["service"] == "checkout"]
    assert len(checkout) == 2  # the bad deploy, and the same class of fault again later
    assert all(s["cause"] == {"service": "checkout", "kind": "bad_deploy"} and s["matched"] for s in checkout)
    ingestion = ("every_delivery_accepted", "one_alert_per_fingerprint", "flapping_flagged")
    assert all(out["checks"][name] for name in ingestion)
    assert [i["truth"] for i in out["investigations"]] == [{"service": "checkout", "kind": "bad_deploy"}] * 2
    assert out["investigations"][0]["matched_service"] and out["investigations"][0]["matched_kind"]


def test_demo_every_conclusion_matches_the_ground_truth(demo: tuple[int, dict]) -> None:
    code, out = demo
    assert out["ground_truth_matched"] is True
    assert code == 0


def test_demo_offers_checked_fixes_and_the_report(demo: tuple[int, dict]) -> None:
    _, out = demo
    fixes = out["fixes"]
    assert fixes["offered"] >= 4 and fixes["valid"] == fixes["offered"] and fixes["failed_checks"] == 0
    assert {"leading_indicator", "slo_burn_rate", "regression_test", "runbook"} <= set(fixes["by_kind"])
    # the responder merged the leading rule and rejected the SLO rules: the recurrence does not get them again
    second = fixes["per_fault"][1]
    assert any("rejected before" in s["why"] for s in second["suppressed"])
    assert out["report"]["fixes_merged"] == 1 and out["report"]["incidents"] == 2
