"""A :class:`~autoheal.fixes.base.FixContext` from what the store holds: the investigation and
its report, the alerts it covered, the firing history with triage verdicts and human outcomes,
and the rules repository (``fixes.rules_dir``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.clock import utc
from autoheal.domain.alerts import Alert
from autoheal.fixes.base import Firing, FixContext, SeriesSource
from autoheal.fixes.config import FixesConfig
from autoheal.fixes.generators.leading import SEARCH_SECONDS
from autoheal.fixes.rules import load_rules
from autoheal.reasoning import store as reasoning_store
from autoheal.reasoning.reading import expression_from_url
from autoheal.reasoning.store import TriageVerdictFingerprintRow, TriageVerdictRow
from autoheal.store.alerts import alert_from_row
from autoheal.store.models import AlertRow, TransitionRow

HISTORY_DAYS = 30
INCIDENT_VERDICTS = ("signal", "known_issue")


def firing_history(session: Session, since: datetime, now: datetime) -> list[Firing]:
    """Every firing episode since ``since`` (from the alert transitions), each with the first
    triage verdict assessed during it and that verdict's human outcome."""
    alerts = {r.id: r for r in session.scalars(select(AlertRow).where(AlertRow.last_seen >= since))}
    if not alerts:
        return []
    moves: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for ids in reasoning_store.chunks(alerts):
        for alert_id, status, at in session.execute(
            select(TransitionRow.alert_id, TransitionRow.status, TransitionRow.at)
            .where(TransitionRow.alert_id.in_(ids))
            .order_by(TransitionRow.at, TransitionRow.id)
        ):
            moves[alert_id].append((utc(at), status))
    verdicts: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    fps = [r.fingerprint for r in alerts.values()]
    for chunk in reasoning_store.chunks(fps):
        for fp, at, kind, outcome in session.execute(
            select(
                TriageVerdictFingerprintRow.fingerprint,
                TriageVerdictRow.assessed_at,
                TriageVerdictRow.kind,
                TriageVerdictRow.outcome,
            )
            .join(TriageVerdictRow, TriageVerdictRow.id == TriageVerdictFingerprintRow.verdict_id)
            .where(TriageVerdictFingerprintRow.fingerprint.in_(chunk))
            .order_by(TriageVerdictRow.assessed_at)
        ):
            verdicts[fp].append((utc(at), kind, outcome))
    out: list[Firing] = []
    for alert_id, row in alerts.items():
        episodes: list[tuple[datetime, datetime | None]] = []
        for at, status in moves.get(alert_id, []):
            if status == "firing" and (not episodes or episodes[-1][1] is not None):
                episodes.append((at, None))
            elif status == "resolved" and episodes and episodes[-1][1] is None:
                episodes[-1] = (episodes[-1][0], at)
        expr = expression_from_url(row.generator_url) if row.generator_url else None
        for start, end in episodes:
            if start < since:
                continue
            seen = [
                (k, o)
                for at, k, o in verdicts.get(row.fingerprint, [])
                if start <= at and (end is None or at <= end)
            ]
            kind, outcome = seen[0] if seen else ("", "")
            incident = outcome == "actionable" or (kind in INCIDENT_VERDICTS and outcome != "not_actionable")
            out.append(
                Firing(
                    row.name,
                    row.service,
                    row.fingerprint,
                    start,
                    end,
                    kind or None,
                    outcome or None,
                    incident,
                    expr or None,
                    {str(k): str(v) for k, v in (row.labels or {}).items()},
                )
            )
    return sorted(out, key=lambda f: (f.starts_at, f.alertname))


def _as_investigated(session: Session, row: AlertRow, started: datetime) -> Alert:
    """The alert as the investigation saw it: an alert row holds its latest episode, so its
    start is taken from the last firing transition at or before the investigation began."""
    alert = alert_from_row(row)
    if alert.starts_at <= started:
        return alert
    at = session.scalar(
        select(TransitionRow.at)
        .where(
            TransitionRow.alert_id == row.id, TransitionRow.status == "firing", TransitionRow.at <= started
        )
        .order_by(TransitionRow.at.desc())
        .limit(1)
    )
    return alert if at is None else replace(alert, starts_at=utc(at), ends_at=None)


def context_for_investigation(
    session: Session,
    investigation_id: str,
    series: SeriesSource,
    config: FixesConfig,
    now: datetime,
    *,
    timeline: Sequence[Mapping[str, Any]] = (),
    resolved_at: datetime | None = None,
    ref: str | None = None,
) -> FixContext | None:
    """The context for a finished investigation with a root cause (``None`` otherwise)."""
    row = reasoning_store.get_investigation(session, investigation_id)
    report = row.report or {}
    causes = report.get("causes") or []
    if row.status != "finished" or not causes:
        return None
    rows = [
        r
        for chunk in reasoning_store.chunks(row.alert_fingerprints)
        for r in session.scalars(select(AlertRow).where(AlertRow.fingerprint.in_(chunk)))
    ]
    if not rows:
        return None
    alerts = [_as_investigated(session, r, utc(row.started_at)) for r in rows]
    alerts.sort(key=lambda a: a.starts_at)
    first = alerts[0].starts_at
    ref_end = first - timedelta(seconds=SEARCH_SECONDS)
    hyp = causes[0]["hypothesis"]
    return FixContext(
        ref=ref or investigation_id,
        service=hyp["service"],
        cause_kind=hyp["kind"],
        alerts=alerts,
        report=report,
        series=series,
        config=config,
        reference=(ref_end - timedelta(seconds=config.reference_seconds), ref_end),
        rules=load_rules(config.rules_dir) if config.rules_dir else (),
        firings=firing_history(session, now - timedelta(days=HISTORY_DAYS), now),
        timeline=timeline,
        resolved_at=resolved_at,
        now=now,
    )
