"""Requests signed exactly as Slack signs them (``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``
with the app's signing secret), for tests and the demo's scripted responder."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode


def signature(secret: str, timestamp: int, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: str, content_type: str) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(secret, timestamp, body),
    }


def slash_command(user: str, channel: str, text: str, command: str = "/autoheal") -> str:
    """A slash command body as Slack sends it (form-encoded)."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0FAKE",
            "team_domain": "fake-workspace",
            "channel_id": channel,
            "channel_name": "incident",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0AUTOHEAL",
            "response_url": "https://hooks.slack.com/commands/T0FAKE/1/fake",
            "trigger_id": "1.1.fake",
        }
    )


def block_action(user: str, channel: str, action_id: str, value: str, message_ts: str = "1.1") -> str:
    """A button click (``block_actions`` interaction) as Slack sends it: form field ``payload``."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0FAKE", "domain": "fake-workspace"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0FAKE"},
        "api_app_id": "A0AUTOHEAL",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": "1.1.fake",
        "channel": {"id": channel, "name": "incident"},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "response_url": "https://hooks.slack.com/actions/T0FAKE/1/fake",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "text": {"type": "plain_text", "text": action_id},
                "action_ts": "1.2",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def message_event(user: str, channel: str, text: str, ts: str = "1767225600.000900") -> str:
    """An Events API ``event_callback`` carrying a channel message (JSON)."""
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0FAKE",
            "api_app_id": "A0AUTOHEAL",
            "event": {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": ts,
                "channel_type": "channel",
            },
            "type": "event_callback",
            "event_id": f"Ev{ts.replace('.', '')}",
            "event_time": 1767225600,
            "authorizations": [{"team_id": "T0FAKE", "user_id": "U0AUTOHEAL", "is_bot": True}],
        }
    )
