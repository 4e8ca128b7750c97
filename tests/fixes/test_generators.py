"""Each generator on synthetic incidents, and every rule it writes through the real promtool."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import yaml

from autoheal.fixes.base import Firing
from autoheal.fixes.config import FixesConfig
from autoheal.fixes.generators.leading import LeadingIndicatorGenerator
from autoheal.fixes.generators.regression import RegressionTestGenerator, failing_exception
from autoheal.fixes.generators.runbook import RunbookGenerator
from autoheal.fixes.generators.slo import SloBurnRateGenerator
from autoheal.fixes.generators.tuning import NoisyAlertTuningGenerator, parse_threshold
from autoheal.fixes.model import FixKind
from autoheal.fixes.rules import ExistingRule
from autoheal.fixes.validate import validate
from tests.fixes.conftest import STEP, T0, alert, noisy, series

N = 240  # two hours of 30 s samples
ONSET = 200  # the fault begins at sample 200 (1 h 40 min)


def _pool_incident():
    """The pool fills from sample 200; the errors follow 10 samples later; the alert 2 after."""
    pool = noisy(N, 0.4, 0.01, 1)
    pool[ONSET:] = 0.97
    errors = noisy(N, 0.01, 0.002, 2)
    errors[ONSET + 10 :] = 0.3
    first = alert("HighErrorRate", "checkout", T0 + timedelta(seconds=(ONSET + 12) * STEP))
    return [series("pool_usage_ratio", "checkout", pool), series("error_ratio", "checkout", errors)], first


def test_leading_indicator_is_the_metric_that_moved_first_and_passes_promtool(make_ctx, promtool):
    found, first = _pool_incident()
    ctx = make_ctx(found, first)
    [fix] = LeadingIndicatorGenerator().generate(ctx)
    assert fix.figures["metric"] == "pool_usage_ratio"
    assert fix.figures["op"] == ">"
    assert 0.41 < fix.figures["threshold"] < 0.97
    # onset at 200, for: 30s -> fires at 201; the alert started at 212
    assert fix.figures["lead_time_s"] == 11 * STEP
    rule = yaml.safe_load(fix.files[fix.rule_file])["groups"][0]["rules"][0]
    assert rule["for"] == "30s" and rule["labels"]["severity"] == "warning"
    assert {"summary", "runbook_url"} <= set(rule["annotations"])
    checks = validate(fix, promtool)
    assert [c.name for c in checks] == ["promtool check rules", "promtool test rules"]
    assert all(c.ok for c in checks), checks


def test_promtool_catches_a_unit_test_that_does_not_hold(make_ctx, promtool):
    found, first = _pool_incident()
    [fix] = LeadingIndicatorGenerator().generate(make_ctx(found, first))
    fix.files[fix.rule_file] = fix.files[fix.rule_file].replace("for: 30s", "for: 5m")
    checks = validate(fix, promtool)
    assert checks[0].ok and not checks[1].ok
    assert "FAILED" in checks[1].output or "fail" in checks[1].output.lower()
    fix.files[fix.rule_file] = fix.files[fix.rule_file].replace("pool_usage_ratio{", "pool_usage_ratio{{")
    assert not validate(fix, promtool)[0].ok


def test_no_leading_rule_when_nothing_moved_before_the_alert(make_ctx):
    flat = [series("pool_usage_ratio", "checkout", noisy(N, 0.4, 0.01, 3))]
    ctx = make_ctx(flat, alert("HighErrorRate", "checkout", T0 + timedelta(seconds=212 * STEP)))
    assert LeadingIndicatorGenerator().generate(ctx) == []
    assert "no metric of checkout left its healthy band" in ctx.notes[0]


def _requests(error_level: float):
    rate = noisy(N, 100.0, 2.0, 4)
    ratio = np.clip(noisy(N, 0.002, 0.0005, 5), 0, 1)
    ratio[ONSET:] = error_level
    first = alert("HighErrorRate", "checkout", T0 + timedelta(seconds=(ONSET + 2) * STEP))
    return [series("request_rate", "checkout", rate), series("error_ratio", "checkout", ratio)], first


def test_slo_rules_follow_the_workbook_and_pass_promtool(make_ctx, promtool):
    found, first = _requests(0.5)
    ctx = make_ctx(found, first)
    [fix] = SloBurnRateGenerator().generate(ctx)
    assert fix.figures["objective"] == 0.995  # healthy 0.2 % errors: 99.9 % is not met, 99.5 % is
    doc = yaml.safe_load(fix.files[fix.rule_file])["groups"][0]["rules"]
    records = [r["record"] for r in doc if "record" in r]
    assert [f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")] == records[
        1:
    ]
    alerts = {r["alert"]: r for r in doc if "alert" in r}
    assert alerts["ErrorBudgetBurnFast"]["labels"]["severity"] == "page"
    assert "(14.4 * 0.005)" in alerts["ErrorBudgetBurnFast"]["expr"]
    assert "(6 * 0.005)" in alerts["ErrorBudgetBurnFast"]["expr"]
    assert alerts["ErrorBudgetBurnSlow"]["labels"]["severity"] == "ticket"
    # on two hours of history the 1d/2h ticket pair (3x) crosses before the 1h/5m page pair (14.4x)
    assert fix.figures["fires"] == "ErrorBudgetBurnSlow"
    checks = validate(fix, promtool)
    assert all(c.ok for c in checks), [c.output for c in checks]


def test_no_slo_rules_when_the_service_has_one(make_ctx):
    found, first = _requests(0.5)
    existing = ExistingRule(
        "slo.yml", "g", "CheckoutBurn", 'slo:sli_error:ratio_rate1h{service="checkout"} > 0.1', 0, {}, {}
    )
    ctx = make_ctx(found, first, rules=[existing])
    assert SloBurnRateGenerator().generate(ctx) == []
    assert "already has an SLO alert (CheckoutBurn)" in ctx.notes[0]


def _firing(minutes_in: int, lasted_s: float, verdict: str, outcome: str, incident: bool) -> Firing:
    start = T0 + timedelta(minutes=minutes_in)
    return Firing(
        "HighLatencyP99",
        "recommendation",
        "fp1",
        start,
        start + timedelta(seconds=lasted_s),
        verdict,
        outcome,
        incident,
        'latency_p99_ms{service="recommendation"} > 900',
        {"severity": "warning"},
    )


def test_tuning_proposes_the_shortest_for_that_silences_noise_and_misses_no_incident(make_ctx, promtool):
    noise = [_firing(10 * i, 60, "noise", "unknown", False) for i in range(1, 6)]
    incident = _firing(80, 900, "signal", "actionable", True)
    latency = noisy(N, 200.0, 10.0, 6)
    for f in noise:
        i = int((f.starts_at - T0).total_seconds() // STEP) - 4  # true for 2 min before firing (for: 2m)
        latency[i : i + 6] = 980.0
    existing = ExistingRule(
        "shop.yml",
        "shop",
        "HighLatencyP99",
        'latency_p99_ms{service="recommendation"} > 900',
        120,
        {"severity": "warning"},
        {"summary": "p99 high"},
    )
    ctx = make_ctx(
        [series("latency_p99_ms", "recommendation", latency)],
        alert("HighErrorRate", "checkout", T0 + timedelta(hours=2)),
        firings=[*noise, incident],
        rules=[existing],
    )
    [fix] = NoisyAlertTuningGenerator().generate(ctx)
    f = fix.figures
    assert (f["for_seconds_before"], f["for_seconds_after"]) == (120, 300)
    assert (f["noise_firings"], f["silenced"], f["incident_firings"], f["incidents_missed"]) == (5, 5, 1, 0)
    assert f["incident_delay_s"] == 180
    assert f["backtest"]["firings_before"] == 5 and f["backtest"]["firings_after"] == 0
    assert all(c.ok for c in validate(fix, promtool))


def test_tuning_proposes_nothing_that_would_miss_an_incident(make_ctx):
    noise = [_firing(10 * i, 60, "noise", "unknown", False) for i in range(1, 6)]
    short_incident = _firing(80, 30, "signal", "actionable", True)  # as short as the noise
    ctx = make_ctx(
        [], alert("HighErrorRate", "checkout", T0 + timedelta(hours=2)), firings=[*noise, short_incident]
    )
    assert NoisyAlertTuningGenerator().generate(ctx) == []
    assert "without missing an incident" in ctx.notes[0]


def test_parse_threshold():
    assert parse_threshold('up{service="a",job="b"} < 1') == ("up", {"service": "a", "job": "b"}, "<", 1.0)
    assert parse_threshold("increase(x[5m]) > 0") is None


def test_runbook_quotes_untrusted_text_and_writes_the_timeline(make_ctx):
    timeline = [
        {
            "at": "2026-03-02T10:20:00+00:00",
            "actor": "slack:U0ALICE",
            "kind": "note",
            "data": {"text": "rolled back `checkout`; [click](http://evil)"},
        }
    ]
    ctx = make_ctx([], alert("HighErrorRate", "checkout", T0 + timedelta(hours=1)), timeline=timeline)
    [fix] = RunbookGenerator().generate(ctx)
    text = fix.files["runbooks/checkout.md"]
    assert "### Check first" in text and "changes.list" in text
    assert "`rolled back 'checkout'; [click](http://evil)`" in text  # inline code: not a link
    assert "`frontend 'rm -rf' errors`" in text
    assert validate(fix, None)[0].ok  # type: ignore[arg-type]


def test_regression_test_needs_a_known_code_path_and_a_runnable_target(make_ctx):
    assert (
        failing_exception(make_ctx([], alert("X", "checkout", T0)).report, "checkout")
        == "NullPointerException"
    )
    ctx = make_ctx([], alert("HighErrorRate", "checkout", T0 + timedelta(hours=1)))
    assert RegressionTestGenerator().generate(ctx) == []
    assert "no runnable target" in ctx.notes[0]


def test_every_generator_names_its_kind():
    from autoheal.fixes.generators import default_generators

    assert {g.kind for g in default_generators()} == set(FixKind)
    assert FixesConfig().slo_objectives[0] == 0.9999
