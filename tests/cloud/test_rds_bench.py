"""The RDS cases on moto (a local server), through the gateway: every case right, the red herrings
known, and changed evidence changes the answer (so the cases test the rules, not the labels)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

pytest.importorskip("moto")

from typer.testing import CliRunner

from autoheal.audit.verify import verify_chain
from autoheal.cli.main import root
from autoheal.cloud.bench import clients_for, investigate, run_bench, score, summarise
from autoheal.cloud.cases import RdsCase, load_all
from autoheal.cloud.emulator import MotoServer
from autoheal.cloud.fakepi import FakePerformanceInsights
from autoheal.store.db import create_db_engine, migrate


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MotoServer, FakePerformanceInsights]]:
    with MotoServer() as moto, FakePerformanceInsights() as pi:
        yield moto, pi


def _engine():  # type: ignore[no-untyped-def]
    engine = create_db_engine("sqlite://")
    migrate(engine)
    return engine


def _run(case: RdsCase, servers: tuple[MotoServer, FakePerformanceInsights]):  # type: ignore[no-untyped-def]
    moto, pi = servers
    hypotheses, ctx, recorder = investigate(case, moto, pi, _engine(), clients_for(moto, pi))
    return score(case, hypotheses, ctx, recorder, 0.0), hypotheses, pi


def _case(name: str) -> RdsCase:
    return next(c for c in load_all() if c.name == name)


def test_the_cases_cover_every_alert_family_and_all_three_senders() -> None:
    cases = load_all()
    assert len(cases) >= 10
    kinds = {c.expected.kind for c in cases}
    assert kinds >= {"maintenance", "expensive_query", "lock_contention", "connection_leak", "storage_exhaustion",
                     "replica_lag", "memory_pressure", "iops_saturation", "burst_balance_exhausted", "no_evidence"}  # fmt: skip
    assert {next(iter(c.alert)) for c in cases} == {"sns", "datadog", "alertmanager"}


def test_every_case_right_and_every_call_audited() -> None:
    engine = _engine()
    results = run_bench(engine=engine)
    wrong = [
        (r.case, (r.top or {}).get("statement"), r.missing_facts)
        for r in results
        if not (r.top1 and not r.missing_facts)
    ]
    assert wrong == []
    summary = summarise(results)
    assert summary["herrings_avoided"] == 1.0 and summary["missing_not_zero"] == 1.0
    report = verify_chain(engine)
    assert report.ok and report.records >= summary["tool_calls"]


def test_a_spike_that_outlives_the_backup_is_not_the_backup(
    servers: tuple[MotoServer, FakePerformanceInsights],
) -> None:
    case = _case("cpu-backup-window")
    result, hypotheses, _ = _run(case, servers)
    assert result.top1 and hypotheses[0].kind == "maintenance"
    cpu = dict(case.metrics["orders-db"]["CPUUtilization"], segments=[{"from": -21, "to": 0, "value": 88}])
    longer = dataclasses.replace(
        case, metrics={"orders-db": {**case.metrics["orders-db"], "CPUUtilization": cpu}}
    )
    _, hypotheses, _ = _run(longer, servers)
    assert hypotheses[0].kind == "cpu_saturation"
    ruled_out = next(h for h in hypotheses if h.kind == "maintenance")
    assert ruled_out.score < hypotheses[0].score and "ruled out" in ruled_out.statement


def test_no_datapoints_is_no_evidence_and_a_real_zero_is_a_value(
    servers: tuple[MotoServer, FakePerformanceInsights],
) -> None:
    case = _case("cpu-missing-stopped")
    result, hypotheses, _ = _run(case, servers)
    assert [h.kind for h in hypotheses] == ["no_evidence"] and result.missing_not_zero
    assert "0 %" not in hypotheses[0].statement
    zero = {"base": 0, "segments": [{"from": -20, "to": 0, "value": 0}]}
    reporting = dataclasses.replace(
        case,
        instances=[{**case.instances[0], "status": "available"}],
        metrics={"reports-db": {"CPUUtilization": zero, "DatabaseConnections": 8}},
    )
    _, hypotheses, _ = _run(reporting, servers)
    assert hypotheses and hypotheses[0].kind != "no_evidence"


def test_without_performance_insights_no_statement_is_named(
    servers: tuple[MotoServer, FakePerformanceInsights],
) -> None:
    case = _case("cpu-query-yace")
    blind = dataclasses.replace(case, instances=[{**case.instances[0], "performance_insights": False}])
    _, hypotheses, pi = _run(blind, servers)
    assert pi.requests == []  # the tool was not called for an instance without Performance Insights
    assert hypotheses[0].kind == "cpu_saturation" and "LOWER(name)" not in hypotheses[0].statement


def test_the_bench_command_prints_a_table_and_a_json_line() -> None:
    out = CliRunner().invoke(root, ["bench", "rds", "--only", "storage"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].startswith("ok ") and '"cases": 1' in lines[-1] and '"top1": 1.0' in lines[-1]
