"""Which on-call reports there are to ask for: the teams (configured in ``reports.teams``, or
labelled ``team=`` on stored alerts) and the services of stored alerts, busiest first."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autoheal.reports.config import ReportsConfig
from autoheal.store.models import AlertRow


def known_scopes(session: Session, config: ReportsConfig) -> tuple[list[str], list[str]]:
    teams = set(config.teams)
    for (labels,) in session.execute(select(AlertRow.labels)):
        if isinstance(labels, dict) and labels.get("team"):
            teams.add(str(labels["team"]))
    busiest = session.execute(
        select(AlertRow.service, func.count())
        .where(AlertRow.service.is_not(None))
        .group_by(AlertRow.service)
        .order_by(func.count().desc(), AlertRow.service)
    )
    return sorted(teams), [str(s) for s, _ in busiest]
