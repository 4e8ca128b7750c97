"""The built-in on-call: who is on call at an instant, and who an escalation level pages.

Rotations hand off at a local wall-clock time in the schedule's time zone, so across a daylight
saving change a daily shift lasts 23 or 25 hours and the handoff stays at, say, 09:00 local.
``custom`` rotations are fixed lengths of elapsed time (``length_hours``) from the first handoff.
Overrides win over the rotation (the last listed override covering the instant wins).
Pure functions of the configuration and an instant; the caller passes the time (its clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from autoheal.errors import InputError, NotFoundError
from autoheal.incidents.config import EscalationPolicy, OnCallConfig, Schedule


@dataclass(frozen=True, slots=True)
class OnCall:
    person: str
    schedule: str | None  # None: named directly by the policy
    override: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"person": self.person, "schedule": self.schedule, "override": self.override}


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InputError("an on-call time needs a time zone (e.g. 2026-03-29T08:00:00+00:00)")
    return at


def on_call(schedule: Schedule, at: datetime) -> OnCall | None:
    """Who ``schedule`` has on call at ``at`` (None before its first shift)."""
    at = _aware(at)
    for override in reversed(schedule.overrides):
        if override.start <= at < override.end:
            return OnCall(override.person, schedule.name, override=True)
    tz = ZoneInfo(schedule.time_zone)
    rotation = schedule.rotation
    people = schedule.people
    if rotation.type == "custom":
        assert rotation.length_hours is not None
        origin = datetime.combine(schedule.start, rotation.handoff, tzinfo=tz)
        elapsed = (at - origin).total_seconds()
        if elapsed < 0:
            return None
        shift = math.floor(elapsed / (rotation.length_hours * 3600))
        return OnCall(people[shift % len(people)], schedule.name)
    local = at.astimezone(tz)
    days = (local.date() - schedule.start).days
    if local.time().replace(tzinfo=None) < rotation.handoff:
        days -= 1  # before today's handoff: still yesterday's shift
    if days < 0:
        return None
    shift = days // (7 if rotation.type == "weekly" else 1)
    return OnCall(people[shift % len(people)], schedule.name)


def next_handoff(schedule: Schedule, at: datetime) -> datetime:
    """When the current shift ends (UTC), ignoring overrides."""
    tz = ZoneInfo(schedule.time_zone)
    rotation = schedule.rotation
    if rotation.type == "custom":
        assert rotation.length_hours is not None
        origin = datetime.combine(schedule.start, rotation.handoff, tzinfo=tz)
        length = timedelta(hours=rotation.length_hours)
        n = max(0, math.floor((at - origin) / length) + 1)
        return (origin + n * length).astimezone(ZoneInfo("UTC"))
    local = at.astimezone(tz)
    period = 7 if rotation.type == "weekly" else 1
    days = (local.date() - schedule.start).days
    if local.time().replace(tzinfo=None) < rotation.handoff:
        days -= 1
    next_index = max(0, days // period + 1)
    day = schedule.start + timedelta(days=next_index * period)
    return datetime.combine(day, rotation.handoff, tzinfo=tz).astimezone(ZoneInfo("UTC"))


class OnCallDirectory:
    """The on-call configuration, looked up by service, schedule and escalation level."""

    def __init__(self, config: OnCallConfig) -> None:
        self.config = config
        self._schedules = {s.name: s for s in config.schedules}
        self._policies = {p.name: p for p in config.policies}

    def schedule(self, name: str) -> Schedule:
        try:
            return self._schedules[name]
        except KeyError:
            raise NotFoundError(
                f"no on-call schedule {name!r}; known: {', '.join(self._schedules) or 'none'}"
            ) from None

    def policy_for(self, service: str | None) -> EscalationPolicy | None:
        name = self.config.services.get(service or "", self.config.services.get("*"))
        return self._policies.get(name) if name else None

    def levels(self, policy: EscalationPolicy) -> int:
        """How many levels are paged in all, counting repeats."""
        return len(policy.levels) * (policy.repeat + 1)

    def targets(self, policy: EscalationPolicy, level: int, at: datetime) -> list[OnCall]:
        """Who ``level`` (0-based, repeats included) of ``policy`` pages at ``at``."""
        spec = policy.levels[level % len(policy.levels)]
        out: list[OnCall] = []
        for target in spec.targets:
            kind, _, name = target.partition(":")
            if kind == "person":
                out.append(OnCall(name, None))
                continue
            found = on_call(self.schedule(name), at)
            if found is not None:
                out.append(found)
        return list({o.person: o for o in out}.values())

    def delay(self, policy: EscalationPolicy, level: int) -> timedelta:
        return timedelta(minutes=policy.levels[level % len(policy.levels)].delay_minutes)

    def who(self, service: str, at: datetime) -> list[OnCall]:
        """Who is paged first for ``service`` at ``at`` (the first level of its policy)."""
        policy = self.policy_for(service)
        if policy is None:
            raise NotFoundError(
                f"no escalation policy for service {service!r}: map it (or '*') in incidents.oncall.services"
            )
        return self.targets(policy, 0, at)
