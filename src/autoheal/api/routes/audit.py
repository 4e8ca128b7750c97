"""The audit trail over HTTP (admin): what ``autoheal audit verify`` and ``autoheal audit export``
do with ``--url``.

* ``GET /api/v1/audit/verify`` — the server recomputes its chain and says whether it is intact
  (records, head, checkpoints, the first bad record). This is the server's own word; an auditor
  who does not trust the server exports the records and verifies them elsewhere.
* ``GET /api/v1/audit/records?after=SEQ&limit=N&since=TIME`` — records in ``seq`` order with their
  hashes (the same JSON as ``autoheal audit export``); page with ``after`` = the last ``seq``.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from autoheal.api.auth import require, services
from autoheal.app import Autoheal
from autoheal.store.db import MAX_ID
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(require(Role.ADMIN))])


@router.get("/verify", summary="Recompute the audit chain on the server")
def verify(app: Autoheal = Depends(services)) -> dict[str, Any]:
    from autoheal.audit.verify import verify_chain

    app.governance.audit.flush()  # records still being written are part of the chain
    report = verify_chain(app.engine)
    return {
        "ok": report.ok,
        "records": report.records,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "checkpoints_checked": report.checkpoints_checked,
        "signatures_checked": report.signatures_checked,
        "first_bad": str(report.first_bad) if report.first_bad else None,
        "problems": [str(p) for p in report.problems[:100]],
        "warnings": report.warnings,
    }


@router.get("/records", summary="Audit records in order, with their hashes (paged)")
def records(
    after: int = Query(0, ge=0, le=MAX_ID, description="only records with a larger seq"),
    limit: int = Query(1000, ge=1, le=10_000),
    since: datetime | None = Query(None, description="only records at or after this time (with a zone)"),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    from autoheal.audit.trail import iter_records
    from autoheal.clock import utc
    from autoheal.errors import InputError

    if since is not None and since.tzinfo is None:
        raise InputError("since needs a time zone (e.g. 2026-12-01T00:00:00Z)")
    found = list(
        itertools.islice(
            iter_records(
                app.engine, since=utc(since) if since else None, after=after, chunk=min(limit, 1000)
            ),
            limit,
        )
    )
    return {"records": [r.to_dict() for r in found], "next_after": found[-1].seq if found else None}
