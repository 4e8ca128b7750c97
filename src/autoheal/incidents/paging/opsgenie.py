"""Opsgenie Alert API (``/v2/alerts``), plain httpx, ``Authorization: GenieKey <api key>``.

create (``POST /v2/alerts`` with ``alias`` = the incident's dedup key, so a repeated create is
one alert), acknowledge and close (``POST /v2/alerts/{alias}/acknowledge|close?identifierType=alias``).
Opsgenie answers 202 ("Request will be processed"); 429 and 5xx are retried.
"""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from autoheal.incidents.paging.base import Delivery, PageMessage, http_delivery

PRIORITY = {"SEV1": "P1", "SEV2": "P2", "SEV3": "P3", "SEV4": "P4"}


class OpsgeniePager:
    name = "opsgenie"

    def __init__(self, api_key: SecretStr, url: str, client: httpx.Client) -> None:
        self._key = api_key
        self._url = url.rstrip("/")
        self._client = client

    def request(self, message: PageMessage) -> tuple[str, dict[str, str], dict[str, object]]:
        """(url, query, body) of the call for ``message``."""
        if message.action == "trigger":
            body: dict[str, object] = {
                "message": message.summary[:130],
                "alias": message.dedup_key,
                "description": message.summary[:15000],
                "priority": PRIORITY.get(message.severity, "P3"),
                "source": "Autoheal",
                "entity": message.service or "",
                "details": {"incident": message.incident, **({"link": message.link} if message.link else {})},
            }
            return f"{self._url}/v2/alerts", {}, body
        verb = {"acknowledge": "acknowledge", "resolve": "close"}[message.action]
        return (
            f"{self._url}/v2/alerts/{message.dedup_key}/{verb}",
            {"identifierType": "alias"},
            {"source": "Autoheal", "note": message.summary[:25000]},
        )

    def deliver(self, message: PageMessage) -> Delivery:
        url, query, body = self.request(message)
        headers = {"Authorization": f"GenieKey {self._key.get_secret_value()}"}
        return http_delivery(
            lambda: self._client.post(url, params=query, json=body, headers=headers, timeout=10.0)
        )
