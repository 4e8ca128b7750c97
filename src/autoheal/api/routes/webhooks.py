"""``POST /api/v1/alerts/{source}``: answered 2xx only after the alerts are committed."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from autoheal.api.auth import services, source_config, verify_sender
from autoheal.app import Autoheal
from autoheal.errors import AutohealError, InputError

router = APIRouter(tags=["ingest"])


class PayloadTooLarge(InputError):
    status_code = 413


class UnsupportedMediaType(InputError):
    status_code = 415


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise PayloadTooLarge(f"body of {declared} bytes exceeds the limit of {limit} bytes")
        except ValueError as exc:
            raise InputError("Content-Length is not a number") from exc
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not content_type:
        raise UnsupportedMediaType("no Content-Type header: send the body as application/json")
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType(f"content type {content_type!r} is not supported: send application/json")


@router.post(
    "/api/v1/alerts/{source}",
    summary="Receive an alert webhook",
    responses={
        200: {"description": "committed"},
        400: {"description": "malformed JSON, or nested too deeply"},
        401: {"description": "missing or wrong sender credentials"},
        404: {"description": "unknown source"},
        405: {"description": "only POST: a webhook URL is for senders"},
        413: {"description": "body too large"},
        415: {"description": "no Content-Type, or not JSON"},
        422: {"description": "payload does not match the source's format (the detail names the field)"},
    },
)
async def receive(source: str, request: Request, app: Autoheal = Depends(services)) -> JSONResponse:
    started = time.perf_counter()
    code = 500
    try:
        cfg = source_config(app, source)
        if cfg.auth is not None and cfg.auth.type == "bearer":
            verify_sender(cfg, request.headers, b"")
        body = await _read_limited(request, app.settings.pipeline.max_body_bytes)
        if cfg.auth is not None and cfg.auth.type == "hmac":
            verify_sender(cfg, request.headers, body)
        _check_content_type(request)
        batch = app.ingestor.prepare(source, body)
        result = await asyncio.wrap_future(app.ingestor.submit(batch))
        for outcome, n in result.outcomes.items():
            app.metrics.alerts_ingested.labels(source, outcome).inc(n)
        app.metrics.ingest_seconds.labels(source).observe(time.perf_counter() - started)
        code = 200
        return JSONResponse({"status": "committed", **result.to_dict()}, status_code=200)
    except AutohealError as exc:
        code = getattr(exc, "status_code", 500)
        raise
    finally:
        app.metrics.webhook_requests.labels(source if code != 404 else "unknown", str(code)).inc()
