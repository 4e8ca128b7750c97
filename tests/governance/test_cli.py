"""The governance commands, driven through the real CLI on a real database file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from autoheal.audit.trail import AuditTrail
from autoheal.cli.main import root
from autoheal.domain.tools import ToolStatus
from autoheal.governance.wiring import build_governance, policy_from
from autoheal.store.db import create_db_engine, migrate
from tests.governance.conftest import DeleteTool, RecordingTool

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.yaml"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(root, list(args))


def test_policy_check_example_and_errors(tmp_path: Path) -> None:
    ok = run("policy", "check", str(EXAMPLE))
    assert ok.exit_code == 0, ok.output
    assert "no-kube-system" in ok.output and "budgets per investigation" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("default: allow\nrules:\n  - name: r\n    effect: permit\n")
    result = run("policy", "check", str(bad))
    assert result.exit_code == 1 and "rules.0.effect (line 4)" in result.output
    missing = run("policy", "check", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 1 and "cannot read policy file" in missing.output
    assert run("policy", "default").exit_code == 0


def test_tools_list_json() -> None:
    result = run("tools", "list", "--json", "--policy", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    by_name = {r["name"]: r for r in rows}
    assert by_name["prometheus.query_range"]["decision"] == "allow"
    assert "10/s burst 20" in by_name["prometheus.query_range"]["rate_limit"]


def _governed(db: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_db_engine(db)
    migrate(engine)
    return build_governance([RecordingTool(), DeleteTool()], policy_from(None), engine), engine


def test_approvals_and_audit_round_trip(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gov.db'}"
    gov, engine = _governed(db, tmp_path)
    gw = gov.gateway
    assert gw.call("test.echo", {"text": "hello"}, caller="triage").ok
    pending = gw.call("kubernetes.delete", {"text": "pod/x"}, caller="investigation")
    assert pending.status is ToolStatus.NEEDS_APPROVAL
    req = pending.meta["approval_id"]

    listed = run("approvals", "list", "--json", "--status", "pending", "--db", db)
    assert [json.loads(x)["id"] for x in listed.stdout.splitlines()] == [req]
    viewer = run("approvals", "grant", str(req), "--by", "val", "--role", "viewer", "--db", db)
    assert viewer.exit_code == 1 and "viewer" in viewer.output
    granted = run("approvals", "grant", str(req), "--by", "alice", "--role", "responder", "--db", db)
    assert granted.exit_code == 0, granted.output
    assert gw.call("kubernetes.delete", {"text": "pod/x"}, caller="investigation").ok
    gov.close()

    verified = run("audit", "verify", "--db", db)
    assert verified.exit_code == 0 and "ok 4 records" in verified.output

    exported = run("audit", "export", "--db", db, "--since", "2000-01-01T00:00:00Z")
    records = [json.loads(x) for x in exported.stdout.splitlines() if x.startswith("{")]
    assert [r["kind"] for r in records] == ["tool_call", "tool_call", "human_action", "tool_call"]
    assert records[2]["actor"] == "human:alice"
    assert run("audit", "export", "--db", db, "--since", "yesterday").exit_code == 1

    key = tmp_path / "audit-key"
    assert run("audit", "keygen", "--out", str(key)).exit_code == 0
    assert run("audit", "keygen", "--out", str(key)).exit_code == 1  # never overwrite a key
    signed = run("audit", "sign", "--key", str(key.with_suffix(".pem")), "--db", db)
    assert signed.exit_code == 0 and "seq 4" in signed.output
    ok = run("audit", "verify", "--db", db, "--public-key", str(key.with_suffix(".pub")))
    assert ok.exit_code == 0 and "1 signatures verified" in ok.output

    con = sqlite3.connect(tmp_path / "gov.db")
    con.execute("UPDATE audit_records SET actor = 'nobody' WHERE seq = 3")
    con.commit()
    con.close()
    tampered = run("audit", "verify", "--db", db)
    assert tampered.exit_code == 1 and "record 3" in tampered.output
    engine.dispose()


def test_gateway_on_both_databases(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        gov = build_governance([DeleteTool()], policy_from(None), engine)
        r = gov.gateway.call("kubernetes.delete", {"text": "a"}, caller="investigation")
        from autoheal.governance.approvals import Principal

        gov.approvals.grant(r.meta["approval_id"], Principal("p", "admin"))
        assert gov.gateway.call("kubernetes.delete", {"text": "a"}, caller="investigation").ok
        assert (
            gov.gateway.call("kubernetes.delete", {"text": "a"}, caller="i").status
            is ToolStatus.NEEDS_APPROVAL
        )
        gov.close()
        assert AuditTrail(engine).head() is not None
        from autoheal.audit.verify import verify_chain

        assert verify_chain(engine).ok
    finally:
        engine.dispose()
