"""What every paging provider implements: deliver one message, answer with a :class:`Delivery`
(failures from outside are data: ``retry`` for 429 / 5xx / network, not for a refused request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx


@dataclass(frozen=True, slots=True)
class PageMessage:
    incident: str  # "INC-12"
    dedup_key: str  # one per incident: "autoheal-INC-12"
    action: str  # trigger | acknowledge | resolve
    summary: str  # one line: what broke and the root cause, when known
    severity: str  # SEV1..SEV4
    service: str | None = None
    link: str | None = None  # the incident / report URL
    target: str | None = None  # builtin: the person paged
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Delivery:
    ok: bool
    retry: bool = False
    detail: str = ""


class Pager(Protocol):
    name: str

    def deliver(self, message: PageMessage) -> Delivery: ...


def http_delivery(send: Any) -> Delivery:
    """Run ``send()`` (an httpx call) and classify the answer."""
    try:
        response: httpx.Response = send()
    except httpx.HTTPError as exc:
        return Delivery(False, retry=True, detail=f"{type(exc).__name__}: {exc}")
    if response.status_code < 300:
        return Delivery(True, detail=f"{response.status_code}")
    retry = response.status_code == 429 or response.status_code >= 500
    return Delivery(False, retry=retry, detail=f"{response.status_code} {response.text[:300]}")
