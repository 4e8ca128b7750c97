"""A local AWS for the RDS cases and tests: ``moto`` as a real HTTP server, seeded through the API.

:class:`MotoServer` runs moto's ``ThreadedMotoServer`` on a free loopback port; boto3 clients are
pointed at it with ``endpoint_url`` exactly as a user points them at a VPC endpoint. Seeding goes
through the AWS API wherever moto implements it (``CreateDBInstance``,
``CreateDBInstanceReadReplica``, ``PutMetricData``). Two things cannot be seeded through the API,
because AWS itself does not let anyone write them:

* **RDS events**: moto records events only for its own actions (instance created, backups and
  snapshots it takes), stamped with the wall clock. :meth:`MotoServer.add_rds_event` appends an
  event with the case's time, message and categories to moto's in-process RDS backend (the same
  ``Event`` objects moto serves from ``DescribeEvents``); the server runs in this process, so the
  HTTP answer is moto's own serialisation of them.
* **Performance Insights**: moto does not implement the ``pi`` API at all; see
  :mod:`autoheal.cloud.fakepi`.

Needs ``moto[server]`` (in the ``dev`` extra).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from autoheal.clock import utc

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class MotoServer:
    def __init__(self, *, region: str = REGION) -> None:
        self.region = region
        self._server: Any = None
        self.url = ""

    def start(self) -> MotoServer:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint)."""
        httpx.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.url, **CREDENTIALS)

    def add_rds_event(self, db_instance: str, at: datetime, message: str, categories: list[str]) -> None:
        """An RDS event of ``db_instance`` (which must exist) at ``at``, served by DescribeEvents."""
        from moto.rds.models import Event, rds_backends

        backend = rds_backends[ACCOUNT][self.region]
        database = backend.databases[db_instance]
        event = Event("DB_INSTANCE_CREATE", database)
        event.message = message
        event.event_categories = list(categories)
        event.date = utc(at)
        backend.events.append(event)
