"""The Nezha loader: log times and the cases' incident windows (a case sees no other case's
recording)."""

import gzip
import json
from pathlib import Path

import pytest

from autoheal.bench.nezha import (
    INCIDENT_SECONDS,
    NezhaFault,
    incident_end,
    logs,
    parse_inject_time,
    recording_start,
)

DAY = "2023-01-29"
POD = "ts-basic-service-5dc8d4f9fd-46997"


def _log_row(stamp: str, nanos: int, text: str) -> str:
    wrapped = json.dumps(json.dumps({"log": text + "\n"}))
    return f"{stamp},{nanos},1.2.3.4,{POD},server,t1,s1,{wrapped}\n"


def _write(root: Path, kind: str, minute: str, header: str, rows: list[str]) -> None:
    folder = root / "rca_data" / DAY / kind
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / f"{minute}_{kind}.csv.gz", "wt") as fh:
        fh.write(header + "\n" + "".join(rows))


LOG_HEADER = "Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log"
TRACE_HEADER = "TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration"


def _fault(at: str) -> NezhaFault:
    return NezhaFault(
        id=at, day=DAY, at=parse_inject_time(at), pod=POD, service="ts-basic-service", kind="return"
    )


def test_a_log_line_with_an_overflowed_nano_time_is_placed_by_its_timestamp(tmp_path: Path) -> None:
    at = parse_inject_time("2023-01-29 09:20:29")
    _write(
        tmp_path / "nezha",
        "log",
        "09_21",
        LOG_HEADER,
        [
            _log_row("2023-01-29T09:20:29.295", -6795364578871345152, "17:20:29.299 ERROR x threw exception"),
            _log_row("2023-01-29T09:20:30.5Z", int((at + 1.5) * 1e9), "17:20:30.500 INFO y ok"),
        ],
    )
    got = sorted(r.at.timestamp() for r in logs(tmp_path / "nezha", DAY))
    assert got == pytest.approx([at + 0.295, at + 1.5])


def test_the_incident_ends_where_the_next_faults_recording_begins(tmp_path: Path) -> None:
    root = tmp_path / "nezha"
    first, second = _fault("2023-01-29 09:21:39"), _fault("2023-01-29 09:25:39")
    # the second fault's recording: its injection minute's files begin 88 s before it
    begins = parse_inject_time("2023-01-29 09:24:11")
    _write(
        root,
        "trace",
        "09_25",
        TRACE_HEADER,
        [f"t,s,root,{POD},/op,{int((begins + 2) * 1e9)},{int((begins + 3) * 1e9)},1000\n"],
    )
    _write(
        root,
        "log",
        "09_25",
        LOG_HEADER,
        [_log_row("2023-01-29T09:24:11Z", int(begins * 1e9), "17:24:11.000 INFO z")],
    )
    assert recording_start(root, DAY, second.at) == pytest.approx(begins)
    assert incident_end(root, first, second) == pytest.approx(begins)
    # a fault with no close successor keeps the whole window; so does the day's last one
    later = _fault("2023-01-29 09:40:00")
    assert incident_end(root, second, later) == second.at + INCIDENT_SECONDS
    assert incident_end(root, second, None) == second.at + INCIDENT_SECONDS


def test_a_missing_recording_does_not_shorten_the_window(tmp_path: Path) -> None:
    first, second = _fault("2023-01-29 09:21:39"), _fault("2023-01-29 09:25:39")
    assert recording_start(tmp_path / "nezha", DAY, second.at) is None
    assert incident_end(tmp_path / "nezha", first, second) == first.at + INCIDENT_SECONDS
