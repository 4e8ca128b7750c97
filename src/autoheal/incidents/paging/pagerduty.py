"""PagerDuty Events API v2 (``POST https://events.pagerduty.com/v2/enqueue``), plain httpx.

One ``dedup_key`` per incident: a trigger sent twice (a retry after a lost answer) is one
PagerDuty alert; acknowledge and resolve name the same key. 202 is success; 400 is a refused event
(not retried); 429 and 5xx are retried by the outbox. The routing key is a ``SecretStr`` and
appears in no log or error.
"""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from autoheal.incidents.paging.base import Delivery, PageMessage, http_delivery

SEVERITY = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}


class PagerDutyPager:
    name = "pagerduty"

    def __init__(self, routing_key: SecretStr, url: str, client: httpx.Client) -> None:
        self._routing_key = routing_key
        self._url = url
        self._client = client

    def event(self, message: PageMessage) -> dict[str, object]:
        body: dict[str, object] = {
            "routing_key": self._routing_key.get_secret_value(),
            "event_action": message.action,
            "dedup_key": message.dedup_key,
        }
        if message.action == "trigger":
            body["payload"] = {
                "summary": message.summary[:1024],
                "source": message.service or "autoheal",
                "severity": SEVERITY.get(message.severity, "error"),
                "component": message.service,
                "custom_details": {"incident": message.incident, **message.details},
            }
            body["client"] = "Autoheal"
            if message.link:
                body["client_url"] = message.link
                body["links"] = [{"href": message.link, "text": f"Autoheal {message.incident}"}]
        return body

    def deliver(self, message: PageMessage) -> Delivery:
        return http_delivery(lambda: self._client.post(self._url, json=self.event(message), timeout=10.0))
