"""The one place the incidents area is assembled (``Autoheal.create`` calls :func:`build_incidents`):

    IncidentService ─┬─ PagingService (outbox; PagerDuty / Opsgenie / built-in on-call)
                     ├─ SlackChannels (outgoing Web API) + SlackApp (incoming, slack_bolt)
                     └─ Escalation (the pipeline's triage and investigation jobs call it)

``paging_transport`` replaces the network for PagerDuty, Opsgenie and webhooks (the in-repo fakes
in tests and the demo); ``slack_client`` replaces the Slack Web API client (one pointed at the
in-repo fake). Nothing here is created at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock
from autoheal.incidents.config import IncidentsConfig
from autoheal.incidents.escalation import Escalation
from autoheal.incidents.model import Incident
from autoheal.incidents.paging.base import Pager
from autoheal.incidents.paging.builtin import BuiltinPager
from autoheal.incidents.paging.oncall import OnCallDirectory
from autoheal.incidents.paging.opsgenie import OpsgeniePager
from autoheal.incidents.paging.outbox import PagingService
from autoheal.incidents.paging.pagerduty import PagerDutyPager
from autoheal.incidents.service import AuditSink, IncidentService, TextRedactor
from autoheal.incidents.slack.app import SlackApp
from autoheal.incidents.slack.channels import SlackChannels
from autoheal.ticker import Ticker


@dataclass
class IncidentsRuntime:
    service: IncidentService
    paging: PagingService
    escalation: Escalation
    directory: OnCallDirectory
    http: httpx.Client
    channels: SlackChannels | None = None
    slack: SlackApp | None = None
    _ticker: Ticker | None = field(default=None, repr=False)

    def start_ticker(self, interval: float = 15.0) -> None:
        """Deliver retries and escalations in the background (``autoheal serve``)."""
        if self._ticker is None:
            self._ticker = Ticker("autoheal-paging", self.paging.tick, interval)
            self._ticker.start()

    def close(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        self.http.close()


def _link(config: IncidentsConfig) -> Callable[[int], str | None]:
    base = (config.public_url or "").rstrip("/")
    return lambda incident_id: f"{base}/api/v1/incidents/INC-{incident_id}" if base else None


def build_incidents(
    config: IncidentsConfig,
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    redactor: TextRedactor | None = None,
    audit: AuditSink | None = None,
    paging_transport: httpx.BaseTransport | None = None,
    slack_client: WebClient | None = None,
    shadow: bool = False,
) -> IncidentsRuntime:
    """``shadow`` (``pipeline.mode: shadow``): every decision is taken and recorded, no page is
    delivered and nothing is posted to Slack (``would_page`` / ``would_post`` timeline events)."""
    service = IncidentService(sessions, clock, redactor=redactor, audit=audit)
    link = _link(config)
    http = httpx.Client(transport=paging_transport) if paging_transport else httpx.Client()
    directory = OnCallDirectory(config.oncall)

    channels: SlackChannels | None = None
    slack: SlackApp | None = None
    if config.slack.enabled:
        assert config.slack.bot_token is not None
        client = slack_client or WebClient(
            token=config.slack.bot_token.get_secret_value(), base_url=config.slack.api_url
        )

        def on_call(incident: Incident) -> list[str]:
            people = (
                directory.who(incident.service or "", clock.now())
                if directory.policy_for(incident.service)
                else []
            )
            return [p.slack for o in people if (p := config.oncall.people.get(o.person)) and p.slack]

        redact = redactor.redact_text if redactor is not None else (lambda text: text)
        channels = SlackChannels(
            sessions, service, client, config.slack, redact, on_call=on_call, link=link, shadow=shadow
        )

    pagers: dict[str, Pager] = {}
    paging_config = config.paging
    if paging_config.pagerduty is not None:
        pagers["pagerduty"] = PagerDutyPager(
            paging_config.pagerduty.routing_key, paging_config.pagerduty.url, http
        )
    if paging_config.opsgenie is not None:
        pagers["opsgenie"] = OpsgeniePager(paging_config.opsgenie.api_key, paging_config.opsgenie.url, http)
    pagers["builtin"] = BuiltinPager(
        config.oncall.people, http, channels.direct_message if channels is not None else None
    )
    paging = PagingService(
        sessions, clock, service, paging_config, directory, pagers, link=link, shadow=shadow
    )
    paging.attach()
    if channels is not None:
        channels.attach()
        slack = SlackApp(
            config.slack,
            service,
            channels,
            channels.client,
            escalate=lambda incident, actor: paging.escalate(incident, actor=actor, source="slack"),
        )

    def report_of(investigation_id: str) -> dict[str, Any] | None:
        from autoheal.reasoning.store import InvestigationRow

        with sessions() as session:
            row = session.get(InvestigationRow, investigation_id)
            return row.report if row is not None and row.status == "finished" and row.report else None

    escalation = Escalation(service, config, clock, paging, link=link, report_of=report_of)
    return IncidentsRuntime(service, paging, escalation, directory, http, channels, slack)
