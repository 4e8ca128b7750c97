"""API tokens for people: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.clock import utc
from autoheal.errors import NotFoundError
from autoheal.store.models import ApiTokenRow


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 1, Role.RESPONDER: 2, Role.ADMIN: 3}[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


TOKEN_PREFIX = "ah_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, role: Role, name: str, now: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiTokenRow(name=name, role=role.value, token_hash=hash_token(token), created_at=now, revoked=False)
    )
    session.commit()
    return token


def role_for_token(session: Session, token: str) -> Role | None:
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token)))
    if row is None or row.revoked:
        return None
    return Role(row.role)


def issue_token(session: Session, role: Role, name: str, now: datetime) -> tuple[ApiTokenRow, str]:
    """Like :func:`create_token`, returning the stored row too (its id names it for revocation)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(name=name, role=role.value, token_hash=hash_token(token), created_at=now, revoked=False)
    session.add(row)
    session.commit()
    return row, token


def list_tokens(session: Session, *, include_revoked: bool = False) -> list[ApiTokenRow]:
    query = select(ApiTokenRow).order_by(ApiTokenRow.id)
    if not include_revoked:
        query = query.where(ApiTokenRow.revoked.is_(False))
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int) -> ApiTokenRow:
    """Revoke a token by id; its holder gets 401 from the next request on. Idempotent."""
    row = session.get(ApiTokenRow, token_id)
    if row is None:
        raise NotFoundError(f"no API token {token_id} (see `autoheal token list`)")
    row.revoked = True
    session.commit()
    return row


def token_to_dict(row: ApiTokenRow) -> dict[str, object]:
    """What may be shown about a token: never its secret or hash."""
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "created_at": utc(row.created_at).isoformat(),
        "revoked": row.revoked,
    }
