"""The demo's incident response: the embedded Autoheal pages and posts to Slack, and a scripted
responder answers in Slack, with requests signed exactly as Slack signs them.

What is real and what is faked: the Slack app is the real ``slack_bolt`` app with real signature
checks behind the embedded server's ``POST /api/v1/slack/events``; its Web API calls go through the
official ``slack_sdk`` client to :class:`~autoheal.incidents.slack.fake.FakeSlack` (a local HTTP
fake that records calls); pages go through the real PagerDuty Events API v2 client code to
:class:`~autoheal.incidents.paging.fakes.FakePagerDuty`. The on-call comes from a built-in
schedule (its person is invited to the incident channel; PagerDuty carries the page).

Use: ``story = IncidentStory.start()``; pass ``story.config`` / ``story.create_kwargs`` to
``EmbeddedAutoheal.start(incidents=story)``; wrap the play's ``on_delivery`` with
``story.after_delivery(server, progress)`` so the responder acts on each new incident in the
simulated minutes after it opens (before the next alert); then ``story.summary(server, run)``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from slack_sdk import WebClient

from autoheal.incidents.paging.fakes import FakePagerDuty
from autoheal.incidents.slack.blocks import ACK, CONFIRM
from autoheal.incidents.slack.fake import FakeSlack
from autoheal.incidents.slack.signing import block_action, signed_headers, slash_command

RESPONDER = "U0ALICE"  # the simulated on-call engineer's Slack user id
OWNER = "U0CHECKOUT"  # checkout's owner
STEP = timedelta(minutes=2)  # simulated time between the responder's steps
SCRIPT = ("ack", "confirm", "note", "mitigated", "resolve")
COMMAND_TEXT = {
    "note": "rolled back the checkout release; error rate falling",
    "mitigated": "rollback complete",
    "resolve": "bad checkout release rolled back",
}


@dataclass
class IncidentStory:
    slack: FakeSlack
    pagerduty: FakePagerDuty
    signing_secret: str
    responded: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # incident id -> steps
    applied: int = 0
    _plans: dict[int, list[tuple[Any, str]]] = field(default_factory=dict)

    @classmethod
    def start(cls) -> IncidentStory:
        token = "xoxb-demo-" + secrets.token_hex(8)
        return cls(
            FakeSlack.start(token), FakePagerDuty("R" + secrets.token_hex(15) + "X"), secrets.token_hex(16)
        )

    @property
    def config(self) -> dict[str, Any]:
        """The ``incidents`` section an operator would write (secrets as they would be)."""
        return {
            "public_url": "http://autoheal.example",
            "open": {"signal_min_severity": "high"},
            "slack": {
                "enabled": True,
                "bot_token": self.slack.token,
                "signing_secret": self.signing_secret,
                "api_url": self.slack.api_url,
                "owners": {"checkout": [OWNER]},
                "users": {RESPONDER: "responder"},
            },
            "paging": {
                "provider": "pagerduty",
                "pagerduty": {
                    "routing_key": self.pagerduty.routing_key,
                    "url": "https://events.pagerduty.com/v2/enqueue",
                },
            },
            "oncall": {
                "schedules": [
                    {
                        "name": "shop-primary",
                        "time_zone": "Europe/London",
                        "start": "2026-01-05",
                        "people": ["alice", "bob"],
                        "rotation": {"type": "weekly", "handoff": "09:00"},
                    }
                ],
                "policies": [
                    {"name": "shop", "levels": [{"targets": ["schedule:shop-primary"], "delay_minutes": 10}]}
                ],
                "services": {"*": "shop"},
                "people": {"alice": {"slack": RESPONDER}, "bob": {"slack": "U0BOB"}},
            },
        }

    @property
    def create_kwargs(self) -> dict[str, Any]:
        return {
            "paging_transport": self.pagerduty.transport(),
            "slack_client": WebClient(token=self.slack.token, base_url=self.slack.api_url),
        }

    def stop(self) -> None:
        self.slack.stop()

    # --- the scripted responder ---------------------------------------------------------------
    def after_delivery(
        self, server: Any, run: Any, inner: Callable[[int, int], None] | None = None
    ) -> Callable[[int, int], None]:
        """Wrap the play's progress callback: after each delivery, plan the response to any new
        incident and carry out the steps due before the next delivery's simulated time."""

        def callback(done: int, total: int) -> None:
            if inner is not None:
                inner(done, total)
            for incident in server.autoheal.incidents.service.list(open_only=True, limit=20):
                if incident.id not in self.responded:
                    self.responded[incident.id] = []
                    self._plans[incident.id] = [
                        (incident.opened_at + STEP * (k + 1), what) for k, what in enumerate(SCRIPT)
                    ]
            next_at = run.deliveries[done].at if done < len(run.deliveries) else None
            self._run_due(server, next_at)

        return callback

    def finish(self, server: Any) -> None:
        """Carry out what is still planned (an incident opened in the story's last minutes)."""
        self._run_due(server, None)

    def _run_due(self, server: Any, until: Any) -> None:
        for incident_id, plan in self._plans.items():
            while plan and (until is None or plan[0][0] <= until):
                due, what = plan.pop(0)
                server.autoheal.advance_clock(max(server.clock.now(), due))
                self._act(server, incident_id, what)

    def _post(self, server: Any, body: str) -> httpx.Response:
        content_type = "application/x-www-form-urlencoded"
        headers = signed_headers(self.signing_secret, int(time.time()), body, content_type)
        return httpx.post(f"{server.url}/api/v1/slack/events", content=body, headers=headers, timeout=30.0)

    def _act(self, server: Any, incident_id: int, what: str) -> None:
        """One step, as a signed Slack request: a button (acknowledge, confirm the top hypothesis)
        or a slash command (note, mitigated, resolve)."""
        service = server.autoheal.incidents.service
        channel = server.autoheal.incidents.channels.channel_of(incident_id)
        if channel is None:
            return
        before = len(service.timeline(incident_id))
        if what == "ack":
            body = block_action(RESPONDER, channel.channel_id, ACK, json.dumps({"incident": incident_id}))
        elif what == "confirm":
            findings = next(
                (
                    e.data
                    for e in reversed(service.timeline(incident_id))
                    if e.kind == "investigation_finding"
                ),
                None,
            )
            causes = (findings or {}).get("causes") or []
            if not causes:
                return
            value = json.dumps({"incident": incident_id, "hypothesis": causes[0]["hypothesis_id"]})
            body = block_action(RESPONDER, channel.channel_id, f"{CONFIRM}:1", value)
        else:
            body = slash_command(RESPONDER, channel.channel_id, f"{what} {COMMAND_TEXT[what]}")
        response = self._post(server, body)
        changed = len(service.timeline(incident_id)) > before
        self.applied += int(response.status_code == 200 and changed)
        self.responded[incident_id].append(
            {"action": what, "status": response.status_code, "applied": changed}
        )

    # --- the summary --------------------------------------------------------------------------
    def summary(self, server: Any, run: Any) -> dict[str, Any]:
        self.finish(server)
        incidents = server.autoheal.incidents.service.list(limit=100)
        services = {i.service for i in incidents}
        noise_services = {n.service for n in run.scenario.noise}
        fault_services = {f.service for f in run.scenario.faults}
        acked = [
            (i.acknowledged_at - i.opened_at).total_seconds()
            for i in incidents
            if i.acknowledged_at is not None
        ]
        statuses = sorted({i.status.value for i in incidents})
        out: dict[str, Any] = {
            "opened": len(incidents),
            "services": sorted(s or "?" for s in services),
            "status": statuses[0] if len(statuses) == 1 else ",".join(statuses),
            "pages": len(self.pagerduty.accepted("trigger")),
            "pagerduty_events": len(self.pagerduty.accepted()),
            "slack_calls": len(self.slack.calls),
            "slack_channels": len(self.slack.channels),
            "interactions": self.applied,
            "acknowledged_s": round(sum(acked) / len(acked), 1) if acked else None,
            "on_call": [o.person for o in server.autoheal.incidents.directory.who("checkout", run.start)],
        }
        out["matched"] = bool(
            incidents
            and fault_services <= services
            and not (services & (noise_services - fault_services))
            and out["status"] == "resolved"
            and out["pages"] >= 1
            and self.applied >= 4
        )
        return out


def print_summary(console: Any, data: dict[str, Any]) -> None:
    """The demo's human-readable lines for the incident response."""
    ok = "[green]ok[/green]" if data["matched"] else "[red]FAILED[/red]"
    console.print(
        f"  {ok}  incidents: {data['opened']} opened ({', '.join(data['services'])}), status {data['status']}; "
        f"{data['pages']} PagerDuty page(s) to the on-call ({', '.join(data['on_call'])}); "
        f"{data['slack_calls']} Slack Web API calls in {data['slack_channels']} channel(s); "
        f"{data['interactions']} signed Slack interactions applied; acknowledged after {data['acknowledged_s']} s "
        "(Slack and PagerDuty are in-process fakes that record calls)",
        highlight=False,
    )
