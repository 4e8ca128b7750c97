"""Falsification checks, one module each. Each implements
:class:`autoheal.reasoning.base.FalsificationCheck`: it attacks one hypothesis and answers passed
(survived), failed (falsified, with the reason) or unknown (not enough data), citing evidence."""

from __future__ import annotations

from autoheal.reasoning.base import FalsificationCheck
from autoheal.reasoning.checks.peers import PeersCheck
from autoheal.reasoning.checks.recovery import RecoveryCheck
from autoheal.reasoning.checks.specificity import SpecificityCheck
from autoheal.reasoning.checks.temporal import TemporalPrecedenceCheck
from autoheal.reasoning.checks.topology import TopologyCheck
from autoheal.reasoning.config import EngineConfig


def default_checks(config: EngineConfig | None = None) -> list[FalsificationCheck]:
    config = config or EngineConfig()
    return [
        TemporalPrecedenceCheck(config),
        TopologyCheck(config),
        SpecificityCheck(config),
        PeersCheck(config),
        RecoveryCheck(config),
    ]


__all__ = [
    "PeersCheck",
    "RecoveryCheck",
    "SpecificityCheck",
    "TemporalPrecedenceCheck",
    "TopologyCheck",
    "default_checks",
]
