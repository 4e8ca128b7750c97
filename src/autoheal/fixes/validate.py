"""Checks a fix must pass before it is offered.

* a rule fix: ``promtool check rules`` on its rule file and ``promtool test rules`` on its unit
  test (a rule fix without a unit test fails: every generated rule is tested);
* a regression test: the generated pytest file run against the simulated service with the fault
  (it must fail) and without it (it must pass) — :mod:`autoheal.fixes.regression_run`;
* a runbook: it names what to check first and cites the evidence it rests on.
"""

from __future__ import annotations

from collections.abc import Callable

from autoheal.fixes.model import Check, Fix, FixKind
from autoheal.fixes.promtool import Promtool

RegressionRunner = Callable[[Fix], list[Check]]


def validate(fix: Fix, promtool: Promtool, regression: RegressionRunner | None = None) -> list[Check]:
    checks: list[Check] = []
    if fix.rule_file is not None:
        checks.append(promtool.check_rules(fix.files, fix.rule_file))
        if fix.test_file is None:
            checks.append(Check("promtool test rules", False, "no unit test for the rule: not offered"))
        else:
            checks.append(promtool.test_rules(fix.files, fix.test_file))
    if fix.kind is FixKind.REGRESSION_TEST:
        if regression is None:
            checks.append(
                Check("pytest with and without the fault", False, "no runner for this service's tests")
            )
        else:
            checks.extend(regression(fix))
    if fix.kind is FixKind.RUNBOOK:
        text = "".join(fix.files.values())
        ok = "### Check first" in text and "`" in text and fix.figures.get("evidence_cited", 0) > 0
        checks.append(
            Check(
                "runbook cites its evidence",
                ok,
                "what to check first, with the queries behind it" if ok else "no cited evidence",
            )
        )
    return checks
