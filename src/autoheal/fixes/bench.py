"""``autoheal bench fixes``: the preventive fixes of every simulator scenario with a fault.

Each scenario is played through an embedded Autoheal (as ``autoheal sim run --no-investigate``),
the story's responder marks the declared noise alerts not actionable, and each fault's fixes are
generated and checked (:func:`autoheal.fixes.simulated.fixes_for_run`), with the same parameters for
every scenario. Counted per fault: rule fixes generated, valid (``promtool check rules``) and
tested (``promtool test rules``), the leading-indicator rule's lead time over the first alert,
tuning proposals' missed incidents, and regression tests that fail with the fault and pass without.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from autoheal.fixes.simulated import fixes_for_run, record_noise_outcomes


def bench_all(names: list[str], jobs: int = 1) -> list[dict[str, Any]]:
    """Every named scenario's fixes, in the order given. With ``jobs`` > 1 the scenarios are played
    in that many separate processes (spawned: each has its own embedded server on a free port, its
    own database and work directory under a fresh temporary directory, so nothing is shared)."""
    if jobs <= 1 or len(names) <= 1:
        return [bench_scenario(n) for n in names]
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=min(jobs, len(names)), mp_context=get_context("spawn")) as pool:
        return list(pool.map(bench_scenario, names))


def bench_scenario(name: str) -> dict[str, Any]:
    """One scenario's fixes; a play that fails from outside (the embedded server timing out on a
    loaded machine) is reported as the scenario's ``error`` and counted, never dropped silently."""
    started = time.perf_counter()
    try:
        return _bench_scenario(name, started)
    except httpx.HTTPError as exc:
        return {
            "scenario": name,
            "faults": [],
            "error": f"{type(exc).__name__}: {exc}",
            "seconds": round(time.perf_counter() - started, 2),
        }


def _bench_scenario(name: str, started: float) -> dict[str, Any]:
    from autoheal.sim import load_scenario, simulate
    from autoheal.sim.play import EmbeddedAutoheal, play

    run = simulate(load_scenario(name))
    with tempfile.TemporaryDirectory(prefix="autoheal-bench-fixes-") as tmp:
        server = EmbeddedAutoheal.for_run(run, Path(tmp))
        try:
            play(run, server, investigate=False)
            record_noise_outcomes(server.autoheal, run)
            per_fault = [f.to_dict() for f in fixes_for_run(server.autoheal, run, Path(tmp))]
        finally:
            server.stop()
    return {"scenario": name, "faults": per_fault, "seconds": round(time.perf_counter() - started, 2)}


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    incidents = rules = valid = tested = 0
    leads: list[float] = []
    leading_rules = 0
    missed = 0
    reg_total = reg_ok = 0
    for r in results:
        for fault in r["faults"]:
            if fault.get("investigation_id") is None:
                continue
            incidents += 1
            for item in fault.get("offered", []):
                checks = item.get("checks", [])
                if "promtool check rules" in checks:
                    rules += 1
                    valid += 1
                    tested += 1
                if item["kind"] == "leading_indicator":
                    leading_rules += 1
                    leads.append(float(item["figures"]["lead_time_s"]))
                if item["kind"] == "noisy_alert_tuning":
                    missed += int(item["figures"]["incidents_missed"])
                if item["kind"] == "regression_test":
                    reg_total += 1
                    reg_ok += 1
            for item in fault.get("suppressed", []):  # the same rule offered for an earlier fault
                if item["kind"] == "leading_indicator" and "already offered" in item["why"]:
                    leading_rules += 1
                    leads.append(float(item["figures"]["lead_time_s"]))
            for item in fault.get("failed", []):
                names = {c["name"]: c["ok"] for c in item["checks"]}
                if "promtool check rules" in names:
                    rules += 1
                    valid += int(names["promtool check rules"])
                    tested += int(names.get("promtool test rules", False))
                if item["kind"] == "regression_test":
                    reg_total += 1
    return {
        "scenarios": len(results),
        "faults": sum(len(r["faults"]) for r in results),
        "scenario_errors": sum(1 for r in results if r.get("error")),
        "incidents": incidents,
        "rule_fixes": rules,
        "rules_valid": valid,
        "rule_tests_pass": tested,
        "lead_time_s_median": statistics.median(leads) if leads else None,
        "leading_rule_fires_before_alert": round(leading_rules / incidents, 4) if incidents else None,
        "tuning_missed_incidents": missed,
        "regression_tests": reg_total,
        "regression_tests_fail_with_fault": reg_ok,
    }


LAST_LINE = (
    "incidents",
    "rules_valid",
    "rule_tests_pass",
    "lead_time_s_median",
    "leading_rule_fires_before_alert",
    "tuning_missed_incidents",
    "regression_tests_fail_with_fault",
)


def last_line(summary: dict[str, Any]) -> dict[str, Any]:
    """The benchmark's last JSON line, with exactly the issue's keys (the totals they are out of,
    ``rule_fixes`` and ``regression_tests``, are printed on the line before)."""
    return {key: summary[key] for key in LAST_LINE}
