"""Human approval of write actions.

A write call that the policy lets through only with approval creates an :class:`ApprovalRequest`
(or finds the pending one for the same call). A person whose role is in ``approvals.approver_roles``
grants or refuses it — from the CLI, the API or Slack — and a granted request lets that exact call
(same tool, same arguments digest) run **once**. Nothing a tool, a model or an alert says can grant
one: granting takes a :class:`Principal`, which only the authenticated edges construct.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from autoheal.audit.chain import RecordKind, canonical_json
from autoheal.audit.trail import AuditTrail
from autoheal.clock import Clock, SystemClock, utc
from autoheal.errors import ForbiddenError, InputError, NotFoundError
from autoheal.governance.policy import Approvals
from autoheal.governance.store import ApprovalRow
from autoheal.store.db import session_factory

PENDING, GRANTED, REFUSED, USED, EXPIRED = "pending", "granted", "refused", "used", "expired"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated person (from an API token, the Slack user map or the local CLI user)."""

    name: str
    role: str


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    id: int
    tool: str
    args_digest: str
    args: dict[str, Any]
    caller: str
    investigation_id: str | None
    reason: str
    status: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_note: str | None = None
    used_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        return out


def _opt(dt: datetime | None) -> datetime | None:
    return utc(dt) if dt is not None else None


def _from_row(row: ApprovalRow) -> ApprovalRequest:
    return ApprovalRequest(
        id=row.id,
        tool=row.tool,
        args_digest=row.args_digest,
        args=json.loads(row.args),
        caller=row.caller,
        investigation_id=row.investigation_id,
        reason=row.reason,
        status=row.status,
        created_at=utc(row.created_at),
        expires_at=utc(row.expires_at),
        decided_at=_opt(row.decided_at),
        decided_by=row.decided_by,
        decision_note=row.decision_note,
        used_at=_opt(row.used_at),
    )


class ApprovalService:
    def __init__(
        self,
        engine: Engine,
        *,
        settings: Approvals | None = None,
        clock: Clock | None = None,
        audit: AuditTrail | None = None,
    ) -> None:
        self._sessions = session_factory(engine)
        self._settings = settings or Approvals()
        self._clock = clock or SystemClock()
        self._audit = audit

    # -- used by the gateway ----------------------------------------------------------------
    def request(
        self,
        *,
        tool: str,
        args_digest: str,
        args: Mapping[str, Any],
        caller: str,
        investigation_id: str | None,
        reason: str,
    ) -> ApprovalRequest:
        """The pending request for this exact call, or a new one."""
        now = self._clock.now()
        with self._sessions.begin() as s:
            self._expire(s, now)
            row = s.scalars(
                select(ApprovalRow)
                .where(
                    ApprovalRow.tool == tool,
                    ApprovalRow.args_digest == args_digest,
                    ApprovalRow.status == PENDING,
                )
                .order_by(ApprovalRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                row = ApprovalRow(
                    tool=tool,
                    args_digest=args_digest,
                    args=canonical_json(dict(args)),
                    caller=caller,
                    investigation_id=investigation_id,
                    reason=reason,
                    status=PENDING,
                    created_at=now,
                    expires_at=now + timedelta(seconds=self._settings.ttl_seconds),
                )
                s.add(row)
                s.flush()
            return _from_row(row)

    def find(self, tool: str, args_digest: str, status: str) -> ApprovalRequest | None:
        """The newest unexpired request for this call in ``status``."""
        now = self._clock.now()
        with self._sessions() as s:
            rows = s.scalars(
                select(ApprovalRow)
                .where(
                    ApprovalRow.tool == tool,
                    ApprovalRow.args_digest == args_digest,
                    ApprovalRow.status == status,
                )
                .order_by(ApprovalRow.id.desc())
                .limit(5)
            ).all()
        for row in rows:
            req = _from_row(row)
            if req.expires_at > now:
                return req
        return None

    def consume(self, approval_id: int) -> bool:
        """Mark a granted request used; ``False`` if it was already used, refused or expired."""
        now = self._clock.now()
        with self._sessions.begin() as s:
            result = s.execute(
                update(ApprovalRow)
                .where(
                    ApprovalRow.id == approval_id, ApprovalRow.status == GRANTED, ApprovalRow.expires_at > now
                )
                .values(status=USED, used_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    # -- used by people ----------------------------------------------------------------------
    def grant(self, approval_id: int, by: Principal, note: str = "") -> ApprovalRequest:
        return self._decide(approval_id, by, GRANTED, note)

    def refuse(self, approval_id: int, by: Principal, note: str = "") -> ApprovalRequest:
        return self._decide(approval_id, by, REFUSED, note)

    def _decide(self, approval_id: int, by: Principal, status: str, note: str) -> ApprovalRequest:
        if by.role not in self._settings.approver_roles:
            raise ForbiddenError(
                f"{by.name} has role {by.role!r}; approving or refusing needs one of "
                f"{', '.join(self._settings.approver_roles)}",
                principal=by.name,
            )
        now = self._clock.now()
        with self._sessions.begin() as s:
            self._expire(s, now)
            row = s.get(ApprovalRow, approval_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no approval request {approval_id}")
            if row.status != PENDING:
                raise InputError(f"approval request {approval_id} is already {row.status}")
            if row.caller == f"human:{by.name}":
                raise ForbiddenError(f"{by.name} asked for this call and cannot approve it too")
            row.status, row.decided_at, row.decided_by, row.decision_note = status, now, by.name, note
            req = _from_row(row)
        if self._audit is not None:
            self._audit.append(
                RecordKind.HUMAN_ACTION,
                f"human:{by.name}",
                {
                    "action": "approval_" + status,
                    "approval_id": approval_id,
                    "role": by.role,
                    "tool": req.tool,
                    "args_digest": req.args_digest,
                    "note": note,
                },
            )
        return req

    def get(self, approval_id: int) -> ApprovalRequest:
        with self._sessions() as s:
            row = s.get(ApprovalRow, approval_id)
            if row is None:
                raise NotFoundError(f"no approval request {approval_id}")
            return _from_row(row)

    def list(self, status: str | None = None, limit: int = 100) -> list[ApprovalRequest]:
        now = self._clock.now()
        with self._sessions.begin() as s:
            self._expire(s, now)
            query = select(ApprovalRow).order_by(ApprovalRow.id.desc()).limit(max(1, min(limit, 1000)))
            if status:
                query = query.where(ApprovalRow.status == status)
            return [_from_row(r) for r in s.scalars(query).all()]

    @staticmethod
    def _expire(s: Any, now: datetime) -> None:
        s.execute(
            update(ApprovalRow)
            .where(ApprovalRow.status.in_((PENDING, GRANTED)), ApprovalRow.expires_at <= now)
            .values(status=EXPIRED)
        )
