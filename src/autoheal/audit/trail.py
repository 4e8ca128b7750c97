"""The append-only audit trail.

One writer at a time: appends hold a process lock and run in one transaction that reads the chain
head and inserts the next records (on PostgreSQL also under a transaction-scoped advisory lock, so
several processes can share one trail). ``seq`` is the primary key, so two writers that raced past
the lock would collide on it; the loser re-reads the head and retries.

Two durability modes:

* ``sync`` — :meth:`AuditTrail.append` returns after the record is committed.
* ``async`` — appends are queued and a background writer commits them in batches (group commit),
  keeping the order in which they were appended. :meth:`flush` waits until everything queued is
  committed and :meth:`close` flushes and stops the writer. A process killed with ``kill -9``
  loses at most what was queued and not yet committed (typically under ``flush_interval``).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from autoheal.audit.chain import GENESIS, AuditRecord, canonical_json, seal
from autoheal.audit.store import AuditRecordRow
from autoheal.clock import Clock, SystemClock
from autoheal.errors import StoreError

log = logging.getLogger(__name__)

Durability = Literal["sync", "async"]
_ADVISORY_LOCK_KEY = 0x4155444954  # "AUDIT"
_MAX_ATTEMPTS = 8
_T: Table = AuditRecordRow.__table__  # type: ignore[assignment]


def format_time(when: datetime) -> str:
    """The one textual form of a time in the trail (sortable as text)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


_Pending = tuple[str, str, str, str]  # at, kind, actor, payload text


class AuditTrail:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock | None = None,
        durability: Durability = "sync",
        batch_max: int = 512,
        flush_interval: float = 0.05,
    ) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()
        self._durability = durability
        self._lock = threading.Lock()
        self._batch_max = batch_max
        self._flush_interval = flush_interval
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._failed: BaseException | None = None
        if durability == "async":
            self._writer = threading.Thread(target=self._run_writer, name="audit-writer", daemon=True)
            self._writer.start()

    @property
    def durability(self) -> Durability:
        return self._durability

    # -- writing -----------------------------------------------------------------------------
    def append(self, kind: str, actor: str, payload: Mapping[str, Any]) -> AuditRecord | None:
        """Append one record. Returns it in ``sync`` mode; ``None`` in ``async`` mode (queued)."""
        item = (format_time(self._clock.now()), str(kind), actor, canonical_json(payload))
        if self._writer is not None:
            if self._failed is not None:
                raise StoreError(f"the audit writer stopped: {self._failed}")
            self._queue.put(item)
            return None
        return self._write([item])[0]

    def flush(self) -> None:
        if self._writer is not None:
            self._queue.join()
            if self._failed is not None:
                raise StoreError(f"the audit writer stopped: {self._failed}")

    def close(self) -> None:
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        self._writer = None

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run_writer(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            batch: list[_Pending] = []
            taken = 1
            if first is None:
                stop = True
            else:
                batch.append(first)
            while len(batch) < self._batch_max:
                try:
                    item = self._queue.get(timeout=self._flush_interval if not batch else 0.0005)
                except queue.Empty:
                    break
                taken += 1
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                if batch:
                    self._write(batch)
            except BaseException as exc:  # keep the failure visible to flush()/append()
                log.exception("audit writer failed; %d records not written", len(batch))
                self._failed = exc
            finally:
                for _ in range(taken):
                    self._queue.task_done()

    def _write(self, items: list[_Pending]) -> list[AuditRecord]:
        with self._lock:
            last_error: Exception | None = None
            for _attempt in range(_MAX_ATTEMPTS):
                try:
                    return self._write_once(items)
                except (IntegrityError, OperationalError) as exc:  # another writer won the race
                    last_error = exc
            raise StoreError(f"could not append to the audit trail: {last_error}")

    def _write_once(self, items: list[_Pending]) -> list[AuditRecord]:
        with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
            head = conn.execute(select(_T.c.seq, _T.c.hash).order_by(_T.c.seq.desc()).limit(1)).first()
            seq, prev = (head[0], head[1]) if head else (0, GENESIS)
            records = []
            for at, kind, actor, payload in items:
                seq += 1
                rec = seal(seq, at, kind, actor, payload, prev)
                records.append(rec)
                prev = rec.hash
            conn.execute(
                insert(_T),
                [
                    {
                        "seq": r.seq,
                        "at": r.at,
                        "kind": r.kind,
                        "actor": r.actor,
                        "payload": r.payload,
                        "prev_hash": r.prev_hash,
                        "hash": r.hash,
                    }
                    for r in records
                ],
            )
            return records

    # -- reading -----------------------------------------------------------------------------
    def head(self) -> AuditRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(_T).order_by(_T.c.seq.desc()).limit(1)).first()
        return AuditRecord(*row) if row else None

    def records(self, *, since: datetime | None = None, chunk: int = 1000) -> Iterator[AuditRecord]:
        yield from iter_records(self._engine, since=since, chunk=chunk)


def iter_records(
    engine: Engine, *, since: datetime | None = None, chunk: int = 1000, after: int = 0
) -> Iterator[AuditRecord]:
    """Every stored record in ``seq`` order (those after ``after``), read in chunks (bounded memory)."""
    cols = (_T.c.seq, _T.c.at, _T.c.kind, _T.c.actor, _T.c.payload, _T.c.prev_hash, _T.c.hash)
    while True:
        query = select(*cols).where(_T.c.seq > after).order_by(_T.c.seq).limit(chunk)
        if since is not None:
            query = query.where(_T.c.at >= format_time(since))
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield AuditRecord(*row)
        after = rows[-1][0]
