"""What an investigation is about: turn ``ALERT_OR_GROUP_ID`` into a subject and its alerts.

Accepted forms: ``group:ID`` or ``alert:ID`` (database ids), a bare number (an alert id, else a
group id), a fingerprint, or a group key. Firing alerts are investigated; a group whose alerts
have all resolved is investigated on all of them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.errors import InputError, NotFoundError
from autoheal.store.alerts import AlertRepository, alert_from_row
from autoheal.store.db import MAX_ID
from autoheal.store.models import AlertGroupRow, AlertRow


def load_subject(session: Session, ident: str) -> tuple[str, list[Alert]]:
    ident = ident.strip()
    if "\x00" in ident:
        raise InputError("the target contains a NUL character")
    kind, _, value = ident.partition(":") if ident.startswith(("group:", "alert:")) else ("", "", ident)
    # database ids are 64-bit: a longer number names no row (and would overflow the query)
    is_id = value.isascii() and value.isdigit() and int(value) <= MAX_ID
    if kind in ("", "alert") and is_id:
        row = session.get(AlertRow, int(value))
        if row is not None:
            return f"{row.name} on {row.service or '?'}", _alerts_of(session, row)
    if kind in ("", "group") and is_id:
        group = session.get(AlertGroupRow, int(value))
        if group is not None:
            return group.key, _group_alerts(session, group.id)
    if not kind:
        alert = session.execute(select(AlertRow).where(AlertRow.fingerprint == value)).scalars().first()
        if alert is not None:
            return f"{alert.name} on {alert.service or '?'}", _alerts_of(session, alert)
        group = session.execute(select(AlertGroupRow).where(AlertGroupRow.key == value)).scalars().first()
        if group is not None:
            return group.key, _group_alerts(session, group.id)
    raise NotFoundError(
        f"no alert or alert group {ident!r}: use an alert id, group:ID, a fingerprint or a group key "
        "(see `autoheal alerts list`)"
    )


def _alerts_of(session: Session, row: AlertRow) -> list[Alert]:
    """The alert and the other firing alerts of its group (they share the incident)."""
    if row.group_id is None:
        return [alert_from_row(row)]
    group = _group_alerts(session, row.group_id)
    return group if any(a.fingerprint == row.fingerprint for a in group) else [alert_from_row(row), *group]


def _group_alerts(session: Session, group_id: int) -> list[Alert]:
    alerts = [alert_from_row(r) for r in AlertRepository(session).group_alerts(group_id)]
    firing = [a for a in alerts if a.status is AlertStatus.FIRING]
    return firing or alerts
