"""One error body everywhere: RFC 9457 problem details (``application/problem+json``).

Every error the API answers — our own :class:`~autoheal.errors.AutohealError`, FastAPI's request
validation, Starlette's 404/405, and anything unexpected — is a JSON object::

    {"type": "urn:autoheal:problem:validation", "title": "Request validation failed",
     "status": 422, "detail": "body.outcome: Field required", "instance": "/api/v1/triage/3/outcome",
     "errors": [{"loc": ["body", "outcome"], "msg": "Field required", "type": "missing"}]}

``type`` names the kind of problem (a stable URN: an identifier, nothing to fetch), ``title`` is the
same for every problem of that type, ``detail`` says what is wrong with this request and what to do,
``instance`` is the request path; ``errors`` appears on validation problems.
:func:`install` registers the handlers and declares the error responses of every operation in the
OpenAPI document.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from autoheal.errors import AutohealError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:autoheal:problem:"

# status -> (type slug, title)
_KINDS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Missing or wrong credentials"),
    403: ("forbidden", "Not allowed for this role"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict with the current state"),
    413: ("payload-too-large", "Body too large"),
    415: ("unsupported-media-type", "Unsupported content type"),
    422: ("validation", "Request validation failed"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}

# The error statuses declared on every operation (plus 401/403 where auth applies, which is
# everywhere but /healthz).
DECLARED = {
    400: "malformed request (e.g. a body that is not JSON, or nested too deeply)",
    401: "missing or wrong credentials",
    403: "the token's role may not do this",
    404: "no such object, or no such path",
    405: "method not allowed on this path (the detail names the allowed methods)",
    409: "conflicts with the current state (e.g. already decided)",
    413: "body too large",
    415: "unsupported content type: send application/json",
    422: "the request does not validate (the detail and errors say which field and why)",
}


class ValidationItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(title="Problem")

    type: str = Field(description="URI identifying the kind of problem (not fetched)")
    title: str = Field(description="short summary of the kind of problem")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what is wrong with this request, and what to do")
    instance: str = Field(description="the request path")
    errors: list[ValidationItem] | None = Field(None, description="validation problems, one per field")


def problem_body(
    status: int, detail: str, instance: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    slug, title = _KINDS.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem(
    status: int,
    detail: str,
    instance: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, instance, errors),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def _clean_errors(raw: Any) -> list[dict[str, Any]]:
    out = []
    for e in raw:
        loc = [p if isinstance(p, int) else str(p) for p in e.get("loc", ())]
        out.append({"loc": loc, "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return out


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for e in errors[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "request"
        parts.append(f"{where}: {e['msg']}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


DATABASE_RETRY_AFTER_SECONDS = 5


async def _autoheal_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AutohealError)
    status = getattr(exc, "status_code", 500)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status >= 500:
        # a store that could not commit (the database down or restarting): nothing was stored,
        # and the sender is told when to retry
        log.error("request failed", extra={"path": request.url.path, "error": exc.message})
        status = 503
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    return problem(status, exc.message, request.url.path, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_errors(exc.errors())
    # FastAPI reports an unparsable JSON body as a validation error of type json_invalid: that is a
    # malformed request (400), not a well-formed one that fails validation.
    if errors and all(e["type"] == "json_invalid" for e in errors):
        return problem(
            400, "the body is not valid JSON: " + _describe(errors), request.url.path, errors=errors
        )
    return problem(422, _describe(errors), request.url.path, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 405:
        allowed = headers.get("allow") or headers.get("Allow") or ""
        detail = f"{request.method} is not allowed on {request.url.path}"
        detail += f"; use {allowed.replace(', ', ' or ')}" if allowed else ""
    elif status == 404 and exc.detail == "Not Found":
        detail = f"no such path: {request.url.path} (the API is under /api/v1; see /docs)"
    elif status == 400 and "parsing the body" in str(exc.detail):
        detail = "the body could not be parsed as JSON (malformed, or nested too deeply)"
    else:
        detail = str(exc.detail)
    return problem(status, detail, request.url.path, headers=headers or None)


def database_unreachable(exc: BaseException) -> bool:
    """A lost or refused database connection (the server down or restarting), as opposed to a bug
    in a query: SQLAlchemy marks it ``connection_invalidated`` or raises ``OperationalError``
    (psycopg's "connection refused", "terminating connection", "server closed the connection")."""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    seen: BaseException | None = exc
    for _ in range(5):  # the cause chain: a wrapped driver error still counts
        if seen is None:
            return False
        if isinstance(seen, OperationalError | PoolTimeout):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    if database_unreachable(exc):
        # nothing was committed: the sender must retry (Alertmanager and PagerDuty do on 5xx)
        log.warning("database unreachable", extra={"path": request.url.path, "error": type(exc).__name__})
        return problem(
            503,
            "the database is unreachable; nothing was stored, retry later",
            request.url.path,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    log.exception("unexpected error", extra={"path": request.url.path})
    return problem(500, "internal error; the server log has the details", request.url.path)


class RejectNul:
    """ASGI middleware: a NUL character in the path or query string is a 400 before any route runs
    (PostgreSQL text cannot hold NUL, so it would otherwise fail deep in a query)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").lower()
            if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
                response = problem(
                    400,
                    "the URL contains a NUL character (%00), which no parameter may hold",
                    scope.get("path", ""),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(api: FastAPI) -> None:
    """Register the problem-details handlers and declare error responses in the OpenAPI document."""
    api.add_middleware(RejectNul)
    api.add_exception_handler(AutohealError, _autoheal_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(Exception, _unexpected)
    original = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema:
            return api.openapi_schema
        document = original()
        declare_errors(document)
        api.openapi_schema = document
        return document

    api.openapi = openapi  # type: ignore[method-assign]


def declare_errors(document: dict[str, Any]) -> None:
    """Add the Problem schema and every declared error status to every operation."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schemas["Problem"].pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in document.get("paths", {}).items():
        for op in operations.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            for status, description in DECLARED.items():
                if path == "/healthz" and status in (401, 403):
                    continue
                entry = responses.setdefault(str(status), {"description": description})
                entry.setdefault("description", description)
                entry["content"] = {MEDIA_TYPE: {"schema": ref}}
            # FastAPI's own HTTPValidationError schema is replaced by the problem format.
            responses["422"]["content"] = {MEDIA_TYPE: {"schema": ref}}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
