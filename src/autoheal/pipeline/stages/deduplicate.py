"""Deduplicate by fingerprint: decide for every alert whether it is new, a repeat, a resolution or
a re-fire, against what is stored and what came earlier in the same batch."""

from __future__ import annotations

from sqlalchemy import select

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
        # One lookup per source: ``source = ? AND fingerprint IN (...)`` is a search of the unique
        # index (source, fingerprint); a row-value ``(source, fingerprint) IN (...)`` is not, and
        # SQLite answers it by scanning the whole alerts table for every batch.
        by_source: dict[str, set[str]] = {}
        for c in batch.changes:
            by_source.setdefault(c.alert.source, set()).add(c.alert.fingerprint)
        stored: dict[tuple[str, str], StoredAlert] = {}
        for source, fingerprints in by_source.items():
            ordered = sorted(fingerprints)
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                query = select(*_COLUMNS).where(AlertRow.source == source, AlertRow.fingerprint.in_(chunk))
                for row in ctx.db.execute(query):
                    source_, fp, alert_id, current, flapping, transitions, deliveries, resolved_at = row
                    stored[(source_, fp)] = StoredAlert(
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
