"""A resolved incident's fixes in its Slack channel: posted with Accept / Reject buttons (the
official slack_sdk client against the in-repo fake Slack Web API), and decided by a button or
``/autoheal fix`` through the real slack_bolt app with signed requests."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.fixes import store
from autoheal.fixes.model import Check, Fix, FixKind
from autoheal.fixes.slack import FIX_ACCEPT, FIX_REJECT, post_fixes
from autoheal.incidents import IncidentSeverity, Source
from autoheal.incidents.slack.fake import FakeSlack
from autoheal.incidents.slack.signing import block_action, signed_headers, slash_command
from autoheal.jobs import InlineQueue
from tests.fixes.conftest import T0

TOKEN, SECRET = "xoxb-fixes-test", "0123456789abcdef0123456789abcdef"
ALICE, VIEWER = "U0ALICE", "U0VIEWER"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def world(tmp_path):
    slack = FakeSlack.start(TOKEN)
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'slack.db'}"},
            "incidents": {
                "slack": {
                    "enabled": True,
                    "bot_token": TOKEN,
                    "signing_secret": SECRET,
                    "api_url": slack.api_url,
                    "users": {ALICE: "responder"},
                }
            },
            "fixes": {"on_resolution": False},
        }
    )
    app = Autoheal.create(
        settings,
        clock=ManualClock(T0 + timedelta(hours=3)),
        jobs=InlineQueue(),
        slack_client=WebClient(token=TOKEN, base_url=slack.api_url),
    )
    yield app, slack
    app.close()
    slack.stop()


def _send(app, body: str):
    return app.incidents.slack.handle(body.encode(), signed_headers(SECRET, int(time.time()), body, FORM))


def test_fix_buttons_on_the_resolved_incident_decide_and_are_learned(world):
    app, slack = world
    inc = app.incidents.service.open(
        "checkout 5xx",
        severity=IncidentSeverity.SEV2,
        service="checkout",
        actor="autoheal",
        source=Source.PIPELINE,
    )
    app.incidents.service.resolve(inc.id, actor="alice", source=Source.CLI)
    channel = app.incidents.channels.channel_of(inc.id).channel_id
    offered = []
    with app.sessions() as s, s.begin():
        for kind in (FixKind.LEADING_INDICATOR, FixKind.RUNBOOK, FixKind.SLO_BURN_RATE):
            fix = Fix(kind, "checkout", f"{kind.value} fix", "", "t", f"{kind.value}:checkout", {"f": "x"})
            fix.checks = [Check("promtool check rules", True, "exit 0")]
            offered.append((store.save_fix(s, fix, source_ref=inc.ref, at=app.clock.now()).id, fix))
    assert post_fixes(app.incidents.channels, app.incidents.service.get(inc.id), offered)
    posted = slack.calls_of("chat.postMessage")[-1].args
    assert posted["channel"] == channel
    blocks = posted["blocks"] if isinstance(posted["blocks"], list) else json.loads(posted["blocks"])
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    ids = [i for i, _ in offered]
    assert buttons == [f"{k}:{i}" for i in ids for k in (FIX_ACCEPT, FIX_REJECT)]

    value = lambda i: json.dumps({"incident": inc.id, "fix": i})  # noqa: E731
    assert _send(app, block_action(VIEWER, channel, f"{FIX_ACCEPT}:{ids[0]}", value(ids[0]))).status == 200
    with app.sessions() as s:
        assert store.get_fix(s, ids[0]).status == "proposed"  # a viewer may not decide
    assert "needs the responder role" in slack.calls_of("chat.postEphemeral")[-1].args["text"]

    _send(app, block_action(ALICE, channel, f"{FIX_ACCEPT}:{ids[0]}", value(ids[0])))
    _send(app, block_action(ALICE, channel, f"{FIX_REJECT}:{ids[1]}", value(ids[1])))
    answer = _send(app, slash_command(ALICE, channel, f"fix reject {ids[2]} our SLOs live in the SLO tool"))
    assert "rejected" in answer.body
    with app.sessions() as s:
        rows = [store.get_fix(s, i) for i in ids]
        assert [r.status for r in rows] == ["accepted", "rejected", "rejected"]
        assert rows[0].decided_by == f"slack:{ALICE}"
        assert "Slack button on INC-" in (rows[1].reason or "")
        assert rows[2].reason == "our SLOs live in the SLO tool"
        assert (
            store.rejected_shapes(s, ["checkout"])["slo_burn_rate:checkout"]
            == "our SLOs live in the SLO tool"
        )
    refused = _send(app, slash_command(ALICE, channel, f"fix accept {ids[1]}"))
    assert "it can become nothing" in refused.body and "Nothing was changed" in refused.body
    bad = _send(app, slash_command(ALICE, channel, "fix maybe 3"))
    assert "usage: `/autoheal fix accept ID" in bad.body
