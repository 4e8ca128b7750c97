"""Outgoing Slack: a channel per incident (``conversations.create``, ``conversations.invite`` of
the on-call and the service's owners), the incident message posted once (``chat.postMessage``) and
then updated in place (``chat.update``) as the incident changes. Failures from Slack are logged and
recorded as data; they never undo an incident change.

In **shadow mode** (``pipeline.mode: shadow``) no Web API method is called: when an incident opens,
the channel that would have been created, who would have been invited and the message that would
have been posted go on its timeline as one ``would_post`` event (audited as
``incident.would_post``); updates, direct messages and ephemeral replies are not sent."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from autoheal.incidents.config import SlackConfig
from autoheal.incidents.model import EventKind, Incident, Source, TimelineEvent
from autoheal.incidents.paging.base import Delivery
from autoheal.incidents.service import IncidentService
from autoheal.incidents.slack.blocks import Redact, incident_blocks, summary_text
from autoheal.incidents.store import SlackChannelRow

log = logging.getLogger(__name__)

QUIET = {EventKind.SLACK_CHANNEL.value, EventKind.SLACK_MESSAGE.value}


def channel_name(prefix: str, incident: Incident) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", incident.title.lower()).strip("-")
    return f"{prefix}-{incident.id}-{slug}"[:80].rstrip("-")


class SlackChannels:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        incidents: IncidentService,
        client: WebClient,
        config: SlackConfig,
        redact: Redact,
        *,
        on_call: Callable[[Incident], list[str]] = lambda _i: [],
        link: Callable[[int], str | None] = lambda _id: None,
        shadow: bool = False,
    ) -> None:
        self.sessions, self.incidents, self.client, self.config = sessions, incidents, client, config
        self.shadow = shadow
        self._redact = redact
        self._on_call = on_call
        self._link = link

    def attach(self) -> None:
        self.incidents.subscribe(self._on_event)

    def channel_of(self, incident_id: int) -> SlackChannelRow | None:
        with self.sessions() as session:
            return session.get(SlackChannelRow, incident_id)

    def incident_of(self, channel_id: str) -> int | None:
        with self.sessions() as session:
            return session.scalars(
                select(SlackChannelRow.incident_id).where(SlackChannelRow.channel_id == channel_id)
            ).first()

    def direct_message(self, user_id: str, text: str) -> Delivery:
        if self.shadow:
            return Delivery(False, detail="shadow mode: no Slack message is sent")
        try:
            self.client.chat_postMessage(channel=user_id, text=self._redact(text))
        except SlackApiError as exc:
            return Delivery(
                False, retry=exc.response.status_code >= 500, detail=f"slack: {exc.response.get('error')}"
            )
        except SlackClientError as exc:
            return Delivery(False, retry=True, detail=f"slack: {exc}")
        return Delivery(True, detail="slack direct message")

    def _on_event(self, event: TimelineEvent, incident: Incident) -> None:
        if event.kind in QUIET:
            return
        if self.shadow:
            if event.kind == EventKind.OPENED and incident.status.is_open:
                self._would_post(incident)
            return
        try:
            if self.channel_of(incident.id) is None:
                if incident.status.is_open:  # on opening, or later if Slack was down then
                    self._open_channel(incident)
            else:
                self.refresh(incident)
        except SlackApiError as exc:
            log.warning(
                "slack call failed", extra={"incident": incident.ref, "error": exc.response.get("error")}
            )
        except SlackClientError as exc:
            log.warning("slack unreachable", extra={"incident": incident.ref, "error": str(exc)})

    def _invited(self, incident: Incident) -> list[str]:
        return list(
            dict.fromkeys(
                [
                    *self.config.invite,
                    *self.config.owners.get(incident.service or "", []),
                    *self._on_call(incident),
                ]
            )
        )

    def _would_post(self, incident: Incident) -> None:
        self.incidents.append(
            incident.id,
            EventKind.WOULD_POST,
            actor="autoheal",
            source=Source.SLACK,
            data={
                "channel": channel_name(self.config.channel_prefix, incident),
                "invited": self._invited(incident),
                "text": self._redact(summary_text(incident)),
                "mode": "shadow",
            },
        )

    def _open_channel(self, incident: Incident) -> None:
        if self.channel_of(incident.id) is not None:
            return
        name = channel_name(self.config.channel_prefix, incident)
        created = self.client.conversations_create(name=name, is_private=False)
        channel: dict[str, Any] = created["channel"]
        invited = self._invited(incident)
        if invited:
            self.client.conversations_invite(channel=channel["id"], users=invited)
        timeline = self.incidents.timeline(incident.id)
        posted = self.client.chat_postMessage(
            channel=channel["id"],
            text=self._redact(summary_text(incident)),
            blocks=incident_blocks(incident, timeline, self._redact, self._link(incident.id)),
        )
        with self.sessions() as session:
            session.add(
                SlackChannelRow(
                    incident_id=incident.id,
                    channel_id=channel["id"],
                    channel_name=channel["name"],
                    message_ts=posted["ts"],
                )
            )
            session.commit()
        self.incidents.append(
            incident.id,
            EventKind.SLACK_CHANNEL,
            actor="autoheal",
            source=Source.SLACK,
            data={
                "channel_id": channel["id"],
                "channel": channel["name"],
                "invited": invited,
                "message_ts": posted["ts"],
            },
        )

    def refresh(self, incident: Incident) -> None:
        """Update the incident message in place."""
        row = self.channel_of(incident.id)
        if row is None or row.message_ts is None:
            return
        timeline = self.incidents.timeline(incident.id)
        self.client.chat_update(
            channel=row.channel_id,
            ts=row.message_ts,
            text=self._redact(summary_text(incident)),
            blocks=incident_blocks(incident, timeline, self._redact, self._link(incident.id)),
        )

    def ephemeral(self, channel: str, user: str, text: str) -> None:
        if self.shadow:
            log.info("shadow mode: ephemeral Slack reply not sent", extra={"channel": channel})
            return
        try:
            self.client.chat_postEphemeral(channel=channel, user=user, text=self._redact(text))
        except SlackClientError as exc:
            log.warning("slack ephemeral message failed", extra={"error": str(exc)})
