"""`autoheal backtest`: histories read strictly, replays equal to the live run, a real Alertmanager."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from autoheal.backtest import backtest, fetch_alertmanager, read_history, read_jsonl
from autoheal.backtest.history import parse_window
from autoheal.cli.main import root
from autoheal.clock import SystemClock
from autoheal.config import Settings, load_settings
from autoheal.errors import InputError
from autoheal.sim import load_scenario, simulate
from autoheal.sim.export import export, live_decisions

AM_CONFIG = """
route: {receiver: blackhole, group_wait: 1s, group_interval: 2s}
receivers: [{name: blackhole}]
"""


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 1: not JSON"),
        ("[1]", "line 1: expected a JSON object"),
        ('{"at": "2026-01-01T00:00:00Z"}', "'payload' must be"),
        ('{"at": "2026-01-01T00:00:00", "payload": {}}', "needs a time zone"),
        ('{"at": "yesterday", "payload": {}}', "not an RFC 3339 time"),
        ('{"at": "2026-01-01T00:00:00Z", "payload": {}, "outcome": "maybe"}', "'outcome' must be one of"),
        ('{"at": "2026-01-01T00:00:00Z", "payload": {}, "extra": 1}', "unknown keys ['extra']"),
    ],
)
def test_a_bad_history_line_is_named(line: str, message: str) -> None:
    with pytest.raises(InputError, match="line 1") as err:
        read_jsonl([line])
    assert message in str(err.value)


def test_history_is_sorted_and_comments_skipped() -> None:
    lines = [
        "# exported 2026-01-02",
        '{"at": "2026-01-01T10:05:00Z", "payload": {"n": 2}}',
        "",
        '{"at": "2026-01-01T10:00:00+00:00", "source": "generic", "payload": {"n": 1}, "outcome": "noise"}',
    ]
    got = read_jsonl(lines)
    assert [d.payload["n"] for d in got] == [1, 2]
    assert (got[0].source, got[0].outcome, got[1].source) == ("generic", "noise", "alertmanager")


def test_windows() -> None:
    assert parse_window("30d") == timedelta(days=30) and parse_window("90m") == timedelta(minutes=90)
    assert parse_window("2w") == timedelta(weeks=2)
    for bad in ("d", "-1d", "0h", "5 minutes"):
        with pytest.raises(InputError, match="--since"):
            parse_window(bad)


def test_replay_equals_the_live_run(tmp_path: Path) -> None:
    """The demo story live (embedded server, webhooks at their simulated times) and the backtest
    of its export reach the same triage verdicts on the same alerts, in the same order."""
    run = simulate(load_scenario("demo-story"))
    live = live_decisions(run, tmp_path / "live")
    export(run, tmp_path / "export")
    replay = backtest(
        read_history(tmp_path / "export" / "alerts.jsonl"),
        load_settings(tmp_path / "export" / "autoheal.yaml", {}),
        triage_only=True,
    )
    assert not replay.rejected
    assert [(d.fingerprints, d.verdict) for d in replay.decisions] == [
        (d.fingerprints, d.verdict) for d in live
    ]
    summary = replay.summary()
    assert summary["verdicts"] == len(live) > 10 and summary["investigations"] == 0
    assert summary["with_outcome"] == summary["verdicts"] and summary["suppressed_but_actionable"] == 0
    assert {d.action for d in replay.decisions} == {"page", "attach", "suppress"}


def test_replay_with_investigations_concludes(tmp_path: Path) -> None:
    run = simulate(load_scenario("demo-story"))
    export(run, tmp_path)
    result = backtest(read_history(tmp_path / "alerts.jsonl"), load_settings(tmp_path / "autoheal.yaml", {}))
    concluded = [d for d in result.decisions if d.top_cause]
    assert result.summary()["investigations"] >= 1 and concluded
    assert any("checkout" in (d.top_cause or "") for d in concluded)


def test_backtest_writes_nothing_to_the_configured_database(tmp_path: Path) -> None:
    history = tmp_path / "h.jsonl"
    payload = {
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "X", "service": "a"},
                "annotations": {},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "f1",
            }
        ],
        "version": "4",
        "status": "firing",
    }
    history.write_text(
        json.dumps({"at": "2026-01-01T00:00:05Z", "payload": payload, "outcome": "noise"}) + "\n"
    )
    db = tmp_path / "prod.db"
    settings = Settings.model_validate({"database": {"url": f"sqlite:///{db}"}})
    result = backtest(read_history(history), settings, triage_only=True)
    assert result.summary()["verdicts"] == 1 and not db.exists()
    assert result.telemetry == ":memory:"  # no telemetry beside a database that does not exist


def test_cli_needs_exactly_one_input(tmp_path: Path) -> None:
    out = CliRunner().invoke(root, ["backtest"])
    assert out.exit_code != 0 and "--from FILE or --alertmanager URL" in " ".join(out.output.split())
    missing = CliRunner().invoke(root, ["backtest", "--from", str(tmp_path / "none.jsonl")])
    assert missing.exit_code != 0 and "no such file" in " ".join(missing.output.split())


@pytest.mark.realservice
def test_reads_a_real_alertmanager(alertmanager_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = alertmanager_factory(AM_CONFIG)
    now = SystemClock().now()
    alerts = [
        {
            "labels": {"alertname": name, "service": "checkout", "severity": "critical"},
            "annotations": {"summary": name},
            "startsAt": (now - timedelta(minutes=m)).isoformat(),
            "endsAt": (now + timedelta(minutes=10)).isoformat(),
        }
        for name, m in (("HighErrorRate", 5), ("HighLatency", 3))
    ]
    httpx.post(f"{server.url}/api/v2/alerts", json=alerts, timeout=5).raise_for_status()
    deliveries = fetch_alertmanager(server.url)
    assert [d.payload["alerts"][0]["labels"]["alertname"] for d in deliveries] == [
        "HighErrorRate",
        "HighLatency",
    ]
    assert all(d.payload["alerts"][0]["fingerprint"] for d in deliveries)
    out = CliRunner().invoke(root, ["backtest", "--alertmanager", server.url, "--triage-only", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output.strip().splitlines()[-1])
    assert summary["deliveries"] == 2 and summary["verdicts"] >= 1 and summary["rejected"] == 0
