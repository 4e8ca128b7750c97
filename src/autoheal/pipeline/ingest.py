"""The ingestor: runs the pipeline and commits before anyone is acknowledged.

Deliveries are committed in groups by one writer thread (group commit): many concurrent webhooks
share one transaction and one fsync, and each caller's future completes only after that commit.
If a batch fails, each of its deliveries is retried alone, so one bad delivery cannot fail others.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock
from autoheal.config import PipelineConfig
from autoheal.errors import AutohealError, InputError, StoreError
from autoheal.jobs import JobQueue
from autoheal.pipeline.stage import Batch, Delivery, Pipeline, StageContext
from autoheal.sources.rules import LabelRules

log = logging.getLogger(__name__)

MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class IngestResult:
    source: str
    payload_id: int
    alerts: int
    outcomes: dict[str, int]
    alert_ids: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "payload_id": self.payload_id,
            "alerts": self.alerts,
            "outcomes": self.outcomes,
            "alert_ids": list(self.alert_ids),
        }


MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in a body (real payloads nest 4-6 levels)."""


def _no_constants(name: str) -> Any:
    raise InputError(f"{name} is not valid JSON (RFC 8259 has no NaN or Infinity): send a number or null")


def parse_json(body: bytes) -> Any:
    """Decode a request body: strict JSON (no NaN/Infinity), at most ``MAX_JSON_DEPTH`` levels deep.
    Raises :class:`InputError` (400) saying what is wrong."""
    if not body.strip():
        raise InputError("empty body: expected a JSON document")
    try:
        payload = json.loads(body, parse_constant=_no_constants)
    except UnicodeDecodeError as exc:
        raise InputError(f"body is not UTF-8 text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except RecursionError:
        raise InputError(f"JSON nested deeper than the limit of {MAX_JSON_DEPTH} levels") from None
    _check_depth(payload)
    return payload


def _check_depth(payload: Any) -> None:
    level: list[Any] = [payload]
    for _depth in range(MAX_JSON_DEPTH):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return
    raise InputError(f"JSON nested deeper than the limit of {MAX_JSON_DEPTH} levels")


@dataclass(slots=True)
class _Pending:
    batch: Batch
    future: Future[IngestResult]


class Ingestor:
    def __init__(
        self,
        pipeline: Pipeline,
        sessions: sessionmaker[Session],
        clock: Clock,
        config: PipelineConfig,
        rules: LabelRules,
        jobs: JobQueue | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._sessions = sessions
        self._clock = clock
        self._config = config
        self._rules = rules
        self._jobs = jobs
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    # -- public ---------------------------------------------------------------------------
    def prepare(self, source: str, body: bytes, payload: Any | None = None) -> Batch:
        """Parse and normalise (pure). Raises InputError subclasses for bad input."""
        if payload is None:
            payload = parse_json(body)
        now = self._clock.now()
        batch = Batch(deliveries=[Delivery(source=source, body=body, payload=payload, received_at=now)])
        ctx = StageContext(now=now, config=self._config, rules=self._rules)
        return self._pipeline.run_prepare(ctx, batch)

    def submit(self, batch: Batch) -> Future[IngestResult]:
        future: Future[IngestResult] = Future()
        with self._lock:
            if self._closed:
                raise StoreError("the ingestor is shut down")
            if self._writer is None:
                self._writer = threading.Thread(target=self._run, name="autoheal-writer", daemon=True)
                self._writer.start()
        self._queue.put(_Pending(batch, future))
        return future

    def ingest(self, source: str, body: bytes, payload: Any | None = None) -> IngestResult:
        """Normalise, commit and return once durable (what the webhook handler calls)."""
        return self.submit(self.prepare(source, body, payload)).result()

    def close(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._closed = True
            writer = self._writer
        if writer is not None:
            self._queue.put(None)
            writer.join(timeout)

    # -- writer thread --------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            pending = [first]
            while len(pending) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                pending.append(item)
            self._commit_group(pending)

    def _commit_group(self, pending: list[_Pending]) -> None:
        try:
            merged = Batch(deliveries=[d for p in pending for d in p.batch.deliveries])
            merged.changes = [c for p in pending for c in p.batch.changes]
            self._commit(merged)
        except Exception as exc:
            if len(pending) == 1:
                self._fail(pending[0], exc)
                return
            log.warning("group commit of %d deliveries failed (%s); retrying one by one", len(pending), exc)
            for item in pending:
                try:
                    self._commit(item.batch)
                except Exception as inner:
                    self._fail(item, inner)
                else:
                    self._resolve(item)
            return
        for item in pending:
            self._resolve(item)

    def _commit(self, batch: Batch) -> None:
        for attempt in range(3):
            batch.followups.clear()
            for change in batch.changes:
                change.row = change.group = None
                change.outcome = None
            with self._sessions() as session:
                ctx = StageContext(
                    now=self._clock.now(), config=self._config, rules=self._rules, session=session
                )
                try:
                    self._pipeline.run_commit(ctx, batch)
                    self._enqueue_followups(session, batch)
                    session.commit()
                except Exception as exc:
                    session.rollback()
                    if attempt < 2 and _is_conflict(exc):
                        time.sleep(0.01 * (attempt + 1))
                        continue
                    raise
            break

    def _enqueue_followups(self, session: Session, batch: Batch) -> None:
        """The batch's follow-up jobs (triage) join its transaction: a durable queue stores them
        in the same commit as the alerts; an in-memory queue submits them once it commits."""
        if self._jobs is None:
            return
        for kind, payload in batch.followups:
            if self._jobs.handles(kind):
                self._jobs.enqueue(session, kind, payload)

    def _resolve(self, item: _Pending) -> None:
        batch = item.batch
        delivery = batch.deliveries[0]
        assert delivery.payload_id is not None
        result = IngestResult(
            source=delivery.source,
            payload_id=delivery.payload_id,
            alerts=len(batch.changes),
            outcomes=batch.outcome_counts(),
            alert_ids=tuple(c.row.id for c in batch.changes if c.row is not None),
        )
        item.future.set_result(result)

    def _fail(self, item: _Pending, exc: BaseException) -> None:
        if isinstance(exc, AutohealError):
            item.future.set_exception(exc)
        else:
            log.exception("ingest failed", exc_info=exc)
            item.future.set_exception(StoreError(f"the alert could not be stored: {exc}"))


def _is_conflict(exc: Exception) -> bool:
    from sqlalchemy.exc import IntegrityError, OperationalError

    return isinstance(exc, IntegrityError | OperationalError)
