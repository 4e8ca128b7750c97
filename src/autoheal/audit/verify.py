"""Verification of the trail: recompute every hash, follow every link, check every checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine

from autoheal.audit.chain import GENESIS, record_hash
from autoheal.audit.signing import checkpoints, key_id, signature_valid
from autoheal.audit.trail import iter_records


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.reason}"


@dataclass(slots=True)
class VerifyReport:
    records: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoints_checked: int = 0
    signatures_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def verify_chain(engine: Engine, *, public_key: Ed25519PublicKey | None = None) -> VerifyReport:
    """Walk the whole chain. The first problem found is the first record that was tampered with
    (altered, removed, inserted or moved); later records are reported only if independently bad."""
    report = VerifyReport()
    expected_seq, prev = 1, GENESIS
    hashes: dict[int, str] = {}
    for rec in iter_records(engine):
        report.records += 1
        if rec.seq != expected_seq:
            what = "missing" if rec.seq > expected_seq else "out of order"
            report.problems.append(
                Problem(expected_seq, f"{what}: found seq {rec.seq} where {expected_seq} was expected")
            )
            if len(report.problems) >= 20:
                break
        elif rec.prev_hash != prev:
            report.problems.append(
                Problem(rec.seq, "does not link to the record before it (removed, inserted or reordered)")
            )
        elif rec.hash != record_hash(rec.seq, rec.at, rec.kind, rec.actor, rec.payload, rec.prev_hash):
            report.problems.append(Problem(rec.seq, "content does not match its hash (altered)"))
        if len(report.problems) >= 20:
            break
        hashes[rec.seq] = rec.hash
        expected_seq, prev = rec.seq + 1, rec.hash
        report.head_seq, report.head_hash = rec.seq, rec.hash

    cps = checkpoints(engine)
    expected_key = key_id(public_key) if public_key is not None else None
    for cp in cps:
        report.checkpoints_checked += 1
        if cp.seq not in hashes:
            report.problems.append(
                Problem(cp.seq, f"signed checkpoint of {cp.at} names a record that is gone (tail removed)")
            )
        elif hashes[cp.seq] != cp.hash:
            report.problems.append(
                Problem(cp.seq, f"differs from the signed checkpoint of {cp.at} (chain rewritten)")
            )
        if public_key is not None:
            if cp.key_id != expected_key or not signature_valid(cp, public_key):
                report.problems.append(
                    Problem(
                        cp.seq,
                        f"checkpoint signature by key {cp.key_id} is not valid for the given public key",
                    )
                )
            else:
                report.signatures_checked += 1
    if public_key is not None and not cps:
        report.warnings.append("a public key was given but the trail has no signed checkpoints")
    report.problems.sort(key=lambda p: p.seq)
    return report
