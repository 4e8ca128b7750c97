"""The checks' metric questions, asked once per investigation.

Every check asks about a few services (the suspect, its dependencies, its peers). Asked with those
services in the query, each hypothesis cost its own ``query_range`` per symptom metric, and with
every generator's hypotheses verified that reached the investigation's tool-call budget. Each
service's shift is computed from its own series only, so the same answer comes from one query over
the investigation's candidate services plus the ones asked about, filtered afterwards: identical
for every hypothesis whose services are candidates, so ``ctx.call`` answers it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from autoheal.reasoning import probe
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig, SymptomMetric


def _universe(ctx: InvestigationContext, services: Iterable[str]) -> list[str]:
    return sorted(set(ctx.services) | set(services))


def anomalies(
    ctx: InvestigationContext,
    config: EngineConfig,
    services: Iterable[str],
    metrics: Sequence[SymptomMetric] | None = None,
) -> dict[str, list[probe.Shift]]:
    """:func:`probe.anomalies` for ``services``, over one shared query per metric."""
    wanted = set(services)
    found = probe.anomalies(ctx, config, _universe(ctx, wanted), metrics)
    return {s: v for s, v in found.items() if s in wanted}


def metric_shifts(
    ctx: InvestigationContext, config: EngineConfig, metric: SymptomMetric, services: Iterable[str]
) -> dict[str, probe.Shift]:
    """:func:`probe.metric_shifts` for ``services``, over one shared query."""
    wanted = set(services)
    shifts, _ = probe.metric_shifts(ctx, config, metric, _universe(ctx, wanted))
    return {s: v for s, v in shifts.items() if s in wanted}


def measured(ctx: InvestigationContext, config: EngineConfig, services: Iterable[str]) -> set[str]:
    """The services with data for at least one symptom metric (whether it shifted or not)."""
    wanted = set(services)
    out: set[str] = set()
    for metric in config.symptom_metrics:
        out |= set(metric_shifts(ctx, config, metric, wanted))
    return out
