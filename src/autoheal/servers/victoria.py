"""VictoriaMetrics single-node on loopback (an optional second PromQL backend; metrics only)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Self

import httpx

from autoheal.servers._http import start_http_server
from autoheal.servers._process import ManagedServer, ServerUnavailable, require_binary


class VictoriaMetrics(ManagedServer):
    name = "victoria-metrics"

    @classmethod
    def start(cls, workdir: Path, *, extra_args: Sequence[str] = (), timeout: float = 30.0) -> Self:
        """Start with storage in ``workdir/vm-data``; ``-search.latencyOffset=0`` so pushed samples
        are queryable at once (after :meth:`flush`)."""
        binary = require_binary("victoria-metrics")
        workdir = Path(workdir).resolve()
        data = workdir / "vm-data"

        def argv(port: int) -> list[str]:
            return [
                str(binary),
                f"-httpListenAddr=127.0.0.1:{port}",
                f"-storageDataPath={data}",
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-search.disableCache",
                *extra_args,
            ]

        process, port, log = start_http_server(
            "victoria-metrics", argv, workdir=workdir, ready_path="/health", timeout=timeout
        )
        return cls(process=process, port=port, workdir=workdir, log_path=log)

    def import_prometheus(self, text: str) -> None:
        """Push samples in Prometheus exposition format (``metric{l="v"} value timestamp_ms``)."""
        self._post("/api/v1/import/prometheus", content=text.encode())

    def flush(self) -> None:
        """Make everything pushed so far visible to queries (``/internal/force_flush``)."""
        self._post("/internal/force_flush")

    def _post(self, path: str, content: bytes = b"") -> None:
        try:
            response = httpx.post(f"{self.url}{path}", content=content, timeout=10.0)
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"victoria-metrics {path} failed: {exc}") from exc
        if response.status_code >= 300:
            raise ServerUnavailable(
                f"victoria-metrics {path} answered {response.status_code}: {response.text}"
            )
