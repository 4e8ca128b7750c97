"""The CLI on a running server (``--url`` / ``AUTOHEAL_URL`` and a token) and on a local database,
saying which store it reads; a local database that does not exist is an error, not a new file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoheal.cli.main import root
from autoheal.servers.autoheal import AutohealServer
from tests.pipeline.conftest import am_payload

runner = CliRunner()
CONFIG = "sources:\n  alertmanager:\n    auth: {type: bearer, token: cli-token}\n"


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(root, list(args), env=env, catch_exceptions=False)


def test_reading_a_missing_local_database_says_so_and_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOHEAL_DATABASE_URL", raising=False)
    for command in (["alerts", "list"], ["triage", "list"], ["alerts", "show", "1"], ["token", "list"]):
        result = runner.invoke(root, command)
        assert result.exit_code == 1, command
        assert "no database at" in result.output and "--url" in result.output, result.output
    assert not (tmp_path / "autoheal.db").exists()


def test_local_reads_name_the_database(tmp_path):
    db = f"sqlite:///{tmp_path / 'local.db'}"
    run("token", "create", "--role", "viewer", "--db", db)
    listed = run("alerts", "list", "--json", "--db", db)
    assert f"reading local database sqlite:///{tmp_path / 'local.db'}" in listed.stderr
    assert json.loads(listed.stdout) == {"alerts": []}


def test_url_without_a_token_is_a_clear_error():
    result = runner.invoke(
        root, ["alerts", "list", "--url", "http://127.0.0.1:9"], env={"AUTOHEAL_TOKEN": ""}
    )
    assert result.exit_code == 1 and "AUTOHEAL_TOKEN" in result.output


def test_unreachable_server_is_a_clear_error():
    result = runner.invoke(root, ["alerts", "list", "--url", "http://127.0.0.1:9", "--token", "ah_x"])
    assert result.exit_code == 1 and "cannot reach the server at http://127.0.0.1:9" in result.output


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    workdir: Path = tmp_path_factory.mktemp("served")
    with AutohealServer.start(workdir, db_url=f"sqlite:///{workdir / 'served.db'}", config=CONFIG) as s:
        body = am_payload({"fp": "srv1", "labels": {"service": "payment", "severity": "critical"}})
        sent = runner.invoke(
            root,
            ["alert", "send", "--source", "alertmanager", "-", "--url", s.url, "--token", "cli-token"],
            input=body.decode(),
        )
        assert sent.exit_code == 0, sent.output
        yield s


def test_read_commands_use_the_servers_api(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no local database here: everything must come from the server
    admin = server.create_token("admin")
    env = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": admin}
    listed = run("alerts", "list", "--json", env=env)
    assert f"reading server {server.url}" in listed.stderr
    alerts = json.loads(listed.stdout)["alerts"]
    assert [a["service"] for a in alerts] == ["payment"]
    shown = run("alerts", "show", str(alerts[0]["id"]), "--json", env=env)
    assert json.loads(shown.stdout)["transitions"][0]["status"] == "firing"
    tools = run("tools", "list", "--json", env=env)
    assert "reading server" in tools.stderr
    assert {"name", "decision", "rate_limit"} <= set(json.loads(tools.stdout.splitlines()[0]))
    approvals = run("approvals", "list", "--json", env=env)
    assert approvals.exit_code == 0 and "reading server" in approvals.stderr
    triage = run("triage", "list", "--json", env=env)
    assert triage.exit_code == 0 and "reading server" in triage.stderr
    missing = runner.invoke(root, ["triage", "show", "999999"], env=env)
    assert missing.exit_code == 1 and "server answered 404" in missing.output
    assert not (tmp_path / "autoheal.db").exists()


def test_tokens_over_the_api(server):
    admin = server.create_token("admin")
    env = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": admin}
    secret = run("token", "create", "--role", "viewer", "--name", "dashboards", env=env).stdout.strip()
    assert secret.startswith("ah_")
    tokens = [json.loads(line) for line in run("token", "list", "--json", env=env).stdout.splitlines()]
    mine = next(t for t in tokens if t["name"] == "dashboards")
    assert "token" not in mine and "token_hash" not in mine and mine["created_at"].endswith("+00:00")
    viewer_env = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": secret}
    assert run("alerts", "list", env=viewer_env).exit_code == 0
    forbidden = runner.invoke(root, ["token", "list"], env=viewer_env)
    assert forbidden.exit_code == 1 and "403" in forbidden.output
    assert run("token", "revoke", str(mine["id"]), env=env).exit_code == 0
    revoked = runner.invoke(root, ["alerts", "list"], env=viewer_env)
    assert revoked.exit_code == 1 and "401" in revoked.output


def test_silences_and_maintenance_over_the_api(server):
    env = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": server.create_token("responder")}
    created = run(
        "silences",
        "create",
        "--name",
        "payment db upgrade",
        "--duration",
        "2h",
        "--match",
        "service=payment",
        env=env,
    )
    assert created.exit_code == 0, created.output
    silence = json.loads(created.stdout)
    assert silence["state"] == "active" and silence["created_by"].startswith("api-token:")
    listed = [json.loads(line) for line in run("silences", "list", "--json", env=env).stdout.splitlines()]
    assert [s["id"] for s in listed] == [silence["id"]]
    assert run("silences", "expire", str(silence["id"]), env=env).exit_code == 0
    assert run("silences", "list", "--json", env=env).stdout.strip() == ""
    everything = run("silences", "list", "--all", "--json", env=env).stdout
    assert json.loads(everything.splitlines()[0])["state"] == "expired"
    window = run(
        "maintenance", "create", "--name", "kernel patch", "--duration", "1h", "--service", "payment", env=env
    )
    assert json.loads(window.stdout)["kind"] == "maintenance"
    unmatched = runner.invoke(root, ["silences", "create", "--name", "all", "--duration", "1h"], env=env)
    assert unmatched.exit_code == 1 and "must not match every alert" in unmatched.output


def test_investigate_runs_on_the_server_and_follows_its_events(server):
    env = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": server.create_token("responder")}
    alert_id = json.loads(run("alerts", "list", "--json", env=env).stdout)["alerts"][0]["id"]
    result = run("investigate", str(alert_id), "--json", env=env)
    assert result.exit_code == 0, result.output
    assert "started on the server" in result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["investigation_id"].startswith("inv-") and "causes" in report
    viewer = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": server.create_token("viewer")}
    refused = runner.invoke(root, ["investigate", str(alert_id)], env=viewer)
    assert refused.exit_code == 1 and "403" in refused.output


def test_audit_verify_and_export_over_the_api(server, tmp_path):
    env = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": server.create_token("admin")}
    verified = run("audit", "verify", env=env)
    assert verified.exit_code == 0, verified.output
    assert "the server's check" in verified.stdout
    out = tmp_path / "export.jsonl"
    exported = run("audit", "export", "-o", str(out), env=env)
    assert exported.exit_code == 0 and "reading server" in exported.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records and [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert all(r["hash"] and r["prev_hash"] for r in records)
    viewer = {"AUTOHEAL_URL": server.url, "AUTOHEAL_TOKEN": server.create_token("viewer")}
    refused = runner.invoke(root, ["audit", "verify"], env=viewer)
    assert refused.exit_code == 1 and "403" in refused.output
