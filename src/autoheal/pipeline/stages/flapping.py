"""Flapping detection: an alert that changed state ``flap_threshold`` times within the window.

Counted from the stored transitions plus the ones in this batch; an alert stops being flapping
once its transitions in the window fall below half the threshold (hysteresis, so the flag itself
does not flap).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from autoheal.pipeline.stage import Batch, Outcome, StageContext
from autoheal.store.models import TransitionRow

_CHANGES = (Outcome.RESOLVED, Outcome.REFIRED)


class DetectFlapping:
    name = "detect_flapping"

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch:
        since = ctx.now - timedelta(seconds=ctx.config.flap_window_seconds)
        ids = {c.row.id for c in batch.changes if c.outcome in _CHANGES and c.row is not None}
        stored: dict[int, int] = {}
        if ids:
            query = (
                select(TransitionRow.alert_id, func.count())
                .where(TransitionRow.alert_id.in_(ids), TransitionRow.at >= since)
                .group_by(TransitionRow.alert_id)
            )
            stored = {alert_id: int(n) for alert_id, n in ctx.db.execute(query)}
        in_batch: dict[tuple[str, str], int] = {}
        threshold = ctx.config.flap_threshold
        for change in batch.changes:
            was = change.row.flapping if change.row is not None else False
            if change.outcome not in _CHANGES:
                change.flapping = was
                continue
            key = (change.alert.source, change.alert.fingerprint)
            in_batch[key] = in_batch.get(key, 0) + 1
            count = (stored.get(change.row.id, 0) if change.row is not None else 0) + in_batch[key]
            change.flapping = count >= threshold or (was and count >= threshold / 2)
        return batch
