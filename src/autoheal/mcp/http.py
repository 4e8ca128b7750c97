"""The MCP server over streamable HTTP (``autoheal mcp --http HOST:PORT``), with the SDK's own
transport (:class:`~mcp.server.streamable_http_manager.StreamableHTTPSessionManager`) and its
bearer-token middleware, verifying Autoheal API tokens:

    POST/GET/DELETE /mcp   Authorization: Bearer <API token>
        AuthenticationMiddleware(BearerAuthBackend(ApiTokens))   the token checked as the API checks it,
                                                                 on every request (revoked = refused at once)
        RequireAuthMiddleware(required_scopes=["viewer"])        no token / wrong token -> 401
        StreamableHTTPSessionManager(build_server(app, per-request client))

Every request is answered for the token that sent it: its role (the scopes are the roles it
holds) decides what is listed and callable, and its fingerprint names it in the audit trail
(``mcp:api-token:<fingerprint>``), exactly as on stdio. Nothing is open without a token. Bound to
a loopback address, the Host and Origin headers must name that address (DNS-rebinding protection).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.provider import AccessToken
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from autoheal.api.auth import authenticate
from autoheal.app import Autoheal
from autoheal.errors import AuthError, InputError
from autoheal.mcp.server import AutohealMCP, build_server, caller_for
from autoheal.store.tokens import Role

PATH = "/mcp"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ApiTokens:
    """The SDK's ``TokenVerifier`` over Autoheal's API tokens. The token itself is not kept: the
    access token carries its fingerprint (the audit name) and the roles it holds as scopes."""

    def __init__(self, app: Autoheal) -> None:
        self.app = app

    def _check(self, token: str) -> AccessToken | None:
        try:
            role = authenticate(self.app, {"authorization": f"Bearer {token}"})
        except AuthError:
            return None
        caller = caller_for(token)
        return AccessToken(token=caller, client_id=caller, scopes=[r.value for r in Role if role.allows(r)])

    async def verify_token(self, token: str) -> AccessToken | None:
        return await anyio.to_thread.run_sync(self._check, token)


def _role(scopes: list[str]) -> Role:
    held = [r for r in Role if r.value in scopes]
    best = held[0]
    for r in held:
        if r.allows(best):
            best = r
    return best


class Clients:
    """The :class:`AutohealMCP` of whoever sent the request being handled."""

    def __init__(self, app: Autoheal) -> None:
        self.app = app
        self._cache: dict[tuple[str, Role], AutohealMCP] = {}

    def __call__(self, server: Server[Any, Any]) -> AutohealMCP:
        request = server.request_context.request
        user = request.scope.get("user") if request is not None else None
        if not isinstance(user, AuthenticatedUser):  # the middleware lets no such request through
            raise AuthError("no authenticated MCP client for this request")
        role = _role(user.access_token.scopes)
        key = (user.access_token.client_id, role)
        if key not in self._cache:
            self._cache[key] = AutohealMCP(self.app, role, user.access_token.client_id)
        return self._cache[key]


class _Transport:
    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.manager.handle_request(scope, receive, send)


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--http takes HOST:PORT (e.g. 127.0.0.1:8765), not {text!r}")
    return host, int(port)


def http_app(app: Autoheal, host: str, port: int) -> Starlette:
    server = build_server(app, Clients(app))
    security = (
        TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[f"{h}:{port}" for h in (*LOOPBACK, "[::1]")],
            allowed_origins=[f"http://{h}:{port}" for h in (*LOOPBACK, "[::1]")],
        )
        if host in LOOPBACK
        else None
    )
    manager = StreamableHTTPSessionManager(app=server, security_settings=security)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield

    return Starlette(
        routes=[Route(PATH, endpoint=RequireAuthMiddleware(_Transport(manager), [Role.VIEWER.value]))],
        middleware=[
            Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(ApiTokens(app))),
            Middleware(AuthContextMiddleware),
        ],
        lifespan=lifespan,
    )


def serve_http(app: Autoheal, address: str) -> None:
    import uvicorn

    host, port = parse_address(address)
    uvicorn.run(http_app(app, host, port), host=host, port=port, log_level="warning")
