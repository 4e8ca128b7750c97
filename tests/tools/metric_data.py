"""One known metric data set, written to the embedded store, an OpenMetrics file (for promtool ->
Prometheus TSDB) and Prometheus text format (for VictoriaMetrics import)."""

from __future__ import annotations

from datetime import UTC, datetime

from autoheal.telemetry.stores import MetricStore

BASE = 1_704_067_200  # 2024-01-01T00:00:00Z
STEP = 15
POINTS = 241  # one hour of 15 s samples
START = datetime.fromtimestamp(BASE, UTC)

SERVICES = ("api", "checkout", "db")


def _series() -> list[tuple[str, dict[str, str], list[tuple[int, float]]]]:
    out: list[tuple[str, dict[str, str], list[tuple[int, float]]]] = []
    for n, service in enumerate(SERVICES, start=1):
        for pod in ("a", "b"):
            total = 0.0
            counter = []
            gauge = []
            for i in range(POINTS):
                ts = BASE + i * STEP
                total += n * 10 + (i % 7) + (3 if pod == "b" else 0)
                if service == "checkout" and pod == "a" and i == 120:
                    total = 5.0  # a counter reset half-way
                counter.append((ts, total))
                gauge.append((ts, round(0.1 * n + 0.01 * (i % 13) + (0.05 if pod == "b" else 0), 4)))
            labels = {"service": service, "pod": pod}
            out.append(("http_requests_total", {**labels, "code": "200"}, counter))
            out.append(("cpu_usage_ratio", labels, gauge))
        # a series that stops half-way (tests the 5 minute lookback)
        out.append(
            (
                "queue_depth",
                {"service": service},
                [(BASE + i * STEP, float(i * n)) for i in range(POINTS // 2)],
            )
        )
    return out


def load_embedded(store: MetricStore) -> None:
    for name, labels, samples in _series():
        store.write_samples(name, labels, [(float(t), v) for t, v in samples])


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))


def openmetrics() -> str:
    lines: list[str] = []
    by_name: dict[str, list[tuple[dict[str, str], list[tuple[int, float]]]]] = {}
    for name, labels, samples in _series():
        by_name.setdefault(name, []).append((labels, samples))
    for name, series in by_name.items():
        lines.append(f"# TYPE {name} gauge")
        for labels, samples in series:
            lines.extend(f"{name}{{{_labels(labels)}}} {v!r} {t}" for t, v in samples)
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def prometheus_text() -> str:
    return "".join(
        f"{name}{{{_labels(labels)}}} {v!r} {t * 1000}\n"
        for name, labels, samples in _series()
        for t, v in samples
    )
