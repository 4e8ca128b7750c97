"""Deduplicate by fingerprint: decide for every alert whether it is new, a repeat, a resolution or
a re-fire, against what is stored and what came earlier in the same batch."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from autoheal.domain.alerts import AlertStatus
from autoheal.pipeline.stage import Batch, Outcome, StageContext, StoredAlert
from autoheal.store.models import AlertRow

_COLUMNS = (
    AlertRow.source,
    AlertRow.fingerprint,
    AlertRow.id,
    AlertRow.status,
    AlertRow.flapping,
    AlertRow.transitions,
    AlertRow.deliveries,
    AlertRow.resolved_at,
)


class Deduplicate:
    name = "deduplicate"

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch:
        keys = list({(c.alert.source, c.alert.fingerprint) for c in batch.changes})
        stored: dict[tuple[str, str], StoredAlert] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            query = select(*_COLUMNS).where(tuple_(AlertRow.source, AlertRow.fingerprint).in_(chunk))
            for row in ctx.db.execute(query):
                source, fp, alert_id, current, flapping, transitions, deliveries, resolved_at = row
                stored[(source, fp)] = StoredAlert(
                    alert_id, current, flapping, transitions, deliveries, resolved_at
                )
        # Status as it will be after each earlier change of this batch (sequential semantics).
        status: dict[tuple[str, str], str] = {k: r.status for k, r in stored.items()}
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
            change.row = stored.get(key)
            status[key] = new
        return batch
