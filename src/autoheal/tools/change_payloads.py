"""Pure functions from change webhook payloads to :class:`ChangeEvent` (used by POST /api/v1/changes).

Generic format: one object, a list of objects, or ``{"changes": [...]}``; each object::

    {"service": "checkout", "kind": "deploy", "summary": "v1.4.2 rolled out",
     "at": "2026-01-01T12:00:00Z", "version": "v1.4.2", "previous_version": "v1.4.1",
     "author": "jane", "id": "optional-stable-id", "attributes": {...}}

``service`` and ``summary`` are required; ``kind`` defaults to ``deploy`` (deploy, config,
feature_flag, infra, rollback); ``at`` defaults to the time of receipt; ``id`` defaults to a hash
of the other fields (so a re-delivery is idempotent).

GitHub: ``deployment`` and ``deployment_status`` events (header ``X-GitHub-Event``). The service is
``deployment.payload.service`` when the deployer set it, else the repository name. Both events of one
deployment share the id ``github-deployment-<id>``, so the latest status replaces the earlier one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from autoheal.clock import utc
from autoheal.errors import PayloadError
from autoheal.telemetry.model import ChangeEvent, ChangeKind

GITHUB_EVENTS = ("deployment", "deployment_status")


class GenericChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = Field(min_length=1, max_length=256)
    summary: str = Field(min_length=1, max_length=2000)
    kind: ChangeKind = ChangeKind.DEPLOY
    at: datetime | None = None
    version: str | None = Field(None, max_length=256)
    previous_version: str | None = Field(None, max_length=256)
    author: str | None = Field(None, max_length=256)
    id: str | None = Field(None, min_length=1, max_length=256)
    attributes: dict[str, Any] = Field(default_factory=dict)


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())


def parse_generic(payload: Any, now: datetime) -> list[ChangeEvent]:
    """Changes in the generic format; raises :class:`PayloadError` saying what is wrong."""
    if isinstance(payload, dict) and "changes" in payload:
        payload = payload["changes"]
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise PayloadError("no changes in the payload")
    if len(items) > 1000:
        raise PayloadError("at most 1000 changes per request")
    out = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(f"change {n}: expected a JSON object, got {type(item).__name__}")
        try:
            change = GenericChange.model_validate(item)
        except ValidationError as exc:
            raise PayloadError(f"change {n}: {_describe(exc)}") from None
        at = utc(change.at) if change.at else utc(now)
        cid = (
            change.id
            or "chg-"
            + hashlib.sha256(
                json.dumps(
                    [change.service, change.kind, change.summary, change.version, at.isoformat()]
                ).encode()
            ).hexdigest()[:16]
        )
        out.append(
            ChangeEvent(
                id=cid,
                at=at,
                service=change.service,
                kind=change.kind,
                summary=change.summary,
                version=change.version,
                previous_version=change.previous_version,
                author=change.author,
                source="api",
                attributes=change.attributes,
            )
        )
    return out


def _when(value: Any, now: datetime) -> datetime:
    if not value:
        return utc(now)
    try:
        return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise PayloadError(f"bad timestamp {value!r}") from None


def parse_github(event: str, payload: Any, now: datetime) -> ChangeEvent | None:
    """A GitHub ``deployment`` / ``deployment_status`` event as a change (None for ``ping``)."""
    if event == "ping":
        return None
    if event not in GITHUB_EVENTS:
        raise PayloadError(f"GitHub event {event!r} is not a change; send deployment or deployment_status")
    if not isinstance(payload, dict) or not isinstance(payload.get("deployment"), dict):
        raise PayloadError(f"a GitHub {event} event needs a 'deployment' object")
    dep = payload["deployment"]
    if dep.get("id") is None:
        raise PayloadError("deployment.id is missing")
    repo = payload.get("repository") or {}
    dep_payload = dep.get("payload") if isinstance(dep.get("payload"), dict) else {}
    service = dep_payload.get("service") or repo.get("name")
    if not service:
        raise PayloadError("cannot tell the service: set deployment.payload.service or send repository.name")
    environment = dep.get("environment")
    sha = dep.get("sha")
    if event == "deployment_status":
        status = payload.get("deployment_status")
        if not isinstance(status, dict) or not status.get("state"):
            raise PayloadError("a deployment_status event needs deployment_status.state")
        state = str(status["state"])
        at = _when(status.get("updated_at") or status.get("created_at"), now)
        author = (status.get("creator") or {}).get("login") or (dep.get("creator") or {}).get("login")
        description = status.get("description") or dep.get("description")
    else:
        state = "created"
        at = _when(dep.get("created_at"), now)
        author = (dep.get("creator") or {}).get("login")
        description = dep.get("description")
    ref = dep.get("ref") or (sha[:12] if sha else "?")
    summary = f"deploy {ref} to {environment or 'unknown environment'}: {state}"
    if description:
        summary += f" ({description})"
    return ChangeEvent(
        id=f"github-deployment-{dep['id']}",
        at=at,
        service=str(service),
        kind=ChangeKind.ROLLBACK if dep_payload.get("rollback") else ChangeKind.DEPLOY,
        summary=summary[:2000],
        version=sha or dep.get("ref"),
        previous_version=dep_payload.get("previous_version"),
        author=author,
        source="github",
        attributes={
            "state": state,
            "environment": environment,
            "ref": dep.get("ref"),
            "repository": repo.get("full_name"),
            "task": dep.get("task"),
        },
    )
