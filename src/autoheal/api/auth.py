"""Authentication at the edge.

* People: API tokens with roles (viewer < responder < admin) as ``Authorization: Bearer <token>``;
  a bootstrap admin token may be configured (``AUTOHEAL_ADMIN_TOKEN``).
* Senders: per-source webhook credentials — a bearer token, or an HMAC-SHA256 signature of the raw
  body in a header (``sha256=<hex>`` or bare hex). A source with no credentials configured is closed
  unless its auth is explicitly ``type: none``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping

from fastapi import Depends, Request

from autoheal.app import Autoheal
from autoheal.config import SourceConfig
from autoheal.errors import AuthError, ConfigError, ForbiddenError, UnknownSourceError
from autoheal.store.tokens import Role, role_for_token


async def services(request: Request) -> Autoheal:
    """The application's services. ``async`` because it does no I/O: FastAPI runs a plain ``def``
    dependency in its thread pool, a thread hop (and a turn of the interpreter lock) per request."""
    autoheal: Autoheal = request.app.state.autoheal
    return autoheal


def configured(request: Request, missing: str) -> Autoheal:
    """The application, for a dependency that hands a route one of its services; a router mounted
    without one (a test overrides the dependency instead) answers ``missing`` as a ConfigError."""
    autoheal: Autoheal | None = getattr(request.app.state, "autoheal", None)
    if autoheal is None:
        raise ConfigError(missing)
    return autoheal


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(app: Autoheal, headers: Mapping[str, str]) -> Role:
    token = _bearer(headers)
    if token is None:
        raise AuthError("missing credentials: send 'Authorization: Bearer <API token>'")
    admin = app.settings.auth.admin_token
    if admin is not None and hmac.compare_digest(token, admin.get_secret_value()):
        return Role.ADMIN
    with app.sessions() as session:
        role = role_for_token(session, token)
    if role is None:
        raise AuthError("invalid or revoked API token")
    return role


def token_actor(request: Request) -> str:
    """How the audit trail names the caller: the fingerprint of their bearer token (never the
    token itself)."""
    token = _bearer(request.headers) or ""
    return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:12]


def require(role: Role) -> Callable[..., Role]:
    def dependency(request: Request, app: Autoheal = Depends(services)) -> Role:
        actual = authenticate(app, request.headers)
        if not actual.allows(role):
            raise ForbiddenError(f"this needs the {role.value} role; your token has {actual.value}")
        request.state.role = actual
        return actual

    return dependency


def source_config(app: Autoheal, source: str) -> SourceConfig:
    from autoheal.sources import source_names

    if source not in source_names():
        raise UnknownSourceError(f"unknown source {source!r}; known sources: {', '.join(source_names())}")
    cfg = app.settings.sources.receivers.get(source)
    if cfg is None or cfg.auth is None:
        raise AuthError(
            f"source {source!r} has no webhook credentials configured; webhooks are closed by default "
            f"(configure sources.{source}.auth as bearer, hmac or none)"
        )
    if not cfg.enabled:
        raise ForbiddenError(f"source {source!r} is disabled in the configuration")
    return cfg


async def change_sender(request: Request, app: Autoheal = Depends(services)) -> None:
    """Credentials for ``POST /api/v1/changes`` (CI/CD systems): ``sources.changes.auth`` in the
    config, bearer or HMAC (GitHub's ``X-Hub-Signature-256`` works with header set to it)."""
    cfg = app.settings.sources.receivers.get("changes")
    if cfg is None or cfg.auth is None:
        raise AuthError(
            "the changes webhook has no credentials configured; it is closed by default "
            "(configure sources.changes.auth as bearer, hmac or none)"
        )
    body = await request.body() if cfg.auth.type == "hmac" else b""
    verify_sender(cfg, request.headers, body)


def verify_sender(cfg: SourceConfig, headers: Mapping[str, str], body: bytes) -> None:
    auth = cfg.auth
    assert auth is not None
    if auth.type == "none":
        return
    if auth.type == "bearer":
        assert auth.token is not None
        token = _bearer(headers)
        if token is None:
            raise AuthError("missing webhook credentials: send 'Authorization: Bearer <source token>'")
        if not hmac.compare_digest(token.encode(), auth.token.get_secret_value().encode()):
            raise AuthError("wrong webhook credentials for this source")
        return
    assert auth.secret is not None
    sent = headers.get(auth.header.lower(), "")
    if not sent:
        raise AuthError(f"missing webhook signature header {auth.header}")
    expected = hmac.new(auth.secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    # bare hex, "sha256=<hex>" (GitHub, ours) or "v1=<hex>,v1=<hex>" (PagerDuty, during key rotation)
    candidates = [part.strip().partition("=")[2] if "=" in part else part.strip() for part in sent.split(",")]
    if not any(hmac.compare_digest(c.lower().encode(), expected.encode()) for c in candidates if c):
        raise AuthError(f"webhook signature in {auth.header} does not match the body")
