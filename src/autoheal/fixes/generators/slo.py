"""SLO burn-rate rules for a service with request metrics and no SLO alert: the multiwindow,
multi-burn-rate alerts of the Google SRE workbook (chapter 5, "Alerting on SLOs", recommendation 6).

Recording rules give the error ratio over 5m, 30m, 1h, 2h, 6h, 1d and 3d; two alerts use them:

* page: ``1h`` and ``5m`` above 14.4 x budget (2 % of a 30-day budget in an hour), or ``6h`` and
  ``30m`` above 6 x budget (5 % in six hours);
* ticket: ``1d`` and ``2h`` above 3 x budget (10 % in a day), or ``3d`` and ``6h`` above 1 x budget.

The service's requests are read as the simulator and many exporters give them: a request-rate
gauge (``request_rate``) and an error-ratio gauge (``error_ratio``); the error ratio over a window
is then ``sum_over_time(errors) / sum_over_time(requests)`` with ``errors = error_ratio *
request_rate`` recorded first, so busy minutes weigh more. (Counter-shaped request metrics,
``*_requests_total`` with a ``code`` label, are not handled yet.)

The objective proposed is the tightest of ``fixes.slo_objectives`` that the healthy service meets
with room: its reference-window error ratio at most ``HEALTHY_SHARE`` of the budget, no
30-minute stretch of it burning faster than ``HEALTHY_WORST`` times the budget (the slow page
needs 6x), and neither alert firing at any evaluation of the healthy hour. The unit tests assert
with real promtool that the first alert to fire on the incident's samples (page or ticket) is
silent ten minutes before the first alert and fires on them, and that neither alert fires at any
evaluation of the healthy hour. On a short history the long windows (6h, 1d, 3d) hold only the
samples there are, as in Prometheus for a series younger than the window.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoheal.fixes.base import FixContext, Series
from autoheal.fixes.model import Fix, FixKind
from autoheal.fixes.rules import (
    AlertExpectation,
    AlertingRule,
    RecordingRule,
    UnitTest,
    number,
    resample,
    rule_file,
    selector,
    unit_test_file,
)

WINDOWS = {"5m": 300, "30m": 1800, "1h": 3600, "2h": 7200, "6h": 21600, "1d": 86400, "3d": 259200}
PAGE = ((14.4, "1h", "5m"), (6.0, "6h", "30m"))
TICKET = ((3.0, "1d", "2h"), (1.0, "3d", "6h"))
RATE, RATIO = "request_rate", "error_ratio"
AFTER_SECONDS = 1800.0
HEALTHY_SHARE = 1.0  # the healthy service burns its budget no faster than it is earned
HEALTHY_WORST = 3.0  # and no healthy 30 minutes burn faster than this (the slow page is 6x)


def existing_slo_alert(ctx: FixContext) -> str | None:
    for rule in ctx.rules:
        text = f"{rule.name} {rule.expr}".lower()
        if ctx.service in rule.expr and ("burn" in text or "slo:" in text or "error_budget" in text):
            return rule.name
    return None


def windowed(
    errors: Sequence[float | None], rates: Sequence[float | None], i: int, width: int
) -> float | None:
    """Prometheus' ``sum_over_time(errors[w]) / sum_over_time(requests[w])`` at grid index ``i``
    (the window holds the samples at ``i - width .. i``, both ends included)."""
    lo = max(0, i - width)
    e = [x for x in errors[lo : i + 1] if x is not None]
    r = [x for x in rates[lo : i + 1] if x is not None]
    return sum(e) / sum(r) if r and sum(r) > 0 else None


def burning(
    errors: Sequence[float | None],
    rates: Sequence[float | None],
    i: int,
    step: float,
    budget: float,
    pairs: Sequence[tuple[float, str, str]],
) -> bool:
    for factor, long, short in pairs:
        a = windowed(errors, rates, i, int(WINDOWS[long] // step))
        b = windowed(errors, rates, i, int(WINDOWS[short] // step))
        if a is not None and b is not None and a > factor * budget and b > factor * budget:
            return True
    return False


class SloBurnRateGenerator:
    kind = FixKind.SLO_BURN_RATE

    def generate(self, ctx: FixContext) -> list[Fix]:
        existing = existing_slo_alert(ctx)
        if existing:
            ctx.notes.append(f"slo: {ctx.service} already has an SLO alert ({existing})")
            return []
        step = ctx.config.evaluation_interval_seconds
        first = ctx.first_alert
        ref_start, ref_end = (t.timestamp() for t in ctx.reference)
        end = first.starts_at.timestamp() + AFTER_SECONDS
        from datetime import UTC, datetime

        q = f'{{__name__=~"{RATE}|{RATIO}",service="{ctx.service}"}}'
        found = {
            s.metric: s for s in ctx.series.range(q, ctx.reference[0], datetime.fromtimestamp(end, UTC), step)
        }
        if RATE not in found or RATIO not in found:
            ctx.notes.append(f"slo: {ctx.service} has no {RATE} and {RATIO} series (request metrics)")
            return []
        rate_s, ratio_s = found[RATE], found[RATIO]
        h_rate = resample(rate_s.samples, ref_start, ref_end, step)
        h_ratio = resample(ratio_s.samples, ref_start, ref_end, step)
        h_err = _errors(h_ratio, h_rate)
        total = sum(r for r in h_rate if r is not None)
        if not total:
            ctx.notes.append(f"slo: {ctx.service} served no requests in the reference window")
            return []
        mean = sum(e for e in h_err if e is not None) / total
        worst = max((windowed(h_err, h_rate, i, int(1800 // step)) or 0.0) for i in range(len(h_rate)))
        objective = next(
            (
                o
                for o in ctx.config.slo_objectives
                if mean <= HEALTHY_SHARE * (1 - o)
                and worst <= HEALTHY_WORST * (1 - o)
                and not any(
                    burning(h_err, h_rate, i, step, round(1 - o, 10), PAGE + TICKET)
                    for i in range(len(h_rate))
                )
            ),
            None,
        )
        if objective is None:
            ctx.notes.append(
                f"slo: {ctx.service}'s healthy error ratio {mean:.4f} meets none of the objectives"
            )
            return []
        budget = round(1 - objective, 10)
        grid_start = ref_start
        i_rate = resample(rate_s.samples, grid_start, end, step)
        i_ratio = resample(ratio_s.samples, grid_start, end, step)
        i_err = _errors(i_ratio, i_rate)
        fired = None
        for which, pairs in ((0, PAGE), (1, TICKET)):
            hits = [i for i in range(len(i_rate)) if burning(i_err, i_rate, i, step, budget, pairs)]
            if hits and (fired is None or hits[0] < fired[1][0]):
                fired = (which, hits)
        if fired is None:
            ctx.notes.append(
                f"slo: neither burn-rate alert of a {objective:.2%} objective fires on this incident's samples"
            )
            return []
        return [
            self._fix(
                ctx,
                objective,
                mean,
                worst,
                rate_s,
                ratio_s,
                (h_rate, h_ratio),
                (i_rate, i_ratio, i_err),
                fired,
                grid_start,
            )
        ]

    def _fix(
        self,
        ctx: FixContext,
        objective: float,
        mean: float,
        worst: float,
        rate_s: Series,
        ratio_s: Series,
        healthy: tuple[list[float | None], list[float | None]],
        incident: tuple[list[float | None], list[float | None], list[float | None]],
        fired: tuple[int, list[int]],
        grid_start: float,
    ) -> Fix:
        step = ctx.config.evaluation_interval_seconds
        first = ctx.first_alert
        budget = round(1 - objective, 10)
        svc = f'service="{ctx.service}"'
        slo = f"{ctx.service}-availability"
        records = [RecordingRule("service:request_errors:rate", f"{RATIO}{{{svc}}} * {RATE}{{{svc}}}")]
        for w in WINDOWS:
            records.append(
                RecordingRule(
                    f"slo:sli_error:ratio_rate{w}",
                    f"sum_over_time(service:request_errors:rate{{{svc}}}[{w}]) / sum_over_time({RATE}{{{svc}}}[{w}])",
                )
            )

        def cond(pairs: Sequence[tuple[float, str, str]]) -> str:
            return " or ".join(
                f"(slo:sli_error:ratio_rate{long}{{{svc}}} > ({number(f)} * {number(budget)}) and "
                f"slo:sli_error:ratio_rate{short}{{{svc}}} > ({number(f)} * {number(budget)}))"
                for f, long, short in pairs
            )

        common = {"slo": slo, "autoheal_fix": self.kind.value}
        alerts = []
        for severity, pairs, speed in (("page", PAGE, "fast"), ("ticket", TICKET, "slow")):
            name = f"ErrorBudgetBurn{'Fast' if severity == 'page' else 'Slow'}"
            alerts.append(
                AlertingRule(
                    name,
                    cond(pairs),
                    0,
                    {**common, "severity": severity},
                    {
                        "summary": f"{{{{ $labels.service }}}} is burning its {objective:.2%} error budget {speed}",
                        "runbook_url": ctx.config.runbook_url.format(service=ctx.service, alert=name),
                    },
                )
            )
        base = f"autoheal/{ctx.service}-slo"
        rule_path, test_path = f"{base}.yml", f"{base}.test.yml"
        labels = {k: v for k, v in ratio_s.labels.items() if k != "__name__"}
        series = lambda rates, ratios: [(selector(RATE, labels), rates), (selector(RATIO, labels), ratios)]  # noqa: E731
        which, hits = fired
        page = alerts[which]
        pairs = PAGE if which == 0 else TICKET
        rendered = {k: v.replace("{{ $labels.service }}", ctx.service) for k, v in page.annotations.items()}
        i_rate, i_ratio, i_err = incident
        fire = hits[0]
        onset_quiet = int((first.starts_at.timestamp() - grid_start - 600) // step)
        expectations = []
        if 0 <= onset_quiet < fire and not burning(i_err, i_rate, onset_quiet, step, budget, pairs):
            expectations.append(AlertExpectation(onset_quiet * step, page.name, []))
        # two evaluations into a stretch where it keeps firing: robust to the order rules see each other
        held = [i for i in hits if i >= fire + 2 and all(j in hits for j in range(fire, i + 1))]
        at = held[0] if held else fire
        expectations.append(AlertExpectation(at * step, page.name, [({**labels, **page.labels}, rendered)]))
        h_rate, h_ratio = healthy
        quiet = [AlertExpectation(i * step, a.name, []) for i in range(len(h_rate)) for a in alerts]
        tests = [
            UnitTest(
                f"{page.name} fires on {ctx.ref}'s requests", step, series(i_rate, i_ratio), expectations
            ),
            UnitTest("silent on the healthy hour (every evaluation)", step, series(h_rate, h_ratio), quiet),
        ]
        header = (
            f"Generated by Autoheal from {ctx.ref}: SLO burn-rate rules for {ctx.service}\n"
            f"(Google SRE workbook, multiwindow multi-burn-rate). Objective {objective:.2%} over "
            f"{ctx.config.slo_period_days} days: the tightest the healthy service meets (error ratio {mean:.4%})."
        )
        files = {
            rule_path: rule_file(f"autoheal-slo-{ctx.service}", [*records, *alerts], header=header),
            test_path: unit_test_file([rule_path.rsplit("/", 1)[-1]], step, tests, header=header),
        }
        fire_ts = grid_start + fire * step
        return Fix(
            kind=self.kind,
            service=ctx.service,
            title=f"SLO {objective:.2%} availability for {ctx.service}: burn-rate page and ticket alerts",
            summary=(
                f"{ctx.service} has request metrics and no SLO alert. Healthy error ratio {mean:.4%}; "
                f"on the incident's samples {page.name} ({page.labels['severity']}) fires "
                f"{fire_ts - first.starts_at.timestamp():.0f} s after {first.name}."
            ),
            target=f"{ctx.service}-availability",
            shape=f"{self.kind.value}:{ctx.service}",
            files=files,
            figures={
                "objective": objective,
                "budget": budget,
                "healthy_error_ratio": mean,
                "healthy_worst_30m": worst,
                "fires": page.name,
                "fires_after_original_s": fire_ts - first.starts_at.timestamp(),
            },
            rule_file=rule_path,
            test_file=test_path,
        )


def _errors(ratios: Sequence[float | None], rates: Sequence[float | None]) -> list[float | None]:
    return [None if a is None or b is None else a * b for a, b in zip(ratios, rates, strict=True)]
