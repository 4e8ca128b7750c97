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
samples when there is one in that span. Any other expression (and a threshold whose tuned rule
still fires on some noise firings) gets a test in which promtool evaluates the expression on the raw
samples of every series it selects and the tuned rule must stay silent through each silenced noise
firing.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
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
    holds,
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
        confirm = _sample_confirmation(ctx, expr, noise)
        choice = None
        for new_for in sorted(ctx.config.tuning_for_ladder_seconds):
            if new_for <= current:
                continue
            delta = new_for - current
            silenced = [f for f in noise if f.lasted(now) < delta and confirm(new_for, f)]
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
            return self._promtool_evaluated(ctx, rule, noise, incidents, figures)
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
        if not tests:  # the tuned rule still fires on some noise: test the silenced ones only
            plain = figures.pop("backtest")
            tests = self._promtool_evaluated(ctx, rule, noise, incidents, figures, anchor=start)
            if isinstance(figures.get("backtest"), dict):
                figures["backtest"]["firings_before"] = plain["firings_before"]
                figures["backtest"]["firings_after"] = plain["firings_after"]
        return tests

    def _promtool_evaluated(
        self,
        ctx: FixContext,
        rule: AlertingRule,
        noise: list[Firing],
        incidents: list[Firing],
        figures: dict[str, Any],
        anchor: datetime | None = None,
    ) -> list[UnitTest]:
        """Any other expression (``increase(...) > 0``, a ratio, a sum): promtool itself evaluates
        it on the raw samples of every series its selectors match, and the test asserts the tuned
        rule is silent at every evaluation of each silenced noise firing (from its start to one
        evaluation after its end). Those firings held their condition for less than the new
        ``for:``, so a test that fails means the episode reading was wrong: the fix is not offered."""
        step = ctx.config.evaluation_interval_seconds
        silenced = [f for f in noise if str(f.starts_at.isoformat()) in figures["silenced_firings"]]
        silenced = [f for f in silenced if f.ends_at is not None]
        if not silenced:
            figures["backtest"] = "no ended silenced noise firing to test on: not backtested"
            return []
        end = max(f.ends_at for f in silenced if f.ends_at) + timedelta(seconds=2 * step)
        start = max(
            min(f.starts_at for f in silenced) - timedelta(seconds=MARGIN_SECONDS),
            end - timedelta(seconds=MAX_SPAN_SECONDS),
        )
        lookback = timedelta(seconds=MARGIN_SECONDS + _longest_range(rule.expr))
        if anchor is not None:  # on the grid of the sample backtest (the same samples resampled)
            steps = math.ceil(((anchor - (start - lookback)).total_seconds()) / step - 1e-9)
            lookback = start - (anchor - timedelta(seconds=steps * step))
        if any(start <= f.starts_at <= end for f in incidents):
            figures["backtest"] = "an incident firing falls among the noise firings: not backtested"
            return []
        inputs: dict[str, list[float | None]] = {}
        for metric, match in SELECTOR.findall(rule.expr):
            labels = dict(LABEL.findall(match))
            for found in ctx.series.range(selector(metric, labels), start - lookback, end, step):
                own = {k: v for k, v in found.labels.items() if k != "__name__"}
                grid = resample(found.samples, (start - lookback).timestamp(), end.timestamp(), step)
                inputs[selector(metric, own)] = grid
        if not inputs:
            figures["backtest"] = "no series match the expression's selectors: not backtested"
            return []
        origin = (start - lookback).timestamp()
        times = sorted(
            {
                round((t - origin) / step) * step
                for f in silenced
                if f.ends_at is not None and f.starts_at >= start
                for t in _grid(f.starts_at.timestamp(), f.ends_at.timestamp() + step, step)
            }
        )
        figures["backtest"] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "evaluated_by": "promtool (raw samples of every matching series)",
            "series": len(inputs),
            "silent_evaluations": len(times),
        }
        return [
            UnitTest(
                f"silent through the {len(silenced)} silenced noise firings (promtool evaluates the expression)",
                step,
                sorted(inputs.items()),
                [AlertExpectation(t, rule.name, []) for t in times],
            )
        ]


def _sample_confirmation(ctx: FixContext, expr: str, noise: list[Firing]) -> Callable[[float, Firing], bool]:
    """For a plain threshold, whether the tuned rule (``for`` seconds) is silent through a noise
    firing on the metric's own samples (the backtest's span and grid): the episode reading and the
    samples must agree before a firing counts as silenced. Any other expression: always."""
    parsed = parse_threshold(expr)
    if parsed is None or not noise:
        return lambda _for, _f: True
    metric, match, op, limit = parsed
    step = ctx.config.evaluation_interval_seconds
    end = max((f.ends_at or f.starts_at) for f in noise) + timedelta(seconds=MARGIN_SECONDS)
    start = max(
        min(f.starts_at for f in noise) - timedelta(seconds=MARGIN_SECONDS),
        end - timedelta(seconds=MAX_SPAN_SECONDS),
    )
    found = ctx.series.range(selector(metric, match), start, end, step)
    if len(found) != 1:
        return lambda _for, _f: True
    grid = resample(found[0].samples, start.timestamp(), end.timestamp(), step)
    run, held = 0, []
    for v in grid:
        run = run + 1 if holds(v, op, limit) else 0
        held.append(run)  # consecutive evaluations the condition has held

    def confirm(for_seconds: float, f: Firing) -> bool:
        if f.ends_at is None or f.starts_at < start:
            return True  # outside the samples: the episode reading alone
        need = math.ceil(for_seconds / step - 1e-9)
        first = max(0, math.floor((f.starts_at - start).total_seconds() / step))
        last = min(len(held) - 1, math.ceil((f.ends_at - start).total_seconds() / step) + 1)
        return all(held[i] <= need for i in range(first, last + 1))

    return confirm


SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}")
RANGE = re.compile(r"\[(\d+)([smhd])\]")


def _longest_range(expr: str) -> float:
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return max((int(n) * unit[u] for n, u in RANGE.findall(expr)), default=0.0)


def _grid(start: float, end: float, step: float) -> list[float]:
    out, t = [], start
    while t <= end + 1e-9:
        out.append(t)
        t += step
    return out


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
