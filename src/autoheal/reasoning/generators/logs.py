"""Log template spikes: new or surging Drain templates per service, error-level first.

Two ``logs.query`` calls (reference and incident windows, every service), templates mined by
:func:`autoheal.analysis.signals.log_signal`. A service with at least one new or surging warning /
error template becomes a hypothesis; its component is the top template. Scores are calibrated on
0..1 as in the metric generator.

``reference`` overrides the context's reference window for logs when the fault-free logs live
elsewhere (the Nezha data set keeps one fault-free minute per day).
"""

from __future__ import annotations

from autoheal.analysis.signals import log_signal
from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators._windows import calibrated, epoch, window_args
from autoheal.telemetry.model import LogRecord

MAX_LINES = 5000
MAX_BYTES = 1_048_576
MAX_HYPOTHESES = 5


def _records(data: object) -> list[LogRecord]:
    from datetime import UTC, datetime

    out = []
    for entry in (data or {}).get("lines", []):  # type: ignore[union-attr]
        out.append(
            LogRecord(
                at=datetime.fromtimestamp(epoch(entry["at"]), UTC),
                service=str(entry.get("service") or ""),
                level=str(entry.get("level") or "info"),
                line=str(entry.get("line") or ""),
            )
        )
    return out


class LogTemplateGenerator:
    name = "logs"

    def __init__(self, *, reference: Window | None = None, max_hypotheses: int = MAX_HYPOTHESES) -> None:
        self.reference = reference
        self.max_hypotheses = max_hypotheses

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        reference = self.reference or ctx.reference
        ref_res, ref_ev = ctx.call(
            "logs.query",
            window_args(reference, limit=MAX_LINES, max_bytes=MAX_BYTES),
            "logs, reference window",
        )
        inc_res, inc_ev = ctx.call(
            "logs.query",
            window_args(ctx.incident, limit=MAX_LINES, max_bytes=MAX_BYTES),
            "logs, incident window",
        )
        if not inc_res.ok:
            return []
        ref = _records(ref_res.data) if ref_res.ok else []
        inc = _records(inc_res.data)
        observed = max((r.at for r in inc), default=ctx.incident.end) - ctx.incident.start
        signal = log_signal(
            ref,
            inc,
            reference_seconds=reference.seconds,
            incident_seconds=max(observed.total_seconds(), 60.0),
        )
        positive = {svc: v for svc, v in signal.scores.items() if v > 0}
        weight = calibrated(ctx, positive) if positive else {}
        ranked = sorted(positive, key=lambda svc: (-weight[svc], svc))
        out = []
        for service in ranked[: self.max_hypotheses]:
            surges = [s for s in signal.surges[service] if s.level != "info"] or signal.surges[service]
            top = surges[0]
            what = "new" if top.new else f"{top.ratio:.1f}x more frequent"
            out.append(
                Hypothesis(
                    id=f"logs:{service}",
                    service=service,
                    kind="code_error" if top.level == "error" else "log_anomaly",
                    statement=f"{service} logs a {what} {top.level} template: {top.template[:160]}",
                    generator=self.name,
                    score=round(weight[service], 4),
                    component=top.template[:200],
                    evidence=[ref_ev, inc_ev],
                    attributes={
                        "log_score": round(positive[service], 3),
                        "templates": [
                            {
                                "template": s.template[:200],
                                "level": s.level,
                                "new": s.new,
                                "reference": s.reference_count,
                                "incident": s.incident_count,
                            }
                            for s in surges[:5]
                        ],
                    },
                )
            )
        return out
