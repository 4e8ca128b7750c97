"""The RDS generator inside the full investigation engine (assembly.build_investigator adds it
when aws.* tools are behind the gateway): the report's first cause is the case's answer."""

from __future__ import annotations

import pytest

pytest.importorskip("moto")

from autoheal.assembly import assemble
from autoheal.clock import ManualClock
from autoheal.cloud.bench import READ_ONLY_POLICY, clients_for
from autoheal.cloud.cases import load_all, seed
from autoheal.cloud.emulator import MotoServer
from autoheal.cloud.fakepi import FakePerformanceInsights
from autoheal.governance.policy import parse_policy
from autoheal.store.db import create_db_engine, migrate
from autoheal.tools.aws import aws_tools


def test_full_investigation_ranks_the_query_above_the_backup() -> None:
    case = next(c for c in load_all() if c.name == "cpu-query-during-backup")
    with MotoServer() as moto, FakePerformanceInsights() as pi:
        seed(case, moto, pi)
        engine = create_db_engine("sqlite://")
        migrate(engine)
        assembly = assemble(
            aws_tools(clients_for(moto, pi)), parse_policy(READ_ONLY_POLICY), engine, ManualClock(case.now)
        )
        try:
            alerts = case.alerts()
            events = list(assembly.investigator.run(alerts[0].name, alerts))
        finally:
            assembly.close()
    assert any(e.kind == "step" and e.payload.get("generator") == "rds" for e in events)
    causes = events[-1].payload["report"]["causes"]
    assert [c["hypothesis"]["kind"] for c in causes[:2]] == ["expensive_query", "maintenance"]
    assert causes[0]["confidence"] > causes[1]["confidence"]
