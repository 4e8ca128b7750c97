"""The incident service: the transition table (every pair, legal and illegal), ack, roles, notes,
the timeline and its listeners."""

from __future__ import annotations

import itertools

import pytest

from autoheal.clock import ManualClock
from autoheal.errors import ConflictError, InputError, NotFoundError
from autoheal.incidents import (
    TRANSITIONS,
    EventKind,
    IllegalTransition,
    IncidentRole,
    IncidentService,
    IncidentSeverity,
    Source,
    Status,
    severity_for,
)
from autoheal.incidents.store import IncidentRow

ACTOR = {"actor": "cli:alice", "source": Source.CLI}


def _open(service: IncidentService, **kw: object) -> int:
    return service.open("checkout 5xx", severity=IncidentSeverity.SEV2, service="checkout", **ACTOR, **kw).id  # type: ignore[arg-type]


def _force(service: IncidentService, incident_id: int, status: Status) -> None:
    with service.sessions() as session:
        row = session.get(IncidentRow, incident_id)
        assert row is not None
        row.status = status.value
        session.commit()


LEGAL = [(a, b) for a in Status for b in Status if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in itertools.product(Status, Status) if b not in TRANSITIONS[a]]


def test_table_is_total_and_resolved_only_reopens() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert TRANSITIONS[Status.RESOLVED] == {Status.REOPENED}
    assert all(s not in TRANSITIONS[s] for s in Status)  # no silent self-transition
    assert len(LEGAL) + len(ILLEGAL) == len(Status) ** 2


@pytest.mark.parametrize(("current", "wanted"), LEGAL, ids=lambda s: s.value)
def test_every_legal_transition(service: IncidentService, current: Status, wanted: Status) -> None:
    iid = _open(service)
    _force(service, iid, current)
    before = len(service.timeline(iid))
    inc = service.transition(iid, wanted, **ACTOR, reason="because")
    assert inc.status is wanted
    events = service.timeline(iid)
    assert len(events) == before + 1
    last = events[-1]
    assert last.data["from"] == current.value and last.data["to"] == wanted.value
    expected_kind = {Status.RESOLVED: "resolved", Status.REOPENED: "reopened"}.get(wanted, "status_changed")
    assert last.kind == expected_kind
    assert (inc.resolved_at is not None) == (wanted is Status.RESOLVED)


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL, ids=lambda s: s.value)
def test_every_illegal_transition_changes_nothing(
    service: IncidentService, current: Status, wanted: Status
) -> None:
    iid = _open(service)
    _force(service, iid, current)
    before = service.timeline(iid)
    with pytest.raises(IllegalTransition) as err:
        service.transition(iid, wanted, **ACTOR)
    assert err.value.status_code == 409
    assert current.value in err.value.message and wanted.value in err.value.message
    assert service.get(iid).status is current
    assert service.timeline(iid) == before


def test_open_ack_note_assign_resolve_reopen(service: IncidentService, clock: ManualClock) -> None:
    inc = service.open(
        "checkout 5xx", severity=IncidentSeverity.SEV2, service="checkout", group_keys=["g1"], **ACTOR
    )
    assert inc.ref == f"INC-{inc.id}" and inc.status is Status.TRIGGERED and inc.group_keys == ["g1"]
    assert service.open_for_group("g1") == inc
    clock.advance(90)
    acked = service.ack(inc.ref, actor="slack:U1", source=Source.SLACK)
    assert acked.status is Status.INVESTIGATING and acked.acknowledged_by == "slack:U1"
    assert service.ack(inc.id, actor="pagerduty", source=Source.PAGER) == acked  # idempotent, no event
    service.add_note(inc.id, "checked the pool", **ACTOR, kind=EventKind.CHECKED)
    service.assign(inc.id, IncidentRole.COMMANDER, "alice", **ACTOR)
    service.assign(inc.id, IncidentRole.COMMANDER, "bob", **ACTOR)
    service.assign(inc.id, IncidentRole.RESPONDER, "carol", **ACTOR)
    service.assign(inc.id, IncidentRole.RESPONDER, "dave", **ACTOR)
    got = service.get(inc.id)
    assert got.roles == {"commander": ["bob"], "responder": ["carol", "dave"]}
    assert service.join_group(inc.id, "g2") and not service.join_group(inc.id, "g2")
    resolved = service.resolve(inc.id, **ACTOR, summary="rolled back", cause="bad deploy")
    assert resolved.status is Status.RESOLVED and resolved.cause == "bad deploy"
    assert service.open_for_group("g1") is None
    with pytest.raises(ConflictError):
        service.ack(inc.id, **ACTOR)
    with pytest.raises(IllegalTransition):
        service.resolve(inc.id, **ACTOR)
    reopened = service.reopen(inc.id, **ACTOR, reason="fired again")
    assert reopened.status is Status.REOPENED and reopened.resolved_at is None
    assert reopened.acknowledged_at is None  # it needs someone again
    assert service.ack(inc.id, **ACTOR).status is Status.INVESTIGATING
    kinds = [e.kind for e in service.timeline(inc.id)]
    assert kinds == [
        "opened",
        "acknowledged",
        "checked",
        "role_assigned",
        "role_assigned",
        "role_assigned",
        "role_assigned",
        "alert_joined",
        "resolved",
        "reopened",
        "acknowledged",
    ]
    seqs = [e.seq for e in service.timeline(inc.id)]
    assert seqs == list(range(1, len(kinds) + 1))
    ack = service.timeline(inc.id, kinds=["acknowledged"])[0]
    assert ack.data["seconds_to_ack"] == 90.0 and ack.actor == "slack:U1" and ack.source == "slack"


