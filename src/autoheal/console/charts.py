"""Small inline SVG charts (no JavaScript, no external library): a metric series as a
sparkline, a confidence as a bar. Pure functions from numbers to SVG text; every label is
escaped."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any


def _points(series: Mapping[str, Any] | None) -> list[tuple[float, float]]:
    out = []
    for item in (series or {}).get("points") or []:
        try:
            t, v = float(item[0]), float(item[1])
        except (TypeError, ValueError, IndexError):
            continue
        if v == v and abs(v) != float("inf"):  # skip NaN and infinities
            out.append((t, v))
    return out


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%H:%M")


def sparkline(
    series: Mapping[str, Any] | None,
    *,
    width: int = 280,
    height: int = 64,
    marker: float | None = None,
) -> str:
    """The series' line with its minimum and maximum on the left and its first and last times
    below; ``marker`` (unix seconds) draws a vertical line, e.g. at the onset. Empty string when
    there is nothing to draw."""
    pts = _points(series)
    if len(pts) < 2:
        return ""
    pad_l, pad_b, pad_t = 44, 14, 4
    plot_w, plot_h = width - pad_l - 2, height - pad_b - pad_t
    t0, t1 = pts[0][0], pts[-1][0]
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span_t = (t1 - t0) or 1.0
    span_v = (hi - lo) or 1.0

    def x(t: float) -> float:
        return pad_l + (t - t0) / span_t * plot_w

    def y(v: float) -> float:
        return pad_t + plot_h - (v - lo) / span_v * plot_h

    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts)
    title = escape(f"{(series or {}).get('metric', 'series')} of {(series or {}).get('service', '?')}")
    parts = [
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{title}</title>",
        f'<rect class="spark-bg" x="{pad_l}" y="{pad_t}" width="{plot_w}" height="{plot_h}"/>',
        f'<polyline class="spark-line" fill="none" points="{line}"/>',
        f'<text class="spark-label" x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end">{_fmt(hi)}</text>',
        f'<text class="spark-label" x="{pad_l - 4}" y="{pad_t + plot_h}" text-anchor="end">{_fmt(lo)}</text>',
        f'<text class="spark-label" x="{pad_l}" y="{height - 2}">{_clock(t0)}</text>',
        f'<text class="spark-label" x="{width - 2}" y="{height - 2}" text-anchor="end">{_clock(t1)}</text>',
    ]
    if marker is not None and t0 <= marker <= t1:
        mx = x(marker)
        parts.append(
            f'<line class="spark-marker" x1="{mx:.1f}" x2="{mx:.1f}" y1="{pad_t}" y2="{pad_t + plot_h}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar(value: Any, *, width: int = 120, height: int = 10) -> str:
    """A 0..1 value as a filled bar (confidence, triage score)."""
    try:
        share = max(0.0, min(1.0, float(value)))
    except (TypeError, ValueError):
        share = 0.0
    return (
        f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{share:.0%}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect class="bar-bg" width="{width}" height="{height}" rx="2"/>'
        f'<rect class="bar-fill" width="{share * width:.1f}" height="{height}" rx="2"/></svg>'
    )


def series_of(data: Any) -> Mapping[str, Any] | None:
    """The chartable series of an evidence item's data (``{"series": {...}}``), if any."""
    if isinstance(data, Mapping) and isinstance(data.get("series"), Mapping):
        return data["series"]
    return None
