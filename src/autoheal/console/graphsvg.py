"""The context graph around a service as one server-rendered SVG (no JavaScript, no library).

A small layered layout, computed here from :func:`autoheal.graph.context.service_context`:

    depended on by ──▶ SERVICE ──▶ depends on                      (band 1: the topology)
           │
    past incidents ──caused by──▶ what was learned ··lowered by··▶ changes since   (band 2: memory)

Each node is a box in its column, rows spaced evenly and the columns centred on the tallest one;
edges are straight lines (curves between the bands). A lesson's box says its weight and how an
investigation may use it (anchor / hypothesis / invalidated); an edge to a change that lowered
it is dashed red, and the change says by how much. Every label is escaped; the full text is each
box's <title>.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from autoheal.graph.model import CHANGE_DECAY

WIDTH = 1180
COLUMNS = (190, 590, 990)  # x centres of the three columns
BOX_W = 330
SERVICE_W = 200
ROW = 54  # vertical distance between rows
BAND_GAP = 70
MAX_ROWS = 12  # per column; the rest is summed up in a last box
CHARS = 46  # label characters per line in a box


@dataclass(frozen=True, slots=True)
class Box:
    key: str
    x: float  # centre
    y: float  # centre
    w: float
    h: float
    lines: tuple[str, ...]
    cls: str
    title: str


def _cut(text: str, n: int = CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _column(
    items: Sequence[tuple[str, tuple[str, ...], str, str]],
    x: float,
    top: float,
    rows: int,
    w: float,
    h: float,
) -> list[Box]:
    """Boxes for ``items`` (key, lines, css class, title) centred vertically in ``rows`` rows."""
    shown = list(items[:MAX_ROWS])
    if len(items) > MAX_ROWS:
        rest = len(items) - MAX_ROWS
        shown[-1] = (f"more-{x}", (f"… and {rest + 1} more",), "g-more", f"{rest + 1} more not drawn")
    offset = (rows - len(shown)) * ROW / 2
    return [
        Box(key, x, top + offset + i * ROW + ROW / 2, w, h, lines, cls, title)
        for i, (key, lines, cls, title) in enumerate(shown)
    ]


def _box_svg(b: Box) -> str:
    x0, y0 = b.x - b.w / 2, b.y - b.h / 2
    parts = [
        f'<g class="g-node {b.cls}"><title>{escape(b.title)}</title>',
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="6"/>',
    ]
    first = b.y - (len(b.lines) - 1) * 8 + 4
    for i, line in enumerate(b.lines):
        cls = "g-label" if i == 0 else "g-sub"
        parts.append(
            f'<text class="{cls}" x="{b.x:.1f}" y="{first + i * 16:.1f}" text-anchor="middle">{escape(line)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _edge(a: Box, b: Box, cls: str, label: str = "", *, down: bool = False) -> str:
    if down:  # from the bottom of a (band 1) to the left side of b (band 2)
        x1, y1 = a.x, a.y + a.h / 2
        x2, y2 = b.x - b.w / 2, b.y
        path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{(y1 + y2) / 2:.1f} {x2 - 60:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    else:
        x1, y1 = a.x + a.w / 2, a.y
        x2, y2 = b.x - b.w / 2, b.y
        path = (
            f"M{x1:.1f},{y1:.1f} C{(x1 + x2) / 2:.1f},{y1:.1f} {(x1 + x2) / 2:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        )
    out = f'<path class="g-edge {cls}" d="{path}" marker-end="url(#g-arrow)"/>'
    if label:
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2 - 5
        out += f'<text class="g-edge-label" x="{mx:.1f}" y="{my:.1f}" text-anchor="middle">{escape(label)}</text>'
    return out


def _band_title(x: float, y: float, text: str) -> str:
    return f'<text class="g-band" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{escape(text)}</text>'


def _when(value: Any) -> str:
    return str(value or "")[:16].replace("T", " ")


def _lowering(lowered: Sequence[Mapping[str, Any]]) -> str:
    """What a change did to what was learned, for its box: ``lowered 2 ×0.5`` or ``closed 1``."""
    if not lowered:
        return ""
    closed = sum(1 for x in lowered if x.get("rule") == "dependency_removed")
    out = []
    if len(lowered) > closed:
        out.append(f"lowered {len(lowered) - closed} ×{CHANGE_DECAY:g}")
    if closed:
        out.append(f"closed {closed}")
    return " · " + ", ".join(out)


def context_svg(ctx: Mapping[str, Any]) -> str:
    """The picture of :func:`~autoheal.graph.context.service_context`'s answer."""
    service = str(ctx["service"])
    callers = [
        (
            f"caller:{s['service']}",
            (s["service"],),
            "g-service" + (" g-removed" if s["removed_at"] else ""),
            s["service"],
        )
        for s in ctx["depended_on_by"]
    ]
    deps = [
        (
            f"dep:{s['service']}",
            (s["service"],) if not s["removed_at"] else (s["service"], f"removed {_when(s['removed_at'])}"),
            "g-service" + (" g-removed" if s["removed_at"] else ""),
            f"{service} depends on {s['service']}"
            + (f" (removed {s['removed_at']})" if s["removed_at"] else ""),
        )
        for s in ctx["depends_on"]
    ]
    band1_rows = max(len(callers), len(deps), 1, 1)
    band1_rows = min(band1_rows, MAX_ROWS)
    top1 = 30
    parts: list[str] = []
    boxes1 = _column(callers, COLUMNS[0], top1, band1_rows, SERVICE_W, 34)
    boxes3 = _column(
        deps, COLUMNS[2], top1, band1_rows, SERVICE_W, 34 if all(len(d[1]) == 1 for d in deps) else 42
    )
    focus = _column(
        [(f"svc:{service}", (service,), "g-focus", service)], COLUMNS[1], top1, band1_rows, SERVICE_W + 40, 40
    )[0]
    parts.append(_band_title(COLUMNS[0], 18, "depended on by"))
    parts.append(_band_title(COLUMNS[1], 18, "service"))
    parts.append(_band_title(COLUMNS[2], 18, "depends on"))
    for b in boxes1:
        parts.append(_edge(b, focus, "g-dep" + (" g-removed" if "g-removed" in b.cls else "")))
    for b in boxes3:
        parts.append(_edge(focus, b, "g-dep" + (" g-removed" if "g-removed" in b.cls else "")))
    if not callers and not deps:
        parts.append(_band_title(COLUMNS[2], top1 + ROW / 2 + 4, "no dependency declared"))

    # band 2: memory
    top2 = top1 + band1_rows * ROW + BAND_GAP
    incidents = list(ctx["incidents"])
    changes = list(ctx["changes"])
    inc_items = [
        (
            f"inc:{i['incident']}",
            (_cut(i["title"] or i["incident"]), f"{i['incident']} · resolved {_when(i['resolved_at'])}"),
            "g-incident",
            f"incident {i['incident']}: {i['title']}",
        )
        for i in incidents
    ]
    lesson_items = [
        (
            f"lesson:{i['incident']}",
            (
                _cut(i["root_cause_label"] or "no confirmed root cause"),
                f"weight {float(i['weight']):.2f} · {i['use']}",
            ),
            f"g-lesson g-use-{i['use']}",
            f"learned from {i['incident']}: {i['root_cause_label'] or 'no root cause'}; weight {i['weight']}; "
            f"check order: {', '.join(map(str, i['check_order'])) or '-'}",
        )
        for i in incidents
    ]
    change_items = [
        (
            f"change:{c['change']}",
            (
                _cut(c["what"]),
                f"{_when(c['at'])}" + _lowering(c["lowered"]),
            ),
            "g-change" + (" g-lowering" if c["lowered"] else ""),
            f"{c['what']} at {c['at']}: {c['summary']}".strip(),
        )
        for c in changes
    ]
    band2_rows = min(max(len(inc_items), len(change_items), 1), MAX_ROWS)
    parts.append(_band_title(COLUMNS[0], top2 - 14, "past incidents"))
    parts.append(_band_title(COLUMNS[1], top2 - 14, "what was learned"))
    parts.append(_band_title(COLUMNS[2], top2 - 14, "changes since"))
    inc_boxes = _column(inc_items, COLUMNS[0], top2, band2_rows, BOX_W, 42)
    lesson_boxes = _column(lesson_items, COLUMNS[1], top2, band2_rows, BOX_W, 42)
    change_boxes = _column(change_items, COLUMNS[2], top2, band2_rows, BOX_W, 42)
    by_key = {b.key: b for b in change_boxes}
    for b in inc_boxes:
        parts.append(_edge(focus, b, "g-mem", down=True))
    for inc, lesson, item in zip(inc_boxes, lesson_boxes, incidents, strict=False):
        parts.append(_edge(inc, lesson, "g-cause", "caused by"))
        drawn: set[str] = set()
        for low in item["lowered"]:  # the root cause or a hypothesis of the incident
            target = by_key.get(f"change:{low['change']}")
            if target is None or low["change"] in drawn:
                continue
            drawn.add(low["change"])
            parts.append(_edge(lesson, target, "g-invalid"))
    if not incidents:
        parts.append(_band_title(COLUMNS[0], top2 + ROW / 2 + 4, "no incident learned yet"))
    if not changes:
        parts.append(_band_title(COLUMNS[2], top2 + ROW / 2 + 4, "no change recorded"))
    height = top2 + band2_rows * ROW + 20
    for b in [*boxes1, focus, *boxes3, *inc_boxes, *lesson_boxes, *change_boxes]:
        parts.append(_box_svg(b))
    head = (
        f'<svg class="context-graph" width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'role="img" aria-label="context graph of {escape(service)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>context graph of {escape(service)}</title>"
        '<defs><marker id="g-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#829ab1"/></marker></defs>'
    )
    return head + "".join(parts) + "</svg>"
