"""Play one scenario on a metrics backend, and compare what Autoheal concluded on two backends.

:func:`play_on` runs a simulated run through an embedded Autoheal whose ``prometheus.*`` tools read
either the embedded metric store (``embedded``) or a real Prometheus started on the run's TSDB
blocks (``prometheus``, see :mod:`autoheal.sim.prometheus`); logs, traces and changes are embedded
in both cases. With the real server it also counts the PromQL queries Prometheus itself answered
(its own ``prometheus_http_requests_total``), so a run cannot silently fall back to the embedded
store.

:func:`differences` lists, in words, everything that is not the same on both backends: the triage
verdict of every alert, each fault's investigation top cause (service, kind) and ranked causes
(confidence to 1e-6), and every ``prometheus.*`` call the app's gateway audited (tool, arguments,
status and result digest: the data each query returned, byte for byte).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from autoheal.audit.chain import canonical_json
from autoheal.audit.trail import iter_records
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.play import EmbeddedAutoheal, PlayResult, play
from autoheal.sim.prometheus import START_TIMEOUT, Backend, metrics_backend
from autoheal.store.db import create_db_engine

QUERY_HANDLERS = ("/api/v1/query", "/api/v1/query_range")


@dataclass
class BackendRun:
    """A scenario played on one backend: the result, and (real Prometheus only) the queries it answered."""

    backend: Backend
    result: PlayResult
    prometheus_queries: int | None = None
    metric_calls: list[MetricCall] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict()
        out["backend"] = self.backend
        out["metric_tool_calls"] = len(self.metric_calls)
        if self.prometheus_queries is not None:
            out["prometheus_queries"] = self.prometheus_queries
        return out


@dataclass(frozen=True)
class MetricCall:
    """One ``prometheus.*`` call of the app's gateway, as its audit record has it."""

    tool: str
    args: str  # canonical JSON
    status: str
    result_digest: str


def metric_calls(database_url: str) -> list[MetricCall]:
    """The ``prometheus.*`` tool calls in the audit trail at ``database_url``, in order."""
    engine = create_db_engine(database_url)
    try:
        calls = []
        for record in iter_records(engine):
            payload = record.payload_obj()
            tool = payload.get("tool") if isinstance(payload, dict) else None
            if isinstance(tool, str) and tool.startswith("prometheus.") and "result_digest" in payload:
                calls.append(
                    MetricCall(
                        tool,
                        canonical_json(payload.get("args")),
                        str(payload.get("status")),
                        str(payload["result_digest"]),
                    )
                )
        return calls
    finally:
        engine.dispose()


def queries_answered(prometheus_url: str, timeout: float = 10.0) -> int:
    """How many instant and range queries the Prometheus at ``prometheus_url`` has answered."""
    text = httpx.get(f"{prometheus_url}/metrics", timeout=timeout).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        if family.name != "prometheus_http_requests":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.labels.get("handler") in QUERY_HANDLERS:
                total += sample.value
    return int(total)


def play_on(
    run: SimulatedRun,
    backend: Backend,
    workdir: Path,
    *,
    investigate: bool = True,
    timeout: float = START_TIMEOUT,
    on_delivery: Callable[[int, int], None] | None = None,
) -> BackendRun:
    """Play ``run`` through a fresh embedded Autoheal (database and telemetry under ``workdir``)
    reading metrics from ``backend``; the Prometheus started for it is stopped before returning."""
    workdir = Path(workdir)
    with metrics_backend(run, backend, workdir, timeout=timeout) as prometheus_url:
        with EmbeddedAutoheal.for_run(run, workdir, prometheus_url=prometheus_url) as server:
            result = play(run, server, investigate=investigate, on_delivery=on_delivery)
            database_url = server.autoheal.settings.database.url
        answered = queries_answered(prometheus_url) if prometheus_url else None
    return BackendRun(backend, result, answered, metric_calls(database_url))


