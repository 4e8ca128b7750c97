"""Inner-service scoring (Nezha's AIS@k): did the report name *where in the service* the fault is?

Nezha labels each service and fault type with an inner-service root cause
(``construct_data/root_cause_ts.json``): a code region, two logging statements or log messages
joined by ``_`` (``t.s.TravelServiceImpl#451_t.s.TravelServiceImpl#457``: the statement at 457
no longer follows the one at 451), or a resource metric (``CpuUsageRate(%)``, ``NetworkP90(ms)``).

A report cause names the label when it is about the labelled service and

* for a code region ``C#a_C#b`` (one class, two lines): its component or statement names a
  location ``C#n`` with ``a <= n <= b`` (the region, ends included: a return fault at
  ``BasicServiceImpl#405_#418`` shows as a new line at ``#415``);
* for any other label: its component or statement contains one of the label's parts (a code
  location or the message text, not followed by a letter or digit; a part ``<operation> start``,
  Nezha's name for a span's start, is the event the path analysis calls ``span <operation>``);
* for a resource label: its component or kind names the resource (``cpu``, ``memory``,
  ``network``): a saturated CPU, a network-time finding.

The inner ranking is the report's causes in order, each reduced to the label it names (or to its
own service and component), each key once; AIS@k is then the share of cases whose label is among
the first k keys, scored like AS@k (:mod:`autoheal.bench.scoring`). The matching rule is lenient
(either statement of a pair counts) and written once, here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# resource labels -> the word a finding about that resource names in its component or kind
RESOURCES = {"CpuUsageRate(%)": "cpu", "MemoryUsageRate(%)": "memory", "NetworkP90(ms)": "network"}


def parts(label: str) -> list[str]:
    return [p.strip() for p in label.split("_") if p.strip()]


def names(cause: Mapping[str, Any], service: str, label: str) -> bool:
    """Whether one report cause (``{"service", "kind", "component", "statement"}``) names the
    inner-service ``label`` of ``service``."""
    if cause.get("service") != service:
        return False
    component = str(cause.get("component") or "")
    if label in RESOURCES:
        return RESOURCES[label] in f"{component} {cause.get('kind') or ''}".lower()
    text = f"{component}\n{cause.get('statement') or ''}"
    region = _region(label)
    if region is not None:
        where, first, last = region
        return any(first <= int(n) <= last for n in re.findall(re.escape(where) + r"#(\d+)(?!\w)", text))
    return any(re.search(re.escape(p) + r"(?!\w)", text) for p in _forms(label))


def _region(label: str) -> tuple[str, int, int] | None:
    """``C#a_C#b`` -> ``(C, min, max)``; None for any other label."""
    ends = [m for p in parts(label) if (m := re.fullmatch(r"(.+)#(\d+)", p))]
    if len(ends) != 2 or len(parts(label)) != 2 or ends[0].group(1) != ends[1].group(1):
        return None
    a, b = int(ends[0].group(2)), int(ends[1].group(2))
    return ends[0].group(1), min(a, b), max(a, b)


def _forms(label: str) -> list[str]:
    out = []
    for p in parts(label):
        out.append(p)
        if p.endswith(" start"):
            out.append(f"span {p.removesuffix(' start')}")
    return out


def ranking(causes: Iterable[Mapping[str, Any]], service: str, label: str) -> list[str]:
    """The report's causes as inner-service keys, each once, in the report's order; the label's
    own key is ``service:label``."""
    out: dict[str, None] = {}
    for c in causes:
        key = (
            f"{service}:{label}"
            if names(c, service, label)
            else f"{c.get('service')}:{c.get('component') or c.get('kind')}"
        )
        out.setdefault(key, None)
    return list(out)


def report_causes(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A report's causes (``InvestigationReport.to_dict()``) as the fields :func:`names` reads."""
    out = []
    for c in report.get("causes", []):
        h = c.get("hypothesis", {})
        out.append(
            {
                "service": h.get("service"),
                "kind": h.get("kind"),
                "component": h.get("component"),
                "statement": h.get("statement"),
            }
        )
    return out
