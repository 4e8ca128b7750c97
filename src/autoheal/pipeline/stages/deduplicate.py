"""Deduplicate by fingerprint: decide for every alert whether it is new, a repeat, a resolution or
a re-fire, against what is stored and what came earlier in the same batch."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from autoheal.domain.alerts import AlertStatus
from autoheal.pipeline.stage import Batch, Outcome, StageContext
from autoheal.store.models import AlertRow


class Deduplicate:
    name = "deduplicate"

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch:
        keys = {(c.alert.source, c.alert.fingerprint) for c in batch.changes}
        rows: dict[tuple[str, str], AlertRow] = {}
        if keys:
            found = ctx.db.scalars(
                select(AlertRow).where(tuple_(AlertRow.source, AlertRow.fingerprint).in_(list(keys)))
            )
            rows = {(r.source, r.fingerprint): r for r in found}
        # Status as it will be after each earlier change of this batch (sequential semantics).
        status: dict[tuple[str, str], str] = {k: r.status for k, r in rows.items()}
        for change in batch.changes:
            key = (change.alert.source, change.alert.fingerprint)
            previous = status.get(key)
            new = change.alert.status.value
            if previous is None:
                change.outcome = Outcome.NEW
            elif previous == new:
                change.outcome = Outcome.REPEATED
            elif new == AlertStatus.RESOLVED:
                change.outcome = Outcome.RESOLVED
            else:
                change.outcome = Outcome.REFIRED
            change.row = rows.get(key)
            status[key] = new
        return batch