def conclusions(result: PlayResult) -> dict[str, Any]:
    """What parity is judged on: per alert its verdict, per investigation the pipeline ran (in
    the order they finished) and per after-the-fact fault investigation, the ranked causes."""
    return {
        "verdicts": [
            (o.at, o.alert, o.service, o.fingerprint, o.verdict, _cause(o.top_cause)) for o in result.outcomes
        ],
        "investigations": [
            (f"{j.finished_at} {','.join(j.alerts)}", _cause(j.top), list(j.ranked))
            for j in result.judgement.investigations
        ]
        + [
            (
                f"fault {i.fault}",
                _cause(i.top),
                [(c["service"], c["kind"], c["confidence"]) for c in i.ranked],
            )
            for i in result.investigations
        ],
    }


def differences(a: BackendRun, b: BackendRun) -> list[str]:
    """Every conclusion that differs between two runs of the same scenario (empty: parity)."""
    ca, cb = conclusions(a.result), conclusions(b.result)
    out: list[str] = []
    if len(ca["verdicts"]) != len(cb["verdicts"]):
        out.append(f"{len(ca['verdicts'])} alerts on {a.backend}, {len(cb['verdicts'])} on {b.backend}")
    for va, vb in zip(ca["verdicts"], cb["verdicts"], strict=False):
        if va != vb:
            out.append(f"alert {va[1]}/{va[2]} at {va[0]}: {a.backend} {va[4:]} vs {b.backend} {vb[4:]}")
    if len(ca["investigations"]) != len(cb["investigations"]):
        out.append(
            f"{len(ca['investigations'])} investigations on {a.backend}, "
            f"{len(cb['investigations'])} on {b.backend}"
        )
    if len(a.metric_calls) != len(b.metric_calls):
        out.append(
            f"{len(a.metric_calls)} metric tool calls on {a.backend}, {len(b.metric_calls)} on {b.backend}"
        )
    for n, (xa, xb) in enumerate(zip(a.metric_calls, b.metric_calls, strict=False)):
        if xa != xb:
            out.append(
                f"metric tool call {n} ({xa.tool} {xa.args}): {a.backend} {xa.status} {xa.result_digest[:12]} "
                f"vs {b.backend} {xb.status} {xb.result_digest[:12]}"
            )
            break  # the first one explains the rest
    for ia, ib in zip(ca["investigations"], cb["investigations"], strict=False):
        fault = ia[0]
        if ia[0] != ib[0]:
            out.append(f"investigation {ia[0]} on {a.backend} vs {ib[0]} on {b.backend}")
        elif ia[1] != ib[1]:
            out.append(f"{fault} top cause: {a.backend} {ia[1]} vs {b.backend} {ib[1]}")
        elif not _same_ranking(ia[2], ib[2]):
            out.append(f"{fault} ranked causes: {a.backend} {ia[2]} vs {b.backend} {ib[2]}")
    return out


def _cause(top: dict[str, Any] | None) -> tuple[str, str] | None:
    return (str(top.get("service")), str(top.get("kind"))) if top else None


def _same_ranking(a: list[tuple[str, str, float]], b: list[tuple[str, str, float]]) -> bool:
    return len(a) == len(b) and all(
        x[:2] == y[:2] and math.isclose(x[2], y[2], rel_tol=1e-6, abs_tol=1e-9)
        for x, y in zip(a, b, strict=True)
    )


def parity_summary(embedded: BackendRun, real: BackendRun) -> dict[str, Any]:
    """The comparison of one scenario played on both backends, as JSON."""
    diff = differences(embedded, real)
    return {
        "identical": not diff,
        "differences": diff,
        "alerts": len(embedded.result.outcomes),
        "investigations": len(embedded.result.judgement.investigations),
        "after_the_fact_investigations": len(embedded.result.investigations),
        "metric_tool_calls": len(real.metric_calls),
        "prometheus_queries": real.prometheus_queries,
        "seconds": {r.backend: round(r.result.seconds, 3) for r in (embedded, real)},
        "ground_truth_matched": {
            r.backend: r.result.to_dict()["ground_truth_matched"] for r in (embedded, real)
        },
    }
