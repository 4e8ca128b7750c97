"""Record: the raw payload, the alerts, their transitions and the groups' roll-up, in the open
transaction (the ingestor commits it)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from autoheal.domain.alerts import AlertStatus, Severity
from autoheal.pipeline.stage import AlertChange, Batch, Delivery, Outcome, StageContext
from autoheal.store.models import AlertGroupRow, AlertRow, Payload, TransitionRow


def payload_digest(source: str, body: bytes) -> str:
    return hashlib.sha256(source.encode() + b"\0" + body).hexdigest()


class Record:
    name = "record"

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch:
        self._payloads(ctx, batch.deliveries)
        groups: dict[int, AlertGroupRow] = {}
        rows: dict[tuple[str, str], AlertRow] = {}
        for change in batch.changes:
            key = (change.alert.source, change.alert.fingerprint)
            if change.row is None and key in rows:  # seen earlier in this same batch
                change.row = rows[key]
            self._alert(ctx, change)
            assert change.row is not None
            rows[key] = change.row
            if change.group is not None:
                groups[id(change.group)] = change.group
        ctx.db.flush()
        for group in groups.values():
            self._roll_up(ctx, group)
        return batch

    def _payloads(self, ctx: StageContext, deliveries: list[Delivery]) -> None:
        digests = {payload_digest(d.source, d.body): d for d in deliveries}
        existing = {
            p.digest: p for p in ctx.db.scalars(select(Payload).where(Payload.digest.in_(list(digests))))
        }
        for digest, delivery in digests.items():
            row = existing.get(digest)
            if row is None:
                row = Payload(
                    source=delivery.source,
                    digest=digest,
                    received_at=delivery.received_at,
                    body=delivery.body.decode("utf-8", errors="replace"),
                    alert_count=len(delivery.alerts),
                )
                ctx.db.add(row)
                existing[digest] = row
        ctx.db.flush()
        for delivery in deliveries:
            delivery.payload_row = existing[payload_digest(delivery.source, delivery.body)]

    def _alert(self, ctx: StageContext, change: AlertChange) -> None:
        alert, now = change.alert, ctx.now
        payload = change.delivery.payload_row
        assert payload is not None
        row = change.row
        if row is None:
            row = AlertRow(
                source=alert.source,
                fingerprint=alert.fingerprint,
                first_seen=now,
                transitions=0,
                deliveries=0,
                expired=False,
            )
            ctx.db.add(row)
            change.row = row
        row.name = alert.name
        row.status = alert.status.value
        row.service = alert.service
        row.severity = alert.severity.value
        row.labels = dict(alert.labels)
        row.annotations = dict(alert.annotations)
        row.starts_at = alert.starts_at
        row.ends_at = alert.ends_at
        row.generator_url = alert.generator_url
        row.last_seen = now
        row.deliveries = (row.deliveries or 0) + 1
        row.payload_id = payload.id
        row.flapping = change.flapping
        if change.group is not None:
            row.group_id = change.group.id
        if alert.status is AlertStatus.RESOLVED:
            if row.resolved_at is None or change.outcome is not Outcome.REPEATED:
                row.resolved_at = alert.ends_at or now
        else:
            row.resolved_at = None
            row.expired = False
        if change.outcome is not Outcome.REPEATED:
            if change.outcome is not Outcome.NEW:
                row.transitions = (row.transitions or 0) + 1
            ctx.db.add(TransitionRow(alert=row, status=alert.status.value, at=now, payload_id=payload.id))

    def _roll_up(self, ctx: StageContext, group: AlertGroupRow) -> None:
        rows = list(ctx.db.scalars(select(AlertRow).where(AlertRow.group_id == group.id)))
        firing = [r for r in rows if r.status == AlertStatus.FIRING.value]
        group.status = AlertStatus.FIRING.value if firing else AlertStatus.RESOLVED.value
        considered = firing or rows
        if considered:
            group.severity = max((Severity(r.severity) for r in considered), key=lambda s: s.rank).value
            services = {r.service for r in considered if r.service}
            if len(services) == 1:
                group.service = services.pop()
        group.last_seen = ctx.now
