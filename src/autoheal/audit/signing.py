"""Optional Ed25519 signatures over chain checkpoints.

A checkpoint signs ``autoheal-audit-checkpoint|<seq>|<hash>|<at>``: the head of the chain at that
moment. Since every record's hash covers all the records before it, one valid signature vouches
for the whole prefix; ``verify`` then also detects a rewritten chain (recomputed hashes) and a
truncated tail, which a bare hash chain cannot.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, Table, insert, select

from autoheal.audit.store import AuditCheckpointRow
from autoheal.audit.trail import AuditTrail, format_time
from autoheal.clock import Clock, SystemClock
from autoheal.errors import ConfigError

_C: Table = AuditCheckpointRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    signature: str


def message(seq: int, head_hash: str, at: str) -> bytes:
    return f"autoheal-audit-checkpoint|{seq}|{head_hash}|{at}".encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_keypair(private_path: Path, public_path: Path) -> str:
    """Write a new PEM key pair (private key file mode 0600) and return its key id."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_id(private.public_key())


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the audit signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 private key (make one with `autoheal audit keygen`)")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the audit public key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path} is not an Ed25519 public key")
    return key


def sign_checkpoint(
    engine: Engine, trail: AuditTrail, private: Ed25519PrivateKey, *, clock: Clock | None = None
) -> Checkpoint | None:
    """Sign the current head of the chain; ``None`` when the trail is empty."""
    trail.flush()
    head = trail.head()
    if head is None:
        return None
    at = format_time((clock or SystemClock()).now())
    signature = private.sign(message(head.seq, head.hash, at)).hex()
    cp = Checkpoint(head.seq, head.hash, at, key_id(private.public_key()), signature)
    with engine.begin() as conn:
        conn.execute(
            insert(_C).values(seq=cp.seq, hash=cp.hash, at=cp.at, key_id=cp.key_id, signature=cp.signature)
        )
    return cp


def checkpoints(engine: Engine) -> list[Checkpoint]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(_C.c.seq, _C.c.hash, _C.c.at, _C.c.key_id, _C.c.signature).order_by(_C.c.seq, _C.c.id)
        ).all()
    return [Checkpoint(*row) for row in rows]


def signature_valid(cp: Checkpoint, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(bytes.fromhex(cp.signature), message(cp.seq, cp.hash, cp.at))
    except (InvalidSignature, ValueError):
        return False
    return True
