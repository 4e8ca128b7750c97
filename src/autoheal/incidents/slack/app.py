"""Incoming Slack: a ``slack_bolt`` app in HTTP mode behind ``POST /api/v1/slack/events``.

Bolt verifies every request's signature (``X-Slack-Signature``, HMAC-SHA256 of
``v0:{timestamp}:{body}`` with the signing secret) and refuses, with 401, an unsigned request, a
bad signature, or a timestamp more than 5 minutes old (a replay); the handlers never run, nothing
changes. What the app understands:

* slash command ``/autoheal status|ack|note|checked|ruled-out|hypothesis|mitigated|resolve|open|help``
  (in an incident channel the incident is implied; elsewhere name it: ``/autoheal status INC-3``);
* buttons on the incident message: acknowledge, confirm / reject a hypothesis, escalate, resolve;
* Accept / Reject buttons on a resolved incident's fixes (:mod:`autoheal.fixes.slack`) and
  ``/autoheal fix accept|reject ID [REASON]``, through ``fix_decider`` (set by ``Autoheal.create``);
* messages people write in an incident channel (``message`` events) go on the timeline as
  ``slack_message`` (the raw material of decision traces).

Roles: ``incidents.slack.users`` maps Slack user ids to viewer / responder / admin; anyone else
is a viewer, who may ask for status but not act. Text from Slack is data: it is stored (redacted)
and shown, never executed or interpreted as instructions.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from autoheal.errors import AutohealError, InputError
from autoheal.fixes.slack import FIX_ACCEPT, FIX_REJECT, button_reason
from autoheal.incidents.config import SlackConfig
from autoheal.incidents.model import (
    EventKind,
    Incident,
    IncidentSeverity,
    Source,
    Status,
    parse_ref,
    parse_severity,
)
from autoheal.incidents.service import IncidentService
from autoheal.incidents.slack.blocks import ACK, CONFIRM, ESCALATE, REJECT, RESOLVE, summary_text
from autoheal.incidents.slack.channels import SlackChannels
from autoheal.store.tokens import Role

log = logging.getLogger(__name__)

HELP = (
    "Usage: /autoheal status [INC-n] | ack | note TEXT | checked TEXT | ruled-out TEXT | hypothesis TEXT | "
    "mitigated [TEXT] | resolve [TEXT] | open TITLE [sev=SEV2] [service=NAME] | "
    "fix accept|reject ID [REASON] | help"
)
NOTE_KINDS = {
    "note": EventKind.NOTE,
    "checked": EventKind.CHECKED,
    "ruled-out": EventKind.RULED_OUT,
    "hypothesis": EventKind.HYPOTHESIS,
}


class SlackUserError(AutohealError):
    """Something to tell the Slack user; nothing was changed."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: str
    headers: dict[str, str]


