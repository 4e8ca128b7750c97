"""SQLite-backed telemetry: metrics, logs, spans and changes in one file (or ``:memory:``).

``EmbeddedTelemetry(path)`` exposes ``.metrics``, ``.logs``, ``.traces`` and ``.changes``, each
implementing the matching protocol of :mod:`autoheal.telemetry.stores`. The simulator and the
benchmark loaders write here; the tools in :mod:`autoheal.tools` read from here when no
Prometheus, Loki or Tempo is configured.

Design notes:

* one connection shared by the four stores, guarded by one lock (thread-safe, and the only way a
  ``:memory:`` database can be shared); WAL journal and ``synchronous=NORMAL`` for files;
* writes are batched with ``executemany`` inside one transaction per call;
* times are stored as float epoch seconds; indexes on (service, time) and (time) for logs, spans
  and changes, (series_id, time) for samples;
* metric series metadata (name + labels) is small and cached in memory, so label matchers
  (``= != =~ !~``) are evaluated in Python and only matching series' samples are read.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autoheal.clock import utc
from autoheal.telemetry.model import ChangeEvent, ChangeKind, LogRecord, Series, Span

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metric_series (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    service TEXT,
    UNIQUE (name, labels)
);
CREATE TABLE IF NOT EXISTS metric_samples (
    series_id INTEGER NOT NULL,
    ts REAL NOT NULL,
    value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_samples_series_ts ON metric_samples (series_id, ts);
CREATE TABLE IF NOT EXISTS logs (
    ts REAL NOT NULL,
    service TEXT NOT NULL,
    level TEXT NOT NULL,
    line TEXT NOT NULL,
    labels TEXT,
    trace_id TEXT
);
CREATE INDEX IF NOT EXISTS ix_logs_service_ts ON logs (service, ts);
CREATE INDEX IF NOT EXISTS ix_logs_ts ON logs (ts);
CREATE TABLE IF NOT EXISTS spans (
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_id TEXT,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    start REAL NOT NULL,
    duration_ms REAL NOT NULL,
    error INTEGER NOT NULL,
    attributes TEXT
);
CREATE INDEX IF NOT EXISTS ix_spans_service_start ON spans (service, start);
CREATE INDEX IF NOT EXISTS ix_spans_start ON spans (start);
CREATE INDEX IF NOT EXISTS ix_spans_trace ON spans (trace_id, span_id);
CREATE TABLE IF NOT EXISTS changes (
    id TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    service TEXT NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    version TEXT,
    previous_version TEXT,
    author TEXT,
    source TEXT NOT NULL,
    attributes TEXT
);
CREATE INDEX IF NOT EXISTS ix_changes_service_ts ON changes (service, ts);
CREATE INDEX IF NOT EXISTS ix_changes_ts ON changes (ts);
"""

_LEVELS = {"warn": "warning", "err": "error", "fatal": "critical", "crit": "critical", "trace": "debug"}


def _epoch(dt: datetime) -> float:
    return utc(dt).timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _labels_key(labels: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(labels.items())), separators=(",", ":"))


def normalise_level(level: str) -> str:
    """Map level spellings (``WARN``, ``err``, ``FATAL``...) onto debug|info|warning|error|critical."""
    low = level.strip().lower()
    return _LEVELS.get(low, low)


def label_matches(labels: Mapping[str, str], matchers: Sequence[tuple[str, str, str]]) -> bool:
    """PromQL matcher semantics: a missing label is the empty string; regexes are fully anchored."""
    for label, op, value in matchers:
        actual = labels.get(label, "")
        if op == "=":
            ok = actual == value
        elif op == "!=":
            ok = actual != value
        elif op == "=~":
            ok = re.fullmatch(value, actual) is not None
        elif op == "!~":
            ok = re.fullmatch(value, actual) is None
        else:
            raise ValueError(f"unknown label matcher operator {op!r} (use = != =~ !~)")
        if not ok:
            return False
    return True


