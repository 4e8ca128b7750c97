"""Prometheus 2.x and Alertmanager 0.25 on loopback, each with its own data directory.

Alertmanager runs with clustering off (``--cluster.listen-address=``): with clustering on it waits
about 10 s for peers before sending any notification.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Self

import httpx

from autoheal.servers._http import start_http_server
from autoheal.servers._process import ManagedServer, ServerUnavailable, require_binary

DEFAULT_PROMETHEUS_CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs: []
"""


class _Reloadable(ManagedServer):
    def reload(self) -> None:
        """Re-read the configuration file (POST /-/reload); raises ServerUnavailable if refused."""
        try:
            response = httpx.post(f"{self.url}/-/reload", timeout=10.0)
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"{self.name} reload failed: {exc}", server=self.name) from exc
        if response.status_code != 200:
            raise ServerUnavailable(
                f"{self.name} refused the reload ({response.status_code}): {response.text.strip()}",
                server=self.name,
            )


class Prometheus(_Reloadable):
    name = "prometheus"

    @property
    def config_path(self) -> Path:
        return self.workdir / "prometheus.yml"

    @classmethod
    def start(
        cls,
        workdir: Path,
        config: str | None = None,
        *,
        tsdb_path: Path | None = None,
        extra_args: Sequence[str] = (),
        timeout: float = 30.0,
    ) -> Self:
        """Start Prometheus with ``config`` (YAML text; a 1 s scrape/eval default when None).

        Relative paths in the config (``rule_files``) resolve against ``workdir``, where the config
        is written. ``tsdb_path`` reuses an existing TSDB (e.g. from ``promtool tsdb
        create-blocks-from openmetrics``); by default the TSDB lives in ``workdir/data``.
        """
        binary = require_binary("prometheus")
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        config_path = workdir / "prometheus.yml"
        config_path.write_text(config if config is not None else DEFAULT_PROMETHEUS_CONFIG)
        data = Path(tsdb_path).resolve() if tsdb_path is not None else workdir / "data"

        def argv(port: int) -> list[str]:
            return [
                str(binary),
                f"--config.file={config_path}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url=http://127.0.0.1:{port}",
                "--web.enable-lifecycle",
                *extra_args,
            ]

        process, port, log = start_http_server(
            "prometheus", argv, workdir=workdir, ready_path="/-/ready", timeout=timeout
        )
        return cls(process=process, port=port, workdir=workdir, log_path=log)

    def write_config(self, config: str) -> None:
        """Replace the configuration file; call :meth:`reload` to apply it."""
        self.config_path.write_text(config)


class Alertmanager(_Reloadable):
    name = "alertmanager"

    @property
    def config_path(self) -> Path:
        return self.workdir / "alertmanager.yml"

    @classmethod
    def start(
        cls, workdir: Path, config: str, *, extra_args: Sequence[str] = (), timeout: float = 30.0
    ) -> Self:
        binary = require_binary("alertmanager")
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        config_path = workdir / "alertmanager.yml"
        config_path.write_text(config)
        data = workdir / "am-data"

        def argv(port: int) -> list[str]:
            return [
                str(binary),
                f"--config.file={config_path}",
                f"--storage.path={data}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url=http://127.0.0.1:{port}",
                "--cluster.listen-address=",
                *extra_args,
            ]

        process, port, log = start_http_server(
            "alertmanager", argv, workdir=workdir, ready_path="/-/ready", timeout=timeout
        )
        return cls(process=process, port=port, workdir=workdir, log_path=log)

    def write_config(self, config: str) -> None:
        self.config_path.write_text(config)
