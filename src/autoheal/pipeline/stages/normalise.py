"""Turn each raw payload into domain alerts with its source's pure normaliser."""

from __future__ import annotations

from autoheal.pipeline.stage import AlertChange, Batch, StageContext
from autoheal.sources import get_source
from autoheal.sources._fields import check_alert


class Normalise:
    name = "normalise"

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch:
        for delivery in batch.deliveries:
            source = get_source(delivery.source)
            delivery.alerts = list(source.normalise(delivery.payload, ctx.rules))
            for index, alert in enumerate(delivery.alerts):
                check_alert(alert, delivery.received_at, f"alerts[{index}]")
            batch.changes.extend(AlertChange(alert=a, delivery=delivery) for a in delivery.alerts)
        return batch
