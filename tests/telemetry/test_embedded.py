"""The embedded telemetry store: round trips, filters, threads, and write speed."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import ChangeEvent, ChangeKind, LogRecord, Span

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_metrics_select_with_matchers(tmp_path: Path) -> None:
    tel = EmbeddedTelemetry(tmp_path / "t.db")
    for svc in ("api", "db"):
        tel.metrics.write_samples(
            "cpu", {"service": svc, "pod": "a"}, [(T0.timestamp() + i, i) for i in range(10)]
        )
    got = tel.metrics.select("cpu", [("service", "=~", "a.*")], T0, T0 + timedelta(seconds=4))
    assert [(s.service, s.values) for s in got] == [("api", (0.0, 1.0, 2.0, 3.0, 4.0))]
    assert (
        tel.metrics.select(None, [("__name__", "=", "cpu"), ("service", "!=", "api")], T0, T0 + timedelta(1))[
            0
        ].service
        == "db"
    )
    assert tel.metrics.label_values("service") == ["api", "db"]
    assert tel.metrics.series_names() == ["cpu"]
    tel.close()
    reopened = EmbeddedTelemetry(tmp_path / "t.db")  # series metadata survives a restart
    assert len(reopened.metrics.select("cpu", [], T0, T0 + timedelta(1))) == 2


def test_logs_spans_changes_round_trip() -> None:
    tel = EmbeddedTelemetry()
    tel.logs.write_logs(
        [
            LogRecord(
                T0 + timedelta(seconds=i), "api" if i % 2 else "db", "WARN" if i == 3 else "info", f"line {i}"
            )
            for i in range(10)
        ]
    )
    warn = tel.logs.query(start=T0, end=T0 + timedelta(minutes=1), level="warning")
    assert [r.line for r in warn] == ["line 3"]
    assert [
        r.line
        for r in tel.logs.query(
            start=T0, end=T0 + timedelta(minutes=1), service="db", contains="line", limit=2
        )
    ] == [
        "line 0",
        "line 2",
    ]
    tel.traces.write_spans(
        [Span("t1", "s1", None, "api", "GET /", T0, 12.5, error=True, attributes={"k": 1})]
    )
    (span,) = tel.traces.spans(start=T0, end=T0 + timedelta(seconds=1))
    assert span.error and span.attributes == {"k": 1} and span.start == T0
    change = ChangeEvent("c1", T0, "api", ChangeKind.DEPLOY, "v2", version="v2")
    tel.changes.record_change(change)
    tel.changes.record_change(
        ChangeEvent("c1", T0 + timedelta(seconds=5), "api", ChangeKind.DEPLOY, "v2 done")
    )
    (got,) = tel.changes.changes(start=T0, end=T0 + timedelta(minutes=1), service="api")
    assert got.summary == "v2 done"  # same id: replaced, not duplicated


def test_concurrent_writers_and_readers() -> None:
    tel = EmbeddedTelemetry()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                tel.metrics.write_samples("m", {"service": f"s{n}"}, [(T0.timestamp() + i, float(i))])
                tel.logs.write_logs([LogRecord(T0 + timedelta(seconds=i), f"s{n}", "info", "x")])
                tel.metrics.select("m", [], T0, T0 + timedelta(minutes=5))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(len(s.values) for s in tel.metrics.select("m", [], T0, T0 + timedelta(minutes=5))) == 200
    assert len(tel.logs.query(start=T0, end=T0 + timedelta(minutes=5), limit=10_000)) == 200


def test_bulk_writes_are_fast(tmp_path: Path) -> None:
    """12 services x 10 metrics x 2,000 samples and 100k log lines, into a file, in a few seconds."""
    tel = EmbeddedTelemetry(tmp_path / "bulk.db")
    began = time.perf_counter()
    for s in range(12):
        for m in range(10):
            tel.metrics.write_samples(
                f"m{m}", {"service": f"s{s}"}, [(T0.timestamp() + 15 * i, float(i)) for i in range(2000)]
            )
    tel.logs.write_logs(
        LogRecord(T0 + timedelta(milliseconds=i), f"s{i % 12}", "info", f"request {i} ok")
        for i in range(100_000)
    )
    elapsed = time.perf_counter() - began
    assert elapsed < 20, f"bulk load took {elapsed:.1f}s"
    assert len(tel.logs.query(start=T0, end=T0 + timedelta(hours=1), service="s3", limit=100_000)) == 8334
