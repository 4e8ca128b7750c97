"""Triage hand-off: every group with a newly firing, re-firing or resolved alert gets a ``triage``
job after commit.

The triage itself (noise / duplicate / known issue / signal) runs as a job, outside the webhook's
transaction, so that senders are acknowledged as soon as their alerts are durable. The verdict at
firing decides the page; the one at resolution says what the episode turned out to be: an alert
that resolved on its own within seconds, or is seen flapping, is acknowledged as noise then (unless
an earlier verdict of the episode rested on evidence, see the ``episode`` signal), and a resolved
group is never sent to a deep investigation (``FollowUps.run_triage``).
"""

from __future__ import annotations

from autoheal.pipeline.stage import Batch, Outcome, StageContext

_NEEDS_TRIAGE = (Outcome.NEW, Outcome.REFIRED, Outcome.RESOLVED)


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
