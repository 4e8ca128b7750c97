"""Evidence that arrives with the alert: log lines and events in its annotations.

Senders attach evidence to alerts: a Robusta-style enrichment block with the pod's events, the last
log lines of the container, a Datadog log monitor's message quoting the matching line, Grafana's
``values``. When the cluster no longer has that evidence (logs rotated, events expired after their
hour, the pod replaced) the alert's copy is the only one left, so the investigators read it.

It is **untrusted text**, handled like any tool output: never instructions (it is only matched
against the same log and event shapes as tool results, never executed or followed), redacted with
the gateway's redactor (the default redaction rules when the caller has none) before it is quoted,
cited as ``from the alert`` (an :class:`Evidence` whose tool is ``alert`` and whose data holds the
redacted lines), and each read is recorded as a reasoning step in the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence
from autoheal.governance.redaction import Redactor
from autoheal.reasoning.base import InvestigationContext, record_step

TOOL = "alert"
# Annotations that describe the alert rather than carry evidence (links, the rule's own text).
_NOT_EVIDENCE = {
    "runbook_url",
    "runbook",
    "dashboard",
    "dashboard_url",
    "panel_url",
    "silence_url",
    "image_url",
    "query",
    "metric",
    "alert_cycle_key",
    "event_id",
    "alert_type",
    "priority",
    "transition",
}
_MARKUP = re.compile(r"^\s*(?:%%%|```\w*|@[\w.-]+)\s*$")
MAX_LINES = 200
# An event line as ``kubectl get events`` (TYPE REASON OBJECT MESSAGE, after LAST SEEN) or
# ``kubectl describe`` (TYPE REASON AGE FROM MESSAGE) print it.
_EVENT = re.compile(
    r"\b(?P<type>Warning|Normal)\s+(?P<reason>[A-Z][A-Za-z]+)\s+"
    r"(?:(?P<object>[a-z]+/[\w.-]+)\s+|(?:\S+\s+)?[a-z][\w-]*(?:-controller|-scheduler|let)\s+)?"
    r"(?P<message>\S.*)$"
)


@dataclass(frozen=True, slots=True)
class AttachedLine:
    annotation: str
    text: str


def attached_lines(alert: Alert) -> list[AttachedLine]:
    """The text lines of the annotations that may carry evidence, markup fences dropped."""
    out: list[AttachedLine] = []
    for key, value in sorted(alert.annotations.items()):
        if key in _NOT_EVIDENCE or not value or re.match(r"^https?://\S+$", value.strip()):
            continue
        for line in value.splitlines():
            if line.strip() and not _MARKUP.match(line):
                out.append(AttachedLine(key, line.rstrip()))
    return out[:MAX_LINES]


def _redactor(ctx: InvestigationContext) -> Redactor:
    found = getattr(ctx.tools, "redactor", None)
    return found if isinstance(found, Redactor) else Redactor()


def read(ctx: InvestigationContext, alert: Alert, what: str) -> tuple[list[str], Evidence | None]:
    """The alert's evidence lines, redacted, and the evidence that cites them (None when the alert
    carries none)."""
    lines = attached_lines(alert)
    if not lines:
        return [], None
    redactor = _redactor(ctx)
    texts = [redactor.redact_text(ln.text) for ln in lines]
    annotations = sorted({ln.annotation for ln in lines})
    ev = Evidence(
        id=f"alert:{alert.fingerprint}:{what}",
        tool=TOOL,
        args={"alert": alert.name, "annotations": annotations},
        summary=f"from the alert: {what} in annotation(s) {', '.join(annotations)} (sender-supplied, untrusted)",
        data={"lines": texts},
        observed_at=ctx.clock.now(),
    )
    record_step(
        ctx.tools,
        "kubernetes",
        ctx.investigation_id,
        {"step": "alert_evidence", "alert": alert.name, "annotations": annotations, "lines": len(texts)},
    )
    return texts, ev


def events(lines: list[str]) -> list[dict[str, Any]]:
    """Event-shaped lines as event objects (``reason``, ``message``, ``type``), ``source`` alert."""
    out = []
    for line in lines:
        m = _EVENT.search(line)
        if m:
            out.append(
                {
                    "type": m.group("type"),
                    "reason": m.group("reason"),
                    "message": m.group("message").strip(),
                    "source": {"component": "alert"},
                }
            )
    return out


def cited_text(ev: Evidence) -> str:
    """What an alert evidence cites, for scorers that check a fact appears in cited results."""
    data = ev.data if isinstance(ev.data, dict) else {}
    return "\n".join(str(x) for x in data.get("lines") or [])
