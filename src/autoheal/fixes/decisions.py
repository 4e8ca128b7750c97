"""A human decides on a fix (CLI, API): accept, reject (with the reason, which is learned from),
or mark an accepted fix merged. Each decision is stored on the fix and appended to the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from autoheal.audit.trail import AuditTrail
from autoheal.clock import Clock
from autoheal.errors import InputError
from autoheal.fixes import store
from autoheal.fixes.model import FixStatus

DECISIONS = {"accept": FixStatus.ACCEPTED, "reject": FixStatus.REJECTED, "merged": FixStatus.MERGED}
MAX_REASON = 2000


def decide(
    sessions: sessionmaker[Session],
    audit: AuditTrail,
    clock: Clock,
    fix_id: int,
    decision: str,
    *,
    by: str,
    reason: str | None = None,
) -> dict[str, Any]:
    if decision not in DECISIONS:
        raise InputError(f"unknown decision {decision!r}; use one of {', '.join(DECISIONS)}")
    if not by.strip():
        raise InputError("the person deciding must be named")
    if reason is not None and len(reason) > MAX_REASON:
        raise InputError(f"reason is longer than {MAX_REASON} characters")
    with sessions() as session, session.begin():
        row = store.decide(session, fix_id, DECISIONS[decision], by=by, at=clock.now(), reason=reason)
        out = store.fix_to_dict(row, files=False)
    audit.append(
        "decision",
        by,
        {
            "action": f"fix_{decision}",
            "fix_id": fix_id,
            "kind": out["kind"],
            "service": out["service"],
            "status": out["status"],
            "reason": reason,
        },
    )
    return out


def slack_decider(app: Any) -> Any:
    """What the Slack app calls for a fix button or ``/autoheal fix``: :func:`decide` on the app's
    database and audit trail, the Slack user as the one deciding."""

    def decider(fix_id: int, decision: str, actor: str, reason: str | None) -> dict[str, Any]:
        return decide(
            app.sessions, app.governance.audit, app.clock, fix_id, decision, by=actor, reason=reason
        )

    return decider
