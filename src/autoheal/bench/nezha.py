"""Loader for the Nezha Train Ticket data set (FSE'23, IntelligentDDS/Nezha).

Layout and clock rules are in the data set's README (``bench/README.md``): metric ``TimeStamp`` and
the fault list's ``inject_time`` share one clock (local time written as if UTC), so ``inject_time``
is parsed with :func:`calendar.timegm`; ``inject_timestamp`` is ignored (some entries are ~8 h off).
Pods map to services with ``re.sub(r"-[0-9a-f]{8,10}-[0-9a-z]{5}$", "", pod)``.

Logs and traces exist only for the minutes around each fault (``rca_data``) and for one fault-free
minute per day (``construct_data``), which is the reference window for logs and traces.

**A case sees no other case's recording.** The data set records each fault in three minute files
(``HH_MM`` of the injection minute and the two after it); the first begins 10 s to 2 min before
the injection. When the next fault's recording begins less than the incident window (5 minutes)
after an injection (7 of the 45 faults), a 5-minute incident window would read it, and from the
next injection on, the next fault itself: the case's incident window ends where the next fault's
recording begins (:func:`recording_start`, its first span or log line).
"""

from __future__ import annotations

import calendar
import csv
import gzip
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autoheal.bench.model import BenchCase, Bundle
from autoheal.errors import ConfigError
from autoheal.telemetry.model import LogRecord, Series, Span

_POD_RE = re.compile(r"-[0-9a-f]{8,10}-[0-9a-z]{5}$")
DAYS = ("2023-01-29", "2023-01-30")
# metric columns that are not measurements
_SKIP_COLUMNS = {"Time", "TimeStamp", "PodName", "ServiceName"}
# node-level columns are shared by every pod on a node: they say nothing about one service
_NODE_PREFIX = "Node"
# a pod's usage as a percentage of its limit (CpuUsage(m) / CpuUsageRate(%) is the pod's 500m CPU
# limit throughout): served as the engine's ratio of the limit (telemetry's canonical names), so
# the saturation generator sees a pod at its limit
_RATIO_COLUMNS = {"CpuUsageRate(%)": "cpu_usage_ratio", "MemoryUsageRate(%)": "memory_usage_ratio"}


def pod_service(pod: str) -> str:
    return _POD_RE.sub("", pod)


def parse_inject_time(text: str) -> float:
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S")))


@dataclass(frozen=True, slots=True)
class NezhaFault:
    id: str
    day: str
    at: float  # epoch seconds, the metric clock
    pod: str
    service: str
    kind: str  # return | exception | cpu_contention | network_delay


def faults(root: Path) -> list[NezhaFault]:
    out: list[NezhaFault] = []
    for day in DAYS:
        path = root / "rca_data" / day / f"{day}-fault_list.json"
        if not path.exists():
            raise ConfigError(f"Nezha fault list missing: {path}", path=str(path))
        data = json.loads(path.read_text())
        for hour in sorted(data):
            for entry in data[hour]:
                at = parse_inject_time(entry["inject_time"])
                out.append(
                    NezhaFault(
                        id=f"{day}T{entry['inject_time'][11:]}",
                        day=day,
                        at=at,
                        pod=entry["inject_pod"],
                        service=pod_service(entry["inject_pod"]),
                        kind=entry["inject_type"],
                    )
                )
    out.sort(key=lambda f: f.at)
    return out


def inner_labels(root: Path) -> dict[str, dict[str, str]]:
    """``construct_data/root_cause_ts.json``: service -> fault type -> inner-service label (empty
    when the file is missing: AIS@k is then not scored)."""
    path = root / "construct_data" / "root_cause_ts.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {str(s): {str(k): str(v) for k, v in kinds.items()} for s, kinds in data.items()}


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", newline="") as fh:
        yield from csv.DictReader(fh)


def metric_series(root: Path, day: str) -> list[Series]:
    """Every per-pod metric of the day as one series, labelled with service and pod."""
    out: list[Series] = []
    for path in sorted((root / "rca_data" / day / "metric").glob("*.csv.gz")):
        rows = list(_rows(path))
        if not rows:
            continue
        if "PodName" in rows[0]:
            pod = rows[0]["PodName"]
            service = pod_service(pod)
        else:  # front_service.csv: the front end's SLIs
            pod = "frontend"
            service = "frontend"
        stamps = [float(r["TimeStamp"]) for r in rows]
        for column in rows[0]:
            if column in _SKIP_COLUMNS or column.startswith(_NODE_PREFIX):
                continue
            values = tuple(_float(r[column]) for r in rows)
            if column in _RATIO_COLUMNS:
                values = tuple(v / 100.0 for v in values)
            out.append(
                Series(
                    name=_RATIO_COLUMNS.get(column) or _metric_name(column),
                    labels={"service": service, "pod": pod},
                    timestamps=tuple(stamps),
                    values=values,
                )
            )
    return out


def _metric_name(column: str) -> str:
    name = re.sub(r"\(.*?\)", "", column)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().strip("_")


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _minute_files(root: Path, day: str, kind: str) -> list[Path]:
    """The day's fault minutes, then the fault-free minute of every day (the system and its code
    are the same on both days; only one minute per day was kept fault-free)."""
    files = sorted((root / "rca_data" / day / kind).glob("*.csv.gz"))
    for d in DAYS:
        files += sorted((root / "construct_data" / d / kind).glob("*.csv.gz"))
    return files


