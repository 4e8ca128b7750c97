"""The fixes of a resolved incident in its Slack channel: one message, each fix with Accept and
Reject buttons (handled by :class:`autoheal.incidents.slack.app.SlackApp` through its
``fix_decider``), posted with the Slack Web API client of the incident's channels
(:class:`autoheal.incidents.slack.channels.SlackChannels`). A button press is a decision like
``autoheal fixes accept|reject``: stored on the fix, audited as ``slack:<user>``, learned from.
A button cannot carry typed text, so the Reject button records a reason saying so; ``/autoheal fix
reject ID REASON`` records the person's own reason."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

FIX_ACCEPT = "autoheal_fixaccept"
FIX_REJECT = "autoheal_fixreject"
MAX_FIXES = 20  # a message holds at most 50 blocks: header + 2 per fix + context


def button_reason(user: str, ref: str) -> str:
    return (
        f"rejected with the Slack button on {ref} by slack:{user} "
        "(no reason typed; `/autoheal fix reject ID REASON` records one)"
    )


def fix_blocks(incident_id: int, ref: str, offered: Sequence[tuple[int, Any]]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"{ref}: fixes that would stop the next one"[:150]},
        }
    ]
    for fix_id, fix in list(offered)[:MAX_FIXES]:
        checks = ", ".join(c.name for c in fix.checks) or "-"
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*#{fix_id} {fix.kind.value}* on `{fix.service}`: {fix.title}\nchecks passed: {checks}"[
                        :2900
                    ],
                },
            }
        )
        value = json.dumps({"incident": incident_id, "fix": fix_id}, separators=(",", ":"))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"fix-{fix_id}",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Accept"},
                        "action_id": f"{FIX_ACCEPT}:{fix_id}",
                        "value": value,
                        "style": "primary",
                    },
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Reject"},
                        "action_id": f"{FIX_REJECT}:{fix_id}",
                        "value": value,
                    },
                ],
            }
        )
    more = len(offered) - MAX_FIXES
    note = f"{more} more: `autoheal fixes list`. " if more > 0 else ""
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": note + "Each passed its checks; `autoheal fixes show ID` has the files.",
                }
            ],
        }
    )
    return blocks


def post_fixes(channels: Any, incident: Any, offered: Sequence[tuple[int, Any]]) -> str | None:
    """Post the fixes in the incident's channel; the message ``ts``, or None (no channel, nothing
    offered, or Slack failed: logged, the fixes stay offered through the CLI and API)."""
    if channels is None or not offered:
        return None
    row = channels.channel_of(incident.id)
    if row is None:
        return None
    try:
        posted = channels.client.chat_postMessage(
            channel=row.channel_id,
            text=f"{incident.ref}: {len(offered)} preventive fixes offered",
            blocks=fix_blocks(incident.id, incident.ref, offered),
        )
    except SlackApiError as exc:
        log.warning(
            "slack fixes message failed", extra={"incident": incident.ref, "error": exc.response.get("error")}
        )
        return None
    except SlackClientError as exc:
        log.warning("slack unreachable", extra={"incident": incident.ref, "error": str(exc)})
        return None
    return str(posted["ts"])
