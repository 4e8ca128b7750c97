"""The on-call report's funnel — alerts received -> triage verdicts -> handled without a page ->
signals -> incidents -> pages sent — as data and as an SVG (no library, no JavaScript).

Every stage is read from the report's own figures (:class:`~autoheal.reports.oncall.OncallReport`),
never recomputed, so the chart and the table cannot disagree. The stages count different things
(alert episodes, verdicts on groups, incidents, pages); each bar says what it counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from autoheal.reports.oncall import OncallReport


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    label: str
    value: int
    counts: str  # what one unit of the stage is

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "value": self.value, "counts": self.counts}


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) else 0


def funnel(report: OncallReport) -> list[Stage]:
    verdicts = report.figure("triage_verdicts").value or {}
    return [
        Stage(
            "alerts_received",
            "alerts received",
            _int(report.figure("alerts_received").value),
            "firing episodes",
        ),
        Stage(
            "triage_verdicts",
            "triage verdicts",
            sum(_int(v) for v in verdicts.values()),
            "verdicts on alert groups",
        ),
        Stage(
            "handled_without_page",
            "handled without a page",
            _int(report.figure("handled_without_page").value),
            "noise, duplicate or known issue",
        ),
        Stage("signal", "signals", _int(verdicts.get("signal")), "verdicts that may page"),
        Stage("incidents", "incidents opened", _int(report.figure("incidents").value), "incidents"),
        Stage("pages_sent", "pages sent", _int(report.figure("pages_sent").value), "pages"),
    ]


def funnel_svg(stages: Sequence[Stage], *, width: int = 900) -> str:
    """Horizontal bars, one a stage, their length proportional to the largest stage."""
    bar_h, gap, label_w, top = 30, 10, 190, 8
    plot_w = width - label_w - 270
    biggest = max((s.value for s in stages), default=0) or 1
    height = top + len(stages) * (bar_h + gap) + 4
    parts = [
        f'<svg class="funnel" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="on-call funnel" xmlns="http://www.w3.org/2000/svg"><title>on-call funnel: '
        + escape(", ".join(f"{s.label} {s.value}" for s in stages))
        + "</title>"
    ]
    for i, s in enumerate(stages):
        y = top + i * (bar_h + gap)
        w = max(2.0, s.value / biggest * plot_w) if s.value else 0.0
        x = label_w + (plot_w - w) / 2  # centred: a funnel
        parts.append(
            f'<text class="funnel-label" x="{label_w - 10}" y="{y + bar_h / 2 + 5:.1f}" text-anchor="end">{escape(s.label)}</text>'
            f'<rect class="funnel-bar funnel-{escape(s.name)}" data-figure="{escape(s.name)}" fill="#3b7dd8" '
            f'x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3"/>'
            f'<text class="funnel-value" x="{label_w + plot_w + 10}" y="{y + bar_h / 2 + 5:.1f}">{s.value}'
            f'<tspan class="funnel-counts"> {escape(s.counts)}</tspan></text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def report_svg(report: OncallReport) -> str:
    """The funnel of ``report`` as a standalone SVG file (``autoheal report oncall --svg``, the API's
    ``funnel.svg``): the same drawing as the console's."""
    return funnel_svg(funnel(report)) + "\n"
