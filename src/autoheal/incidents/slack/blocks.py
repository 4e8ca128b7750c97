"""The incident message as Block Kit (pure: incident + timeline -> blocks). Every text posted goes
through ``redact`` first. Button ``action_id`` values are the app's routing keys (``app.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from autoheal.incidents.findings import hypothesis_states, latest_findings
from autoheal.incidents.model import Incident, Status, TimelineEvent

Redact = Callable[[str], str]
ACK, CONFIRM, REJECT, ESCALATE, RESOLVE = (
    "autoheal_ack",
    "autoheal_confirm",
    "autoheal_reject",
    "autoheal_escalate",
    "autoheal_resolve",
)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _button(text: str, action_id: str, value: dict[str, Any], style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": json.dumps(value, separators=(",", ":")),
    }
    if style:
        button["style"] = style
    return button


def summary_text(incident: Incident) -> str:
    who = f", acknowledged by {incident.acknowledged_by}" if incident.acknowledged_by else ""
    cause = f"\nRoot cause: {incident.cause}" if incident.cause else ""
    return (
        f"{incident.ref} [{incident.severity.value}] {incident.title} — {incident.status.value}{who}{cause}"
    )


def incident_blocks(
    incident: Incident, timeline: Sequence[TimelineEvent], redact: Redact, link: str | None = None
) -> list[dict[str, Any]]:
    def md(text: str, limit: int = 2900) -> dict[str, Any]:
        return {"type": "mrkdwn", "text": _clip(redact(text), limit)}

    ref = {"incident": incident.id}
    commander = ", ".join(incident.roles.get("commander", [])) or "nobody yet"
    fields = [
        md(f"*Status*\n{incident.status.value}"),
        md(f"*Severity*\n{incident.severity.value}"),
        md(f"*Service*\n{incident.service or '-'}"),
        md(f"*Commander*\n{commander}"),
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(redact(f"{incident.ref} {incident.title}"), 150)},
        },
        {"type": "section", "fields": fields},
    ]
    if incident.cause:
        blocks.append({"type": "section", "text": md(f"*Root cause:* {incident.cause}")})
    findings = latest_findings(timeline)
    states = hypothesis_states(timeline)
    if findings and findings.get("causes"):
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": md("*Top hypotheses* (each claim cites its evidence)")})
        for i, cause in enumerate(findings["causes"], start=1):
            hid = str(cause.get("hypothesis_id"))
            state = states.get(hid)
            mark = {"confirmed": " ✅ confirmed", "rejected": " ❌ rejected"}.get(state or "", "")
            evidence = (
                "\n".join(
                    f"• `{e['id']}` {e.get('tool', '')}: {e.get('summary', '')}"
                    for e in cause.get("evidence", [])
                )
                or "• (no evidence cited)"
            )
            blocks.append(
                {
                    "type": "section",
                    "text": md(
                        f"*{i}. {cause.get('kind')} on {cause.get('service')}* — confidence "
                        f"{float(cause.get('confidence') or 0):.2f}, verifier: {cause.get('verdict')}{mark}\n"
                        f"{cause.get('statement', '')}\n{evidence}"
                    ),
                }
            )
            if incident.status.is_open and state is None:
                value = {**ref, "hypothesis": hid}
                blocks.append(
                    {
                        "type": "actions",
                        "block_id": f"hypothesis-{i}",
                        "elements": [
                            _button("Confirm", f"{CONFIRM}:{i}", value, "primary"),
                            _button("Reject", f"{REJECT}:{i}", value),
                        ],
                    }
                )
        refuted = findings.get("ruled_out") or []
        if refuted:
            lines = "\n".join(f"• {r.get('statement', '')} — {r.get('reason', '')}" for r in refuted)
            blocks.append({"type": "context", "elements": [md(f"*Refuted by the verifier:*\n{lines}", 2900)]})
    if incident.status.is_open:
        elements = []
        if incident.acknowledged_at is None:
            elements.append(_button("Acknowledge", ACK, ref, "primary"))
        elements.append(_button("Escalate", ESCALATE, ref))
        elements.append(
            _button("Resolve", RESOLVE, ref, "danger" if incident.status is Status.TRIGGERED else None)
        )
        blocks.append({"type": "actions", "block_id": "incident", "elements": [e for e in elements if e]})
    recent = [e for e in timeline if e.kind not in ("slack_message",)][-5:]
    if recent:
        lines = "\n".join(f"{e.at.strftime('%H:%M')} {e.kind.replace('_', ' ')} by {e.actor}" for e in recent)
        context = lines + (f"\n<{link}|open in Autoheal>" if link else "")
        blocks.append({"type": "context", "elements": [md(context, 2000)]})
    return blocks
