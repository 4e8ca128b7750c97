from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from typer.testing import CliRunner

from autoheal.cli.main import root
from autoheal.store.db import create_db_engine, migrate, session_factory
from autoheal.store.models import AlertGroupRow, AlertRow, Payload
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import ChangeEvent, ChangeKind

from .fakes import T0
from .test_engine import bad_deploy_world
from .world import EDGES, SERVICES


def setup(tmp_path: Path) -> Path:
    world = bad_deploy_world()
    telemetry = EmbeddedTelemetry(tmp_path / "telemetry.db")
    for service in SERVICES:
        for metric in ("error_ratio", "latency_p99_ms"):
            samples = [
                (
                    (T0 + timedelta(minutes=i)).timestamp(),
                    world.value(service, metric, i, T0 + timedelta(minutes=i)),
                )
                for i in range(-240, 40)
            ]
            telemetry.metrics.write_samples(metric, {"service": service}, samples)
    for c in world.changes:
        telemetry.changes.record_change(
            ChangeEvent(
                c["id"],
                datetime.fromisoformat(c["at"]),
                c["service"],
                ChangeKind(c["kind"]),
                c["summary"],
                c["version"],
            )
        )
    topo = tmp_path / "topology.yaml"
    topo.write_text(yaml.safe_dump({"edges": [{"caller": a, "callee": b} for a, b in EDGES]}))
    db = f"sqlite:///{tmp_path / 'autoheal.db'}"
    engine = create_db_engine(db)
    migrate(engine)
    with session_factory(engine).begin() as s:
        payload = Payload(source="am", digest="d", received_at=T0, body="{}", alert_count=1)
        group = AlertGroupRow(
            key='{}:{alertname="HighErrorRate"}',
            labels={},
            service="checkout",
            severity="warning",
            status="firing",
            first_seen=T0,
            last_seen=T0,
        )
        s.add_all([payload, group])
        s.flush()
        s.add(
            AlertRow(
                source="am",
                fingerprint="fp-1",
                name="HighErrorRate",
                status="firing",
                service="checkout",
                severity="warning",
                labels={"service": "checkout"},
                annotations={},
                starts_at=T0,
                first_seen=T0,
                last_seen=T0,
                expired=False,
                flapping=False,
                transitions=1,
                deliveries=1,
                group_id=group.id,
                payload_id=payload.id,
            )
        )
    engine.dispose()
    config = tmp_path / "autoheal.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": db},
                "telemetry": {"path": str(tmp_path / "telemetry.db")},
                "tools": {"topology": {"file": str(topo)}},
            }
        )
    )
    return config


def test_investigate_json_and_stream(tmp_path: Path) -> None:
    config = setup(tmp_path)
    runner = CliRunner()
    result = runner.invoke(root, ["investigate", "fp-1", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["causes"][0]["hypothesis"]["service"] == "payments"
    assert report["investigation_id"].startswith("inv-")

    streamed = runner.invoke(root, ["investigate", "group:1", "--config", str(config)])
    assert streamed.exit_code == 0, streamed.output
    assert "investigating" in streamed.output and "root causes" in streamed.output

    missing = runner.invoke(root, ["investigate", "nope", "--config", str(config)])
    assert missing.exit_code == 1 and "no alert or alert group" in missing.output
