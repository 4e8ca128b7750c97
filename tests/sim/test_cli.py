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
    # a guard against a demo that hangs, not a benchmark: ~45 s of CPU on this VM, far longer
    # when the machine is shared (the figure in the README comes from `autoheal demo --json`)
    assert out["seconds"] < 150
    story = {(s["alert"], s["service"], s["truth"]): s for s in out["story"]}
    flapping = story[("HighLatencyP99", "recommendation", "noise")]
    assert flapping["episodes"] >= 5 and flapping["flapping"] is True
    checkout = [s for s in out["story"] if s["service"] == "checkout"]
    assert len(checkout) == 2  # the bad deploy, and the same class of fault again later
    assert all(s["cause"] == {"service": "checkout", "kind": "bad_deploy"} and s["matched"] for s in checkout)
    ingestion = ("every_delivery_accepted", "one_alert_per_fingerprint", "flapping_flagged")
    assert all(out["checks"][name] for name in ingestion)
    # judged on the investigations the pipeline ran during the story, when each finished
    assert [f["truth"] for f in out["faults"]] == [{"service": "checkout", "kind": "bad_deploy"}] * 2
    for fault in out["faults"]:
        assert fault["first_report"] and fault["first_correct"] and fault["final_correct"]
        assert fault["first_top"]["kind"] == "bad_deploy" and fault["seconds_to_correct"] is not None
    assert out["first_reports_correct"] == 2 and out["false_findings"] == 0
    noise = [i for i in out["investigations"] if i["noise"]]
    assert all(not i["false_finding"] for i in noise)  # no supported cause on the flapping alert
    # every flap ended within pipeline.hold_seconds: none was investigated, and the summary says so
    assert out["noise_alerts"] >= 5 and out["noise_investigated"] == len(noise) == 0
    assert "api" not in out  # nothing is left running


def test_demo_recurrence_is_anchored_by_memory(demo: tuple[int, dict]) -> None:
    """The running app learned the first incident when the responder resolved it in Slack, and the
    second checkout fault's first live investigation was anchored on it (docs/graph.md)."""
    _, out = demo
    memory = out["memory"]
    assert memory["anchored"] is True and memory["calls_saved"] > 0 and memory["learned"] == 2
    (anchor,) = memory["anchors"]
    second = next(f for f in out["faults"] if f["fault"] == 1)
    assert anchor["fault"] == 1 and anchor["investigation"] == second["first_report"]
    assert anchor["anchored_on"] == "INC-1" and "same alert rule" in anchor["because"]
    assert anchor["tool_calls"] < anchor["anchor_tool_calls"]
    assert memory["calls_saved"] == anchor["anchor_tool_calls"] - anchor["tool_calls"]
    assert second["first_correct"]  # and still right: the verifier confirmed it on today's data
    first = next(i for i in out["investigations"] if i["id"] == anchor["anchor_investigation"])
    assert first["faults"] == [0]  # the first occurrence, investigated with nothing to remember


def test_demo_every_conclusion_matches_the_ground_truth(demo: tuple[int, dict]) -> None:
    code, out = demo
    assert out["ground_truth_matched"] is True
    assert out["checks"]["first_report_matches_ground_truth"] is True
    assert out["checks"]["no_false_findings_on_noise"] is True
    assert code == 0


def test_demo_runs_the_incident_response(demo: tuple[int, dict]) -> None:
    """The bad deploy opens incidents (the flapping noise none), PagerDuty (fake) is paged, the
    Slack (fake) channel gets the findings, and the scripted responder's signed Slack requests
    acknowledge, confirm, note, mitigate and resolve (autoheal.sim.story_incidents)."""
    _, out = demo
    incident = out["incident"]
    assert incident["opened"] >= 1 and incident["services"] == ["checkout"]
    assert incident["status"] == "resolved"
    assert incident["pages"] >= 1 and incident["slack_channels"] == incident["opened"]
    assert incident["interactions"] >= 4 * incident["opened"]
    assert incident["acknowledged_s"] == 120.0 and incident["on_call"] == ["alice"]
    assert incident["matched"] is True


def test_demo_tables_fit_80_columns(demo: tuple[int, dict]) -> None:
    from autoheal.cli import demo as demo_cli
    from autoheal.cli.common import console

    _, out = demo
    saved = console.size
    console.size = (80, 60)
    try:
        with console.capture() as captured:
            demo_cli._print(out)
    finally:
        console.size = saved
    text = captured.get()
    assert "judged when they finished" in text and "first" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_demo_explore_lines_name_everything_a_new_user_needs() -> None:
    from autoheal.cli.demo import explore_lines

    access = {
        "url": "http://127.0.0.1:1234",
        "admin_token": "ah_admin_x",
        "webhook_url": "http://127.0.0.1:1234/api/v1/alerts/alertmanager",
        "source_token": "src",
        "database": "/tmp/d/autoheal.db",
    }
    text = "\n".join(explore_lines(access))
    assert "export AUTOHEAL_URL=http://127.0.0.1:1234 AUTOHEAL_TOKEN=ah_admin_x" in text
    assert "/api/v1/alerts/alertmanager" in text and "src" in text and "/tmp/d/autoheal.db" in text


def test_demo_offers_checked_fixes_and_the_report(demo: tuple[int, dict]) -> None:
    _, out = demo
    fixes = out["fixes"]
    assert fixes["offered"] >= 4 and fixes["valid"] == fixes["offered"] and fixes["failed_checks"] == 0
    assert {"leading_indicator", "slo_burn_rate", "regression_test", "runbook"} <= set(fixes["by_kind"])
    # the responder merged the leading rule and rejected the SLO rules: the recurrence does not get them again
    second = fixes["per_fault"][1]
    assert any("rejected before" in s["why"] for s in second["suppressed"])
    assert out["report"]["fixes_merged"] == 1 and out["report"]["incidents"] == 2
