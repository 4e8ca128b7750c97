"""Triage hand-off: every group with a newly firing (or re-firing) alert gets a ``triage`` job
after commit.

The triage itself (noise / duplicate / known issue / signal) runs as a job, outside the webhook's
transaction, so that senders are acknowledged as soon as their alerts are durable. A resolution
does not re-triage: the verdict that decided whether to page stands, and the resolution is history
the next triage of that fingerprint reads (how fast it self-resolved, how often it flaps).
"""

from __future__ import annotations

from autoheal.pipeline.stage import Batch, Outcome, StageContext

_NEEDS_TRIAGE = (Outcome.NEW, Outcome.REFIRED)


class RequestTriage:
    name = "request_triage"

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch:
        seen: set[int] = set()
        for change in batch.changes:
            if change.outcome in _NEEDS_TRIAGE and change.group is not None:
                gid = change.group.id
                if gid not in seen:
                    seen.add(gid)
                    batch.followups.append(("triage", {"group_id": gid}))
        return batch
