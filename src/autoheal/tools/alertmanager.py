"""Alertmanager tools over API v2: list alerts and silences (read), create a silence (write)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from pydantic import BaseModel, Field, model_validator

from autoheal.clock import Clock, SystemClock, utc
from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.tools.http import HttpApi


class AlertsArgs(BaseModel):
    filter: list[str] = Field(default_factory=list, description="label matchers, e.g. 'service=\"api\"'")
    active: bool = True
    silenced: bool = True
    inhibited: bool = True


class SilencesArgs(BaseModel):
    filter: list[str] = Field(default_factory=list)
    state: str | None = Field(None, pattern="^(active|pending|expired)$")


class SilenceMatcher(BaseModel):
    name: str = Field(min_length=1)
    value: str
    isRegex: bool = False
    isEqual: bool = True


class CreateSilenceArgs(BaseModel):
    matchers: list[SilenceMatcher] = Field(min_length=1)
    duration_minutes: float = Field(60, gt=0, le=7 * 24 * 60)
    starts_at: datetime | None = None
    created_by: str = Field("autoheal", min_length=1)
    comment: str = Field(min_length=1)

    @model_validator(mode="after")
    def _not_match_all(self) -> CreateSilenceArgs:
        if all(m.isRegex and m.value in (".*", ".+", "") for m in self.matchers):
            raise ValueError("a silence must not match every alert")
        return self


def _empty(items: Sequence[object], what: str) -> ToolResult:
    if not items:
        return ToolResult(ToolStatus.NO_DATA, data=[], message=f"no {what}")
    return ToolResult.success(list(items), count=len(items))


class _AlertmanagerTool:
    def __init__(self, api: HttpApi, clock: Clock | None = None) -> None:
        self.api = api
        self.clock = clock or SystemClock()


class AlertmanagerAlerts(_AlertmanagerTool):
    name: ClassVar[str] = "alertmanager.alerts"
    description: ClassVar[str] = "List alerts Alertmanager holds (optionally filtered by label matchers)."
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = AlertsArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, AlertsArgs)
        params: list[tuple[str, str]] = [("filter", f) for f in args.filter]
        for key in ("active", "silenced", "inhibited"):
            params.append((key, str(getattr(args, key)).lower()))
        body, failure = self.api.get_json("/api/v2/alerts", params)
        if failure:
            return failure
        alerts = [
            {
                "fingerprint": a.get("fingerprint"),
                "labels": a.get("labels", {}),
                "annotations": a.get("annotations", {}),
                "state": (a.get("status") or {}).get("state"),
                "silenced_by": (a.get("status") or {}).get("silencedBy", []),
                "inhibited_by": (a.get("status") or {}).get("inhibitedBy", []),
                "starts_at": a.get("startsAt"),
                "ends_at": a.get("endsAt"),
                "generator_url": a.get("generatorURL"),
                "receivers": [r.get("name") for r in a.get("receivers", [])],
            }
            for a in body or []
        ]
        return _empty(alerts, "alerts")


class AlertmanagerSilences(_AlertmanagerTool):
    name: ClassVar[str] = "alertmanager.silences"
    description: ClassVar[str] = "List silences (optionally only active / pending / expired ones)."
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = SilencesArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, SilencesArgs)
        body, failure = self.api.get_json("/api/v2/silences", [("filter", f) for f in args.filter])
        if failure:
            return failure
        silences = [
            {
                "id": s.get("id"),
                "state": (s.get("status") or {}).get("state"),
                "matchers": s.get("matchers", []),
                "starts_at": s.get("startsAt"),
                "ends_at": s.get("endsAt"),
                "created_by": s.get("createdBy"),
                "comment": s.get("comment"),
            }
            for s in body or []
            if args.state is None or (s.get("status") or {}).get("state") == args.state
        ]
        return _empty(silences, "silences")


class AlertmanagerCreateSilence(_AlertmanagerTool):
    name: ClassVar[str] = "alertmanager.create_silence"
    description: ClassVar[str] = "Create a silence for alerts matching the given matchers (a write action)."
    access: ClassVar[Access] = Access.WRITE
    args_model: ClassVar[type[BaseModel]] = CreateSilenceArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, CreateSilenceArgs)
        starts = utc(args.starts_at) if args.starts_at else self.clock.now()
        ends = starts + timedelta(minutes=args.duration_minutes)
        body = {
            "matchers": [m.model_dump() for m in args.matchers],
            "startsAt": starts.isoformat().replace("+00:00", "Z"),
            "endsAt": ends.isoformat().replace("+00:00", "Z"),
            "createdBy": args.created_by,
            "comment": args.comment,
        }
        answer, failure = self.api.post_json("/api/v2/silences", body)
        if failure:
            return failure
        silence_id = (answer or {}).get("silenceID")
        if not silence_id:
            return ToolResult.failure(f"Alertmanager accepted the silence but returned no id: {answer!r}")
        return ToolResult.success(
            {"silence_id": silence_id, "starts_at": body["startsAt"], "ends_at": body["endsAt"]}
        )


ALERTMANAGER_TOOLS = (AlertmanagerAlerts, AlertmanagerSilences, AlertmanagerCreateSilence)
