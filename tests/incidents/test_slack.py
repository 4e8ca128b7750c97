"""The Slack app (real slack_bolt, real signature checks) against the in-repo fake Slack Web API
(the official slack_sdk client pointed at it): the channel per incident, Block Kit findings,
buttons, slash commands, channel messages; bad signatures and bad input change nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from autoheal.governance.redaction import Redactor
from autoheal.incidents import EventKind, IncidentSeverity, Source, Status
from autoheal.incidents.config import IncidentsConfig
from autoheal.incidents.findings import findings_from_report
from autoheal.incidents.paging.fakes import FakePagerDuty
from autoheal.incidents.slack.blocks import ACK, CONFIRM, ESCALATE, REJECT, RESOLVE
from autoheal.incidents.slack.fake import FakeSlack
from autoheal.incidents.slack.signing import block_action, message_event, signed_headers, slash_command
from autoheal.incidents.wiring import IncidentsRuntime, build_incidents

TOKEN = "xoxb-test-token"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ROUTING_KEY = "R0123456789abcdef0123456789abcd"
ALICE, VIEWER = "U0ALICE", "U0VIEWER"
FORM = "application/x-www-form-urlencoded"
REPORT = {
    "subject": "checkout",
    "causes": [
        {
            "rank": 1,
            "confidence": 0.91,
            "hypothesis": {
                "id": "h-deploy",
                "service": "checkout",
                "kind": "bad_deploy",
                "statement": "release 4.2 of checkout raised its error ratio",
                "evidence": [
                    {
                        "id": "ev-1",
                        "tool": "changes.list",
                        "summary": "deploy at 10:10 password=hunter2hunter2",
                    }
                ],
            },
            "verification": {"verdict": "supported", "checks": [], "reason": "precedes the errors"},
        },
        {
            "rank": 2,
            "confidence": 0.4,
            "hypothesis": {
                "id": "h-db",
                "service": "postgres",
                "kind": "saturation",
                "statement": "db pool",
                "evidence": [],
            },
            "verification": {"verdict": "inconclusive", "checks": [], "reason": ""},
        },
    ],
    "ruled_out": [
        {
            "hypothesis": {"id": "h-cat", "statement": "catalogue deploy"},
            "verification": {"reason": "after the onset"},
        }
    ],
}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack.start(TOKEN)
    yield fake
    fake.stop()


@pytest.fixture
def pagerduty() -> FakePagerDuty:
    return FakePagerDuty(ROUTING_KEY)


@pytest.fixture
def rt(sqlite_sessions, clock, slack, pagerduty) -> Iterator[IncidentsRuntime]:  # type: ignore[no-untyped-def]
    config = IncidentsConfig.model_validate(
        {
            "slack": {
                "enabled": True,
                "bot_token": TOKEN,
                "signing_secret": SECRET,
                "api_url": slack.api_url,
                "owners": {"checkout": ["U0OWNER"]},
                "invite": ["U0SRE"],
                "users": {ALICE: "responder"},
            },
            "paging": {"provider": "pagerduty", "pagerduty": {"routing_key": ROUTING_KEY}},
        }
    )
    runtime = build_incidents(
        config,
        sqlite_sessions,
        clock,
        redactor=Redactor(),
        paging_transport=pagerduty.transport(),
        slack_client=WebClient(token=TOKEN, base_url=slack.api_url),
    )
    yield runtime
    runtime.close()


def _incident(rt: IncidentsRuntime) -> tuple[int, str]:
    inc = rt.service.open(
        "checkout 5xx",
        severity=IncidentSeverity.SEV2,
        service="checkout",
        actor="autoheal",
        source=Source.PIPELINE,
    )
    rt.service.append(
        inc.id,
        EventKind.INVESTIGATION_FINDING,
        actor="autoheal",
        source=Source.PIPELINE,
        data=findings_from_report(REPORT, "inv-1"),
    )
    channel = rt.channels.channel_of(inc.id)  # type: ignore[union-attr]
    assert channel is not None
    return inc.id, channel.channel_id


def _send(
    rt: IncidentsRuntime,
    body: str,
    content_type: str = FORM,
    *,
    secret: str = SECRET,
    age: int = 0,
    signed: bool = True,
) -> Any:
    headers = (
        signed_headers(secret, int(time.time()) - age, body, content_type)
        if signed
        else {"Content-Type": content_type}
    )
    assert rt.slack is not None
    return rt.slack.handle(body.encode(), headers)


def test_channel_per_incident_with_findings_as_block_kit(rt, slack) -> None:  # type: ignore[no-untyped-def]
    iid, channel = _incident(rt)
    assert [c.method for c in slack.calls][:3] == [
        "conversations.create",
        "conversations.invite",
        "chat.postMessage",
    ]
    create = slack.calls_of("conversations.create")[0]
    assert create.ok and create.args["name"] == f"inc-{iid}-checkout-5xx"
    assert set(slack.calls_of("conversations.invite")[0].args["users"].split(",")) == {"U0SRE", "U0OWNER"}
    update = slack.calls_of("chat.update")[-1]  # the finding updated the message in place
    blocks = update.args["blocks"]
    text = json.dumps(blocks)
    assert "release 4.2 of checkout" in text and "confidence 0.91" in text and "`ev-1`" in text
    assert "catalogue deploy" in text and "after the onset" in text  # what the verifier refuted
    assert "hunter2hunter2" not in text  # redacted before posting
    action_ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert {f"{CONFIRM}:1", f"{REJECT}:1", ACK, ESCALATE, RESOLVE} <= set(action_ids)
    assert rt.service.timeline(iid, kinds=["slack_channel"])[0].data["channel_id"] == channel


def test_signature_good_bad_and_replayed(rt) -> None:  # type: ignore[no-untyped-def]
    iid, channel = _incident(rt)
    body = slash_command(ALICE, channel, "note checked the pool")
    before = rt.service.timeline(iid)
    assert _send(rt, body, signed=False).status == 401
    assert _send(rt, body, secret="not-the-secret").status == 401
    assert _send(rt, body, age=6 * 60).status == 401  # older than 5 minutes: a replay
    assert rt.service.timeline(iid) == before  # nothing changed
    answer = _send(rt, body, age=4 * 60)
    assert answer.status == 200 and "note recorded" in answer.body
    assert rt.service.timeline(iid)[-1].kind == "note"
    assert rt.service.timeline(iid)[-1].actor == f"slack:{ALICE}"


def test_buttons_acknowledge_confirm_escalate_resolve(rt, slack, pagerduty) -> None:  # type: ignore[no-untyped-def]
    iid, channel = _incident(rt)
    value = json.dumps({"incident": iid})
    assert _send(rt, block_action(ALICE, channel, ACK, value)).status == 200
    assert rt.service.get(iid).acknowledged_by == f"slack:{ALICE}"
    confirm = json.dumps({"incident": iid, "hypothesis": "h-deploy"})
    assert _send(rt, block_action(ALICE, channel, f"{CONFIRM}:1", confirm)).status == 200
    inc = rt.service.get(iid)
    assert inc.status is Status.IDENTIFIED and inc.cause == "release 4.2 of checkout raised its error ratio"
    reject = json.dumps({"incident": iid, "hypothesis": "h-db"})
    _send(rt, block_action(ALICE, channel, f"{REJECT}:2", reject))
    _send(rt, block_action(ALICE, channel, ESCALATE, value))
    assert (
        rt.service.timeline(iid, kinds=["escalated"])[0]
        .data["result"]
        .startswith("trigger re-sent to pagerduty")
    )
    _send(rt, block_action(ALICE, channel, RESOLVE, value))
    assert rt.service.get(iid).status is Status.RESOLVED
    kinds = [e.kind for e in rt.service.timeline(iid)]
    for kind in ("acknowledged", "hypothesis_confirmed", "hypothesis_rejected", "escalated", "resolved"):
        assert kind in kinds
    text = json.dumps(slack.calls_of("chat.update")[-1].args["blocks"], ensure_ascii=False)
    assert "✅ confirmed" in text and "❌ rejected" in text
    assert rt.slack.applied == 5


def test_slash_commands_and_channel_messages(rt) -> None:  # type: ignore[no-untyped-def]
    iid, channel = _incident(rt)
    for text in (
        "checked db pool is fine",
        "ruled-out the catalogue deploy",
        "hypothesis maybe the cache",
        "mitigated rolled back",
        "resolve all good",
    ):
        assert _send(rt, slash_command(ALICE, channel, text)).status == 200
    kinds = [e.kind for e in rt.service.timeline(iid)]
    assert kinds[-5:] == ["checked", "ruled_out", "hypothesis", "status_changed", "resolved"]
    status = _send(rt, slash_command(VIEWER, "C-elsewhere", f"status INC-{iid}"))
    assert f"INC-{iid}" in status.body and "resolved" in status.body
    opened = _send(rt, slash_command(ALICE, "C-elsewhere", "open payment is slow sev=SEV1 service=payment"))
    assert "opened INC-" in opened.body
    new = rt.service.list(limit=1)[0]
    assert (
        new.severity is IncidentSeverity.SEV1 and new.service == "payment" and new.title == "payment is slow"
    )
    event = message_event(ALICE, channel, "I see 5xx only from pods on node-3")
    assert _send(rt, event, "application/json").status == 200
    last = rt.service.timeline(iid)[-1]
    assert last.kind == "slack_message" and last.data["text"] == "I see 5xx only from pods on node-3"


def test_bad_input_is_answered_and_changes_nothing(rt, slack) -> None:  # type: ignore[no-untyped-def]
    iid, channel = _incident(rt)
    before = rt.service.timeline(iid)
    unknown = _send(rt, slash_command(ALICE, channel, "reboot everything"))
    assert unknown.status == 200 and "unknown command 'reboot'" in unknown.body
    viewer = _send(rt, slash_command(VIEWER, channel, "resolve done"))
    assert "this needs the responder role" in viewer.body
    empty = _send(rt, slash_command(ALICE, channel, "note"))
    assert "needs some text" in empty.body
    elsewhere = _send(rt, slash_command(ALICE, "C-not-an-incident", "note hello"))
    assert "not an incident channel" in elsewhere.body
    illegal = _send(rt, slash_command(ALICE, channel, "resolve"))  # legal: triggered -> resolved
    assert "resolved" in illegal.body
    after_resolve = rt.service.timeline(iid)
    bad_transition = _send(rt, slash_command(ALICE, channel, "mitigated"))
    assert "cannot become mitigated" in bad_transition.body
    assert rt.service.timeline(iid) == after_resolve
    rt.service.reopen(iid, actor="cli:x", source=Source.CLI)
    before = rt.service.timeline(iid)
    ghost = json.dumps({"incident": iid, "hypothesis": "h-ghost"})
    assert _send(rt, block_action(ALICE, channel, f"{CONFIRM}:1", ghost)).status == 200
    assert _send(rt, block_action(ALICE, channel, ACK, "not json")).status == 200
    assert _send(rt, block_action(VIEWER, channel, ACK, json.dumps({"incident": iid}))).status == 200
    assert rt.service.timeline(iid) == before
    ephemeral = [c.args["text"] for c in slack.calls_of("chat.postEphemeral")]
    assert any("no hypothesis 'h-ghost'" in t for t in ephemeral)
    assert any("malformed button value" in t for t in ephemeral)
    assert any("this needs the responder role" in t for t in ephemeral)
    garbage = _send(rt, "payload=%7Bnot-json", FORM)
    assert garbage.status in (400, 404)  # bolt refuses a malformed payload; nothing ran
    assert rt.service.timeline(iid) == before


def test_the_route_refuses_unsigned_requests(tmp_path, slack) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from autoheal.api.app import create_app
    from autoheal.app import Autoheal
    from autoheal.config import Settings
    from autoheal.jobs import InlineQueue

    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'a.db'}"},
            "incidents": {
                "slack": {
                    "enabled": True,
                    "bot_token": TOKEN,
                    "signing_secret": SECRET,
                    "api_url": slack.api_url,
                    "users": {ALICE: "responder"},
                }
            },
        }
    )
    app = Autoheal.create(settings, jobs=InlineQueue())
    try:
        with TestClient(create_app(app)) as client:
            body = slash_command(ALICE, "C1", "open the site is down sev=SEV1")
            assert (
                client.post("/api/v1/slack/events", content=body, headers={"Content-Type": FORM}).status_code
                == 401
            )
            bad = signed_headers("wrong", int(time.time()), body, FORM)
            assert client.post("/api/v1/slack/events", content=body, headers=bad).status_code == 401
            assert app.incidents.service.list() == []
            good = signed_headers(SECRET, int(time.time()), body, FORM)
            answer = client.post("/api/v1/slack/events", content=body, headers=good)
            assert answer.status_code == 200 and "opened INC-1" in answer.text
            assert "conversations.create" in [c.method for c in slack.calls]
    finally:
        app.close()


def test_slack_down_at_opening_then_the_channel_comes_with_the_next_change(rt, slack) -> None:  # type: ignore[no-untyped-def]
    slack.token = "rotated"  # every call now answers invalid_auth
    inc = rt.service.open(
        "checkout 5xx",
        severity=IncidentSeverity.SEV2,
        service="checkout",
        actor="autoheal",
        source=Source.PIPELINE,
    )
    assert rt.channels.channel_of(inc.id) is None and slack.calls[-1].error == "invalid_auth"
    assert rt.service.get(inc.id).status is Status.TRIGGERED  # the incident is unaffected
    slack.token = TOKEN
    rt.service.add_note(inc.id, "anyone?", actor="cli:bob", source=Source.CLI)
    assert rt.channels.channel_of(inc.id) is not None
