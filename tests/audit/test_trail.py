from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, text, update

from autoheal.audit.chain import GENESIS, record_hash
from autoheal.audit.signing import generate_keypair, load_private_key, load_public_key, sign_checkpoint
from autoheal.audit.store import AuditRecordRow
from autoheal.audit.trail import AuditTrail
from autoheal.audit.verify import verify_chain
from autoheal.clock import ManualClock
from autoheal.store import models  # noqa: F401
from autoheal.store.db import create_db_engine
from autoheal.store.schema import metadata

T = AuditRecordRow.__table__


@pytest.fixture
def engine() -> Iterator[Engine]:
    eng = create_db_engine("sqlite://")
    metadata.create_all(eng)
    yield eng
    eng.dispose()


def _fill(trail: AuditTrail, n: int) -> None:
    for i in range(n):
        trail.append(
            "tool_call",
            f"caller{i % 3}",
            {"i": i, "tool": "prometheus.query", "args": {"q": f"up{{i='{i}'}}"}},
        )


def test_chain_links_and_verifies(engine: Engine) -> None:
    trail = AuditTrail(engine, clock=ManualClock())
    _fill(trail, 5)
    recs = list(trail.records())
    assert [r.seq for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(recs))
    report = verify_chain(engine)
    assert report.ok and report.records == 5 and report.head_seq == 5


def test_db_url_both_backends(db_url: str) -> None:
    eng = create_db_engine(db_url)
    try:
        trail = AuditTrail(eng, clock=ManualClock())
        _fill(trail, 20)
        assert verify_chain(eng).ok
        with eng.begin() as c:
            c.execute(update(T).where(T.c.seq == 7).values(actor="someone-else"))
        assert verify_chain(eng).first_bad.seq == 7
    finally:
        eng.dispose()


COLUMNS = ["at", "kind", "actor", "payload", "prev_hash", "hash"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seq=st.integers(min_value=1, max_value=8),
    column=st.sampled_from(COLUMNS),
    pos=st.integers(min_value=0, max_value=10_000),
    char=st.characters(min_codepoint=32, max_codepoint=0x2FF),
)
def test_any_single_character_change_is_detected(
    engine: Engine, seq: int, column: str, pos: int, char: str
) -> None:
    with engine.begin() as c:
        c.execute(delete(T))
    trail = AuditTrail(engine, clock=ManualClock())
    _fill(trail, 8)
    with engine.connect() as c:
        value = c.execute(text(f"SELECT {column} FROM audit_records WHERE seq = :s"), {"s": seq}).scalar_one()
    i = pos % len(value)
    if value[i] == char:
        char = "A" if char != "A" else "B"
    changed = value[:i] + char + value[i + 1 :]
    with engine.begin() as c:
        c.execute(update(T).where(T.c.seq == seq).values({column: changed}))
    report = verify_chain(engine)
    assert not report.ok
    assert report.first_bad.seq == seq


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(min_value=1, max_value=8), new_seq=st.integers(min_value=1, max_value=50))
def test_seq_change_detected(engine: Engine, seq: int, new_seq: int) -> None:
    with engine.begin() as c:
        c.execute(delete(T))
    _fill(AuditTrail(engine, clock=ManualClock()), 8)
    if new_seq == seq or new_seq <= 8:
        return  # would collide with the primary key
    with engine.begin() as c:
        c.execute(update(T).where(T.c.seq == seq).values(seq=new_seq))
    assert not verify_chain(engine).ok


def test_removal_detected(engine: Engine) -> None:
    _fill(AuditTrail(engine, clock=ManualClock()), 6)
    with engine.begin() as c:
        c.execute(delete(T).where(T.c.seq == 3))
    bad = verify_chain(engine).first_bad
    assert bad.seq == 3 and "missing" in bad.reason


def test_removed_first_record_detected(engine: Engine) -> None:
    _fill(AuditTrail(engine, clock=ManualClock()), 3)
    with engine.begin() as c:
        c.execute(delete(T).where(T.c.seq == 1))
    assert verify_chain(engine).first_bad.seq == 1


def test_reorder_detected(engine: Engine) -> None:
    _fill(AuditTrail(engine, clock=ManualClock()), 6)
    with engine.connect() as c:
        rows = {r.seq: r for r in c.execute(T.select().where(T.c.seq.in_((2, 4)))).all()}
    with engine.begin() as c:  # swap the contents of records 2 and 4, keeping their positions
        for a, b in ((2, 4), (4, 2)):
            r = rows[b]
            c.execute(
                update(T)
                .where(T.c.seq == a)
                .values(
                    at=r.at, kind=r.kind, actor=r.actor, payload=r.payload, prev_hash=r.prev_hash, hash=r.hash
                )
            )
    assert verify_chain(engine).first_bad.seq == 2


