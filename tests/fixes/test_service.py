"""Generate -> check -> store -> decide -> learn, on a real (migrated) database; the API's roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.errors import InputError
from autoheal.fixes import store
from autoheal.fixes.base import FixContext
from autoheal.fixes.decisions import decide
from autoheal.fixes.delivery import unified_patch, write_files
from autoheal.fixes.generators.leading import LeadingIndicatorGenerator
from autoheal.fixes.model import Fix, FixKind
from autoheal.fixes.service import FixService
from autoheal.jobs import InlineQueue
from autoheal.store.tokens import Role, create_token
from tests.fixes.conftest import T0
from tests.fixes.test_generators import _pool_incident


@pytest.fixture
def app(tmp_path):
    settings = Settings.model_validate({"database": {"url": f"sqlite:///{tmp_path / 'fixes.db'}"}})
    a = Autoheal.create(settings, clock=ManualClock(T0 + timedelta(hours=3)), jobs=InlineQueue())
    yield a
    a.close()


class Broken:
    """A generator whose rule promtool refuses: it must never be offered."""

    kind = FixKind.LEADING_INDICATOR

    def generate(self, ctx):
        rule = "groups:\n- name: g\n  rules:\n  - alert: Bad\n    expr: rate(x[5m] > 1\n"
        return [
            Fix(
                FixKind.LEADING_INDICATOR,
                "checkout",
                "bad",
                "",
                "x",
                "bad",
                {"r.yml": rule, "r.test.yml": ""},
                rule_file="r.yml",
                test_file="r.test.yml",
            )
        ]


def test_only_fixes_that_pass_promtool_are_stored_and_rejected_ones_are_learned(app, make_ctx, promtool):
    found, first = _pool_incident()
    service = FixService(app.sessions, app.clock, [LeadingIndicatorGenerator(), Broken()], promtool=promtool)
    result = service.generate(make_ctx(found, first))
    assert [f.title for f in result.failed] == ["bad"]
    assert not result.failed[0].checks[0].ok  # promtool check rules refused the expression
    [(fix_id, _)] = result.offered
    with app.sessions() as s:
        assert [r.id for r in store.list_fixes(s)] == [fix_id]
        assert store.get_fix(s, fix_id).status == "proposed"
    again = FixService(app.sessions, app.clock, [LeadingIndicatorGenerator()], promtool=promtool).generate(
        make_ctx(found, first)
    )
    assert not again.offered and "already offered as fix" in again.suppressed[0][1]

    with pytest.raises(InputError, match="needs a reason"):
        decide(app.sessions, app.governance.audit, app.clock, fix_id, "reject", by="alice")
    out = decide(
        app.sessions, app.governance.audit, app.clock, fix_id, "reject", by="alice", reason="too noisy for us"
    )
    assert out["status"] == "rejected" and out["decided_by"] == "alice"
    with pytest.raises(InputError, match="it can become nothing"):
        decide(app.sessions, app.governance.audit, app.clock, fix_id, "accept", by="alice")
    learned = FixService(app.sessions, app.clock, [LeadingIndicatorGenerator()], promtool=promtool).generate(
        make_ctx(found, first)
    )
    assert not learned.offered
    assert learned.suppressed[0][1] == "rejected before for checkout: too noisy for us"


def test_accept_then_merged_and_the_transition_table(app):
    with app.sessions() as s, s.begin():
        fix_id = store.save_fix(
            s,
            Fix(FixKind.RUNBOOK, "checkout", "t", "", "x", "s", {"runbooks/c.md": "# c\n"}),
            source_ref="inv-1",
            at=app.clock.now(),
        ).id
    with pytest.raises(InputError, match="can become accepted, rejected, not merged"):
        decide(app.sessions, app.governance.audit, app.clock, fix_id, "merged", by="bob")
    decide(app.sessions, app.governance.audit, app.clock, fix_id, "accept", by="bob")
    out = decide(app.sessions, app.governance.audit, app.clock, fix_id, "merged", by="bob")
    assert out["status"] == "merged" and out["merged_at"]
    assert [h["status"] for h in out["history"]] == ["proposed", "accepted", "merged"]
    with pytest.raises(InputError, match="unknown decision"):
        decide(app.sessions, app.governance.audit, app.clock, fix_id, "approve", by="bob")


def test_delivery_as_files_and_as_a_patch(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "shop.yml").write_text("a\nfor: 2m\n")
    patch = unified_patch({"shop.yml": "a\nfor: 5m\n", "autoheal/new.yml": "x\n"}, repo)
    assert "--- a/shop.yml\n+++ b/shop.yml" in patch and "-for: 2m\n+for: 5m" in patch
    assert "--- /dev/null\n+++ b/autoheal/new.yml" in patch
    written = write_files({"autoheal/new.yml": "x\n"}, tmp_path / "out")
    assert written[0].read_text() == "x\n"
    with pytest.raises(InputError, match="not a relative path"):
        write_files({"../escape.yml": "x"}, tmp_path / "out")


def test_api_viewer_reads_responder_decides(app):
    with app.sessions() as s, s.begin():
        fix_id = store.save_fix(
            s,
            Fix(FixKind.RUNBOOK, "checkout", "t", "", "x", "s", {"runbooks/c.md": "# c\n"}),
            source_ref="inv-1",
            at=app.clock.now(),
        ).id
    with app.sessions() as s:
        tokens = {role: create_token(s, role, f"t-{role.value}", app.clock.now()) for role in Role}
    h = {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}
    with TestClient(create_app(app)) as client:
        assert client.get("/api/v1/fixes").status_code == 401
        listed = client.get("/api/v1/fixes", headers=h[Role.VIEWER]).json()["fixes"]
        assert [f["id"] for f in listed] == [fix_id] and "files" not in listed[0]
        assert client.get(f"/api/v1/fixes/{fix_id}", headers=h[Role.VIEWER]).json()["files"]
        assert (
            "+++ b/runbooks/c.md" in client.get(f"/api/v1/fixes/{fix_id}/patch", headers=h[Role.VIEWER]).text
        )
        assert (
            client.post(f"/api/v1/fixes/{fix_id}/accept", json={}, headers=h[Role.VIEWER]).status_code == 403
        )
        r = client.post(f"/api/v1/fixes/{fix_id}/reject", json={}, headers=h[Role.RESPONDER])
        assert r.status_code == 400 and "needs a reason" in r.json()["detail"]
        r = client.post(f"/api/v1/fixes/{fix_id}/accept", json={"reason": "ok"}, headers=h[Role.RESPONDER])
        assert r.status_code == 200 and r.json()["status"] == "accepted"
        assert client.get("/api/v1/fixes?status=bogus", headers=h[Role.VIEWER]).status_code == 400
        assert client.get("/api/v1/fixes/999", headers=h[Role.VIEWER]).status_code == 404
        r = client.post(
            "/api/v1/fixes/generate", json={"investigation_id": "nope"}, headers=h[Role.RESPONDER]
        )
        assert r.status_code == 404


def test_a_kind_rejected_twice_for_a_service_is_proposed_less_with_the_reasons(app, promtool):
    def runbook(target: str) -> Fix:
        return Fix(
            FixKind.RUNBOOK, "checkout", f"runbook {target}", "", target, f"runbook:checkout:{target}", {}
        )

    class Runbooks:
        kind = FixKind.RUNBOOK

        def __init__(self, *targets: str) -> None:
            self.targets = targets

        def generate(self, ctx):
            return [runbook(t) for t in self.targets]

    def save(target: str) -> int:
        with app.sessions() as s, s.begin():
            return store.save_fix(s, runbook(target), source_ref="inv", at=app.clock.now()).id

    first, second = save("a"), save("b")
    decide(app.sessions, app.governance.audit, app.clock, first, "reject", by="al", reason="we use the wiki")
    ctx = FixContext.__new__(FixContext)  # the stub generator reads nothing of it
    ctx.ref, ctx.notes, ctx.resolved_at = "inv-2", [], None
    service = FixService(app.sessions, app.clock, [Runbooks("c")], promtool=promtool, reject_kind_after=2)
    with app.sessions() as s:
        assert store.rejected_kinds(s, ["checkout"]) == {("runbook", "checkout"): ["we use the wiki"]}
    app.clock.advance(timedelta(minutes=1))
    decide(app.sessions, app.governance.audit, app.clock, second, "reject", by="al", reason="not ours")
    result = service.generate(ctx)
    assert not result.offered
    assert result.suppressed[0][1] == (
        "runbook fixes for checkout were rejected 2 times since the last one accepted: we use the wiki; not ours"
    )
    accepted = save("d")
    app.clock.advance(timedelta(minutes=1))
    decide(app.sessions, app.governance.audit, app.clock, accepted, "accept", by="al")
    with app.sessions() as s:
        assert store.rejected_kinds(s, ["checkout"]) == {}  # accepted again: the kind is wanted
