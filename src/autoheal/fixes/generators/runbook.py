"""A runbook section from what was done: the symptoms (the incident's alerts), what to check first
(the confirmed root cause and the evidence it rests on, each with the query that was run), what
was ruled out and why, and what people did (the incident timeline, when incidents record one:
the mitigation that worked). Untrusted text (alert annotations, evidence summaries) is written as
quoted data, never as Markdown the reader could mistake for instructions or links.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from autoheal.fixes.base import FixContext
from autoheal.fixes.model import Fix, FixKind

MAX_EVIDENCE = 4
MAX_RULED_OUT = 5


def quoted(text: Any, limit: int = 300) -> str:
    """Untrusted text as inline code: one line, backticks removed, bounded."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return f"`{flat[:limit]}{'...' if len(flat) > limit else ''}`"


class RunbookGenerator:
    kind = FixKind.RUNBOOK

    def generate(self, ctx: FixContext) -> list[Fix]:
        causes = list(ctx.report.get("causes") or [])
        if not causes:
            ctx.notes.append("runbook: the investigation found no root cause to write down")
            return []
        top = causes[0]
        hyp = top["hypothesis"]
        lines = [
            f"## {ctx.first_alert.name} on {ctx.first_alert.service}: {hyp['kind'].replace('_', ' ')} on {hyp['service']}",
            "",
        ]
        lines += [
            f"_Written by Autoheal from {ctx.ref}; review before relying on it._",
            "",
            "### Symptoms",
            "",
        ]
        for alert in ctx.alerts:
            summary = alert.annotations.get("summary") if alert.annotations else None
            lines.append(
                f"* {alert.name} on {alert.service or 'unknown'} fired at {alert.starts_at:%Y-%m-%d %H:%M:%S} UTC"
                + (f": {quoted(summary)}" if summary else "")
            )
        lines += ["", "### Check first", ""]
        lines.append(
            f"1. {quoted(hyp['statement'])} (confidence {top.get('confidence', 0):.2f}, "
            f"verifier: {top['verification']['verdict']})"
        )
        for ev in hyp.get("evidence", [])[:MAX_EVIDENCE]:
            lines.append(
                f"   * `{ev['tool']}` {quoted(json.dumps(ev.get('args', {}), sort_keys=True), 200)}: {quoted(ev.get('summary', ''))}"
            )
        for check in top["verification"].get("checks", []):
            lines.append(f"   * check {check['name']}: {check['outcome']} ({quoted(check['detail'], 200)})")
        ruled = list(ctx.report.get("ruled_out") or [])[:MAX_RULED_OUT]
        lines += ["", "### Ruled out", ""]
        lines += [
            f"* {quoted(c['hypothesis']['statement'], 200)}: {quoted(c['verification']['reason'], 200)}"
            for c in ruled
        ] or ["* nothing was ruled out"]
        lines += ["", "### What was done", ""]
        lines += _timeline(ctx.timeline) or ["* no incident timeline was recorded for this investigation"]
        for check in ctx.report.get("next_checks") or []:
            lines.append(f"* next check suggested: {quoted(check, 200)}")
        path = f"runbooks/{ctx.service}.md"
        return [
            Fix(
                kind=self.kind,
                service=ctx.service,
                title=f"Runbook section for {ctx.first_alert.name} ({hyp['kind']} on {hyp['service']})",
                summary=f"What to check first, what was ruled out ({len(ruled)}) and what was done, from {ctx.ref}.",
                target=ctx.first_alert.name,
                shape=f"{self.kind.value}:{ctx.service}:{ctx.first_alert.name}:{hyp['kind']}",
                files={path: "\n".join(lines) + "\n"},
                figures={
                    "evidence_cited": min(len(hyp.get("evidence", [])), MAX_EVIDENCE),
                    "ruled_out": len(ruled),
                    "timeline_entries": len(ctx.timeline),
                },
            )
        ]


def _timeline(entries: Any) -> list[str]:
    out = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        at = str(entry.get("at", ""))[:19].replace("T", " ")
        who = entry.get("actor") or entry.get("who") or "someone"
        what = entry.get("kind") or entry.get("action") or "note"
        raw = entry.get("data")
        data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        text = data.get("text") or data.get("status") or entry.get("text") or ""
        out.append(f"* {at} {quoted(who, 60)} {what}" + (f": {quoted(text, 200)}" if text else ""))
    return out
