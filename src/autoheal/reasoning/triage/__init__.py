"""Fast investigation: noise, duplicate, known issue or signal, with the reasons and evidence."""

from autoheal.reasoning.triage.config import MaintenanceWindow, TriageConfig
from autoheal.reasoning.triage.history import AlertHistory, InMemoryAlertHistory
from autoheal.reasoning.triage.model import (
    Lean,
    Outcome,
    PastVerdict,
    RecentSignal,
    Transition,
    TriageKind,
    TriageSignal,
    TriageVerdict,
)
from autoheal.reasoning.triage.triager import Triage

__all__ = [
    "AlertHistory",
    "InMemoryAlertHistory",
    "Lean",
    "MaintenanceWindow",
    "Outcome",
    "PastVerdict",
    "RecentSignal",
    "Transition",
    "Triage",
    "TriageConfig",
    "TriageKind",
    "TriageSignal",
    "TriageVerdict",
]
