"""Plain domain types: no I/O, no framework imports beyond the standard library."""

from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus, Severity
from autoheal.domain.investigation import (
    CheckOutcome,
    Evidence,
    Hypothesis,
    InvestigationEvent,
    InvestigationReport,
    RankedCause,
    Verdict,
    Verification,
    VerificationCheck,
)
from autoheal.domain.tools import Access, ToolResult, ToolStatus

__all__ = [
    "Access",
    "Alert",
    "AlertGroup",
    "AlertStatus",
    "CheckOutcome",
    "Evidence",
    "Hypothesis",
    "InvestigationEvent",
    "InvestigationReport",
    "RankedCause",
    "Severity",
    "ToolResult",
    "ToolStatus",
    "Verdict",
    "Verification",
    "VerificationCheck",
]
