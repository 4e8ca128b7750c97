"""The hash chain: how one audit record is turned into bytes and hashed.

A record's hash is ``sha256`` over the canonical JSON of its envelope::

    {"actor": ..., "at": ..., "kind": ..., "payload": "<payload JSON text>", "prev": ..., "seq": ...}

``payload`` enters the envelope as the exact text stored in the database, so any change to a
stored byte (even whitespace inside the payload) changes the hash. ``prev`` is the hash of the
record before (``GENESIS`` for the first one), so removing, inserting or reordering records breaks
the chain at the first record touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64


class RecordKind(StrEnum):
    TOOL_CALL = "tool_call"
    REASONING_STEP = "reasoning_step"
    MODEL_CALL = "model_call"
    HUMAN_ACTION = "human_action"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept, non-JSON values stringified."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def digest(value: Any) -> str:
    """sha256 hex of the canonical JSON of ``value`` (used for argument and result digests)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: str  # ISO 8601 UTC, as stored
    kind: str
    actor: str
    payload: str  # canonical JSON text, as stored
    prev_hash: str
    hash: str

    def payload_obj(self) -> Any:
        return json.loads(self.payload)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "payload": json.loads(self.payload),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def record_hash(seq: int, at: str, kind: str, actor: str, payload: str, prev_hash: str) -> str:
    envelope = {"seq": seq, "at": at, "kind": kind, "actor": actor, "payload": payload, "prev": prev_hash}
    return hashlib.sha256(canonical_json(envelope).encode("utf-8")).hexdigest()


def seal(seq: int, at: str, kind: str, actor: str, payload: str, prev_hash: str) -> AuditRecord:
    return AuditRecord(
        seq, at, kind, actor, payload, prev_hash, record_hash(seq, at, kind, actor, payload, prev_hash)
    )
