"""Serve a simulated run's metrics from a real Prometheus.

    run -> OpenMetrics file -> ``promtool tsdb create-blocks-from openmetrics`` -> TSDB blocks
        -> ``autoheal.servers.Prometheus.start(workdir, tsdb_path=...)``

The same series (names, labels, samples) are written to the embedded store by
:meth:`SimulatedRun.write_to`, so every PromQL query can be answered by both backends.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from autoheal.errors import ConfigError
from autoheal.servers import Prometheus
from autoheal.servers._process import ServerUnavailable, require_binary
from autoheal.sim.engine import SimulatedRun

Backend = Literal["embedded", "prometheus"]
BACKENDS: tuple[Backend, ...] = ("embedded", "prometheus")
START_TIMEOUT = 120.0  # seconds to write OpenMetrics, build the TSDB blocks and start Prometheus

# The simulated clock is usually far from the wall clock: keep Prometheus from deleting the blocks.
RETENTION = "--storage.tsdb.retention.time=100y"
PROMETHEUS_CONFIG = """\
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs: []
"""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_openmetrics(run: SimulatedRun, path: Path) -> int:
    """Write every series as OpenMetrics (one gauge family per metric); returns the sample count."""
    by_metric: dict[str, list[tuple[dict[str, str], list[float]]]] = {}
    for metric, labels, values in run.series():
        by_metric.setdefault(metric, []).append((labels, values.tolist()))
    stamps = [f"{t:.3f}".rstrip("0").rstrip(".") for t in run.timestamps.tolist()]
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for metric in sorted(by_metric):
            out.write(f"# TYPE {metric} gauge\n")
            for labels, samples in by_metric[metric]:
                selector = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
                prefix = f"{metric}{{{selector}}} "
                out.writelines(f"{prefix}{v!r} {t}\n" for v, t in zip(samples, stamps, strict=True))
                count += len(samples)
        out.write("# EOF\n")
    return count


def build_blocks(openmetrics: Path, data_dir: Path, timeout: float = 300.0) -> None:
    """Turn an OpenMetrics file into Prometheus TSDB blocks in ``data_dir``."""
    promtool = require_binary("promtool")
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [str(promtool), "tsdb", "create-blocks-from", "openmetrics", str(openmetrics), str(data_dir)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ServerUnavailable(
            f"promtool did not build TSDB blocks from {openmetrics} within {timeout:.0f} s",
            server="promtool",
        ) from exc
    if done.returncode != 0:
        raise ServerUnavailable(
            f"promtool could not build TSDB blocks from {openmetrics}: {done.stderr.strip()[-800:]}",
            server="promtool",
        )


def serve_metrics(run: SimulatedRun, workdir: Path, *, timeout: float = START_TIMEOUT) -> Prometheus:
    """Start a Prometheus (loopback, random port) that answers queries over the run's metrics.

    Building the blocks and starting the server together take at most ``timeout`` seconds
    (:class:`ServerUnavailable` otherwise). The caller stops it (``.stop()`` or ``with``)."""
    workdir = Path(workdir)
    om = workdir / "metrics.om"
    data = workdir / "tsdb"
    deadline = time.monotonic() + timeout
    write_openmetrics(run, om)
    build_blocks(om, data, timeout=max(1.0, deadline - time.monotonic()))
    om.unlink()
    return Prometheus.start(
        workdir / "prometheus",
        PROMETHEUS_CONFIG,
        tsdb_path=data,
        extra_args=(RETENTION,),
        timeout=max(1.0, deadline - time.monotonic()),
    )


@contextmanager
def metrics_backend(
    run: SimulatedRun, backend: Backend, workdir: Path, *, timeout: float = START_TIMEOUT
) -> Iterator[str | None]:
    """The URL the ``prometheus.*`` tools should read for ``backend``: None for ``embedded`` (the
    embedded metric store), a real Prometheus on the run's TSDB blocks for ``prometheus`` (stopped,
    and its blocks removed, on exit)."""
    if backend == "embedded":
        yield None
        return
    if backend != "prometheus":
        raise ConfigError(f"unknown metrics backend {backend!r}; use one of {', '.join(BACKENDS)}")
    where = Path(workdir) / "prometheus-backend"
    try:
        with serve_metrics(run, where, timeout=timeout) as server:
            yield server.url
    finally:
        shutil.rmtree(where, ignore_errors=True)
