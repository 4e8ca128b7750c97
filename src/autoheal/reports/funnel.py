"""The week's alerts -> handled without a page -> pages funnel of an on-call report, as an SVG
(plain text, no plotting dependency; any browser or Markdown viewer shows it). Each bar is a
figure of the report, labelled with its value and the number of rows behind it."""

from __future__ import annotations

from html import escape
from typing import Any

STAGES = (
    ("alerts_received", "alerts received"),
    ("handled_without_page", "handled by triage without a page"),
    ("pages_sent", "pages sent"),
)
WIDTH, BAR, GAP, LEFT = 640, 44, 18, 250


def funnel_values(report: Any) -> list[tuple[str, str, int, int]]:
    """(figure, label, value, rows) per stage; a missing value counts as 0."""
    out = []
    for name, label in STAGES:
        figure = report.figure(name)
        value = figure.value if isinstance(figure.value, int | float) else 0
        out.append((name, label, int(value), len(figure.rows)))
    return out


def funnel_svg(report: Any) -> str:
    stages = funnel_values(report)
    top = max((v for _, _, v, _ in stages), default=0) or 1
    height = 60 + len(stages) * (BAR + GAP)
    scope = report.scope.get("team") or report.scope.get("service") or ""
    title = f"on-call funnel, {scope}: {report.since:%Y-%m-%d %H:%M} -> {report.until:%Y-%m-%d %H:%M} UTC"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    span = WIDTH - LEFT - 70
    for i, (name, label, value, rows) in enumerate(stages):
        y = 44 + i * (BAR + GAP)
        w = max(2.0, span * value / top)
        parts.append(f'<text x="10" y="{y + BAR / 2 + 5}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{LEFT}" y="{y}" width="{w:.1f}" height="{BAR}" fill="#3b7dd8" data-figure="{name}">'
            f"<title>{escape(name)}: {value} ({rows} rows)</title></rect>"
        )
        parts.append(f'<text x="{LEFT + w + 8:.1f}" y="{y + BAR / 2 + 5}">{value}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
