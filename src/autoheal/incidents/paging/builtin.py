"""Built-in notifications for teams without a paging product: a Slack direct message (the bot's
``chat.postMessage`` to the person's user id) and/or a JSON webhook, per person in
``incidents.oncall.people``. Only the trigger is sent to people; acknowledgement happens in Autoheal."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from autoheal.incidents.config import Person
from autoheal.incidents.paging.base import Delivery, PageMessage, http_delivery

DirectMessage = Callable[[str, str], Delivery]  # (slack user id, text)


class BuiltinPager:
    name = "builtin"

    def __init__(
        self, people: Mapping[str, Person], client: httpx.Client, direct_message: DirectMessage | None = None
    ) -> None:
        self._people = people
        self._client = client
        self._dm = direct_message

    def deliver(self, message: PageMessage) -> Delivery:
        if message.action != "trigger":
            return Delivery(True, detail="people are not notified of acknowledge/resolve")
        person = self._people.get(message.target or "")
        if person is None or not (person.slack or person.webhook):
            return Delivery(
                False, detail=f"no Slack id or webhook for {message.target!r} in incidents.oncall.people"
            )
        text = f"[{message.severity}] {message.incident}: {message.summary}" + (
            f" {message.link}" if message.link else ""
        )
        results: list[Delivery] = []
        if person.slack and self._dm is not None:
            results.append(self._dm(person.slack, text))
        if person.webhook:
            body = {
                "incident": message.incident,
                "person": message.target,
                "severity": message.severity,
                "summary": message.summary,
                "link": message.link,
                "service": message.service,
            }
            url = person.webhook
            results.append(http_delivery(lambda: self._client.post(url, json=body, timeout=10.0)))
        if not results:
            return Delivery(
                False, detail=f"{message.target}: Slack is not configured and there is no webhook"
            )
        if any(r.ok for r in results):
            return Delivery(True, detail="; ".join(r.detail for r in results))
        return Delivery(
            False, retry=any(r.retry for r in results), detail="; ".join(r.detail for r in results)
        )
