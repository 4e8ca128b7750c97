"""Silences and maintenance windows kept in the database (Alembic branch ``silences``).

Both say "alerts matching this, in this time range, are noise" and triage reads them beside the
``triage.maintenance`` windows of the config file (``autoheal.reasoning.triage.signals.suppression``):

* a **silence** mutes alerts matching its label matchers (or services) — Autoheal's own, next to
  the Alertmanager silences triage reads through the governed tool; it must match something
  narrower than every alert;
* a **maintenance window** is a declared maintenance (a name, services, matchers), as in the
  config file, but created over the API or CLI while it is needed.

Matchers are ``label -> regular expression`` matched against the whole label value (a plain value
matches itself). Expiring one sets its end to now; rows are kept for the record.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import JSON, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from autoheal.clock import utc
from autoheal.errors import InputError, NotFoundError
from autoheal.reasoning.triage.config import MaintenanceWindow, SilenceWindow
from autoheal.store.schema import Base

Kind = Literal["silence", "maintenance"]

MAX_DURATION = timedelta(days=366)
"""Longest silence or maintenance window (a longer one is a forgotten mute, not a maintenance)."""
MAX_START_AHEAD = timedelta(days=366)
"""Latest start accepted, after now (planned maintenance)."""
MAX_MATCHERS = 32
_NO_NUL = r"^[^\x00]*$"


class SuppressionRow(Base):
    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # silence | maintenance
    name: Mapped[str] = mapped_column(String(256))
    comment: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[list[str]] = mapped_column(JSON)
    matchers: Mapped[dict[str, str]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expired_by: Mapped[str | None] = mapped_column(String(256), nullable=True)


class SuppressionSpec(BaseModel):
    """What a person sends to create a silence or a maintenance window."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=256, pattern=_NO_NUL, description="short name")
    comment: str = Field("", max_length=2000, pattern=_NO_NUL, description="why (shown in verdicts)")
    starts_at: AwareDatetime | None = Field(None, description="RFC 3339 with an offset; default now")
    ends_at: AwareDatetime = Field(description="RFC 3339 with an offset; after the start")
    services: list[str] = Field(
        default_factory=list, max_length=MAX_MATCHERS, description="only these services (empty: any)"
    )
    matchers: dict[str, str] = Field(
        default_factory=dict, description="label -> regular expression matching the whole value"
    )

    @field_validator("services")
    @classmethod
    def _services(cls, value: list[str]) -> list[str]:
        for s in value:
            if not s or len(s) > 256 or "\x00" in s:
                raise ValueError("each service is 1-256 characters, without NUL")
        return value

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_MATCHERS:
            raise ValueError(f"at most {MAX_MATCHERS} matchers")
        for label, pattern in value.items():
            if not label or len(label) > 256 or "\x00" in label or len(pattern) > 1024 or "\x00" in pattern:
                raise ValueError(
                    f"matcher {label[:40]!r}: label 1-256 and pattern up to 1024 characters, no NUL"
                )
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"matcher {label[:40]!r}: not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _order(self) -> SuppressionSpec:
        if self.starts_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


def create(session: Session, kind: Kind, spec: SuppressionSpec, by: str, now: datetime) -> SuppressionRow:
    start = utc(spec.starts_at) if spec.starts_at else now
    end = utc(spec.ends_at)
    if end <= now:
        raise InputError(f"ends_at {end.isoformat()} is not in the future (now {now.isoformat()})")
    if start > now + MAX_START_AHEAD:
        raise InputError(f"starts_at is more than {MAX_START_AHEAD.days} days ahead")
    if end - start > MAX_DURATION:
        raise InputError(f"lasts more than the limit of {MAX_DURATION.days} days")
    if end <= start:
        raise InputError("ends_at must be after starts_at")
    if kind == "silence" and not spec.services and not spec.matchers:
        raise InputError("a silence needs at least one matcher or service: it must not match every alert")
    row = SuppressionRow(
        kind=kind,
        name=spec.name,
        comment=spec.comment,
        services=list(spec.services),
        matchers=dict(spec.matchers),
        starts_at=start,
        ends_at=end,
        created_by=by,
        created_at=now,
    )
    session.add(row)
    session.commit()
    return row


def get(session: Session, kind: Kind, suppression_id: int) -> SuppressionRow:
    row = session.get(SuppressionRow, suppression_id)
    if row is None or row.kind != kind:
        raise NotFoundError(f"no {kind} {suppression_id}")
    return row


def expire(session: Session, kind: Kind, suppression_id: int, by: str, now: datetime) -> SuppressionRow:
    """End it now (kept for the record). Expiring an ended one changes nothing."""
    row = get(session, kind, suppression_id)
    if utc(row.ends_at) > now:
        row.ends_at = now
        row.expired_by = by
        if utc(row.starts_at) > now:
            row.starts_at = now
        session.commit()
    return row


def state(row: SuppressionRow, now: datetime) -> str:
    if utc(row.ends_at) <= now:
        return "expired"
    return "pending" if utc(row.starts_at) > now else "active"


def list_(
    session: Session,
    kind: Kind,
    now: datetime,
    *,
    include_expired: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[SuppressionRow]:
    query = select(SuppressionRow).where(SuppressionRow.kind == kind)
    if not include_expired:
        query = query.where(SuppressionRow.ends_at > now)
    return list(session.scalars(query.order_by(SuppressionRow.id.desc()).limit(limit).offset(offset)))


def to_dict(row: SuppressionRow, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "name": row.name,
        "comment": row.comment,
        "services": row.services,
        "matchers": row.matchers,
        "starts_at": utc(row.starts_at).isoformat(),
        "ends_at": utc(row.ends_at).isoformat(),
        "state": state(row, now),
        "created_by": row.created_by,
        "created_at": utc(row.created_at).isoformat(),
        "expired_by": row.expired_by,
    }


def window_of(row: SuppressionRow) -> MaintenanceWindow:
    """The triage form of a row (what ``triage.maintenance`` holds for config-file windows)."""
    cls = SilenceWindow if row.kind == "silence" else MaintenanceWindow
    name = f"{row.kind} {row.id}: {row.name}" if row.kind == "silence" else row.name
    return cls(
        name=name,
        start=utc(row.starts_at),
        end=utc(row.ends_at),
        services=list(row.services),
        matchers=dict(row.matchers),
    )


class DatabaseSuppressions:
    """What triage calls: the windows stored in the database that may cover alerts at ``now``.

    Windows that ended up to ``lookback`` ago are included, so that an alert that fired and resolved
    inside one is still covered when its resolution is triaged just after the end."""

    def __init__(self, sessions: Any, lookback: timedelta = timedelta(hours=6)) -> None:
        self._sessions = sessions
        self._lookback = lookback

    def __call__(self, now: datetime) -> list[MaintenanceWindow]:
        with self._sessions() as session:
            rows = session.scalars(
                select(SuppressionRow).where(
                    SuppressionRow.ends_at > now - self._lookback, SuppressionRow.starts_at <= now
                )
            )
            return [window_of(r) for r in rows]