def recording_start(root: Path, day: str, at: float) -> float | None:
    """When the data set's recording of the fault injected at ``at`` begins: its first span or log
    line, in the minute file of the injection minute (``rca_data/<day>/{trace,log}/HH_MM_*``).
    None when neither file exists."""
    minute = time.strftime("%H_%M", time.gmtime(at))
    starts = []
    trace = root / "rca_data" / day / "trace" / f"{minute}_trace.csv.gz"
    if trace.exists():
        starts += [int(r["StartTimeUnixNano"]) / 1e9 for r in _rows(trace)]
    log = root / "rca_data" / day / "log" / f"{minute}_log.csv.gz"
    if log.exists():
        starts += [_log_time(r) for r in _rows(log)]
    return min(starts, default=None)


def incident_end(root: Path, fault: NezhaFault, following: NezhaFault | None) -> float:
    """The end of a fault's incident window: ``INCIDENT_SECONDS`` after the injection, or earlier
    where the next fault's recording begins (module docstring)."""
    end = fault.at + INCIDENT_SECONDS
    if following is not None:
        begins = recording_start(root, following.day, following.at)
        if begins is not None and fault.at < begins < end:
            end = begins
    return end


def reference_window(root: Path, day: str) -> tuple[float, float]:
    """The fault-free minute of ``construct_data`` (epoch seconds of its first and last span)."""
    files = sorted((root / "construct_data" / day / "trace").glob("*.csv.gz"))
    if not files:
        raise ConfigError(f"no fault-free trace minute for {day}", day=day)
    starts = [int(r["StartTimeUnixNano"]) / 1e9 for r in _rows(files[0])]
    return min(starts), max(starts)


def logs(root: Path, day: str) -> Iterator[LogRecord]:
    from autoheal.analysis.logs import log_level

    for path in _minute_files(root, day, "log"):
        for r in _rows(path):
            try:
                line = str(json.loads(r["Log"]).get("log", "")).rstrip("\n")
            except json.JSONDecodeError:
                line = r["Log"]
            yield LogRecord(
                at=datetime.fromtimestamp(_log_time(r), UTC),
                service=pod_service(r["PodName"]),
                level=log_level(line),
                line=line,
                labels={"pod": r["PodName"], **({"span_id": r["SpanID"]} if r.get("SpanID") else {})},
                trace_id=r.get("TraceID") or None,
            )


def _log_time(row: dict[str, str]) -> float:
    """A log line's epoch seconds: ``TimeUnixNano``, or the ``Timestamp`` column where that is not
    positive (124 of the error lines, ``Servlet.service() ... threw exception``, carry an
    overflowed negative value; read as it is, they would be written in the year 1755 and never
    seen in any window)."""
    nanos = int(row["TimeUnixNano"])
    if nanos > 0:
        return nanos / 1e9
    stamp = row["Timestamp"].removesuffix("Z")
    whole, _, fraction = stamp.partition(".")
    at = float(calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")))
    return at + (float(f"0.{fraction}") if fraction else 0.0)


def spans(root: Path, day: str) -> Iterator[Span]:
    for path in _minute_files(root, day, "trace"):
        for r in _rows(path):
            parent = r["ParentID"]
            yield Span(
                trace_id=r["TraceID"],
                span_id=r["SpanID"],
                parent_id=None if parent in ("", "root") else parent,
                service=pod_service(r["PodName"]),
                operation=r["OperationName"],
                start=datetime.fromtimestamp(int(r["StartTimeUnixNano"]) / 1e9, UTC),
                duration_ms=(int(r["EndTimeUnixNano"]) - int(r["StartTimeUnixNano"])) / 1e6,
                error=False,
                attributes={"pod": r["PodName"]},
            )


# metric windows: the incident is the 5 minutes after injection; the reference the 20 before it
INCIDENT_SECONDS = 300.0
METRIC_REFERENCE_SECONDS = 1200.0


def cases(root: Path) -> Iterator[tuple[BenchCase, Bundle]]:
    """One Bundle per day (metrics, logs, traces), then that day's faults as cases.

    ``root`` is the bench data directory (holding ``nezha/``)."""
    root = root / "nezha"
    all_faults = faults(root)
    labels = inner_labels(root)
    following = dict(itertools.pairwise(all_faults))
    for day in DAYS:
        bundle = Bundle(
            series=metric_series(root, day), logs=list(logs(root, day)), spans=list(spans(root, day))
        )
        r0, _ = reference_window(root, day)
        others = tuple((o, o + 60.0) for o in (reference_window(root, d)[0] for d in DAYS if d != day))
        for f in (x for x in all_faults if x.day == day):
            yield (
                BenchCase(
                    dataset="nezha",
                    id=f.id,
                    root_cause=f.service,
                    kind=f.kind,
                    group=day,
                    incident=(f.at, incident_end(root, f, following.get(f))),
                    reference=(f.at - METRIC_REFERENCE_SECONDS, f.at),
                    log_reference=(r0, r0 + 60.0),
                    more_log_references=others,
                    inner=labels.get(f.service, {}).get(f.kind),
                ),
                bundle,
            )
