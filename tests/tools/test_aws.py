"""The AWS tools through boto3 against moto running as a local server (CloudWatch, RDS) and the
recorded-response Performance Insights fake (moto has no ``pi``), and through the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto")

from sqlalchemy import text

from autoheal.audit.trail import AuditTrail
from autoheal.cloud.emulator import MotoServer
from autoheal.cloud.fakepi import FakePerformanceInsights
from autoheal.domain.tools import ToolStatus
from autoheal.errors import ConfigError
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import parse_policy
from autoheal.store.db import create_db_engine, migrate
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.tools.aws import aws_tools
from autoheal.tools.aws.config import AwsClients, AwsConfig
from autoheal.tools.registry import ToolsConfig, build_tools

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
RESOURCE = "db-ABCDEFGHIJKLMNOPQRSTUVWXY0"


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def pi() -> Iterator[FakePerformanceInsights]:
    recorded = {
        RESOURCE: {
            "DescribeDimensionKeys": {
                "AlignedStartTime": (NOW - timedelta(minutes=30)).timestamp(),
                "AlignedEndTime": NOW.timestamp(),
                "PartitionKeys": [
                    {"Dimensions": {"db.wait_event.name": "CPU"}},
                    {"Dimensions": {"db.wait_event.name": "Lock:transactionid"}},
                ],
                "Keys": [
                    {
                        "Dimensions": {
                            "db.sql_tokenized.statement": "UPDATE orders SET status = ? WHERE id = ?",
                            "db.sql_tokenized.id": "AKIAIOSFODNN7EXAMPLEX",
                        },
                        "Total": 3.2,
                        "Partitions": [0.2, 3.0],
                    },
                    {
                        "Dimensions": {"db.sql_tokenized.statement": "SELECT * FROM carts WHERE user_id = ?"},
                        "Total": 0.4,
                        "Partitions": [0.4, 0.0],
                    },
                ],
            },
            "GetResourceMetrics": {
                "AlignedStartTime": (NOW - timedelta(minutes=2)).timestamp(),
                "AlignedEndTime": NOW.timestamp(),
                "MetricList": [
                    {
                        "Key": {"Metric": "db.load.avg"},
                        "DataPoints": [
                            {"Timestamp": (NOW - timedelta(minutes=2)).timestamp(), "Value": 1.5},
                            {"Timestamp": (NOW - timedelta(minutes=1)).timestamp(), "Value": 4.0},
                        ],
                    }
                ],
            },
        }
    }
    with FakePerformanceInsights(recorded) as server:
        yield server


def _config(moto: MotoServer, pi: FakePerformanceInsights | None = None, **over: Any) -> AwsConfig:
    data: dict[str, Any] = {
        "region": moto.region,
        "endpoint_url": moto.url,
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": SECRET,
        **over,
    }
    if pi is not None:
        data["endpoints"] = {"pi": pi.url}
    return AwsConfig.model_validate(data)


def _tools(config: AwsConfig) -> dict[str, Any]:
    return {t.name: t for t in aws_tools(AwsClients(config))}


def _call(tool: Any, **args: Any) -> Any:
    return tool.invoke(tool.args_model.model_validate(args))


@pytest.fixture
def seeded(moto: MotoServer) -> MotoServer:
    moto.reset()
    rds = moto.client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db",
        DBInstanceClass="db.r6g.large",
        Engine="postgres",
        AllocatedStorage=200,
        StorageType="io1",
        Iops=3000,
        MasterUsername="app",
        MasterUserPassword="hunter2-not-logged",
        PreferredBackupWindow="11:30-12:00",
        PreferredMaintenanceWindow="sun:04:00-sun:04:30",
    )
    moto.add_rds_event("orders-db", NOW - timedelta(minutes=20), "Backing up DB instance", ["backup"])
    moto.add_rds_event("orders-db", NOW - timedelta(hours=5), "DB instance restarted", ["availability"])
    dims = [{"Name": "DBInstanceIdentifier", "Value": "orders-db"}]
    data = [
        {
            "MetricName": "CPUUtilization",
            "Dimensions": dims,
            "Timestamp": NOW - timedelta(minutes=m),
            "Value": 0.0 if m == 5 else 40.0 + m,
        }
        for m in range(1, 31)
    ]
    moto.client("cloudwatch").put_metric_data(Namespace="AWS/RDS", MetricData=data)
    return moto


def test_cloudwatch_series_ascending_zero_kept_and_missing_metric_is_missing_not_zero(
    seeded: MotoServer,
) -> None:
    tool = _tools(_config(seeded))["aws.cloudwatch_metrics"]
    result = _call(
        tool,
        metrics=["CPUUtilization", "ReplicaLag"],
        db_instance="orders-db",
        start=NOW - timedelta(minutes=40),
        end=NOW,
    )
    assert result.ok, result.message
    cpu, lag = result.data["series"]
    assert cpu["metric"] == "CPUUtilization" and cpu["datapoints"] == 30
    assert cpu["timestamps"] == sorted(cpu["timestamps"]) and cpu["values"][0] == 70.0
    assert 0.0 in cpu["values"]  # a real zero stays a zero
    assert lag == {
        "metric": "ReplicaLag",
        "timestamps": [],
        "values": [],
        "status": "Complete",
        "datapoints": 0,
    }
    assert result.data["missing"] == ["ReplicaLag"]
    nothing = _call(
        tool,
        metrics=["FreeStorageSpace"],
        db_instance="orders-db",
        start=NOW - timedelta(minutes=40),
        end=NOW,
    )
    assert nothing.status is ToolStatus.NO_DATA and "no evidence (not zero)" in nothing.message
    other = _call(
        tool, metrics=["CPUUtilization"], db_instance="billing-db", start=NOW - timedelta(minutes=40), end=NOW
    )
    assert other.status is ToolStatus.NO_DATA  # dimensions are matched, not ignored


def test_cloudwatch_arguments_refused_with_reasons() -> None:
    from autoheal.tools.aws.cloudwatch import MetricDataArgs

    base = {"metrics": ["CPUUtilization"], "start": NOW - timedelta(hours=1), "end": NOW}
    for bad, why in (
        ({"period": 45}, "period must be"),
        ({"stat": "Mean"}, "unknown statistic"),
        ({"start": NOW - timedelta(days=20)}, "longer than 15 days"),
        ({"end": NOW - timedelta(hours=2)}, "end must be after start"),
        ({"metrics": ["CPU Utilization!"]}, "not a CloudWatch metric name"),
        ({"period": 1, "start": NOW - timedelta(days=2)}, "datapoints exceed"),
        ({"db_instance": "orders_db; drop"}, "String should match pattern"),
    ):
        with pytest.raises(ValueError, match=why):
            MetricDataArgs.model_validate({**base, **bad})


def test_rds_instance_facts_and_not_found(seeded: MotoServer) -> None:
    tools = _tools(_config(seeded))
    facts = _call(tools["aws.rds_instances"], db_instance="orders-db")
    assert facts.ok
    db = facts.data["instances"][0]
    assert db["DBInstanceClass"] == "db.r6g.large" and db["Iops"] == 3000 and db["AllocatedStorage"] == 200
    assert db["PreferredBackupWindow"] == "11:30-12:00" and db["DbiResourceId"].startswith("db-")
    assert "hunter2" not in str(facts.data) and "MasterUsername" not in db
    missing = _call(tools["aws.rds_instances"], db_instance="nope-db")
    assert missing.status is ToolStatus.NO_DATA and "DBInstanceNotFound" in missing.message


def test_rds_events_in_the_window_only_and_by_category(seeded: MotoServer) -> None:
    tool = _tools(_config(seeded))["aws.rds_events"]
    window = {"db_instance": "orders-db", "start": NOW - timedelta(hours=1), "end": NOW}
    result = _call(tool, **window)
    assert [e["message"] for e in result.data["events"]] == ["Backing up DB instance"]
    assert result.data["events"][0]["at"] == "2026-12-01T11:40:00Z"
    wide = _call(tool, **{**window, "start": NOW - timedelta(hours=6)})
    assert [e["message"] for e in wide.data["events"]] == ["DB instance restarted", "Backing up DB instance"]
    only = _call(tool, **{**window, "start": NOW - timedelta(hours=6), "categories": ["availability"]})
    assert [e["message"] for e in only.data["events"]] == ["DB instance restarted"]
    none = _call(tool, **{**window, "db_instance": "billing-db"})
    assert none.status is ToolStatus.NO_DATA


def test_performance_insights_top_sql_and_metrics_on_the_recorded_api(
    moto: MotoServer, pi: FakePerformanceInsights
) -> None:
    tools = _tools(_config(moto, pi))
    top = _call(
        tools["aws.pi_top_sql"], resource_id=RESOURCE, start=NOW - timedelta(minutes=30), end=NOW, limit=5
    )
    assert top.ok, top.message
    first = top.data["statements"][0]
    assert first["statement"].startswith("UPDATE orders") and first["db_load"] == 3.2
    assert first["waits"] == {"CPU": 0.2, "Lock:transactionid": 3.0}
    request = pi.requests[-1]
    assert request["operation"] == "DescribeDimensionKeys" and request["signed"]
    assert request["body"]["Metric"] == "db.load.avg"
    assert request["body"]["GroupBy"] == {"Group": "db.sql_tokenized", "Limit": 5}
    assert request["body"]["PartitionBy"]["Group"] == "db.wait_event"
    assert request["body"]["StartTime"] == (NOW - timedelta(minutes=30)).timestamp()
    load = _call(tools["aws.pi_metrics"], resource_id=RESOURCE, start=NOW - timedelta(minutes=30), end=NOW)
    assert load.ok and load.data["series"][0]["values"] == [1.5, 4.0]
    assert pi.requests[-1]["body"]["MetricQueries"] == [{"Metric": "db.load.avg"}]
    other = _call(
        tools["aws.pi_top_sql"], resource_id="db-ZZZZZZZZZZZZ", start=NOW - timedelta(minutes=30), end=NOW
    )
    assert other.status is ToolStatus.ERROR and "NotAuthorizedException" in other.message


def test_unreachable_endpoint_and_wrong_keys_are_errors_without_the_secret(moto: MotoServer) -> None:
    config = AwsConfig.model_validate(
        {
            "region": "eu-west-1",
            "endpoint_url": "http://127.0.0.1:9",
            "access_key_id": "AKIAIOSFODNN7EXAMPLE",
            "secret_access_key": SECRET,
            "max_attempts": 1,
            "timeout": 2,
        }
    )
    result = _call(_tools(config)["aws.rds_instances"], db_instance="orders-db")
    assert result.status is ToolStatus.ERROR and "EndpointConnectionError" in result.message
    assert (
        SECRET not in result.message and SECRET not in repr(config) and SECRET not in repr(AwsClients(config))
    )


def test_settings_refuse_bad_input() -> None:
    for bad, why in (
        ({"region": "Europe"}, "String should match pattern"),
        ({"region": "eu-west-1", "access_key_id": "AKIA"}, "together"),
        ({"region": "eu-west-1", "session_token": "x"}, "session_token needs"),
        ({"region": "eu-west-1", "endpoint_url": "localhost:5000"}, "must be an http"),
        ({"region": "eu-west-1", "endpoints": {"s3": "http://x"}}, "endpoints"),
        ({"region": "eu-west-1", "profile": "p", "access_key_id": "a", "secret_access_key": "b"}, "not both"),
    ):
        with pytest.raises(ValueError, match=why):
            AwsConfig.model_validate(bad)
    with pytest.raises(ConfigError, match=r"tools\.aws"):
        build_tools(
            ToolsConfig.model_validate({"aws": {"region": "eu-west-1", "profile": "no-such-profile-here"}}),
            EmbeddedTelemetry(),
        )


def test_through_the_gateway_policy_by_instance_and_audit_without_the_secret(seeded: MotoServer) -> None:
    config = ToolsConfig.model_validate(
        {
            "aws": {
                "region": seeded.region,
                "endpoint_url": seeded.url,
                "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                "secret_access_key": SECRET,
            },
        }
    )
    tools = build_tools(config, EmbeddedTelemetry())
    assert {
        "aws.cloudwatch_metrics",
        "aws.rds_events",
        "aws.rds_instances",
        "aws.pi_metrics",
        "aws.pi_top_sql",
    } <= set(tools)
    policy = parse_policy(
        """
version: 1
default: deny
rules:
  - {name: prod-databases, effect: allow, tools: ["aws.*"], args: {db_instance: ["orders-*"]}}
"""
    )
    engine = create_db_engine("sqlite://")
    migrate(engine)
    gateway = Gateway(tools, policy, audit=AuditTrail(engine))
    window = {"start": (NOW - timedelta(hours=1)).isoformat(), "end": NOW.isoformat()}
    ok = gateway.call("aws.rds_events", {"db_instance": "orders-db", **window}, caller="investigation")
    assert ok.ok
    denied = gateway.call("aws.rds_events", {"db_instance": "billing-db", **window}, caller="investigation")
    assert denied.status is ToolStatus.DENIED
    listing = gateway.call("aws.rds_instances", {}, caller="investigation")
    assert listing.status is ToolStatus.DENIED  # an allow must cover the argument; listing all has none
    with engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("select * from audit_records")).fetchall())
    assert "aws.rds_events" in dump and SECRET not in dump and "AKIAIOSFODNN7EXAMPLE" not in dump
