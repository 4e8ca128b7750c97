"""Fix generators, one module per kind, each a :class:`autoheal.fixes.base.FixGenerator`.
``default_generators`` is the set run on every resolution."""

from __future__ import annotations

from autoheal.fixes.base import FixGenerator
from autoheal.fixes.generators.leading import LeadingIndicatorGenerator
from autoheal.fixes.generators.regression import RegressionTestGenerator
from autoheal.fixes.generators.runbook import RunbookGenerator
from autoheal.fixes.generators.slo import SloBurnRateGenerator
from autoheal.fixes.generators.tuning import NoisyAlertTuningGenerator


def default_generators() -> list[FixGenerator]:
    return [
        LeadingIndicatorGenerator(),
        SloBurnRateGenerator(),
        NoisyAlertTuningGenerator(),
        RegressionTestGenerator(),
        RunbookGenerator(),
    ]


__all__ = [
    "LeadingIndicatorGenerator",
    "NoisyAlertTuningGenerator",
    "RegressionTestGenerator",
    "RunbookGenerator",
    "SloBurnRateGenerator",
    "default_generators",
]
