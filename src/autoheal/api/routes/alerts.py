"""Alerts and alert groups (read)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from autoheal.api.auth import require, services
from autoheal.api.params import id_path, offset_query
from autoheal.app import Autoheal
from autoheal.clock import utc
from autoheal.store.alerts import AlertFilter, AlertRepository, alert_to_dict, group_to_dict
from autoheal.store.conclusions import conclusions
from autoheal.store.db import MAX_ID
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1", tags=["alerts"], dependencies=[Depends(require(Role.VIEWER))])


@router.get("/alerts", summary="List alerts, most recently seen first")
def list_alerts(
    status: str | None = Query(None, pattern="^(firing|resolved)$"),
    service: str | None = None,
    source: str | None = None,
    group_id: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = offset_query(),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    with app.sessions() as session:
        rows = AlertRepository(session).list_alerts(
            AlertFilter(
                status=status, service=service, source=source, group_id=group_id, limit=limit, offset=offset
            )
        )
        return {"alerts": [alert_to_dict(r) for r in rows]}


@router.get("/alerts/{alert_id:int}", summary="One alert with its transitions and raw payload")
def get_alert(alert_id: int = id_path("alert"), app: Autoheal = Depends(services)) -> dict[str, Any]:
    with app.sessions() as session:
        repo = AlertRepository(session)
        row = repo.get_alert(alert_id)
        payload = repo.payload(row.payload_id)
        out = alert_to_dict(row)
        out["transitions"] = [
            {"status": t.status, "at": utc(t.at).isoformat(), "payload_id": t.payload_id}
            for t in repo.transitions(row.id)
        ]
        out["raw_payload"] = payload.body if payload else None
        return out


@router.get("/groups", summary="List alert groups")
def list_groups(
    status: str | None = Query(None, pattern="^(firing|resolved)$"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = offset_query(),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    with app.sessions() as session:
        groups = AlertRepository(session).list_groups(status=status, limit=limit, offset=offset)
        return {"groups": [group_to_dict(g, n) for g, n in groups]}


@router.get("/groups/{group_id}", summary="One alert group with its alerts")
def get_group(group_id: int = id_path("group"), app: Autoheal = Depends(services)) -> dict[str, Any]:
    with app.sessions() as session:
        repo = AlertRepository(session)
        group = repo.get_group(group_id)
        out = group_to_dict(group)
        out["alerts"] = [alert_to_dict(r) for r in repo.group_alerts(group_id)]
        out.update(conclusions(session, group.key))
        return out
