"""Run a scenario: telemetry, alerts with their ground truth, and the webhook deliveries.

``simulate(scenario)`` is pure and deterministic (same scenario and seed, same output). The result
writes itself into the embedded telemetry stores (:meth:`SimulatedRun.write_to`) and exposes the
alert stream as Alertmanager webhook deliveries (:attr:`SimulatedRun.deliveries`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np

from autoheal.sim import kinds as k
from autoheal.sim.alerts import DEFAULT_RULES, SimAlert, episodes
from autoheal.sim.effects import Effects, Overlay, apply_fault, apply_noise, apply_red_herring
from autoheal.sim.logs import generate_logs
from autoheal.sim.metrics import ServiceMetrics, compute
from autoheal.sim.scenario import Scenario
from autoheal.sim.topology import Topology
from autoheal.sim.traces import generate_traces
from autoheal.sim.webhook import Delivery, deliveries
from autoheal.telemetry.model import ChangeEvent, LogRecord, Span
from autoheal.telemetry.stores import ChangeStore, LogStore, MetricStore, TraceStore

NAMESPACE = "shop"
SIGNAL_TAIL_SECONDS = 900.0  # alerts up to 15 min after a fault ends still belong to it


class TelemetrySink(Protocol):
    """What ``EmbeddedTelemetry`` exposes (autoheal.telemetry.embedded)."""

    @property
    def metrics(self) -> MetricStore: ...
    @property
    def logs(self) -> LogStore: ...
    @property
    def traces(self) -> TraceStore: ...
    @property
    def changes(self) -> ChangeStore: ...


@dataclass
class SimulatedRun:
    scenario: Scenario
    topology: Topology
    timestamps: np.ndarray
    services: dict[str, ServiceMetrics]
    logs: list[LogRecord]
    spans: list[Span]
    changes: list[ChangeEvent]
    alerts: list[SimAlert]
    deliveries: list[Delivery]

    @property
    def start(self) -> datetime:
        return self.scenario.start

    @property
    def end(self) -> datetime:
        return self.scenario.at(self.scenario.steps * self.scenario.step)

    def series(self) -> Iterator[tuple[str, dict[str, str], np.ndarray]]:
        """(metric name, labels, values) for every series, in a stable order."""
        for name in self.topology.names():
            for metric, values in sorted(self.services[name].values.items()):
                yield metric, {"service": name, "namespace": NAMESPACE}, values

    def value(self, metric: str, service: str) -> np.ndarray:
        return self.services[service].values[metric]

    def write_to(self, sink: TelemetrySink) -> dict[str, int]:
        """Fill the embedded metric, log, trace and change stores; returns what was written."""
        ts = self.timestamps.tolist()
        count = 0
        for metric, labels, values in self.series():
            sink.metrics.write_samples(metric, labels, zip(ts, values.tolist(), strict=True))
            count += len(ts)
        sink.logs.write_logs(self.logs)
        sink.traces.write_spans(self.spans)
        for change in self.changes:
            sink.changes.record_change(change)
        return {
            "samples": count,
            "logs": len(self.logs),
            "spans": len(self.spans),
            "changes": len(self.changes),
        }

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for alert in self.alerts:
            counts[alert.expected] = counts.get(alert.expected, 0) + 1
        return {
            "scenario": self.scenario.name,
            "steps": len(self.timestamps),
            "services": len(self.topology.services),
            "series": sum(len(m.values) for m in self.services.values()),
            "logs": len(self.logs),
            "spans": len(self.spans),
            "changes": len(self.changes),
            "alerts": len(self.alerts),
            "alerts_by_expectation": counts,
            "deliveries": len(self.deliveries),
        }


def simulate(scenario: Scenario) -> SimulatedRun:
    topology = scenario.system()
    n = scenario.steps
    t0 = scenario.start.timestamp()
    timestamps = t0 + np.arange(n) * scenario.step
    effects = {s: Effects(n) for s in topology.names()}
    overlays = {s: Overlay(n) for s in topology.names()}
    versions = {s.name: s.version for s in topology.services}
    changes: list[ChangeEvent] = []
    # red herrings and faults in time order, so versions chain correctly
    events: list[tuple[float, int, Any]] = [(f.at, 1, (i, f)) for i, f in enumerate(scenario.faults)]
    events += [(r.at, 0, (i, r)) for i, r in enumerate(scenario.red_herrings)]
    for _, is_fault, (i, spec) in sorted(events, key=lambda e: (e[0], e[1])):
        svc = topology.get(spec.service)
        if is_fault:
            changes += apply_fault(scenario, i, spec, svc, effects[spec.service], versions)
        else:
            changes += apply_red_herring(scenario, i, spec, svc, effects[spec.service], versions)
    from autoheal.sim.alerts import latency_threshold

    for noise in scenario.noise:
        if noise.service is not None:
            svc = topology.get(noise.service)
            apply_noise(scenario, noise, svc, overlays[noise.service], latency_threshold(svc))
    services = compute(topology, timestamps, effects, overlays, scenario.seed)
    logs = generate_logs(topology, scenario.start, scenario.step, services, effects, overlays, scenario.seed)
    spans = generate_traces(
        topology, scenario.start, scenario.step, services, scenario.traces_per_minute, scenario.seed
    )
    alerts = evaluate_alerts(scenario, topology, services)
    classify(scenario, topology, alerts)
    stream = with_duplicates(scenario, alerts, deliveries(alerts))
    changes.sort(key=lambda c: c.at)
    return SimulatedRun(scenario, topology, timestamps, services, logs, spans, changes, alerts, stream)


def evaluate_alerts(
    scenario: Scenario, topology: Topology, services: dict[str, ServiceMetrics]
) -> list[SimAlert]:
    out: list[SimAlert] = []
    for rule in DEFAULT_RULES:
        for name in topology.names():
            values = services[name].values.get(rule.metric)
            if values is None:
                continue
            svc = topology.get(name)
            threshold = rule.threshold(svc)
            for fire, end, value in episodes(rule, values, threshold, scenario.step):
                labels = {
                    "alertname": rule.name,
                    "service": name,
                    "severity": rule.severity,
                    "namespace": NAMESPACE,
                    "env": "sim",
                }
                fmt = {"service": name, "value": value}
                out.append(
                    SimAlert(
                        rule=rule,
                        service=name,
                        labels=labels,
                        annotations={
                            "summary": rule.summary.format(**fmt),
                            "description": rule.description.format(**fmt),
                        },
                        starts_at=scenario.at(fire * scenario.step),
                        ends_at=scenario.at(end * scenario.step) if end < scenario.steps else None,
                        start_step=fire,
                        end_step=end,
                        expr=rule.expr(svc),
                    )
                )
    out.sort(key=lambda a: (a.start_step, a.rule.name, a.service))
    return out


def classify(scenario: Scenario, topology: Topology, alerts: list[SimAlert]) -> None:
    """Attach the ground truth to each alert: signal of fault N, or noise (and why)."""
    declared = scenario.ground_truth.noise_alerts
    for alert in alerts:
        t = alert.start_step * scenario.step
        end_t = alert.end_step * scenario.step
        for window in scenario.maintenance:
            if window.service == alert.service and window.start <= t <= window.end:
                alert.expected, alert.why = (
                    "noise",
                    f"maintenance window on {window.service} ({window.reason})",
                )
                break
        else:
            if any(n.alert == alert.name and n.service in (None, alert.service) for n in declared):
                alert.expected, alert.why = "noise", "declared noise in the scenario's ground truth"
                continue
            for i, fault in enumerate(scenario.faults):
                affected = {fault.service} | topology.upstream_of(fault.service)
                if (
                    alert.service in affected
                    and fault.at - 2 * scenario.step <= t <= fault.end + SIGNAL_TAIL_SECONDS
                ):
                    alert.expected, alert.cause = "signal", i
                    alert.why = f"symptom of {fault.kind.value} on {fault.service}"
                    break
                if alert.service in affected and t < fault.at <= end_t:
                    alert.expected, alert.cause = "signal", i
                    alert.why = f"already firing when {fault.kind.value} on {fault.service} began"
                    break
            else:
                alert.why = "no fault or noise explains it"


def with_duplicates(scenario: Scenario, alerts: list[SimAlert], stream: list[Delivery]) -> list[Delivery]:
    dups = [nz for nz in scenario.noise if nz.kind is k.NoiseKind.DUPLICATES]
    if not dups:
        return stream
    out: list[Delivery] = []
    for d in stream:
        out.append(d)
        offset = (d.at - scenario.start).total_seconds()
        alert = alerts[d.alert_index]
        for nz in dups:
            p = k.DuplicatesParams.model_validate(nz.params)
            end = scenario.duration if nz.duration is None else nz.at + nz.duration
            if (
                nz.at <= offset <= end
                and (p.alert is None or p.alert == alert.name)
                and nz.service in (None, alert.service)
            ):
                for c in range(1, p.copies):
                    out.append(
                        Delivery(
                            d.at + timedelta(seconds=5 * c),
                            d.status,
                            d.alert_index,
                            d.payload,
                            redelivery=True,
                        )
                    )
    out.sort(key=lambda x: (x.at, x.status != "resolved", x.alert_index, x.redelivery))
    return out
