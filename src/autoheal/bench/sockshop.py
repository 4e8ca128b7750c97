"""Loader for RCD's Sock Shop runs (``rcd_sockshop/<service>-<fault>/<rep>/{normal,anomalous}.csv``).

The two segments were recorded at different times (in ``orders-mem/5`` the normal one even comes
after the fault), so they are re-stamped as one contiguous 1 s series: the normal rows first,
ending one second before the first anomalous row, which is the fault time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from autoheal.bench.model import BenchCase, Bundle
from autoheal.errors import ConfigError
from autoheal.telemetry.model import Series

START = 1_700_000_000.0  # an arbitrary, documented epoch for the re-stamped series
_METRICS = ("lat_50", "lat_90", "lat_99", "cpu", "mem", "lod")


def split_column(column: str) -> tuple[str, str]:
    for metric in _METRICS:
        if column.endswith("_" + metric):
            return column[: -len(metric) - 1], metric
    service, _, metric = column.rpartition("_")
    return service, metric


def _read(path: Path) -> tuple[list[str], list[list[float]]]:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [[float(x) if x not in ("", "nan") else float("nan") for x in row] for row in reader]
    return header, rows


def cases(root: Path) -> Iterator[tuple[BenchCase, Bundle]]:
    base = root / "rcd_sockshop"
    if not base.is_dir():
        raise ConfigError(f"rcd_sockshop data not found under {root}", path=str(base))
    for case_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        service, _, fault = case_dir.name.rpartition("-")
        for rep in sorted(p for p in case_dir.iterdir() if p.is_dir()):
            header, normal = _read(rep / "normal.csv")
            header_a, anomalous = _read(rep / "anomalous.csv")
            columns = [c for c in header if c != "time" and c in header_a]
            n = len(normal)
            fault_at = START + n
            series = []
            for column in columns:
                i, j = header.index(column), header_a.index(column)
                values = [r[i] for r in normal] + [r[j] for r in anomalous]
                stamps = [START + k for k in range(len(values))]
                svc, metric = split_column(column)
                series.append(Series(metric, {"service": svc}, tuple(stamps), tuple(values)))
            end = START + n + len(anomalous)
            yield (
                BenchCase(
                    dataset="rcd-sockshop",
                    id=f"{case_dir.name}/{rep.name}",
                    root_cause=service,
                    kind=fault,
                    group=f"{case_dir.name}/{rep.name}",
                    incident=(fault_at, end),
                    reference=(START, fault_at),
                ),
                Bundle(series=series),
            )
