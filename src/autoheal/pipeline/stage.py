"""The one stage interface, and the batch that flows through the stages.

A stage is ``stage(ctx, batch) -> batch``. Stages before the commit boundary (``prepare``) are pure
and run in the request's thread; stages after it run inside one database transaction that the
:class:`~autoheal.pipeline.ingest.Ingestor` commits before any sender is acknowledged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session

from autoheal.config import PipelineConfig
from autoheal.domain.alerts import Alert
from autoheal.sources.rules import LabelRules
from autoheal.store.models import AlertGroupRow


class Outcome(StrEnum):
    NEW = "new"  # first time this fingerprint is seen
    REPEATED = "repeated"  # same status as stored: a re-delivery, nothing changes but last_seen
    RESOLVED = "resolved"  # a firing alert was closed by its resolved notification
    REFIRED = "refired"  # a resolved alert fires again


@dataclass(slots=True)
class Delivery:
    """One webhook body as it arrived."""

    source: str
    body: bytes
    payload: Any
    received_at: datetime
    alerts: list[Alert] = field(default_factory=list)
    payload_id: int | None = None  # the stored payload's id, set by the record stage


@dataclass(slots=True)
class StoredAlert:
    """The few stored columns the commit stages need (full rows are never loaded on the hot path)."""

    id: int
    status: str
    flapping: bool
    transitions: int
    deliveries: int
    resolved_at: datetime | None


@dataclass(slots=True)
class AlertChange:
    alert: Alert
    delivery: Delivery
    outcome: Outcome | None = None
    row: StoredAlert | None = None
    group: AlertGroupRow | None = None
    group_key: str | None = None
    flapping: bool = False


@dataclass(slots=True)
class Batch:
    deliveries: list[Delivery]
    changes: list[AlertChange] = field(default_factory=list)
    # follow-up jobs to enqueue once the transaction has committed: (kind, payload)
    followups: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def outcome_counts(self) -> dict[str, int]:
        return dict(Counter(c.outcome.value for c in self.changes if c.outcome))


@dataclass(slots=True)
class StageContext:
    now: datetime
    config: PipelineConfig
    rules: LabelRules
    session: Session | None = None

    @property
    def db(self) -> Session:
        if self.session is None:
            raise RuntimeError("this stage runs after the commit boundary and needs a session")
        return self.session


class Stage(Protocol):
    name: str

    def __call__(self, ctx: StageContext, batch: Batch) -> Batch: ...


@dataclass(frozen=True, slots=True)
class Pipeline:
    """``prepare`` stages run per delivery without a database; ``commit`` stages run on a batch of
    deliveries inside one transaction."""

    prepare: tuple[Stage, ...]
    commit: tuple[Stage, ...]

    def run_prepare(self, ctx: StageContext, batch: Batch) -> Batch:
        for stage in self.prepare:
            batch = stage(ctx, batch)
        return batch

    def run_commit(self, ctx: StageContext, batch: Batch) -> Batch:
        for stage in self.commit:
            batch = stage(ctx, batch)
        return batch

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in (*self.prepare, *self.commit)]
