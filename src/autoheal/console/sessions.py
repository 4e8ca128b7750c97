"""Console login: an API token exchanged for a session cookie, checked again on every request.

* ``open_session`` checks the token exactly as the API does (the bootstrap admin token, or a stored
  token that is not revoked) and stores a new session: the SHA-256 of a random cookie value, the
  SHA-256 of the token, a CSRF secret and an expiry. The cookie value is returned once, to be set
  ``HttpOnly; SameSite=Strict; Path=/console`` (``Secure`` over https).
* ``resolve`` turns a cookie back into a :class:`Viewer` (role read from the token *now*, so a
  revoked token ends its sessions), or ``None``.
* ``check_csrf`` compares a form's ``csrf`` field with the session's secret in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import utc
from autoheal.console.store import ConsoleSessionRow
from autoheal.errors import AuthError, ForbiddenError
from autoheal.store.models import ApiTokenRow
from autoheal.store.tokens import Role, hash_token

COOKIE = "autoheal_session"
LOGIN_COOKIE = "autoheal_login"  # the login form's CSRF secret, before there is a session
SESSION_TTL = timedelta(hours=12)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person behind a console request."""

    role: Role
    actor: str  # how the audit trail names them: the API's token fingerprint
    csrf: str
    session_hash: str

    def may(self, role: Role) -> bool:
        return self.role.allows(role)

    def require(self, role: Role) -> None:
        if not self.role.allows(role):
            raise ForbiddenError(f"this needs the {role.value} role; your token has {self.role.value}")


def actor_for(token_hash: str) -> str:
    """The same name ``autoheal.api.auth.token_actor`` gives the token's API calls."""
    return "api-token:" + token_hash[:12]


class SessionStore:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        admin_token_hash: str | None,
        ttl: timedelta = SESSION_TTL,
    ) -> None:
        self._sessions = sessions
        self._admin_hash = admin_token_hash
        self._ttl = ttl

    def _role(self, session: Session, token_hash: str) -> Role | None:
        if self._admin_hash is not None and hmac.compare_digest(token_hash, self._admin_hash):
            return Role.ADMIN
        row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash))
        if row is None or row.revoked:
            return None
        return Role(row.role)

    def open_session(self, token: str, now: datetime) -> str:
        token = token.strip()
        if not token:
            raise AuthError("enter an API token (autoheal token create --role viewer|responder|admin)")
        token_hash = hash_token(token)
        with self._sessions() as session, session.begin():
            if self._role(session, token_hash) is None:
                raise AuthError("invalid or revoked API token")
            session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now))
            cookie = secrets.token_urlsafe(32)
            session.add(
                ConsoleSessionRow(
                    id_hash=_sha(cookie),
                    token_hash=token_hash,
                    csrf=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + self._ttl,
                )
            )
        return cookie

    def resolve(self, cookie: str | None, now: datetime) -> Viewer | None:
        if not cookie:
            return None
        with self._sessions() as session:
            row = session.get(ConsoleSessionRow, _sha(cookie))
            if row is None or utc(row.expires_at) <= now:
                return None
            role = self._role(session, row.token_hash)
            if role is None:
                return None
            return Viewer(role, actor_for(row.token_hash), row.csrf, row.id_hash)

    def close_session(self, viewer: Viewer) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.id_hash == viewer.session_hash))


def check_csrf(expected: str, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise ForbiddenError("the form's CSRF token is missing or wrong: reload the page and try again")
