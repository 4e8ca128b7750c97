"""Which RDS instance and which metric an alert is about, read from the alert's content.

Three shapes are recognised, whatever the alert is called:

* a CloudWatch alarm (through SNS, :mod:`autoheal.cloud.sns`): labels ``namespace=AWS/RDS``,
  ``metric_name`` and the ``DBInstanceIdentifier`` dimension;
* a Datadog monitor on ``aws.rds.*``: the metric in the ``metric`` / ``query`` annotations, the
  instance in the ``dbinstanceidentifier`` tag (or ``dbinstanceidentifier:...`` in the query);
* a Prometheus alert on yet-another-cloudwatch-exporter series: ``aws_rds_<metric>_<stat>`` in
  the generator URL's expression or the annotations, the instance in
  ``dimension_DBInstanceIdentifier``.

When an instance is named but no metric is, the alert's name and summary are read for the
metric's usual words (``cpu``, ``connections``, ``storage``...). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from autoheal.domain.alerts import Alert

# CloudWatch AWS/RDS metric -> Datadog aws.rds.* name and YACE aws_rds_* stem
METRICS: dict[str, tuple[str, str]] = {
    "CPUUtilization": ("aws.rds.cpuutilization", "cpuutilization"),
    "DatabaseConnections": ("aws.rds.database_connections", "database_connections"),
    "FreeStorageSpace": ("aws.rds.free_storage_space", "free_storage_space"),
    "ReplicaLag": ("aws.rds.replica_lag", "replica_lag"),
    "FreeableMemory": ("aws.rds.freeable_memory", "freeable_memory"),
    "ReadIOPS": ("aws.rds.read_iops", "read_iops"),
    "WriteIOPS": ("aws.rds.write_iops", "write_iops"),
    "Deadlocks": ("aws.rds.deadlocks", "deadlocks"),
    "DBLoad": ("aws.rds.dbload", "dbload"),
    "BurstBalance": ("aws.rds.burst_balance", "burst_balance"),
    "DiskQueueDepth": ("aws.rds.disk_queue_depth", "disk_queue_depth"),
    "SwapUsage": ("aws.rds.swap_usage", "swap_usage"),
}
_BY_DATADOG = {dd: cw for cw, (dd, _) in METRICS.items()}
_BY_YACE = {stem: cw for cw, (_, stem) in METRICS.items()}
_YACE = re.compile(r"aws_rds_([a-z_]+?)_(average|maximum|minimum|sum|sample_count|p\d+)\b")
_DATADOG = re.compile(r"aws\.rds\.[a-z_]+")
_DD_INSTANCE = re.compile(r"dbinstanceidentifier:([A-Za-z][A-Za-z0-9-]*)")
# words of an alert's name or summary -> metric (first match wins; order matters)
_WORDS: tuple[tuple[str, str], ...] = (
    (r"deadlock", "Deadlocks"),
    (r"replica|replication|\blag\b", "ReplicaLag"),
    (r"storage|disk space|free space", "FreeStorageSpace"),
    (r"freeable|memory|\bswap\b", "FreeableMemory"),
    (r"connection", "DatabaseConnections"),
    (r"read.?iops", "ReadIOPS"),
    (r"write.?iops|iops", "WriteIOPS"),
    (r"long.?running|slow quer|db.?load|active sessions", "DBLoad"),
    (r"\bcpu\b|cpuutilization", "CPUUtilization"),
)
INSTANCE_LABELS = (
    "DBInstanceIdentifier",
    "dbinstanceidentifier",
    "dimension_DBInstanceIdentifier",
    "db_instance",
)


@dataclass(frozen=True, slots=True)
class RdsTarget:
    db_instance: str
    metric: str  # a CloudWatch AWS/RDS metric name
    via: str  # cloudwatch / datadog / yace / words: how the metric was found
    threshold: float | None = None


def rds_target(alert: Alert) -> RdsTarget | None:
    """The RDS instance and metric ``alert`` is about, or None when it names no RDS instance."""
    labels = alert.labels
    instance = next((labels[k] for k in INSTANCE_LABELS if labels.get(k)), None)
    texts = [alert.annotations.get(k, "") for k in ("query", "metric", "expr", "description", "summary")]
    texts.append(unquote_plus(alert.generator_url or ""))
    if instance is None:
        found = next((m.group(1) for t in texts if (m := _DD_INSTANCE.search(t))), None)
        if found is None:
            return None
        instance = found
    threshold = _float(labels.get("threshold") or alert.annotations.get("threshold"))
    if labels.get("namespace") == "AWS/RDS" and labels.get("metric_name") in METRICS:
        return RdsTarget(instance, labels["metric_name"], "cloudwatch", threshold)
    for text in texts:
        dd = _DATADOG.search(text)
        if dd and dd.group(0) in _BY_DATADOG:
            return RdsTarget(instance, _BY_DATADOG[dd.group(0)], "datadog", threshold)
        yace = _YACE.search(text)
        if yace and yace.group(1) in _BY_YACE:
            return RdsTarget(instance, _BY_YACE[yace.group(1)], "yace", threshold)
    words = f"{alert.name} {alert.summary}".lower()
    for pattern, metric in _WORDS:
        if re.search(pattern, words):
            return RdsTarget(instance, metric, "words", threshold)
    return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None
