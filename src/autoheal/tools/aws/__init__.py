"""Read-only AWS evidence through ``boto3`` (the ``aws`` extra): CloudWatch metrics, RDS events and
instance facts, Performance Insights. See docs/cloud.md.

``aws_tools(clients)`` returns the tools over one :class:`~autoheal.tools.aws.config.AwsClients`
(or anything with ``client(service)``); the governance gateway wraps them like every other tool.
"""

from __future__ import annotations

from typing import Any, Protocol

from autoheal.tools.aws.config import AwsConfig, Service


class ClientSource(Protocol):
    def client(self, service: Service) -> Any: ...


def aws_tools(clients: ClientSource) -> list[Any]:
    from autoheal.tools.aws.cloudwatch import CloudWatchMetrics
    from autoheal.tools.aws.pi import PiMetrics, PiTopSql
    from autoheal.tools.aws.rds import RdsEvents, RdsInstances

    return [
        CloudWatchMetrics(clients.client("cloudwatch")),
        RdsInstances(clients.client("rds")),
        RdsEvents(clients.client("rds")),
        PiMetrics(clients.client("pi")),
        PiTopSql(clients.client("pi")),
    ]


__all__ = ["AwsConfig", "ClientSource", "aws_tools"]