def test_listeners_and_cursor(service: IncidentService) -> None:
    seen: list[tuple[str, str]] = []
    resolved: list[str] = []
    unsubscribe = service.subscribe(lambda e, i: seen.append((e.kind, i.status.value)))
    service.subscribe(lambda e, i: resolved.append(i.ref), kinds=[EventKind.RESOLVED])

    def broken(event: object, incident: object) -> None:
        raise RuntimeError("listener bug")

    service.subscribe(broken)
    iid = _open(service)
    service.resolve(iid, **ACTOR)
    assert seen == [("opened", "triggered"), ("resolved", "resolved")]
    assert resolved == [f"INC-{iid}"]
    assert service.get(iid).status is Status.RESOLVED  # the broken listener undid nothing
    unsubscribe()
    service.reopen(iid, **ACTOR)
    assert len(seen) == 2
    first = service.events_after(0)
    assert [e.kind for e in first] == ["opened", "resolved", "reopened"]
    assert [e.kind for e in service.events_after(first[0].id)] == ["resolved", "reopened"]
    assert [e.kind for e in service.events_after(0, kinds=["reopened"])] == ["reopened"]


def test_bad_input(service: IncidentService) -> None:
    with pytest.raises(NotFoundError):
        service.get("INC-999")
    with pytest.raises(InputError):
        service.get("nonsense")
    with pytest.raises(InputError):
        service.open("  ", severity=IncidentSeverity.SEV3, **ACTOR)
    iid = _open(service)
    with pytest.raises(InputError):
        service.add_note(iid, "   ", **ACTOR)
    with pytest.raises(InputError):
        service.append(iid, "Not A Kind!", **ACTOR)
    with pytest.raises(InputError):
        service.add_note(iid, "x" * 5000, **ACTOR)
    with pytest.raises(InputError, match="unknown note kind"):
        service.add_note(iid, "all fixed", **ACTOR, kind=EventKind.RESOLVED)  # a note, not a status
    assert [e.kind for e in service.timeline(iid)] == ["opened"]


def test_redaction_of_free_text(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    from autoheal.governance.redaction import Redactor

    service = IncidentService(sessions, clock, redactor=Redactor())
    iid = _open(service)
    event = service.add_note(iid, "password=hunter2hunter2 in the env", **ACTOR)
    assert "hunter2hunter2" not in event.data["text"]


def test_severity_mapping() -> None:
    assert severity_for("critical") is IncidentSeverity.SEV1
    assert severity_for("high") is IncidentSeverity.SEV2
    assert severity_for("warning") is IncidentSeverity.SEV3
    assert severity_for("info") is IncidentSeverity.SEV4
    assert severity_for("warning", triage_score=0.95) is IncidentSeverity.SEV2
    assert severity_for("critical", triage_score=0.99) is IncidentSeverity.SEV1


def test_decide_hypothesis_is_one_rule_for_every_edge(service: IncidentService) -> None:
    """Slack and the console both call IncidentService.decide_hypothesis: a confirmation records
    the cause and moves the incident to identified; an unknown id changes nothing."""
    incident_id = _open(service)
    causes = [
        {
            "hypothesis_id": "changes:checkout:2.14.0",
            "service": "checkout",
            "kind": "bad_deploy",
            "statement": "deploy 2.14.0 on checkout caused it",
            "confidence": 0.93,
        },
        {
            "hypothesis_id": "logs:postgres",
            "service": "postgres",
            "kind": "log_anomaly",
            "statement": "postgres errors",
            "confidence": 0.4,
        },
    ]
    before = len(service.timeline(incident_id))
    with pytest.raises(InputError, match="no hypothesis 'nope'"):
        service.decide_hypothesis(
            incident_id, "nope", confirm=True, actor="u", source="console", causes=causes
        )
    assert len(service.timeline(incident_id)) == before
    service.decide_hypothesis(
        incident_id, "logs:postgres", confirm=False, actor="u", source="console", causes=causes
    )
    assert service.get(incident_id).cause is None
    service.decide_hypothesis(
        incident_id, "changes:checkout:2.14.0", confirm=True, actor="u", source="console", causes=causes
    )
    incident = service.get(incident_id)
    assert incident.status is Status.IDENTIFIED and incident.cause == "deploy 2.14.0 on checkout caused it"
    kinds = [e.kind for e in service.timeline(incident_id)][before:]
    assert kinds == [EventKind.HYPOTHESIS_REJECTED, EventKind.HYPOTHESIS_CONFIRMED, EventKind.STATUS_CHANGED]
