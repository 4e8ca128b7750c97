"""``changes.list``: deploys, config changes and feature-flag flips in a window, from every source.

Sources: :class:`StoreChanges` (the embedded change store, fed by ``POST /api/v1/changes`` and the
simulator) and :class:`~autoheal.tools.changes_git.GitChanges` (a repository's history). The tool
merges them, oldest first. One source failing makes the result ERROR only if every source failed;
otherwise the failure is reported in ``meta["failed_sources"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, Field, model_validator

from autoheal.clock import utc
from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.telemetry.model import ChangeEvent, ChangeKind
from autoheal.telemetry.stores import ChangeStore


class ChangesArgs(BaseModel):
    start: datetime
    end: datetime
    service: str | None = None
    kind: ChangeKind | None = None
    limit: int = Field(200, ge=1, le=5000)

    @model_validator(mode="after")
    def _check(self) -> ChangesArgs:
        if utc(self.end) < utc(self.start):
            raise ValueError("end must not be before start")
        return self


class ChangeSource(Protocol):
    kind: str

    def changes(
        self, start: datetime, end: datetime, service: str | None
    ) -> tuple[list[ChangeEvent], ToolResult | None]: ...


class StoreChanges:
    kind = "store"

    def __init__(self, store: ChangeStore) -> None:
        self.store = store

    def changes(
        self, start: datetime, end: datetime, service: str | None
    ) -> tuple[list[ChangeEvent], ToolResult | None]:
        return self.store.changes(start=utc(start), end=utc(end), service=service), None


def change_dict(change: ChangeEvent) -> dict[str, Any]:
    return {
        "id": change.id,
        "at": utc(change.at).isoformat().replace("+00:00", "Z"),
        "service": change.service,
        "kind": str(change.kind),
        "summary": change.summary,
        "version": change.version,
        "previous_version": change.previous_version,
        "author": change.author,
        "source": change.source,
        "attributes": dict(change.attributes),
    }


class ChangesList:
    name: ClassVar[str] = "changes.list"
    description: ClassVar[str] = (
        "List deploys, config changes and feature-flag flips in a window (optionally of one service)."
    )
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = ChangesArgs

    def __init__(self, sources: Sequence[ChangeSource]) -> None:
        self.sources = list(sources)

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, ChangesArgs)
        found: list[ChangeEvent] = []
        failed: list[str] = []
        for source in self.sources:
            changes, failure = source.changes(args.start, args.end, args.service)
            if failure is not None:
                failed.append(f"{source.kind}: {failure.message}")
                continue
            found.extend(changes)
        if self.sources and len(failed) == len(self.sources):
            return ToolResult.failure("; ".join(failed), failed_sources=failed)
        if args.kind is not None:
            found = [c for c in found if c.kind == args.kind]
        found.sort(key=lambda c: (c.at, c.id))
        truncated = len(found) > args.limit
        data = [change_dict(c) for c in found[: args.limit]]
        meta = {"sources": [s.kind for s in self.sources], "failed_sources": failed, "truncated": truncated}
        if not data:
            return ToolResult(ToolStatus.NO_DATA, data=[], message="no changes in the window", meta=meta)
        return ToolResult(ToolStatus.OK, data=data, meta=meta)