class SlackApp:
    def __init__(
        self,
        config: SlackConfig,
        incidents: IncidentService,
        channels: SlackChannels,
        client: WebClient,
        *,
        escalate: Callable[[Incident, str], str] | None = None,
    ) -> None:
        assert config.signing_secret is not None
        self.config, self.incidents, self.channels = config, incidents, channels
        self._escalate = escalate
        self.applied = 0  # interactions that changed something
        # (fix id, "accept" | "reject", actor, reason) -> the fix; None: fixes are not wired
        self.fix_decider: Callable[[int, str, str, str | None], dict[str, Any]] | None = None
        self._verifier = SignatureVerifier(config.signing_secret.get_secret_value())
        self.bolt = App(
            signing_secret=config.signing_secret.get_secret_value(),
            client=client,
            token_verification_enabled=False,
            process_before_response=True,
            request_verification_enabled=True,
            logger=logging.getLogger("autoheal.slack.bolt"),
        )
        self.bolt.command("/autoheal")(self._command)
        self.bolt.action(re.compile(r"^autoheal_[a-z]+(:\d+)?$"))(self._action)
        self.bolt.event("message")(self._message)

    # --- HTTP ---------------------------------------------------------------------------------
    def handle(self, body: bytes, headers: Mapping[str, str], query: str = "") -> HttpAnswer:
        text = body.decode("utf-8", errors="replace")
        lowered = {k.lower(): v for k, v in headers.items()}
        if not self._verifier.is_valid_request(text, lowered):
            # bolt checks again; checked first here so a malformed body is never parsed unsigned
            return HttpAnswer(401, "invalid or stale Slack request signature", {"content-type": "text/plain"})
        try:
            request = BoltRequest(body=text, query=query, headers={k: [v] for k, v in lowered.items()})
        except ValueError as exc:  # a signed but malformed payload (bad JSON in "payload")
            return HttpAnswer(400, f"malformed Slack payload: {exc}", {"content-type": "text/plain"})
        response = self.bolt.dispatch(request)
        out_headers = {
            k: (v[0] if isinstance(v, list | tuple) and v else str(v)) for k, v in response.headers.items()
        }
        return HttpAnswer(response.status, response.body, out_headers)

    # --- who may do what ----------------------------------------------------------------------
    def role_of(self, user_id: str) -> Role:
        return Role(self.config.users.get(user_id, "viewer"))

    def _require(self, user_id: str, needed: Role) -> None:
        role = self.role_of(user_id)
        if not role.allows(needed):
            raise SlackUserError(
                f"you are a {role.value} here; this needs the {needed.value} role "
                "(an admin maps Slack users to roles in incidents.slack.users). Nothing was changed."
            )

    def _incident_for(self, channel_id: str | None, explicit: str | None) -> Incident:
        if explicit:
            return self.incidents.get(parse_ref(explicit))
        incident_id = self.channels.incident_of(channel_id or "")
        if incident_id is None:
            raise SlackUserError(
                "this is not an incident channel: name the incident, e.g. `/autoheal status INC-3`"
            )
        return self.incidents.get(incident_id)

    # --- slash command ------------------------------------------------------------------------
    def _command(self, ack: Callable[..., None], command: dict[str, Any]) -> None:
        try:
            ack(text=self.run_command(command))
        except AutohealError as exc:
            ack(text=f"{exc.message}")

    def run_command(self, command: Mapping[str, Any]) -> str:
        user = str(command.get("user_id") or "")
        channel = str(command.get("channel_id") or "")
        if not user:
            raise SlackUserError("malformed command: no user_id")
        text = str(command.get("text") or "").strip()
        verb, _, rest = text.partition(" ")
        verb, rest = verb.lower(), rest.strip()
        actor = f"slack:{user}"
        if verb in ("", "help"):
            return HELP
        if verb == "status":
            self._require(user, Role.VIEWER)
            ref = rest.split()[0] if rest else None
            incident = self._incident_for(channel, ref)
            return summary_text(incident)
        if verb == "open":
            self._require(user, Role.RESPONDER)
            return self._open(rest, actor)
        if verb == "fix":
            self._require(user, Role.RESPONDER)
            return self._fix_command(rest, actor)
        if verb not in (*NOTE_KINDS, "ack", "mitigated", "resolve"):
            raise SlackUserError(f"unknown command {verb!r}. {HELP}")
        self._require(user, Role.RESPONDER)
        incident = self._incident_for(channel, None)
        if verb in NOTE_KINDS:
            if not rest:
                raise SlackUserError(
                    f"`/autoheal {verb}` needs some text, e.g. `/autoheal {verb} the db pool is fine`"
                )
            self.incidents.add_note(
                incident.id, rest, actor=actor, source=Source.SLACK, kind=NOTE_KINDS[verb]
            )
            message = f"{verb} recorded on {incident.ref}"
        elif verb == "ack":
            incident = self.incidents.ack(incident.id, actor=actor, source=Source.SLACK)
            message = f"{incident.ref} acknowledged by <@{user}>"
        elif verb == "mitigated":
            self.incidents.transition(
                incident.id, Status.MITIGATED, actor=actor, source=Source.SLACK, reason=rest
            )
            message = f"{incident.ref} marked mitigated"
        else:
            self.incidents.resolve(incident.id, actor=actor, source=Source.SLACK, summary=rest)
            message = f"{incident.ref} resolved"
        self.applied += 1
        return message

    def _open(self, rest: str, actor: str) -> str:
        options = dict(re.findall(r"\b(sev|service)=(\S+)", rest))
        title = re.sub(r"\b(sev|service)=\S+", "", rest).strip()
        if not title:
            raise SlackUserError(
                "`/autoheal open` needs a title, e.g. `/autoheal open checkout is slow sev=SEV2`"
            )
        severity = parse_severity(options["sev"]) if "sev" in options else IncidentSeverity.SEV3
        incident = self.incidents.open(
            title, severity=severity, service=options.get("service"), actor=actor, source=Source.SLACK
        )
        self.applied += 1
        return f"opened {incident.ref} ({incident.severity.value}): {incident.title}"

    def _fix_command(self, rest: str, actor: str) -> str:
        decision, _, tail = rest.partition(" ")
        fix_id, _, reason = tail.strip().partition(" ")
        if decision not in ("accept", "reject") or not fix_id.isdigit():
            raise SlackUserError(
                "usage: `/autoheal fix accept ID [REASON]` or `/autoheal fix reject ID REASON`"
            )
        return self._decide_fix(int(fix_id), decision, actor, reason.strip() or None)

    def _decide_fix(self, fix_id: int, decision: str, actor: str, reason: str | None) -> str:
        if self.fix_decider is None:
            raise SlackUserError("preventive fixes are not enabled here (fixes.enabled)")
        try:
            fix = self.fix_decider(fix_id, decision, actor, reason)
        except InputError as exc:
            raise SlackUserError(f"{exc.message}. Nothing was changed.") from exc
        self.applied += 1
        return f"fix {fix_id} ({fix['kind']} on {fix['service']}) {fix['status']} by <@{actor.removeprefix('slack:')}>"

    # --- buttons ------------------------------------------------------------------------------
    def _action(self, ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = str((body.get("user") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        try:
            self.run_action(user, str(action.get("action_id") or ""), str(action.get("value") or ""))
        except AutohealError as exc:
            if user and channel:
                self.channels.ephemeral(channel, user, exc.message)
            log.info("slack action refused", extra={"user": user, "error": exc.message})

    def run_action(self, user: str, action_id: str, value: str) -> str:
        if not user:
            raise SlackUserError("malformed interaction: no user")
        try:
            data = json.loads(value)
            incident_id = int(data["incident"])
        except (ValueError, KeyError, TypeError):
            raise SlackUserError(f"malformed button value {value[:80]!r}; nothing was changed") from None
        self._require(user, Role.RESPONDER)
        actor = f"slack:{user}"
        kind = action_id.split(":")[0]
        incident = self.incidents.get(incident_id)
        if kind in (FIX_ACCEPT, FIX_REJECT):
            if not isinstance(data.get("fix"), int):
                raise SlackUserError(f"malformed button value {value[:80]!r}; nothing was changed")
            if kind == FIX_ACCEPT:
                return self._decide_fix(data["fix"], "accept", actor, None)
            return self._decide_fix(data["fix"], "reject", actor, button_reason(user, incident.ref))
        if kind == ACK:
            self.incidents.ack(incident_id, actor=actor, source=Source.SLACK)
            result = "acknowledged"
        elif kind in (CONFIRM, REJECT):
            result = self._decide(
                incident, str(data.get("hypothesis") or ""), confirm=kind == CONFIRM, actor=actor
            )
        elif kind == ESCALATE:
            done = self._escalate(incident, actor) if self._escalate else "no paging is configured"
            self.incidents.append(
                incident_id, EventKind.ESCALATED, actor=actor, source=Source.SLACK, data={"result": done}
            )
            result = done
        elif kind == RESOLVE:
            self.incidents.resolve(incident_id, actor=actor, source=Source.SLACK)
            result = "resolved"
        else:
            raise SlackUserError(f"unknown button {action_id!r}; nothing was changed")
        self.applied += 1
        return result

    def _decide(self, incident: Incident, hypothesis_id: str, *, confirm: bool, actor: str) -> str:
        try:
            cause = self.incidents.decide_hypothesis(
                incident.id, hypothesis_id, confirm=confirm, actor=actor, source=Source.SLACK
            )
        except InputError as exc:
            raise SlackUserError(str(exc)) from exc
        return f"{'confirmed' if confirm else 'rejected'}: {cause.get('statement')}"

    # --- channel messages ---------------------------------------------------------------------
    def _message(self, event: dict[str, Any]) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, bots (ourselves included)
        incident_id = self.channels.incident_of(str(event.get("channel") or ""))
        if incident_id is None:
            return
        text = str(event.get("text") or "").strip()[:3900]
        if not text:
            return
        self.incidents.append(
            incident_id,
            EventKind.SLACK_MESSAGE,
            actor=f"slack:{event['user']}",
            source=Source.SLACK,
            data={"text": text, "ts": event.get("ts"), "channel": event.get("channel")},
        )