class _Db:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.executescript(_SCHEMA)

    def write(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                self.conn.executemany(sql, rows)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()


class EmbeddedMetricStore:
    def __init__(self, db: _Db) -> None:
        self._db = db
        self._series: dict[tuple[str, str], int] = {}
        self._meta: dict[int, tuple[str, dict[str, str]]] = {}
        for sid, name, labels in db.read("SELECT id, name, labels FROM metric_series"):
            self._series[(name, labels)] = sid
            self._meta[sid] = (name, json.loads(labels))

    def _series_id(self, name: str, labels: Mapping[str, str]) -> int:
        key = (name, _labels_key(labels))
        sid = self._series.get(key)
        if sid is None:
            with self._db.lock:
                self._db.conn.execute(
                    "INSERT OR IGNORE INTO metric_series (name, labels, service) VALUES (?, ?, ?)",
                    (name, key[1], labels.get("service")),
                )
                row = self._db.conn.execute(
                    "SELECT id FROM metric_series WHERE name = ? AND labels = ?", key
                ).fetchone()
                sid = int(row[0])
                self._series[key] = sid
                self._meta[sid] = (name, dict(labels))
        return sid

    def write_samples(
        self, name: str, labels: Mapping[str, str], samples: Iterable[tuple[float, float]]
    ) -> None:
        sid = self._series_id(name, labels)
        self._db.write(
            "INSERT INTO metric_samples (series_id, ts, value) VALUES (?, ?, ?)",
            ((sid, float(ts), float(v)) for ts, v in samples),
        )

    def matching_series(
        self, name: str | None, matchers: Sequence[tuple[str, str, str]]
    ) -> list[tuple[int, str, dict[str, str]]]:
        """(id, name, labels) of every series matching; ``__name__`` matchers are honoured."""
        with self._db.lock:
            items = list(self._meta.items())
        out = []
        for sid, (sname, labels) in items:
            if name is not None and sname != name:
                continue
            if label_matches({**labels, "__name__": sname}, matchers):
                out.append((sid, sname, labels))
        return sorted(out, key=lambda s: (s[1], sorted(s[2].items())))

    def select(
        self,
        name: str | None,
        matchers: Sequence[tuple[str, str, str]],
        start: datetime,
        end: datetime,
    ) -> list[Series]:
        lo, hi = _epoch(start), _epoch(end)
        result = []
        for sid, sname, labels in self.matching_series(name, matchers):
            rows = self._db.read(
                "SELECT ts, value FROM metric_samples WHERE series_id = ? AND ts >= ? AND ts <= ? ORDER BY ts",
                (sid, lo, hi),
            )
            if rows:
                result.append(
                    Series(
                        name=sname,
                        labels=dict(labels),
                        timestamps=tuple(r[0] for r in rows),
                        values=tuple(r[1] for r in rows),
                    )
                )
        return result

    def series_names(self) -> list[str]:
        with self._db.lock:
            return sorted({name for name, _ in self._meta.values()})

    def label_values(self, label: str) -> list[str]:
        with self._db.lock:
            if label == "__name__":
                return sorted({name for name, _ in self._meta.values()})
            return sorted({labels[label] for _, labels in self._meta.values() if label in labels})


class EmbeddedLogStore:
    def __init__(self, db: _Db) -> None:
        self._db = db

    def write_logs(self, records: Iterable[LogRecord]) -> None:
        self._db.write(
            "INSERT INTO logs (ts, service, level, line, labels, trace_id) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    _epoch(r.at),
                    r.service,
                    normalise_level(r.level),
                    r.line,
                    json.dumps(dict(r.labels)) if r.labels else None,
                    r.trace_id,
                )
                for r in records
            ),
        )

    def query(
        self,
        *,
        start: datetime,
        end: datetime,
        service: str | None = None,
        level: str | None = None,
        contains: str | None = None,
        limit: int = 1000,
    ) -> list[LogRecord]:
        """Records in [start, end], oldest first; ``contains`` is a case-sensitive substring."""
        sql = "SELECT ts, service, level, line, labels, trace_id FROM logs WHERE ts >= ? AND ts <= ?"
        params: list[Any] = [_epoch(start), _epoch(end)]
        if service is not None:
            sql += " AND service = ?"
            params.append(service)
        if level is not None:
            sql += " AND level = ?"
            params.append(normalise_level(level))
        if contains:
            sql += " AND instr(line, ?) > 0"
            params.append(contains)
        sql += " ORDER BY ts LIMIT ?"
        params.append(max(0, int(limit)))
        return [
            LogRecord(
                at=_dt(ts),
                service=svc,
                level=lvl,
                line=line,
                labels=json.loads(labels) if labels else {},
                trace_id=trace_id,
            )
            for ts, svc, lvl, line, labels, trace_id in self._db.read(sql, params)
        ]

    def services(self) -> list[str]:
        return [r[0] for r in self._db.read("SELECT DISTINCT service FROM logs ORDER BY service")]


