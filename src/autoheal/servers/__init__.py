"""Real servers for tests, CI and the demo: Prometheus, Alertmanager, PostgreSQL, VictoriaMetrics.

Each launcher starts the Debian binary on a free 127.0.0.1 port with its own data directory, waits
until the server answers, and returns an object with ``url``, ``port``, ``stop()`` and context
manager support::

    with Prometheus.start(tmp_path, config_yaml) as prom:
        httpx.get(f"{prom.url}/api/v1/query", params={"query": "up"})

A server that is not installed or does not start raises :class:`ServerUnavailable`, whose message
names the Debian package to install or carries the tail of the server's log.
"""

from autoheal.servers._process import (
    ManagedServer,
    ServerUnavailable,
    available,
    debian_package,
    find_binary,
    free_port,
)
from autoheal.servers.autoheal import AutohealServer
from autoheal.servers.postgres import Postgres
from autoheal.servers.prometheus import Alertmanager, Prometheus
from autoheal.servers.victoria import VictoriaMetrics

__all__ = [
    "Alertmanager",
    "AutohealServer",
    "ManagedServer",
    "Postgres",
    "Prometheus",
    "ServerUnavailable",
    "VictoriaMetrics",
    "available",
    "debian_package",
    "find_binary",
    "free_port",
]
