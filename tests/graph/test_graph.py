"""The context graph: learning incidents, the validity rule, retrieval, export/import, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from autoheal.decisions import StepParser, shop_aliases
from autoheal.decisions.corpus import SHOP
from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.errors import InputError
from autoheal.graph.learn import IncidentRecord, RootCause, learn_incident, learn_topology
from autoheal.graph.model import ANCHOR_MIN_WEIGHT, CHANGE_DECAY, EdgeKind, NodeKind
from autoheal.graph.retrieval import similar
from autoheal.graph.store import GraphStore
from autoheal.graph.transfer import read, write
from autoheal.graph.validity import change_happened, topology_changed
from autoheal.store.db import create_db_engine, session_factory

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PARSER = StepParser(SHOP, shop_aliases(SHOP))


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = create_db_engine(db_url)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


def alert(name: str, service: str, fp: str, at: datetime = T0, summary: str = "") -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=fp,
        status=AlertStatus.FIRING,
        name=name,
        starts_at=at,
        labels={"alertname": name, "service": service},
        annotations={"summary": summary},
        service=service,
    )


def record(
    key: str, alerts: list[Alert], cause: RootCause, at: datetime, texts: list[str] = ()
) -> IncidentRecord:  # type: ignore[assignment]
    report = {
        "causes": [
            {
                "rank": 1,
                "confidence": 0.9,
                "hypothesis": {
                    "service": cause.service,
                    "kind": cause.kind,
                    "component": cause.component,
                    "statement": f"{cause.kind} on {cause.service}",
                    "evidence": [
                        {
                            "id": "ev1",
                            "tool": "prometheus.query_range",
                            "args": {"query": "q"},
                            "summary": "s",
                        }
                    ],
                },
                "verification": {"verdict": "supported", "reason": "survived 3 checks"},
            }
        ],
        "ruled_out": [
            {
                "hypothesis": {"service": "catalogue", "kind": "bad_deploy", "statement": "catalogue deploy"},
                "verification": {"verdict": "refuted", "reason": "after the onset"},
            }
        ],
        "narrative": "pool exhausted",
        "usage": {"tool_calls": 17},
    }
    steps = [PARSER.parse(t, who="alice", at=at + timedelta(minutes=i)) for i, t in enumerate(texts)]
    return IncidentRecord(
        key,
        f"{alerts[0].name} on {alerts[0].service}",
        at,
        at + timedelta(hours=1),
        alerts,
        report,
        steps,
        cause,
    )


POOL = RootCause("payment", "resource_saturation", "pool_usage_ratio")
DEPLOY = RootCause("checkout", "bad_deploy", "2.14.0")


def test_learning_an_incident_builds_typed_nodes_and_edges(session: Session) -> None:
    store = GraphStore(session)
    a = alert("HighLatency", "payment", "fp-pay", summary="payment p99 above 1s")
    node = learn_incident(
        store,
        record(
            "inc-1",
            [a],
            POOL,
            T0,
            [
                "checked payment pool usage, 20/20",
                "not the DB",
                "bumped the pool size on payment",
                "followed the pool runbook",
            ],
        ),
    )
    counts = store.counts()
    for kind in (
        "incident",
        "alert",
        "alert_rule",
        "service",
        "hypothesis",
        "evidence",
        "decision_step",
        "root_cause",
        "fix",
        "runbook",
    ):
        assert counts.get(f"nodes.{kind}", 0) >= 1, kind
    for kind in (
        "fired_for",
        "part_of",
        "caused_by",
        "about",
        "ruled_out",
        "resolved_by",
        "supported_by",
        "cites",
    ):
        assert counts.get(f"edges.{kind}", 0) >= 1, kind
    incident = store.get(node)
    assert incident.attrs["check_order"][0] == "resource_saturation on payment (pool_usage_ratio)"
    assert any(r.get("service") == "postgres" for r in incident.attrs["ruled_out"])  # "not the DB", parsed
    # learning it again changes nothing structural
    learn_incident(store, record("inc-1", [a], POOL, T0))
    assert store.counts()["nodes.incident"] == 1


def test_retrieval_finds_the_recurrence_and_says_why(session: Session) -> None:
    store = GraphStore(session)
    learn_incident(store, record("inc-pool", [alert("HighLatency", "payment", "fp-pay")], POOL, T0))
    learn_incident(store, record("inc-deploy", [alert("HighErrorRate", "checkout", "fp-co")], DEPLOY, T0))
    later = T0 + timedelta(days=2)
    found = similar(store, [alert("HighLatency", "payment", "fp-pay", later)], at=later)
    assert [p.incident for p in found] == ["inc-pool"]
    assert "the same alert fired (fingerprint)" in found[0].reasons
    assert found[0].anchor and found[0].root_cause["component"] == "pool_usage_ratio"
    # an unrelated alert on an unknown service finds nothing
    assert similar(store, [alert("DiskFull", "rabbitmq", "fp-mq", later)], at=later) == []
    # an incident resolved after the question's time is not memory yet
    assert similar(store, [alert("HighLatency", "payment", "fp-pay", T0)], at=T0) == []


def test_a_deploy_lowers_state_knowledge_but_not_release_lessons(session: Session) -> None:
    store = GraphStore(session)
    learn_incident(store, record("inc-pool", [alert("HighLatency", "payment", "fp-pay")], POOL, T0))
    learn_incident(store, record("inc-deploy", [alert("HighErrorRate", "checkout", "fp-co")], DEPLOY, T0))
    at = T0 + timedelta(days=1)
    lowered = change_happened(store, "payment", at, change_id="pay-v2", version="2.0.0")
    change_happened(store, "checkout", at, change_id="co-v3", version="3.0.0")
    assert {n.kind for n in lowered} == {NodeKind.ROOT_CAUSE, NodeKind.HYPOTHESIS}
    root = store.find(NodeKind.ROOT_CAUSE, "inc-pool:root")
    assert root is not None and root.weight == CHANGE_DECAY < ANCHOR_MIN_WEIGHT
    assert store.edges(src=root.id, kinds=[EdgeKind.INVALIDATED_BY])
    assert store.find(NodeKind.ROOT_CAUSE, "inc-deploy:root").weight == 1.0  # type: ignore[union-attr]
    # the same change again changes nothing
    change_happened(store, "payment", at, change_id="pay-v2", version="2.0.0")
    assert store.find(NodeKind.ROOT_CAUSE, "inc-pool:root").weight == CHANGE_DECAY  # type: ignore[union-attr]
    later = T0 + timedelta(days=2)
    prior = similar(store, [alert("HighLatency", "payment", "fp-pay", later)], at=later)[0]
    assert prior.offered and not prior.anchor
    assert prior.invalidated_by[0]["change"] == "pay-v2"
    # a change before the incident was resolved (the fault's own deploy) lowers nothing
    assert change_happened(store, "checkout", T0, change_id="co-bad", version="2.14.0") == []


def test_removing_a_dependency_closes_the_causes_that_lay_on_it(session: Session) -> None:
    store = GraphStore(session)
    learn_topology(store, [("payment", "postgres"), ("checkout", "payment")], T0 - timedelta(days=1))
    outage = RootCause("postgres", "dependency_fault")
    learn_incident(store, record("inc-pg", [alert("HighErrorRate", "payment", "fp-pay")], outage, T0))
    at = T0 + timedelta(days=3)
    removed = learn_topology(store, [("checkout", "payment")], at)
    assert removed == [("payment", "postgres")]
    closed = topology_changed(store, removed, [], at)
    assert [n.key for n in closed] == ["inc-pg:root"]
    root = store.find(NodeKind.ROOT_CAUSE, "inc-pg:root")
    assert root is not None and root.weight == 0.0 and root.valid_to == at
    prior = similar(store, [alert("HighErrorRate", "payment", "fp-pay", at)], at=at + timedelta(hours=1))[0]
    assert not prior.offered


def test_export_then_import_into_an_empty_database(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = GraphStore(session)
    learn_incident(
        store, record("inc-pool", [alert("HighLatency", "payment", "fp-pay")], POOL, T0, ["not the DB"])
    )
    change_happened(store, "payment", T0 + timedelta(days=1), change_id="pay-v2")
    session.commit()
    out = io.StringIO()
    write(store, out, T0)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    from autoheal.store.db import migrate

    migrate(engine)
    with session_factory(engine)() as other:
        copy = GraphStore(other)
        counts = read(copy, io.StringIO(out.getvalue()))
        other.commit()
        assert counts["nodes"] == sum(v for k, v in store.counts().items() if k.startswith("nodes."))
        assert copy.counts() == store.counts()
        later = T0 + timedelta(days=2)
        prior = similar(copy, [alert("HighLatency", "payment", "fp-pay", later)], at=later)[0]
        assert prior.incident == "inc-pool" and prior.weight == CHANGE_DECAY
    engine.dispose()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("", "empty export"),
        ('{"type": "node"}\n', "line 1: expected the header"),
        ('{"type": "header", "format": "autoheal-graph", "version": 9}\n', "format version 9"),
        ('{"type": "header", "format": "autoheal-graph", "version": 1}\nnot json\n', "line 2: not JSON"),
        (
            '{"type": "header", "format": "autoheal-graph", "version": 1}\n{"type": "node", "kind": "planet", "key": "x"}\n',
            "line 2: unknown node kind 'planet'",
        ),
        (
            '{"type": "header", "format": "autoheal-graph", "version": 1}\n'
            '{"type": "node", "kind": "service", "key": "x", "valid_from": "yesterday"}\n',
            "valid_from 'yesterday' is not an ISO 8601 time",
        ),
        (
            '{"type": "header", "format": "autoheal-graph", "version": 1}\n'
            '{"type": "edge", "kind": "owns", "src": ["team", "a"], "dst": ["service", "b"], "valid_from": "2026-01-01T00:00:00+00:00"}\n',
            "edge end team:a is not a node",
        ),
    ],
)
def test_a_bad_export_line_is_named(session: Session, lines: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read(GraphStore(session), io.StringIO(lines))
