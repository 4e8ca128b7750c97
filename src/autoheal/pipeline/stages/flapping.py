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
        in_batch: dict[tuple[str, str], int] = {}
        for change in batch.changes:
            if change.outcome not in _CHANGES:
                if change.row is not None:
                    change.flapping = change.row.flapping
                continue
            key = (change.alert.source, change.alert.fingerprint)
            in_batch[key] = in_batch.get(key, 0) + 1
            stored = 0
            if change.row is not None and change.row.id is not None:
                stored = (
                    ctx.db.scalar(
                        select(func.count())
                        .select_from(TransitionRow)
                        .where(TransitionRow.alert_id == change.row.id, TransitionRow.at >= since)
                    )
                    or 0
                )
            count = stored + in_batch[key]
            was = change.row.flapping if change.row is not None else False
            threshold = ctx.config.flap_threshold
            change.flapping = count >= threshold or (was and count >= threshold / 2)
        return batch
