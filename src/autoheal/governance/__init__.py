"""Governance: the one enforcement point between Autoheal and every tool.

* :class:`Gateway` — implements ``ToolCaller``; policy, approvals, query guards, budgets, rate
  limits, redaction and audit around every call. It owns the tool objects.
* :class:`Policy` — the policy file (:func:`load_policy`, :func:`default_policy`).
* :class:`ApprovalService` — human approval of write actions.
* :class:`Redactor` — secrets and personal data out of everything that leaves a tool.
"""

from autoheal.governance.approvals import ApprovalRequest, ApprovalService, Principal
from autoheal.governance.gateway import Gateway, ToolInfo
from autoheal.governance.guards import GuardResult, QueryGuards
from autoheal.governance.policy import Decision, Effect, Policy, default_policy, load_policy, parse_policy
from autoheal.governance.redaction import Redactor

__all__ = [
    "ApprovalRequest",
    "ApprovalService",
    "Decision",
    "Effect",
    "Gateway",
    "GuardResult",
    "Policy",
    "Principal",
    "QueryGuards",
    "Redactor",
    "ToolInfo",
    "default_policy",
    "load_policy",
    "parse_policy",
]
