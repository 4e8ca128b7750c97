"""The simulated system's alerting rules as a Prometheus rule file: the "rules repository" an
operator of the simulated shop would keep (one group per service, each rule as the simulator
evaluates it). Preventive fixes are made against it (``fixes.rules_dir``)."""

from __future__ import annotations

from pathlib import Path

from autoheal.fixes.rules import AlertingRule, rule_file
from autoheal.sim.alerts import DEFAULT_RULES
from autoheal.sim.engine import NAMESPACE, SimulatedRun

FILE = "shop-rules.yml"


def write_rules(run: SimulatedRun, directory: Path) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rules = []
    for name in run.topology.names():
        svc = run.topology.get(name)
        for rule in DEFAULT_RULES:
            if rule.metric not in run.services[name].values:
                continue
            rules.append(
                AlertingRule(
                    rule.name,
                    rule.expr(svc),
                    rule.for_seconds,
                    {"severity": rule.severity, "namespace": NAMESPACE},
                    {"summary": rule.summary.replace("{service}", "{{ $labels.service }}")},
                )
            )
    path = directory / FILE
    path.write_text(
        rule_file("shop", rules, header="Alerting rules of the simulated shop (autoheal.sim.alerts)")
    )
    return path
