"""Hypothesis generators, one module each. Each implements
:class:`autoheal.reasoning.base.HypothesisGenerator` and returns hypotheses that carry the evidence
that raised them. ``default_generators`` is the deterministic set the engine runs."""

from __future__ import annotations

import importlib

from autoheal.reasoning.base import HypothesisGenerator
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.generators.changes import ChangeGenerator
from autoheal.reasoning.generators.contention import ContentionGenerator
from autoheal.reasoning.generators.memory import SimilarIncidentsGenerator
from autoheal.reasoning.generators.saturation import SaturationGenerator
from autoheal.reasoning.generators.topology import TopologyGenerator

# written by the benchmark colleague against the same protocol; used when present
_OPTIONAL = (
    ("autoheal.reasoning.generators.metrics", "MetricAnomalyGenerator"),
    ("autoheal.reasoning.generators.logs", "LogTemplateGenerator"),
    # name-resolution errors in the same log lines (asked once)
    ("autoheal.reasoning.generators.dns", "DnsFailureGenerator"),
    ("autoheal.reasoning.generators.traces", "TraceAttributionGenerator"),
    # request paths from spans alone, where no logs answered (issue 21)
    ("autoheal.reasoning.generators.trace_paths", "TracePathGenerator"),
)


def default_generators(config: EngineConfig | None = None) -> list[HypothesisGenerator]:
    config = config or EngineConfig()
    found: list[HypothesisGenerator] = [
        ChangeGenerator(config),
        TopologyGenerator(config),
        SaturationGenerator(config),
        ContentionGenerator(config),
    ]
    for module_name, class_name in _OPTIONAL:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        cls = getattr(module, class_name, None)
        if cls is not None:
            found.append(cls(config) if class_name == "DnsFailureGenerator" else cls())
    # runs only when the investigation is given priors (similar past incidents), and first
    found.append(SimilarIncidentsGenerator(config))
    return found


__all__ = [
    "ChangeGenerator",
    "ContentionGenerator",
    "SaturationGenerator",
    "SimilarIncidentsGenerator",
    "TopologyGenerator",
    "default_generators",
]
