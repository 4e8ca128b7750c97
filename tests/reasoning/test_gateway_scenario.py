"""The engine end to end through the real governance Gateway and the real tools over the embedded
telemetry store (the same path as production without external servers)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml

from autoheal.clock import ManualClock
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import default_policy
from autoheal.governance.wiring import build_governance
from autoheal.reasoning.checks import default_checks
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.generators import ChangeGenerator, SaturationGenerator, TopologyGenerator
from autoheal.store.db import create_db_engine, migrate
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import ChangeEvent, ChangeKind
from autoheal.tools.registry import ToolsConfig, TopologyConfig, build_tools

from .fakes import T0, alert
from .world import EDGES, SERVICES, World


def load(world: World, tmp_path: Path, *, audited: bool = False) -> tuple[Gateway, ManualClock]:
    telemetry = EmbeddedTelemetry(":memory:")
    for service in SERVICES:
        for metric in ("error_ratio", "latency_p99_ms", "cpu_usage_ratio"):
            samples = []
            for i in range(-240, 11):
                at = T0 + timedelta(minutes=i)
                samples.append((at.timestamp(), world.value(service, metric, i, at)))
            telemetry.metrics.write_samples(metric, {"service": service, "pod": f"{service}-0"}, samples)
    for c in world.changes:
        telemetry.changes.record_change(
            ChangeEvent(
                c["id"],
                __import__("datetime").datetime.fromisoformat(c["at"]),
                c["service"],
                ChangeKind(c["kind"]),
                c["summary"],
                version=c["version"],
            )
        )
    topo = tmp_path / "topology.yaml"
    topo.write_text(yaml.safe_dump({"edges": [{"caller": a, "callee": b} for a, b in EDGES]}))
    clock = ManualClock(T0 + timedelta(minutes=10))
    tools = build_tools(ToolsConfig(topology=TopologyConfig(file=topo)), telemetry, clock=clock)
    if audited:
        engine = create_db_engine(f"sqlite:///{tmp_path / 'audit.db'}")
        migrate(engine)
        return build_governance(tools, default_policy(), engine, clock=clock).gateway, clock
    return Gateway(tools, default_policy(), clock=clock), clock


def test_bad_deploy_through_the_gateway(tmp_path: Path) -> None:
    world = (
        World()
        .deploy("payments", T0 - timedelta(minutes=6))
        .deploy("catalog", T0 - timedelta(minutes=3), "v9")
        .fault("payments", T0 - timedelta(minutes=5))
        .fault("checkout", T0 - timedelta(minutes=4))
        .fault("frontend", T0 - timedelta(minutes=4))
    )
    gateway, clock = load(world, tmp_path)
    investigator = Investigator(
        [ChangeGenerator(), TopologyGenerator(), SaturationGenerator()], default_checks(), gateway, clock
    )
    events = list(investigator.run("checkout errors", [alert(service="checkout")]))
    failed = [
        e.payload for e in events if e.kind == "evidence" and e.payload["status"] in ("error", "denied")
    ]
    assert not failed, failed
    report = events[-1].payload["report"]
    top = report["causes"][0]
    assert (top["hypothesis"]["service"], top["hypothesis"]["kind"]) == ("payments", "bad_deploy")
    assert top["verification"]["verdict"] == "supported"
    catalog = next(r for r in report["ruled_out"] if r["hypothesis"]["service"] == "catalog")
    assert catalog["verification"]["verdict"] == "refuted"


def test_every_reasoning_step_reaches_the_audit_trail(tmp_path: Path) -> None:
    from autoheal.audit import iter_records, verify_chain
    from autoheal.domain.alerts import AlertGroup
    from autoheal.reasoning.triage import InMemoryAlertHistory, Triage

    world = World().deploy("payments", T0 - timedelta(minutes=6)).fault("payments", T0 - timedelta(minutes=5))
    gateway, clock = load(world, tmp_path, audited=True)
    a = alert(service="payments")
    group = AlertGroup(key="g", labels={}, fingerprints=(a.fingerprint,), service="payments")
    Triage(gateway, clock).assess(group, [a], InMemoryAlertHistory())
    investigator = Investigator([ChangeGenerator()], default_checks(), gateway, clock)
    list(investigator.run("payments errors", [a], investigation_id="inv-audit"))
    engine = create_db_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    records = list(iter_records(engine))
    steps = [r.payload_obj() for r in records if r.kind == "reasoning_step"]
    assert next(s["step"] for s in steps) == "triage_verdict"
    assert {"verification", "report"} <= {s["step"] for s in steps}
    assert all(s["investigation_id"] == "inv-audit" for s in steps[1:])
    assert any(r.kind == "tool_call" and r.actor == "triage" for r in records)
    assert verify_chain(engine).ok
