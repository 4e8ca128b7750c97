"""The CLI is a thin layer: these drive the real commands (typer runner, real database, real server)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from autoheal.cli.main import root
from autoheal.servers.autoheal import AutohealServer
from tests.pipeline.conftest import am_payload

runner = CliRunner()


def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(root, list(args), input=input, catch_exceptions=False)


def test_token_create_and_alerts_list_on_an_empty_database(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    created = invoke("token", "create", "--role", "viewer", "--db", db)
    assert created.exit_code == 0 and created.stdout.strip().startswith("ah_")
    listed = invoke("alerts", "list", "--json", "--db", db)
    assert json.loads(listed.stdout) == {"alerts": []}


def test_bad_role_and_missing_alert_are_clear_errors(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = runner.invoke(root, ["token", "create", "--role", "god", "--db", db])
    assert bad.exit_code == 2 and "god" in bad.output
    invoke("token", "create", "--role", "viewer", "--db", db)  # creates the database
    missing = runner.invoke(root, ["alerts", "show", "42", "--db", db])
    assert missing.exit_code == 1 and "no alert with id 42" in missing.output


def test_bad_config_file_names_the_field(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("pipeline:\n  flap_threshold: one\n")
    result = runner.invoke(root, ["alerts", "list", "--config", str(cfg)])
    assert result.exit_code == 1 and "pipeline.flap_threshold" in result.output


def test_alert_send_to_a_running_server_then_list(tmp_path):
    config = "sources:\n  alertmanager:\n    auth: {type: bearer, token: cli-token}\n"
    db = f"sqlite:///{tmp_path / 'served.db'}"
    payload = tmp_path / "alert.json"
    payload.write_bytes(am_payload({"fp": "cli1", "labels": {"service": "payment", "severity": "critical"}}))
    with AutohealServer.start(tmp_path, db_url=db, config=config) as server:
        sent = invoke(
            "alert",
            "send",
            "--source",
            "alertmanager",
            str(payload),
            "--url",
            server.url,
            "--token",
            "cli-token",
        )
        assert sent.exit_code == 0, sent.output
        assert json.loads(sent.stdout.splitlines()[0])["status"] == "committed"
        refused = runner.invoke(
            root,
            ["alert", "send", "--source", "alertmanager", "-", "--url", server.url, "--token", "nope"],
            input="{}",
        )
        assert refused.exit_code == 1 and "401" in refused.output
    listed = json.loads(invoke("alerts", "list", "--json", "--db", db).stdout)
    assert [(a["service"], a["severity"]) for a in listed["alerts"]] == [("payment", "critical")]
    shown = invoke("alerts", "show", str(listed["alerts"][0]["id"]), "--db", db)
    assert "payment" in shown.stdout


def test_model_settings_from_the_environment_keep_the_key_secret():
    from autoheal.config import load_settings

    s = load_settings(None, {"AUTOHEAL_MODEL_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "sk-ant-secret"})
    assert s.model.provider == "anthropic"
    assert s.model.api_key is not None and s.model.api_key.get_secret_value() == "sk-ant-secret"
    assert "sk-ant-secret" not in repr(s) and "sk-ant-secret" not in str(s.model_dump())
    assert load_settings(None, {}).model.provider == "none"
