"""Modality ablations: what the engine may read of a case's telemetry, and which minutes are lost.

An :class:`Ablation` is applied to a group's :class:`~autoheal.bench.model.Bundle` before it is
loaded into the embedded stores (:func:`apply`), so the engine, its generators and its checks see
only what is left, exactly as they would in production with that data missing:

* ``modalities``: the subset of ``metrics``, ``traces`` and ``logs`` kept (the others are not
  loaded at all). The call graph that a data set without a declared graph takes from its spans
  (Nezha: the entry calls the services that start traces, and the rest of the graph is the one the
  spans show) is a product of the traces: without traces there is none.
* ``drop_fraction`` and ``seed``: that share of the group's trace minutes and, drawn separately,
  of its log minutes (the minutes, ``floor(epoch / 60)``, that hold at least one span or log line,
  the fault-free reference minutes included) is removed at random: every span that starts in a
  removed trace minute and every line written in a removed log minute. The draw is
  ``random.Random(f"{seed}:{modality}:{group}")`` over the sorted minutes, so a seed gives the same
  minutes on every run and machine. Metrics are never dropped (the ablation studies the engine
  without its richer evidence; metrics are the one modality every data set has).

Baselines (BARO, NSigma) read metrics only, so no ablation here changes what they see.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace

from autoheal.bench.model import Bundle
from autoheal.errors import ConfigError

MODALITIES = ("metrics", "traces", "logs")
ALL = frozenset(MODALITIES)


def parse_modalities(text: str) -> frozenset[str]:
    """``"metrics,traces"`` -> {metrics, traces}; unknown or empty names are an error."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(names) - ALL)
    if unknown:
        raise ConfigError(
            f"unknown modality {', '.join(unknown)}; choose from {', '.join(MODALITIES)} (comma-separated)"
        )
    if not names:
        raise ConfigError(f"no modality given; choose from {', '.join(MODALITIES)} (comma-separated)")
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class Ablation:
    modalities: frozenset[str] = ALL
    drop_fraction: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.drop_fraction < 1.0:
            raise ConfigError(f"drop fraction must be at least 0 and below 1, got {self.drop_fraction}")
        unknown = sorted(set(self.modalities) - ALL)
        if unknown or not self.modalities:
            raise ConfigError(f"modalities must be a non-empty subset of {', '.join(MODALITIES)}")

    @property
    def is_full(self) -> bool:
        return self.modalities == ALL and self.drop_fraction == 0.0

    def label(self) -> str:
        """``metrics+traces``, ``all -30% (seed 1)``: the matrix's row names."""
        names = "all" if self.modalities == ALL else "+".join(m for m in MODALITIES if m in self.modalities)
        if self.drop_fraction:
            return f"{names} -{self.drop_fraction:.0%} (seed {self.seed})"
        return names

    def to_json(self) -> dict[str, object]:
        return {
            "modalities": [m for m in MODALITIES if m in self.modalities],
            "drop_fraction": self.drop_fraction,
            "seed": self.seed,
        }


def _minute(epoch: float) -> int:
    return math.floor(epoch / 60.0)


def dropped_minutes(
    minutes: Iterable[int], fraction: float, seed: int, modality: str, group: str
) -> set[int]:
    """``round(fraction * n)`` of the ``n`` distinct minutes, drawn with a seeded generator."""
    pool = sorted(set(minutes))
    count = round(fraction * len(pool))
    if count <= 0:
        return set()
    rng = random.Random(f"{seed}:{modality}:{group}")
    return set(rng.sample(pool, count))


def apply(bundle: Bundle, ablation: Ablation, group: str) -> Bundle:
    """The bundle as the ablation leaves it (a new object; the original is not changed)."""
    if ablation.is_full:
        return bundle
    keep = ablation.modalities
    series = list(bundle.series) if "metrics" in keep else []
    spans = list(bundle.spans) if "traces" in keep else []
    logs = list(bundle.logs) if "logs" in keep else []
    if ablation.drop_fraction:
        gone = dropped_minutes(
            (_minute(s.start.timestamp()) for s in spans),
            ablation.drop_fraction,
            ablation.seed,
            "traces",
            group,
        )
        spans = [s for s in spans if _minute(s.start.timestamp()) not in gone]
        gone = dropped_minutes(
            (_minute(r.at.timestamp()) for r in logs), ablation.drop_fraction, ablation.seed, "logs", group
        )
        logs = [r for r in logs if _minute(r.at.timestamp()) not in gone]
    return replace(bundle, series=series, spans=spans, logs=logs)
