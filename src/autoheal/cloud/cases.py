"""RDS cases: one YAML file each (``src/autoheal/cloud/cases/*.yaml``, format in docs/cloud.md).

A case holds the instances, their CloudWatch series (described as a level with segments, one
datapoint a minute over the two hours before ``now``), RDS events, Performance Insights top SQL,
the alert exactly as its sender posts it (an SNS notification, a Datadog webhook, an Alertmanager
webhook) and the expected answer. :func:`seed` writes it into moto through the AWS API
(``CreateDBInstance``, ``PutMetricData``) and moto's RDS backend (events), and the top SQL into
the Performance Insights fake as the API's recorded ``DescribeDimensionKeys`` response.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from autoheal.clock import utc
from autoheal.cloud.emulator import MotoServer
from autoheal.cloud.fakepi import FakePerformanceInsights
from autoheal.cloud.sns import alerts_from_sns
from autoheal.domain.alerts import Alert
from autoheal.errors import ScenarioError
from autoheal.sources import LabelRules, get_source

CASES_DIR = Path(__file__).parent / "cases"
HISTORY_MINUTES = 120
UNITS = {"GiB": 1024**3, "MiB": 1024**2, "": 1}


@dataclass(frozen=True, slots=True)
class Fact:
    stated: str  # the top hypothesis's statement says this
    cited: str | None  # and a result it cites shows this (None: derived, stated only)


@dataclass(frozen=True, slots=True)
class Expected:
    kind: str
    object: str
    facts: tuple[Fact, ...] = ()
    herring: str | None = None  # a kind the top hypothesis must not be


def _fact(raw: Any) -> Fact:
    """``"text"`` (stated and shown by a cited result) or ``{stated, cited?}``."""
    if isinstance(raw, str):
        return Fact(raw, raw)
    return Fact(str(raw["stated"]), raw.get("cited"))


@dataclass(slots=True)
class RdsCase:
    name: str
    description: str
    now: datetime
    instances: list[dict[str, Any]]
    metrics: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]
    top_sql: dict[str, list[dict[str, Any]]]
    alert: dict[str, Any]
    expected: Expected
    path: Path | None = field(default=None)

    def alerts(self) -> list[Alert]:
        if len(self.alert) != 1:
            raise ScenarioError(f"{self.name}: alert holds exactly one of sns, datadog, alertmanager")
        ((kind, payload),) = self.alert.items()
        if kind == "sns":
            return alerts_from_sns(payload)
        if kind in ("datadog", "alertmanager"):
            return list(get_source(kind).normalise(payload, LabelRules()))
        raise ScenarioError(f"{self.name}: alert must be sns, datadog or alertmanager, got {kind!r}")


def load(path: Path) -> RdsCase:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        exp = raw["expected"]
        return RdsCase(
            name=raw.get("name") or path.stem,
            description=raw.get("description", ""),
            now=utc(datetime.fromisoformat(str(raw["now"]).replace("Z", "+00:00"))),
            instances=list(raw["instances"]),
            metrics=dict(raw.get("metrics") or {}),
            events=list(raw.get("events") or []),
            top_sql=dict(raw.get("top_sql") or {}),
            alert=dict(raw["alert"]),
            expected=Expected(
                exp["kind"],
                exp["object"],
                tuple(_fact(f) for f in exp.get("facts") or ()),
                exp.get("herring"),
            ),
            path=path,
        )
    except KeyError as exc:
        raise ScenarioError(f"{path}: not an RDS case: the key {exc.args[0]!r} is missing") from exc
    except (TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: not an RDS case: {type(exc).__name__}: {exc}") from exc


def load_all(directory: Path | None = None, *, only: str | None = None) -> list[RdsCase]:
    folder = directory or CASES_DIR
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise ScenarioError(f"no RDS case files (*.yaml) in {folder}")
    return [load(p) for p in paths if not only or only in p.stem]


def series_values(case: str, metric: str, spec: Any) -> list[tuple[int, float]]:
    """(minute offset from now, value) for one metric. ``spec`` is a number (a steady level) or
    ``{base, noise, unit, segments: [{from, to, value, end_value?}], missing_after?}``."""
    if not isinstance(spec, dict):
        spec = {"base": spec}
    unit = UNITS[spec.get("unit", "")]
    seed = int(hashlib.sha256(f"{case}/{metric}".encode()).hexdigest()[:8], 16)
    noise = float(spec.get("noise", 0))
    out = []
    for minute in range(-HISTORY_MINUTES, 1):
        if spec.get("missing_after") is not None and minute > int(spec["missing_after"]):
            continue
        value = float(spec.get("base", 0))
        for seg in spec.get("segments") or []:
            if seg["from"] <= minute <= seg["to"]:
                end = seg.get("end_value", seg["value"])
                frac = (minute - seg["from"]) / max(1, seg["to"] - seg["from"])
                value = seg["value"] + (end - seg["value"]) * frac
        wobble = noise * math.sin(seed % 97 + minute * 0.7) if noise else 0.0
        out.append((minute, max(0.0, value + wobble) * unit))
    return out


def seed(case: RdsCase, moto: MotoServer, pi: FakePerformanceInsights) -> None:
    """Reset moto and write ``case`` into it and into the Performance Insights fake."""
    moto.reset()
    pi.recorded.clear()
    pi.requests.clear()
    rds, cloudwatch = moto.client("rds"), moto.client("cloudwatch")
    for spec in case.instances:
        db = spec["id"]
        common: dict[str, Any] = {
            "DBInstanceIdentifier": db,
            "DBInstanceClass": spec.get("class", "db.r6g.large"),
        }
        if spec.get("replica_of"):
            rds.create_db_instance_read_replica(SourceDBInstanceIdentifier=spec["replica_of"], **common)
        else:
            extra = {"Iops": spec["iops"]} if spec.get("iops") else {}
            if spec.get("max_storage"):
                extra["MaxAllocatedStorage"] = spec["max_storage"]
            rds.create_db_instance(
                Engine=spec.get("engine", "postgres"),
                AllocatedStorage=spec.get("storage", 100),
                StorageType=spec.get("storage_type", "gp3"),
                MasterUsername="autoheal_case",
                MasterUserPassword="case-password-not-used",
                PreferredBackupWindow=spec.get("backup_window", "03:00-03:30"),
                PreferredMaintenanceWindow=spec.get("maintenance_window", "sun:04:00-sun:04:30"),
                EnablePerformanceInsights=bool(spec.get("performance_insights", True)),
                **extra,
                **common,
            )
        if spec.get("status") == "stopped":
            rds.stop_db_instance(DBInstanceIdentifier=db)
        resource = rds.describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]["DbiResourceId"]
        pi.recorded[resource] = {"DescribeDimensionKeys": _dimension_keys(case, case.top_sql.get(db, []))}
    for db, metrics in case.metrics.items():
        data = [
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": db}],
                "Timestamp": case.now + timedelta(minutes=minute),
                "Value": value,
            }
            for metric, spec in metrics.items()
            for minute, value in series_values(case.name, metric, spec)
        ]
        for i in range(0, len(data), 1000):
            cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=data[i : i + 1000])
    for event in case.events:
        at = utc(datetime.fromisoformat(str(event["at"]).replace("Z", "+00:00")))
        moto.add_rds_event(event["db"], at, event["message"], list(event["categories"]))


def _dimension_keys(case: RdsCase, statements: list[dict[str, Any]]) -> dict[str, Any]:
    """The documented DescribeDimensionKeys response (grouped by db.sql_tokenized, partitioned by
    db.wait_event) for these statements."""
    waits = sorted({w for s in statements for w in (s.get("waits") or {})})
    return {
        "AlignedStartTime": (case.now - timedelta(minutes=30)).timestamp(),
        "AlignedEndTime": case.now.timestamp(),
        "PartitionKeys": [{"Dimensions": {"db.wait_event.name": w}} for w in waits],
        "Keys": [
            {
                "Dimensions": {
                    "db.sql_tokenized.statement": s["statement"],
                    "db.sql_tokenized.id": s.get("id")
                    or hashlib.sha1(s["statement"].encode()).hexdigest()[:20].upper(),
                },
                "Total": float(sum((s.get("waits") or {}).values())),
                "Partitions": [float((s.get("waits") or {}).get(w, 0.0)) for w in waits],
            }
            for s in statements
        ],
    }
