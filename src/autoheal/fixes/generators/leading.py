"""An alerting rule on the leading indicator: the cause service's metric that left its healthy
band first, before the incident's first alert.

Every series of the cause service is read from the reference window (``FixContext.reference``)
to ``AFTER_SECONDS`` past the first alert on the evaluation grid; each gets its healthy band from
the reference (:mod:`autoheal.fixes.onset`) and its onset in the search window (from the end of
the reference to the first alert). The metric with the earliest onset leads (ties: the larger
shift). The rule is ``metric{service=...} op threshold`` with ``for: fixes.leading_for_seconds``,
the threshold halfway between the healthy band and the incident's level.

Backtest: the rule is evaluated with Prometheus' semantics on the same samples; the lead time is
the first alert's start minus the rule's first firing. A rule that would not have fired before
the first alert is not proposed (the note says so). The unit test asserts, with real promtool,
that it is silent one evaluation before the computed firing, fires at it, and never fires at any
evaluation of the healthy reference window.
"""

from __future__ import annotations

import re
from datetime import timedelta

from autoheal.fixes.base import FixContext, Series
from autoheal.fixes.model import Fix, FixKind
from autoheal.fixes.onset import band, onset, threshold
from autoheal.fixes.rules import (
    AlertExpectation,
    AlertingRule,
    UnitTest,
    duration,
    firings,
    number,
    resample,
    rule_file,
    selector,
    unit_test_file,
)

AFTER_SECONDS = 300.0  # samples after the first alert kept in the unit test
SEARCH_SECONDS = 1800.0  # how long before the first alert an onset is looked for
COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")  # counters need rate(): not thresholded


def camel(metric: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", metric) if part)


class LeadingIndicatorGenerator:
    kind = FixKind.LEADING_INDICATOR

    def generate(self, ctx: FixContext) -> list[Fix]:
        step = ctx.config.evaluation_interval_seconds
        first = ctx.first_alert
        alert_at = first.starts_at.timestamp()
        ref_start, ref_end = (t.timestamp() for t in ctx.reference)
        search_start = max(ref_end, alert_at - SEARCH_SECONDS)
        end = alert_at + AFTER_SECONDS
        found = ctx.series.range(
            selector("", {"service": ctx.service}),
            ctx.reference[0],
            first.starts_at + timedelta(seconds=AFTER_SECONDS),
            step,
        )
        best = None
        for series in found:
            if not series.metric or series.metric.endswith(COUNTER_SUFFIXES):
                continue
            healthy = band(resample(series.samples, ref_start, ref_end, step))
            grid = resample(series.samples, search_start, end, step)
            if healthy is None:
                continue
            until = int((alert_at - search_start) // step)
            moved = onset(grid, healthy, until=until)
            if moved is None:
                continue
            key = (moved.index, -moved.shift, series.metric)
            if best is None or key < best[0]:
                best = (key, series, healthy, moved, grid)
        if best is None:
            ctx.notes.append(
                f"leading indicator: no metric of {ctx.service} left its healthy band before {first.name}"
            )
            return []
        _, series, healthy, moved, grid = best
        limit = threshold(healthy, moved)
        for_s = ctx.config.leading_for_seconds
        fired = [i for i in firings(grid, moved.op, limit, for_s, step) if i >= moved.index]
        if not fired:
            ctx.notes.append(f"leading indicator: {series.metric} > {number(limit)} would not have fired")
            return []
        fire_at = search_start + fired[0] * step
        lead = alert_at - fire_at
        if lead <= 0:
            ctx.notes.append(
                f"leading indicator: {series.metric} {moved.op} {number(limit)} for {duration(for_s)} would have "
                f"fired {-lead:.0f} s after {first.name}, not before it: not proposed"
            )
            return []
        return [
            self._fix(
                ctx,
                series,
                healthy.high if moved.op == ">" else healthy.low,
                moved.op,
                limit,
                grid,
                fired[0],
                lead,
                search_start,
                ref_start,
                ref_end,
            )
        ]

    def _fix(
        self,
        ctx: FixContext,
        series: Series,
        extreme: float,
        op: str,
        limit: float,
        grid: list[float | None],
        fire_index: int,
        lead: float,
        search_start: float,
        ref_start: float,
        ref_end: float,
    ) -> Fix:
        step = ctx.config.evaluation_interval_seconds
        first = ctx.first_alert
        metric = series.metric
        name = f"{camel(metric)}{'High' if op == '>' else 'Low'}Early"
        words = "above" if op == ">" else "below"
        labels = {"severity": "warning", "autoheal_fix": self.kind.value}
        annotations = {
            "summary": f"{metric} on {{{{ $labels.service }}}} is {words} {number(limit)}, which preceded {first.name}",
            "description": (
                f"Leading indicator found by Autoheal in {ctx.ref}: {metric} left its healthy range "
                f"({'at most' if op == '>' else 'at least'} {number(extreme)}) before {first.name} fired."
            ),
            "runbook_url": ctx.config.runbook_url.format(service=ctx.service, alert=name),
        }
        rule = AlertingRule(
            name,
            f'{metric}{{service="{ctx.service}"}} {op} {number(limit)}',
            ctx.config.leading_for_seconds,
            labels,
            annotations,
        )
        base = f"autoheal/{ctx.service}-{name}"
        rule_path, test_path = f"{base}.yml", f"{base}.test.yml"
        series_labels = {k: v for k, v in series.labels.items() if k != "__name__"}
        expected_labels = {**series_labels, **labels}
        rendered = {k: v.replace("{{ $labels.service }}", ctx.service) for k, v in annotations.items()}
        sel = selector(metric, series_labels)
        checks = [AlertExpectation(fire_index * step, name, [(expected_labels, rendered)])]
        if fire_index > 0:
            checks.insert(0, AlertExpectation((fire_index - 1) * step, name, []))
        healthy = resample(series.samples, ref_start, ref_end, step)
        tests = [
            UnitTest(
                f"fires on {ctx.ref}'s series of {metric}, {lead:.0f} s before {first.name}",
                step,
                [(sel, grid)],
                checks,
            ),
            UnitTest(
                "silent on the healthy hour before (every evaluation)",
                step,
                [(sel, healthy)],
                [AlertExpectation(i * step, name, []) for i in range(len(healthy))],
            ),
        ]
        header = (
            f"Generated by Autoheal from {ctx.ref}: leading indicator of {first.name} on {first.service}.\n"
            f"Backtest: fires {lead:.0f} s before {first.name} on the incident's samples."
        )
        files = {
            rule_path: rule_file(f"autoheal-leading-{ctx.service}", [rule], header=header),
            test_path: unit_test_file([rule_path.rsplit("/", 1)[-1]], step, tests, header=header),
        }
        return Fix(
            kind=self.kind,
            service=ctx.service,
            title=f"Alert on {metric} {words} {number(limit)} on {ctx.service} (for {duration(ctx.config.leading_for_seconds)})",
            summary=(
                f"{metric} left its healthy range before {first.name} fired; this rule would have fired "
                f"{lead:.0f} s earlier on the incident's samples."
            ),
            target=metric,
            shape=f"{self.kind.value}:{ctx.service}:{metric}{op}",
            files=files,
            figures={
                "metric": metric,
                "op": op,
                "threshold": limit,
                "for_seconds": ctx.config.leading_for_seconds,
                "healthy_extreme": extreme,
                "fires_at": _iso(search_start + fire_index * step),
                "original_alert": first.name,
                "original_alert_at": first.starts_at.isoformat(),
                "lead_time_s": lead,
            },
            rule_file=rule_path,
            test_file=test_path,
        )


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat()
