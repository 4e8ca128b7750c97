"""Paging through the outbox: PagerDuty down then up (delivered exactly once), acknowledge and
resolve with the same dedup key, Opsgenie's documented calls, the built-in on-call's
acknowledgement timeout escalating to the next level, and secrets kept out of logs."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest

from autoheal.clock import ManualClock
from autoheal.incidents import IncidentService, IncidentSeverity, Source
from autoheal.incidents.config import IncidentsConfig
from autoheal.incidents.paging.fakes import FakeOpsgenie, FakePagerDuty
from autoheal.incidents.wiring import IncidentsRuntime, build_incidents

ROUTING_KEY = "R0123456789abcdef0123456789abcd"
GENIE_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"
ME = {"actor": "cli:alice", "source": Source.CLI}


def _runtime(
    sessions: Any, clock: ManualClock, config: dict[str, Any], transport: httpx.BaseTransport
) -> IncidentsRuntime:
    return build_incidents(
        IncidentsConfig.model_validate(config), sessions, clock, paging_transport=transport
    )


def _open(
    rt: IncidentsRuntime, severity: IncidentSeverity = IncidentSeverity.SEV2, service: str = "checkout"
) -> int:
    incident = rt.service.open("checkout 5xx", severity=severity, service=service, **ME)
    rt.paging.page(incident, "checkout 5xx: bad deploy")
    return incident.id


def _kinds(service: IncidentService, incident_id: int) -> list[str]:
    return [e.kind for e in service.timeline(incident_id)]


PD = {"paging": {"provider": "pagerduty", "pagerduty": {"routing_key": ROUTING_KEY}}}


def test_pagerduty_down_then_up_delivers_the_page_exactly_once(sqlite_sessions, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    fake = FakePagerDuty(ROUTING_KEY)
    fake.down(2, status=503)
    rt = _runtime(sqlite_sessions, clock, PD, fake.transport())
    caplog.set_level(logging.DEBUG)
    iid = _open(rt)
    assert fake.accepted() == [] and len(fake.calls) == 1  # first attempt: 503
    pages = rt.paging.pages(iid)
    assert pages[0]["status"] == "pending" and pages[0]["attempts"] == 1
    assert _kinds(rt.service, iid) == ["opened", "page_failed"]  # recorded once, with will_retry
    assert rt.paging.tick() == 0  # not due yet: backoff 30 s
    clock.advance(30)
    assert rt.paging.tick() == 0  # second attempt: 503 again, next in 60 s
    clock.advance(59)
    assert rt.paging.tick() == 0 and len(fake.calls) == 2
    clock.advance(1)
    assert rt.paging.tick() == 1
    assert rt.paging.tick() == 0  # nothing left: never sent twice
    triggers = fake.accepted("trigger")
    assert len(triggers) == 1 and triggers[0]["dedup_key"] == f"autoheal-INC-{iid}"
    assert triggers[0]["payload"]["severity"] == "error"
    assert list(fake.alerts) == [f"autoheal-INC-{iid}"]
    assert _kinds(rt.service, iid) == ["opened", "page_failed", "page_sent"]
    rt.paging.page(rt.service.get(iid), "again")  # exactly once per incident
    assert len(fake.accepted("trigger")) == 1
    # acknowledge and resolve follow the incident, with the same dedup key
    rt.service.ack(iid, **ME)
    rt.service.resolve(iid, **ME)
    assert [b["event_action"] for b in fake.accepted()] == ["trigger", "acknowledge", "resolve"]
    assert {b["dedup_key"] for b in fake.accepted()} == {f"autoheal-INC-{iid}"}
    assert fake.alerts[f"autoheal-INC-{iid}"]["status"] == "resolved"
    assert _kinds(rt.service, iid)[-4:] == ["acknowledged", "page_acknowledged", "resolved", "page_resolved"]
    assert ROUTING_KEY not in caplog.text
    assert ROUTING_KEY not in repr(IncidentsConfig.model_validate(PD))
    rt.close()


def test_a_refused_event_is_not_retried_and_low_severity_is_not_paged(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    fake = FakePagerDuty("another-key-entirely-000000000000")  # our key is wrong: PagerDuty says 400
    rt = _runtime(sqlite_sessions, clock, PD, fake.transport())
    iid = _open(rt)
    assert rt.paging.pages(iid)[0]["status"] == "failed"
    failed = rt.service.timeline(iid, kinds=["page_failed"])[0]
    assert failed.data["will_retry"] is False and "400" in failed.data["error"]
    clock.advance(3600)
    rt.paging.tick()
    assert len(fake.calls) == 1
    quiet = _open(rt, IncidentSeverity.SEV4)  # below paging.min_severity (SEV3)
    assert rt.paging.pages(quiet) == []
    rt.close()


def test_opsgenie_create_acknowledge_close(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    fake = FakeOpsgenie(GENIE_KEY)
    config = {"paging": {"provider": "opsgenie", "opsgenie": {"api_key": GENIE_KEY}}}
    rt = _runtime(sqlite_sessions, clock, config, fake.transport())
    iid = _open(rt, IncidentSeverity.SEV1)
    rt.service.ack(iid, **ME)
    rt.service.resolve(iid, **ME)
    alias = f"autoheal-INC-{iid}"
    assert [c["path"] for c in fake.calls] == [
        "/v2/alerts",
        f"/v2/alerts/{alias}/acknowledge",
        f"/v2/alerts/{alias}/close",
    ]
    assert all(c["answered"] == 202 for c in fake.calls)
    assert fake.calls[0]["body"]["priority"] == "P1" and fake.calls[0]["body"]["alias"] == alias
    assert fake.calls[1]["query"] == {"identifierType": "alias"}
    assert fake.alerts[alias]["status"] == "closed"
    assert _kinds(rt.service, iid).count("page_sent") == 1
    rt.close()


ONCALL = {
    "paging": {"provider": "builtin"},
    "oncall": {
        "schedules": [
            {
                "name": "primary",
                "time_zone": "UTC",
                "start": "2026-03-01",
                "people": ["alice", "bob"],
                "rotation": {"type": "daily", "handoff": "08:00"},
            },
        ],
        "policies": [
            {
                "name": "shop",
                "levels": [
                    {"targets": ["schedule:primary"], "delay_minutes": 10},
                    {"targets": ["person:lead"], "delay_minutes": 15},
                ],
            },
        ],
        "services": {"*": "shop"},
        "people": {
            "alice": {"webhook": "https://hooks.example/alice"},
            "lead": {"webhook": "https://hooks.example/lead"},
        },
    },
}


class Webhooks:
    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        import json

        self.received.append((str(request.url), json.loads(request.content)))
        return httpx.Response(204)


def test_acknowledgement_timeout_pages_the_next_level(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    hooks = Webhooks()
    rt = _runtime(sqlite_sessions, clock, ONCALL, httpx.MockTransport(hooks))
    iid = _open(rt)  # 2026-03-01 09:00 UTC: alice's shift (day 0)
    assert [url for url, _ in hooks.received] == ["https://hooks.example/alice"]
    assert hooks.received[0][1]["incident"] == f"INC-{iid}"
    clock.advance(timedelta(minutes=9, seconds=59))
    rt.paging.tick()
    assert len(hooks.received) == 1
    clock.advance(timedelta(seconds=1))
    rt.paging.tick()
    assert [url for url, _ in hooks.received][1:] == ["https://hooks.example/lead"]
    escalated = rt.service.timeline(iid, kinds=["page_escalated"])
    assert len(escalated) == 1 and escalated[0].data["targets"] == ["lead"]
    assert (
        escalated[0].data["reason"] == "not acknowledged within 10 minutes"
        and escalated[0].source == "system"
    )
    clock.advance(timedelta(hours=2))
    rt.paging.tick()  # the last level was paged: nothing further
    assert len(hooks.received) == 2
    assert [e.data["target"] for e in rt.service.timeline(iid, kinds=["page_sent"])] == ["alice", "lead"]
    rt.close()


def test_acknowledged_in_time_stops_the_escalation(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    hooks = Webhooks()
    rt = _runtime(sqlite_sessions, clock, ONCALL, httpx.MockTransport(hooks))
    iid = _open(rt)
    clock.advance(timedelta(minutes=5))
    rt.service.ack(iid, actor="slack:U1", source=Source.SLACK)
    clock.advance(timedelta(minutes=30))
    rt.paging.tick()
    assert len(hooks.received) == 1
    assert rt.service.timeline(iid, kinds=["page_escalated"]) == []
    # escalating by hand pages the next level now
    done = rt.paging.escalate(rt.service.get(iid), actor="slack:U1", source=Source.SLACK)
    assert "lead" in done and [u for u, _ in hooks.received][-1] == "https://hooks.example/lead"
    rt.close()


def test_nobody_on_call_is_recorded(sqlite_sessions, clock) -> None:  # type: ignore[no-untyped-def]
    config = {**ONCALL, "oncall": {**ONCALL["oncall"], "people": {}}}  # type: ignore[dict-item]
    rt = _runtime(sqlite_sessions, clock, config, httpx.MockTransport(Webhooks()))
    iid = _open(rt)
    failed = rt.service.timeline(iid, kinds=["page_failed"])
    assert failed and "no Slack id or webhook for 'alice'" in failed[0].data["error"]


@pytest.mark.parametrize(
    "bad",
    [
        {"paging": {"provider": "pagerduty"}},
        {"slack": {"enabled": True}},
    ],
)
def test_incomplete_provider_configuration_is_refused(bad: dict[str, Any]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        IncidentsConfig.model_validate(bad)


class _Died(BaseException):
    """The process ended mid-delivery (as kill -9 would): after the request, before the answer."""


def test_a_page_whose_sender_died_mid_delivery_is_sent_again_once_with_the_same_dedup_key(
    sqlite_sessions, clock
) -> None:  # type: ignore[no-untyped-def]
    """Process A claims the page and dies after PagerDuty received it but before the answer was
    recorded; process B (another server or worker on the same database) re-sends it once the
    claim lapses. PagerDuty sees the same dedup key twice: one alert, and the timeline one page."""
    from autoheal.incidents.paging.outbox import CLAIM_SECONDS

    fake = FakePagerDuty(ROUTING_KEY)

    def dies_after_sending(request: httpx.Request) -> httpx.Response:
        fake.handle(request)
        raise _Died

    a = _runtime(sqlite_sessions, clock, PD, httpx.MockTransport(dies_after_sending))
    b = _runtime(sqlite_sessions, clock, PD, fake.transport())
    with pytest.raises(_Died):  # opened by hand: paged at once, and A dies sending it
        a.service.open("checkout 5xx", severity=IncidentSeverity.SEV2, service="checkout", **ME)
    (incident,) = b.service.list()
    assert len(fake.calls) == 1 and b.paging.pages(incident.id)[0]["status"] == "sending"
    assert b.paging.tick() == 0  # the claim still holds: B does not send while A might be alive
    clock.advance(CLAIM_SECONDS)
    assert b.paging.tick() == 1
    assert b.paging.tick() == 0
    clock.advance(CLAIM_SECONDS * 5)
    assert b.paging.tick() == 0  # sent: never again
    assert [c["body"]["dedup_key"] for c in fake.calls] == [f"autoheal-INC-{incident.id}"] * 2
    assert list(fake.alerts) == [f"autoheal-INC-{incident.id}"]  # one alert at the provider
    assert _kinds(b.service, incident.id).count("page_sent") == 1
