"""The graph store's batched reads that retrieval uses: the newest features per kind, edge joins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from autoheal.graph.model import EdgeKind, NodeKind
from autoheal.graph.store import GraphStore
from autoheal.store.db import create_db_engine, session_factory

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[GraphStore]:
    engine = create_db_engine(db_url)
    with session_factory(engine)() as session:
        yield GraphStore(session)
    engine.dispose()


def _incidents(store: GraphStore, n: int) -> list[int]:
    return [store.upsert(NodeKind.INCIDENT, f"inc-{i}", T0) for i in range(n)]


def test_matching_keeps_the_newest_rows_of_each_kind_across_its_values(store: GraphStore) -> None:
    ids = _incidents(store, 6)
    for i, node in enumerate(ids):
        store.index(node, [("service", "a" if i % 2 else "b"), ("rule", "R")])
    store.session.flush()
    found = store.matching([("service", "a"), ("service", "b"), ("rule", "R"), ("rule", "none")], limit=3)
    newest = sorted(ids)[-3:]
    # per kind, the 3 newest rows over both service values, not 3 per value
    assert sorted(n for n, feats in found.items() if any(k == "service" for k, _ in feats)) == newest
    assert sorted(n for n, feats in found.items() if ("rule", "R") in feats) == newest
    assert found[ids[5]] == [("service", "a"), ("rule", "R")]
    assert store.matching([]) == {}


def test_matching_more_values_than_one_statement_holds(store: GraphStore) -> None:
    ids = _incidents(store, 3)
    for i, node in enumerate(ids):
        store.index(node, [("fingerprint", f"fp-{i}")])
    store.session.flush()
    wanted = [("fingerprint", f"fp-{i}") for i in range(450)]  # more than COMPOUND_MAX selects
    assert sorted(store.matching(wanted, limit=500)) == sorted(ids)


def test_indexed_names_the_values_the_index_holds_for_a_kind(store: GraphStore) -> None:
    ids = _incidents(store, 2)
    store.index(ids[0], [("fingerprint", "fp-7"), ("service", "fp-8")])
    store.index(ids[1], [("fingerprint", "fp-7")])
    store.session.flush()
    wanted = [f"fp-{i}" for i in range(1200)]  # more than one IN read
    assert store.indexed("fingerprint", wanted) == {"fp-7"}  # fp-8 is a service value, not a fingerprint
    assert store.indexed("fingerprint", []) == set()


def test_targets_and_outgoing_read_edges_with_their_nodes(store: GraphStore) -> None:
    inc, other = _incidents(store, 2)
    old = store.upsert(NodeKind.ROOT_CAUSE, "inc-0:old", T0)
    new = store.upsert(NodeKind.ROOT_CAUSE, "inc-0:root", T0, attrs={"kind": "bad_deploy"})
    store.link(EdgeKind.CAUSED_BY, inc, old, T0)
    store.link(EdgeKind.CAUSED_BY, inc, new, T0)
    roots = store.targets([inc, other], EdgeKind.CAUSED_BY)
    assert list(roots) == [inc] and roots[inc].key == "inc-0:root"  # the newest edge wins
    assert roots[inc].attrs == {"kind": "bad_deploy"}
    change = store.upsert(NodeKind.CHANGE, "deploy-1", T0, label="deploy on a")
    store.link(EdgeKind.INVALIDATED_BY, new, change, T0, attrs={"rule": "change_decay"})
    out = store.outgoing([new, old], EdgeKind.INVALIDATED_BY)
    assert out[old] == []
    assert [(attrs, node.key) for attrs, node in out[new]] == [({"rule": "change_decay"}, "deploy-1")]
    assert store.targets([], EdgeKind.CAUSED_BY) == {} and store.outgoing([], EdgeKind.CAUSED_BY) == {}
