"""Assemble the governance layer in one place (``create_app`` and the CLI call this)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from autoheal.audit.trail import AuditTrail, Durability
from autoheal.clock import Clock, SystemClock
from autoheal.domain.tools import Tool
from autoheal.governance.approvals import ApprovalService
from autoheal.governance.gateway import Gateway
from autoheal.governance.limits import Sleep
from autoheal.governance.policy import Policy, default_policy, load_policy


@dataclass(frozen=True, slots=True)
class Governance:
    gateway: Gateway
    approvals: ApprovalService
    audit: AuditTrail

    def close(self) -> None:
        """Flush the audit trail (``async`` durability) and stop its writer."""
        self.audit.close()


def policy_from(path: str | Path | None) -> Policy:
    """The policy file at ``path``, or the safe built-in default when none is configured."""
    return load_policy(path) if path else default_policy()


def build_governance(
    tools: Mapping[str, Tool] | Iterable[Tool],
    policy: Policy,
    engine: Engine,
    *,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    durability: Durability = "sync",
) -> Governance:
    """The tools go in here and nowhere else: hand ``governance.gateway`` to everything that
    needs tools (triage, investigations, the model, MCP) and drop every other reference."""
    clock = clock or SystemClock()
    audit = AuditTrail(engine, clock=clock, durability=durability)
    approvals = ApprovalService(engine, settings=policy.approvals, clock=clock, audit=audit)
    gateway = Gateway(tools, policy, audit=audit, approvals=approvals, clock=clock, sleep=sleep)
    return Governance(gateway, approvals, audit)
