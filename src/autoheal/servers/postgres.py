"""PostgreSQL on loopback in a throw-away cluster (``initdb`` + ``postgres``), tuned for tests.

* ``initdb`` refuses to run as root, so as root both ``initdb`` and the server run as the ``postgres``
  system user (created by the Debian ``postgresql`` package), and the cluster lives in a private
  directory under the system temp dir that this user can reach (pytest's ``tmp_path`` is 0700 root).
* The Unix socket goes in the cluster directory (``-k``), never in ``/var/run/postgresql``.
* ``fsync=off``: a crash of the machine may corrupt it, which is fine for a test cluster.

The cluster has a trusted superuser ``autoheal`` and a database ``autoheal``;
``url`` is ``postgresql://autoheal@127.0.0.1:PORT/autoheal``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Self

import psycopg

from autoheal.servers._process import (
    ManagedServer,
    ServerUnavailable,
    free_port,
    is_alive,
    log_tail,
    require_binary,
    spawn,
    terminate,
    wait_until,
)

USER = "autoheal"
DATABASE = "autoheal"
_PORT_ATTEMPTS = 3


def _run_as() -> str | None:
    """The system user to run the cluster as: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ServerUnavailable(
            "running as root and there is no `postgres` system user to run PostgreSQL as: "
            "install the Debian `postgresql` package or run the tests as a normal user"
        ) from exc
    return "postgres"


def _cluster_dir(workdir: Path, user: str | None) -> Path:
    if user is None:
        path = workdir / "pg"
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = Path(tempfile.mkdtemp(prefix="autoheal-pg-"))
    shutil.chown(path, user=user)
    return path


class Postgres(ManagedServer):
    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: abort sessions, no wait for clients

    def __init__(
        self,
        *,
        process: subprocess.Popen[bytes],
        port: int,
        workdir: Path,
        log_path: Path,
        cluster: Path,
        owned_cluster: bool,
    ) -> None:
        super().__init__(process=process, port=port, workdir=workdir, log_path=log_path)
        self.cluster = cluster
        self._owned_cluster = owned_cluster
        self._argv: list[str] = []
        self._user: str | None = None

    @property
    def url(self) -> str:
        return self.database_url(DATABASE)

    def database_url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls, workdir: Path, *, extra_args: Sequence[str] = (), timeout: float = 30.0) -> Self:
        postgres = require_binary("postgres")
        initdb = require_binary("initdb")
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        user = _run_as()
        cluster = _cluster_dir(workdir, user)
        (workdir / "postgres.cluster").write_text(f"{cluster}\n")  # where to look when debugging
        data = cluster / "data"
        log_path = cluster / "postgres.log"
        init = subprocess.run(
            [str(initdb), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale", "-N"],
            cwd=cluster,
            user=user,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if init.returncode != 0:
            raise ServerUnavailable(f"initdb failed ({init.returncode}):\n{init.stderr[-2000:]}")
        for _attempt in range(_PORT_ATTEMPTS):
            port = free_port()
            argv = [
                str(postgres),
                "-D", str(data),
                "-p", str(port),
                "-k", str(cluster),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                "-c", "max_connections=200",
                *extra_args,
            ]  # fmt: skip
            process = spawn(argv, log_path, cwd=cluster, user=user)
            server = cls(
                process=process,
                port=port,
                workdir=workdir,
                log_path=log_path,
                cluster=cluster,
                owned_cluster=user is not None,
            )
            if wait_until(server._accepts_connections, timeout=timeout, alive=is_alive(process)):
                server._create_database(DATABASE)
                server._argv, server._user = argv, user
                return server
            terminate(process, timeout=5)
            if "could not bind" not in log_tail(log_path).lower():
                break
        tail = log_tail(log_path)
        if user is not None:
            shutil.rmtree(cluster, ignore_errors=True)
        raise ServerUnavailable(f"postgres did not start within {timeout:.0f}s:\n{tail}", server="postgres")

    def _connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname=database, autocommit=True, connect_timeout=2
        )

    def _accepts_connections(self) -> bool:
        try:
            with self._connect():
                return True
        except psycopg.OperationalError:
            return False

    def _create_database(self, name: str, template: str = "template0") -> None:
        with self._connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def create_database(self, name: str, *, template: str = "template0") -> str:
        """Create database ``name`` (a copy of ``template``, which must have no open connections)
        and return its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r} must be alphanumeric with underscores")
        self._create_database(name, template)
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing any connection still open on it."""
        with self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def halt(self, timeout: float = 10.0) -> None:
        """Shut the server down (fast: sessions aborted), keeping its data: a restart or an outage."""
        terminate(self.process, timeout=timeout, sig=signal.SIGINT)

    def resume(self, timeout: float = 30.0) -> None:
        """Start it again on the same data directory and port after :meth:`halt`."""
        if self.process.poll() is None:
            return
        self.process = spawn(self._argv, self.log_path, cwd=self.cluster, user=self._user)
        if not wait_until(self._accepts_connections, timeout=timeout, alive=is_alive(self.process)):
            raise ServerUnavailable(
                f"postgres did not restart:\n{log_tail(self.log_path)}", server="postgres"
            )

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        if self._owned_cluster:
            shutil.rmtree(self.cluster, ignore_errors=True)