def test_inserted_record_detected(engine: Engine) -> None:
    trail = AuditTrail(engine, clock=ManualClock())
    _fill(trail, 4)
    with engine.begin() as c:  # shift 3..4 up and slip a forged record in at 3 with a valid-looking hash
        for s in (4, 3):
            c.execute(update(T).where(T.c.seq == s).values(seq=s + 1))
        prev = c.execute(text("SELECT hash FROM audit_records WHERE seq = 2")).scalar_one()
        payload = json.dumps({"forged": True})
        h = record_hash(3, "2026-01-01T00:00:00.000000+00:00", "human_action", "mallory", payload, prev)
        c.execute(
            T.insert().values(
                seq=3,
                at="2026-01-01T00:00:00.000000+00:00",
                kind="human_action",
                actor="mallory",
                payload=payload,
                prev_hash=prev,
                hash=h,
            )
        )
    assert verify_chain(engine).first_bad.seq == 4


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'c.db'}")
    metadata.create_all(engine)
    trail = AuditTrail(engine, clock=ManualClock())

    def worker(k: int) -> None:
        for i in range(25):
            trail.append("reasoning_step", f"w{k}", {"i": i})

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = verify_chain(engine)
    assert report.ok and report.records == 100


def test_two_trails_on_one_database_file(tmp_path: Path) -> None:
    """Two writers (as two processes would) share the chain: PK collision makes the loser retry."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    e1, e2 = create_db_engine(url), create_db_engine(url)
    metadata.create_all(e1)
    t1, t2 = AuditTrail(e1, clock=ManualClock()), AuditTrail(e2, clock=ManualClock())
    threads = [threading.Thread(target=_fill, args=(t, 30)) for t in (t1, t2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = verify_chain(e1)
    assert report.ok and report.records == 60
    e1.dispose()
    e2.dispose()


def test_async_mode_keeps_order_and_flushes(engine: Engine) -> None:
    with AuditTrail(engine, clock=ManualClock(), durability="async") as trail:
        for i in range(300):
            assert trail.append("tool_call", "bench", {"i": i}) is None
        trail.flush()
        assert [json.loads(r.payload)["i"] for r in trail.records()] == list(range(300))
        trail.append("tool_call", "bench", {"i": 300})
    assert verify_chain(engine).records == 301  # close() flushed


def test_export_since(engine: Engine) -> None:
    clock = ManualClock()
    trail = AuditTrail(engine, clock=clock)
    _fill(trail, 3)
    cut = clock.advance(timedelta(hours=1))
    _fill(trail, 2)
    assert [r.seq for r in trail.records(since=cut)] == [4, 5]


def test_signed_checkpoints(engine: Engine, tmp_path: Path) -> None:
    clock = ManualClock()
    trail = AuditTrail(engine, clock=clock)
    kid = generate_keypair(tmp_path / "k.pem", tmp_path / "k.pub")
    assert (tmp_path / "k.pem").stat().st_mode & 0o777 == 0o600
    private, public = load_private_key(tmp_path / "k.pem"), load_public_key(tmp_path / "k.pub")
    _fill(trail, 5)
    cp = sign_checkpoint(engine, trail, private, clock=clock)
    assert cp is not None and cp.seq == 5 and cp.key_id == kid
    _fill(trail, 2)
    report = verify_chain(engine, public_key=public)
    assert report.ok and report.signatures_checked == 1

    # a tail cut below the checkpoint is caught (a bare chain cannot see it)
    with engine.begin() as c:
        c.execute(delete(T).where(T.c.seq >= 5))
    assert not verify_chain(engine).ok

    # another key's signature is rejected
    generate_keypair(tmp_path / "o.pem", tmp_path / "o.pub")
    assert not verify_chain(engine, public_key=load_public_key(tmp_path / "o.pub")).ok


def test_rewritten_chain_caught_by_checkpoint(engine: Engine, tmp_path: Path) -> None:
    trail = AuditTrail(engine, clock=ManualClock())
    generate_keypair(tmp_path / "k.pem", tmp_path / "k.pub")
    _fill(trail, 4)
    sign_checkpoint(engine, trail, load_private_key(tmp_path / "k.pem"))
    # an attacker with write access rewrites record 2 and recomputes every hash after it
    with engine.connect() as c:
        rows = c.execute(T.select().order_by(T.c.seq)).all()
    prev = GENESIS
    with engine.begin() as c:
        for r in rows:
            actor = "mallory" if r.seq == 2 else r.actor
            h = record_hash(r.seq, r.at, r.kind, actor, r.payload, prev)
            c.execute(update(T).where(T.c.seq == r.seq).values(actor=actor, prev_hash=prev, hash=h))
            prev = h
    report = verify_chain(engine)
    assert not report.ok and "checkpoint" in report.first_bad.reason
