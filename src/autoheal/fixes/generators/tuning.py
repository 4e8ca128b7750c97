"""A quieter ``for:`` for an alert triage keeps calling noise, with the figures behind it.

From the firing history (``FixContext.firings``: every past episode of every alert, its triage
verdict and what a human recorded), an alert (name, service) qualifies when at least
``MIN_NOISE`` of its firings were noise and noise is at least half of them. An episode that
lasted ``L`` seconds after firing held its condition for ``for + L``; a longer ``for: F`` would
have silenced it when ``L < F - for``. The proposal is the shortest ``F`` of
``fixes.tuning_for_ladder_seconds`` that silences at least ``fixes.tuning_min_silenced`` of the
noise firings and **none** of the firings that were incidents; every incident firing is delayed by
``F - for``, and the figures say by how much.

The rule comes from the rules repository when it is there (the patch changes its ``for:`` and
nothing else); otherwise from the alert's own expression. When the expression is a plain
threshold (``metric{...} > x``), the tuned rule is backtested on the metric's samples over the
noise firings (old and new rule's firings counted), and the unit test asserts with real promtool
that the tuned rule stays silent at every evaluation there, and fires on an incident firing's
samples when there is one in that span.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from autoheal.fixes.base import Firing, FixContext
from autoheal.fixes.model import Fix, FixKind
from autoheal.fixes.rules import (
    AlertExpectation,
    AlertingRule,
    ExistingRule,
    UnitTest,
    duration,
    firings,
    resample,
    rule_file,
    selector,
    unit_test_file,
)

MIN_NOISE = 3
MAX_SPAN_SECONDS = 3 * 3600.0  # samples of the backtest (the latest noise firings)
MARGIN_SECONDS = 600.0
THRESHOLD = re.compile(r"^\s*([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}\s*(>|<)\s*([-+0-9.eE]+)\s*$")
LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def parse_threshold(expr: str) -> tuple[str, dict[str, str], str, float] | None:
    m = THRESHOLD.match(expr)
    if not m:
        return None
    labels = dict(LABEL.findall(m.group(2)))
    return m.group(1), labels, m.group(3), float(m.group(4))


class NoisyAlertTuningGenerator:
    kind = FixKind.NOISY_ALERT_TUNING

    def generate(self, ctx: FixContext) -> list[Fix]:
        by_alert: dict[tuple[str, str], list[Firing]] = defaultdict(list)
        for f in ctx.firings:
            by_alert[(f.alertname, f.service or "")].append(f)
        out = []
        for (name, service), fired in sorted(by_alert.items()):
            noise = [f for f in fired if f.noise]
            if len(noise) < MIN_NOISE or len(noise) * 2 < len(fired):
                continue
            fix = self._tune(ctx, name, service, fired, noise)
            if fix is not None:
                out.append(fix)
        return out

    def _tune(
        self, ctx: FixContext, name: str, service: str, fired: list[Firing], noise: list[Firing]
    ) -> Fix | None:
        now = ctx.now or max(f.ends_at or f.starts_at for f in fired)
        existing = _find_rule(ctx.rules, name, service)
        expr = existing.expr if existing else next((f.expr for f in fired if f.expr), None)
        if expr is None:
            ctx.notes.append(f"tuning: {name} on {service} is noisy but its expression is unknown")
            return None
        current = existing.for_seconds if existing else 0.0
        incidents = [f for f in fired if f.incident]
        choice = None
        for new_for in sorted(ctx.config.tuning_for_ladder_seconds):
            if new_for <= current:
                continue
            delta = new_for - current
            silenced = [f for f in noise if f.lasted(now) < delta]
            missed = [f for f in incidents if f.lasted(now) < delta]
            if not missed and len(silenced) >= ctx.config.tuning_min_silenced * len(noise):
                choice = (new_for, silenced, missed)
                break
        if choice is None:
            ctx.notes.append(
                f"tuning: no for: of {', '.join(duration(s) for s in ctx.config.tuning_for_ladder_seconds)} silences "
                f"enough of {name} on {service}'s {len(noise)} noise firings without missing an incident"
            )
            return None
        new_for, silenced, missed = choice
        labels = dict(existing.labels) if existing else dict(fired[0].labels.items())
        labels = {k: v for k, v in labels.items() if k in ("severity", "team")} if not existing else labels
        annotations = (
            dict(existing.annotations)
            if existing
            else {
                "summary": f"{name} on {{{{ $labels.service }}}}",
                "runbook_url": ctx.config.runbook_url.format(service=service, alert=name),
            }
        )
        rule = AlertingRule(name, expr, new_for, labels, annotations)
        files, rule_path, test_path = self._files(ctx, existing, rule, service)
        figures: dict[str, Any] = {
            "alert": name,
            "for_seconds_before": current,
            "for_seconds_after": new_for,
            "firings": len(fired),
            "noise_firings": len(noise),
            "silenced": len(silenced),
            "incident_firings": len(incidents),
            "incidents_missed": len(missed),
            "incident_delay_s": new_for - current if incidents else 0.0,
            "silenced_firings": [f.starts_at.isoformat() for f in silenced],
            "noise_durations_s": sorted(round(f.lasted(now), 1) for f in noise),
            "incident_durations_s": sorted(round(f.lasted(now), 1) for f in incidents),
        }
        tests = self._backtest(ctx, rule, current, noise, incidents, figures)
        if tests:
            files[test_path] = unit_test_file(
                [_relative(rule_path, test_path)],
                ctx.config.evaluation_interval_seconds,
                tests,
                header=f"Generated by Autoheal: {name} on {service} with for: {duration(new_for)}",
            )
        return Fix(
            kind=self.kind,
            service=service,
            title=f"{name} on {service}: for: {duration(current)} -> {duration(new_for)}",
            summary=(
                f"Triage called {len(noise)} of {len(fired)} firings noise. A for: of {duration(new_for)} would have "
                f"silenced {len(silenced)} of them and missed none of the {len(incidents)} incident firings"
                + (f" (each paged {duration(new_for - current)} later)." if incidents else ".")
            ),
            target=name,
            shape=f"{self.kind.value}:{service}:{name}:for={new_for:g}",
            files=files,
            figures=figures,
            rule_file=rule_path,
            test_file=test_path if tests else None,
        )

    def _files(
        self, ctx: FixContext, existing: ExistingRule | None, rule: AlertingRule, service: str
    ) -> tuple[dict[str, str], str, str]:
        test_path = f"autoheal/{service}-{rule.name}-tuned.test.yml"
        if existing is not None and ctx.config.rules_dir is not None:
            doc = yaml.safe_load((ctx.config.rules_dir / existing.file).read_text(encoding="utf-8"))
            for group in doc.get("groups", []):
                if group.get("name") != existing.group:
                    continue
                for r in group.get("rules", []):
                    if r.get("alert") == existing.name and r.get("expr") == existing.expr:
                        r["for"] = duration(rule.for_seconds)
            text = yaml.safe_dump(doc, sort_keys=False, width=120)
            return {existing.file: text}, existing.file, test_path
        path = f"autoheal/{service}-{rule.name}-tuned.yml"
        return {path: rule_file(f"autoheal-tuned-{service}", [rule])}, path, test_path

    def _backtest(
        self,
        ctx: FixContext,
        rule: AlertingRule,
        current: float,
        noise: list[Firing],
        incidents: list[Firing],
        figures: dict[str, Any],
    ) -> list[UnitTest]:
        parsed = parse_threshold(rule.expr)
        if parsed is None:
            figures["backtest"] = "the expression is not a plain threshold: not backtested"
            return []
        metric, match, op, limit = parsed
        step = ctx.config.evaluation_interval_seconds
        end = max((f.ends_at or f.starts_at) for f in noise) + timedelta(seconds=MARGIN_SECONDS)
        start = max(
            min(f.starts_at for f in noise) - timedelta(seconds=MARGIN_SECONDS),
            end - timedelta(seconds=MAX_SPAN_SECONDS),
        )
        found = ctx.series.range(selector(metric, match), start, end, step)
        if len(found) != 1:
            figures["backtest"] = f"{len(found)} series match {selector(metric, match)}: not backtested"
            return []
        series = found[0]
        grid = resample(series.samples, start.timestamp(), end.timestamp(), step)
        before = firings(grid, op, limit, current, step)
        after = firings(grid, op, limit, rule.for_seconds, step)
        figures["backtest"] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "firings_before": len(before),
            "firings_after": len(after),
        }
        labels = {k: v for k, v in series.labels.items() if k != "__name__"}
        sel = selector(metric, labels)
        in_span = [f for f in incidents if start <= f.starts_at <= end]
        quiet_span = not in_span
        tests = []
        if quiet_span and not after:
            tests.append(
                UnitTest(
                    f"silent on the {len(noise)} noise firings' samples (every evaluation)",
                    step,
                    [(sel, grid)],
                    [AlertExpectation(i * step, rule.name, []) for i in range(len(grid))],
                )
            )
        elif in_span and after:
            at = after[0]
            rendered = {
                k: v.replace("{{ $labels.service }}", labels.get("service", ""))
                for k, v in rule.annotations.items()
            }
            checks = [AlertExpectation(at * step, rule.name, [({**labels, **rule.labels}, rendered)])]
            if at > 0:
                checks.insert(0, AlertExpectation((at - 1) * step, rule.name, []))
            tests.append(
                UnitTest("still fires on the incident firing in the span", step, [(sel, grid)], checks)
            )
        return tests


def _find_rule(rules: list[ExistingRule] | Any, name: str, service: str) -> ExistingRule | None:
    for rule in rules:
        if (
            not rule.recording
            and rule.name == name
            and (f'service="{service}"' in rule.expr or rule.labels.get("service") == service)
        ):
            return rule
    return None


def _relative(rule_path: str, test_path: str) -> str:
    import posixpath

    return posixpath.relpath(rule_path, posixpath.dirname(test_path) or ".")


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
