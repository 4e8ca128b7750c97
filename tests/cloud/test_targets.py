"""Routing by content: which RDS instance and metric an alert is about, whatever its name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from autoheal.cloud.cases import load_all
from autoheal.cloud.sns import alerts_from_sns
from autoheal.cloud.targets import rds_target
from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.errors import PayloadError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _alert(
    name: str, labels: dict[str, str], annotations: dict[str, str] | None = None, url: str | None = None
) -> Alert:
    return Alert(
        source="test", fingerprint="f", status=AlertStatus.FIRING, name=name, starts_at=NOW,
        labels=labels, annotations=annotations or {}, generator_url=url,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("alert", "instance", "metric", "via"),
    [
        (
            _alert(
                "x", {"namespace": "AWS/RDS", "metric_name": "FreeableMemory", "DBInstanceIdentifier": "a-db"}
            ),
            "a-db",
            "FreeableMemory",
            "cloudwatch",
        ),
        (
            _alert(
                "RDS hot",
                {"dbinstanceidentifier": "b-db"},
                {"query": "avg(last_5m):avg:aws.rds.write_iops{*} > 1"},
            ),
            "b-db",
            "WriteIOPS",
            "datadog",
        ),
        (
            _alert(
                "RDS hot",
                {},
                {"query": "avg(last_5m):avg:aws.rds.replica_lag{dbinstanceidentifier:c-db} > 1"},
            ),
            "c-db",
            "ReplicaLag",
            "datadog",
        ),
        (
            _alert(
                "Mine",
                {"dimension_DBInstanceIdentifier": "d-db"},
                url="http://p/graph?g0.expr=aws_rds_database_connections_maximum+%3E+9",
            ),
            "d-db",
            "DatabaseConnections",
            "yace",
        ),
        (_alert("OrdersDeadlocks", {"db_instance": "e-db"}), "e-db", "Deadlocks", "words"),
        (_alert("Long running queries", {"db_instance": "f-db"}), "f-db", "DBLoad", "words"),
    ],
)
def test_instance_and_metric_from_content(alert: Alert, instance: str, metric: str, via: str) -> None:
    target = rds_target(alert)
    assert target is not None
    assert (target.db_instance, target.metric, target.via) == (instance, metric, via)


def test_alerts_naming_no_rds_instance_are_not_routed() -> None:
    assert rds_target(_alert("KubePodCrashLooping", {"pod": "api-1", "namespace": "shop"})) is None
    assert rds_target(_alert("Something", {"db_instance": "g-db"})) is None  # no metric in sight


def test_every_case_alert_is_routed_to_its_instance() -> None:
    for case in load_all():
        (alert,) = case.alerts()
        target = rds_target(alert)
        assert target is not None, case.name
        assert target.db_instance in {i["id"] for i in case.instances}


def test_sns_alarm_normalised() -> None:
    case = next(c for c in load_all() if c.name == "cpu-backup-window")
    (alert,) = alerts_from_sns(case.alert["sns"])
    assert alert.name == "orders-db-cpu-high" and alert.status is AlertStatus.FIRING
    assert alert.labels["DBInstanceIdentifier"] == "orders-db" and alert.labels["threshold"] == "80.0"
    assert alert.starts_at == datetime(2026, 12, 1, 11, 44, 12, 345000, tzinfo=UTC)
    ok = dict(
        case.alert["sns"],
        Message=case.alert["sns"]["Message"].replace('"NewStateValue":"ALARM"', '"NewStateValue":"OK"'),
    )
    (resolved,) = alerts_from_sns(ok)
    assert resolved.status is AlertStatus.RESOLVED and resolved.fingerprint == alert.fingerprint


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ([], "not an SNS notification"),
        ({"Type": "SubscriptionConfirmation"}, "not an SNS notification"),
        ({"Type": "Notification", "Message": "hello"}, "not a CloudWatch alarm"),
        ({"Type": "Notification", "Message": '{"AlarmName": "a", "NewStateValue": "RED"}'}, "NewStateValue"),
        (
            {
                "Type": "Notification",
                "Message": '{"AlarmName": "a", "NewStateValue": "OK", "StateChangeTime": "yesterday"}',
            },
            "StateChangeTime",
        ),
    ],
)
def test_sns_bad_input_says_what_is_wrong(payload: object, why: str) -> None:
    with pytest.raises(PayloadError, match=why):
        alerts_from_sns(payload)


def test_bad_case_files_say_what_is_wrong(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from autoheal.cloud.cases import load
    from autoheal.errors import ScenarioError

    broken = tmp_path / "broken.yaml"
    broken.write_text("now: 2026-12-01T12:00:00Z\ninstances: []\nalert: {sns: {}}\n")
    with pytest.raises(ScenarioError, match="the key 'expected' is missing"):
        load(broken)
    with pytest.raises(ScenarioError, match="no RDS case files"):
        load_all(tmp_path / "empty")
    two = tmp_path / "two.yaml"
    two.write_text(
        "now: 2026-12-01T12:00:00Z\ninstances: []\nalert: {sns: {}, datadog: {}}\nexpected: {kind: x, object: y}\n"
    )
    with pytest.raises(ScenarioError, match="exactly one"):
        load(two).alerts()
