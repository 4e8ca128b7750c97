"""Group alerts by the configured labels, as Alertmanager's ``group_by`` does.

The derived service stands in for a missing ``service`` label, so alerts from sources that do not
label the service still group with the rest of their service.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from autoheal.domain.alerts import Alert
from autoheal.pipeline.stage import Batch, StageContext
from autoheal.store.models import AlertGroupRow


def group_labels(alert: Alert, group_by: list[str]) -> dict[str, str]:
    labels: Mapping[str, str] = alert.labels
    out: dict[str, str] = {}
    for name in group_by:
        if name == "alertname":
            out[name] = labels.get("alertname") or alert.name
        elif name == "service":
            out[name] = labels.get("service") or alert.service or ""
        else:
            out[name] = labels.get(name, "")
    return out


def group_key(labels: Mapping[str, str]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


class Group:
    name = "group"

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch:
        labels_by_key: dict[str, dict[str, str]] = {}
        for change in batch.changes:
            labels = group_labels(change.alert, ctx.config.group_by)
            change.group_key = group_key(labels)
            labels_by_key[change.group_key] = labels
        if not labels_by_key:
            return batch
        groups = {
            g.key: g
            for g in ctx.db.scalars(select(AlertGroupRow).where(AlertGroupRow.key.in_(list(labels_by_key))))
        }
        for change in batch.changes:
            assert change.group_key is not None
            group = groups.get(change.group_key)
            if group is None:
                alert = change.alert
                group = AlertGroupRow(
                    key=change.group_key,
                    labels=labels_by_key[change.group_key],
                    service=alert.service,
                    severity=alert.severity.value,
                    status=alert.status.value,
                    first_seen=ctx.now,
                    last_seen=ctx.now,
                )
                ctx.db.add(group)
                groups[change.group_key] = group
            change.group = group
        ctx.db.flush()
        return batch