class EmbeddedTraceStore:
    def __init__(self, db: _Db) -> None:
        self._db = db

    def write_spans(self, spans: Iterable[Span]) -> None:
        self._db.write(
            "INSERT INTO spans (trace_id, span_id, parent_id, service, operation, start, duration_ms, error,"
            " attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    s.trace_id,
                    s.span_id,
                    s.parent_id or None,
                    s.service,
                    s.operation,
                    _epoch(s.start),
                    float(s.duration_ms),
                    1 if s.error else 0,
                    json.dumps(dict(s.attributes), default=str) if s.attributes else None,
                )
                for s in spans
            ),
        )

    def spans(
        self, *, start: datetime, end: datetime, service: str | None = None, limit: int = 100_000
    ) -> list[Span]:
        """Spans starting in [start, end], oldest first."""
        sql = (
            "SELECT trace_id, span_id, parent_id, service, operation, start, duration_ms, error, attributes"
            " FROM spans WHERE start >= ? AND start <= ?"
        )
        params: list[Any] = [_epoch(start), _epoch(end)]
        if service is not None:
            sql += " AND service = ?"
            params.append(service)
        sql += " ORDER BY start LIMIT ?"
        params.append(max(0, int(limit)))
        return [
            Span(
                trace_id=tid,
                span_id=sid,
                parent_id=pid,
                service=svc,
                operation=op,
                start=_dt(ts),
                duration_ms=dur,
                error=bool(err),
                attributes=json.loads(attrs) if attrs else {},
            )
            for tid, sid, pid, svc, op, ts, dur, err, attrs in self._db.read(sql, params)
        ]

    def services(self) -> list[str]:
        return [r[0] for r in self._db.read("SELECT DISTINCT service FROM spans ORDER BY service")]


class EmbeddedChangeStore:
    def __init__(self, db: _Db) -> None:
        self._db = db

    def record_change(self, change: ChangeEvent) -> None:
        """Insert, or replace the change with the same id (a later status of the same deploy)."""
        self._db.write(
            "INSERT OR REPLACE INTO changes (id, ts, service, kind, summary, version, previous_version,"
            " author, source, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    change.id,
                    _epoch(change.at),
                    change.service,
                    str(change.kind),
                    change.summary,
                    change.version,
                    change.previous_version,
                    change.author,
                    change.source,
                    json.dumps(dict(change.attributes), default=str) if change.attributes else None,
                )
            ],
        )

    def changes(self, *, start: datetime, end: datetime, service: str | None = None) -> list[ChangeEvent]:
        sql = (
            "SELECT id, ts, service, kind, summary, version, previous_version, author, source, attributes"
            " FROM changes WHERE ts >= ? AND ts <= ?"
        )
        params: list[Any] = [_epoch(start), _epoch(end)]
        if service is not None:
            sql += " AND service = ?"
            params.append(service)
        sql += " ORDER BY ts, id"
        return [
            ChangeEvent(
                id=cid,
                at=_dt(ts),
                service=svc,
                kind=ChangeKind(kind),
                summary=summary,
                version=version,
                previous_version=prev,
                author=author,
                source=source,
                attributes=json.loads(attrs) if attrs else {},
            )
            for cid, ts, svc, kind, summary, version, prev, author, source, attrs in self._db.read(
                sql, params
            )
        ]


class EmbeddedTelemetry:
    """Metrics, logs, traces and changes in one SQLite database (a file path or ``":memory:"``)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = _Db(path)
        self.metrics = EmbeddedMetricStore(self._db)
        self.logs = EmbeddedLogStore(self._db)
        self.traces = EmbeddedTraceStore(self._db)
        self.changes = EmbeddedChangeStore(self._db)

    @property
    def path(self) -> str:
        return self._db.path

    def close(self) -> None:
        with self._db.lock:
            self._db.conn.close()

    def __enter__(self) -> EmbeddedTelemetry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
