"""Tamper-evident audit trail: append-only, hash-chained records in the database.

* :class:`AuditTrail` appends records (``sync`` or group-committed ``async``).
* :func:`verify_chain` recomputes the chain and names the first bad record.
* :mod:`autoheal.audit.signing` signs chain checkpoints with Ed25519 (optional).
"""

from autoheal.audit.chain import GENESIS, AuditRecord, RecordKind, canonical_json, digest
from autoheal.audit.trail import AuditTrail, iter_records
from autoheal.audit.verify import Problem, VerifyReport, verify_chain

__all__ = [
    "GENESIS",
    "AuditRecord",
    "AuditTrail",
    "Problem",
    "RecordKind",
    "VerifyReport",
    "canonical_json",
    "digest",
    "iter_records",
    "verify_chain",
]
