"""The enforcement point: the one object that holds the tools and the only way to call them.

``Gateway.call`` runs, in this order, and stops at the first refusal:

1. look the tool up               unknown          -> ERROR naming the known tools
2. validate the arguments         invalid          -> ERROR with the validation message
3. policy decision                deny             -> DENIED naming the rule
                                  write / approval -> NEEDS_APPROVAL with the request id,
                                                      unless a granted approval of this exact call exists
4. query guards (PromQL, logs)    violation        -> DENIED saying why
5. investigation budget           spent            -> BUDGET_EXHAUSTED
6. rate limits + concurrency      over the limit   -> wait up to the bound, else RATE_LIMITED
7. invoke the tool
8. redact the result
9. audit record — always, for refusals too
10. return

The tool objects live in a private attribute and are never handed out: :meth:`catalog` describes
them without exposing them. Triage, investigations, models and MCP get the gateway (as a
``ToolCaller``), nothing else.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from autoheal.audit.chain import RecordKind, digest
from autoheal.audit.trail import AuditTrail
from autoheal.clock import Clock, SystemClock
from autoheal.domain.tools import Access, Tool, ToolResult, ToolStatus
from autoheal.governance.approvals import GRANTED, REFUSED, ApprovalService
from autoheal.governance.guards import QueryGuards
from autoheal.governance.limits import BudgetBook, ConcurrencyLimiter, RateLimiter, Sleep
from autoheal.governance.policy import Effect, Policy, first_match
from autoheal.governance.redaction import Redactor


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """What may be known about a tool without holding it."""

    name: str
    description: str
    access: Access
    args_schema: dict[str, Any]
    decision: str  # allow / deny / require_approval for a call with no arguments by ``caller``
    rule: str
    rate_limit: str
    concurrency: str


class Gateway:
    def __init__(
        self,
        tools: Mapping[str, Tool] | Iterable[Tool],
        policy: Policy,
        *,
        audit: AuditTrail | None = None,
        approvals: ApprovalService | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        items = tools.values() if isinstance(tools, Mapping) else tools
        self.__tools: dict[str, Tool] = {t.name: t for t in items}
        self._policy = policy
        self._audit = audit
        self._approvals = approvals
        self._clock = clock or SystemClock()
        self._guards = QueryGuards(policy.guards)
        self._rates = RateLimiter(policy.rate_limits, self._clock, sleep or default_sleep(self._clock))
        self._concurrency = ConcurrencyLimiter(policy.concurrency)
        self._budgets = BudgetBook(policy.budgets, self._clock)
        self._redactor = redactor or Redactor(policy.redaction)

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def redactor(self) -> Redactor:
        return self._redactor

    def tool_names(self) -> list[str]:
        return sorted(self.__tools)

    def extended(self, tools: Iterable[Tool]) -> Gateway:
        """A gateway over these tools as well as this one's, sharing everything that enforces:
        the policy, query guards, rate limiters, concurrency caps, budgets, approvals, redactor
        and audit trail (the MCP server adds Autoheal's own read tools this way, so that they are
        governed and audited exactly like the telemetry tools). A name clash is a bug: it raises."""
        extra = {t.name: t for t in tools}
        clash = sorted(set(extra) & set(self.__tools))
        if clash:
            raise ValueError(f"tool names already in the gateway: {', '.join(clash)}")
        wider = copy.copy(self)
        wider.__tools = {**self.__tools, **extra}
        return wider

    # -- the one way in ---------------------------------------------------------------------
    def call(
        self,
        tool: str,
        args: Mapping[str, Any],
        *,
        caller: str,
        investigation_id: str | None = None,
    ) -> ToolResult:
        started = time.perf_counter()
        entry: dict[str, Any] = {"tool": tool, "caller": caller, "investigation_id": investigation_id}

        def refuse(status: ToolStatus, decision: str, why: str, **meta: Any) -> ToolResult:
            result = ToolResult(status, message=self._redactor.redact_text(why), meta=meta)
            entry.update(decision=decision, why=result.message, status=status.value, **meta)
            self._record(entry, started)
            return result

        impl = self.__tools.get(tool)
        if impl is None:
            entry["args"] = self._redactor.redact(dict(args))
            known = ", ".join(sorted(self.__tools)) or "none"
            return refuse(ToolStatus.ERROR, "invalid", f"unknown tool {tool!r}; known tools: {known}")
        try:
            parsed = impl.args_model.model_validate(dict(args))
        except ValidationError as exc:
            entry["args"] = self._redactor.redact(dict(args))
            return refuse(ToolStatus.ERROR, "invalid", f"invalid arguments for {tool}: {_short(exc)}")
        plain = parsed.model_dump()
        wire = parsed.model_dump(mode="json")
        args_digest = digest({"tool": tool, "args": wire})
        entry.update(args=self._redactor.redact(wire), args_digest=args_digest)

        guard = self._guards.check(tool, plain)
        decision = self._policy.decide(tool, impl.access, plain, caller=caller, metrics=guard.metrics)
        entry["rule"] = decision.rule
        if decision.effect is Effect.DENY:
            return refuse(
                ToolStatus.DENIED, "denied", f"denied by policy rule {decision.rule!r}: {decision.reason}"
            )
        approval_id: int | None = None
        if decision.effect is Effect.REQUIRE_APPROVAL:
            if self._approvals is None:
                return refuse(
                    ToolStatus.DENIED, "denied", f"{decision.reason}, and no approval store is configured"
                )
            granted = self._approvals.find(tool, args_digest, GRANTED)
            if granted is None:
                refused = self._approvals.find(tool, args_digest, REFUSED)
                if refused is not None:
                    return refuse(
                        ToolStatus.DENIED,
                        "denied",
                        f"approval request {refused.id} for this exact call was refused by {refused.decided_by}",
                        approval_id=refused.id,
                    )
                req = self._approvals.request(
                    tool=tool,
                    args_digest=args_digest,
                    args=entry["args"],
                    caller=caller,
                    investigation_id=investigation_id,
                    reason=decision.reason,
                )
                return refuse(
                    ToolStatus.NEEDS_APPROVAL,
                    "needs_approval",
                    f"{decision.reason}: approval request {req.id} is waiting for a responder or admin "
                    f"(autoheal approvals grant {req.id})",
                    approval_id=req.id,
                )
            approval_id = granted.id
            entry["approval_id"] = approval_id

        if guard.violation is not None:
            return refuse(ToolStatus.DENIED, "denied", f"query guard ({guard.kind}): {guard.violation}")
        if investigation_id is not None:
            why = self._budgets.reserve_call(investigation_id, guard.cost)
            if why is not None:
                return refuse(
                    ToolStatus.BUDGET_EXHAUSTED, "limited", f"investigation {investigation_id}: {why}"
                )
        admission = self._rates.acquire(tool)
        if not admission.ok:
            if investigation_id is not None:
                self._budgets.refund_call(investigation_id, guard.cost)
            return refuse(
                ToolStatus.RATE_LIMITED, "limited", admission.reason, waited_s=round(admission.waited, 3)
            )
        entry["cost"] = guard.cost
        with self._concurrency.slot(tool) as got:
            if not got:
                return refuse(
                    ToolStatus.RATE_LIMITED,
                    "limited",
                    f"too many calls in flight (concurrency cap) for {tool}",
                )
            if approval_id is not None and not self._approvals.consume(approval_id):  # type: ignore[union-attr]
                return refuse(
                    ToolStatus.NEEDS_APPROVAL, "needs_approval", f"approval {approval_id} was already used"
                )
            invoked = time.perf_counter()
            try:
                raw = impl.invoke(parsed)
            except Exception as exc:  # a bug in a tool: audit it, then let it raise
                entry.update(decision="allowed", status="exception", why=f"{type(exc).__name__}: {exc}")
                self._record(entry, started)
                raise
            tool_ms = (time.perf_counter() - invoked) * 1000
        result = self._redact_result(raw, entry)
        entry.update(
            decision="allowed",
            status=result.status.value,
            why=decision.reason,
            tool_ms=round(tool_ms, 3),
            result_digest=digest({"data": result.data, "message": result.message}),
        )
        if admission.waited:
            entry["waited_s"] = round(admission.waited, 3)
        self._record(entry, started)
        return result

    def _redact_result(self, raw: ToolResult, entry: dict[str, Any]) -> ToolResult:
        counter: Counter[str] = Counter()
        data = self._redactor.redact(raw.data, counter)
        message = self._redactor.redact_text(raw.message, counter)
        meta = self._redactor.redact(dict(raw.meta), counter)
        if counter:
            entry["redactions"] = dict(counter)
            meta = {**meta, "redactions": dict(counter)}
        return ToolResult(raw.status, data=data, message=message, meta=meta)

    def _record(self, entry: dict[str, Any], started: float) -> None:
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        if self._audit is not None:
            self._audit.append(RecordKind.TOOL_CALL, entry["caller"], entry)

    # -- budgets and the rest of the audit trail -------------------------------------------
    def start_investigation(self, investigation_id: str) -> None:
        self._budgets.start(investigation_id)

    def usage(self, investigation_id: str) -> dict[str, float]:
        return self._budgets.usage(investigation_id)

    def reserve_model_tokens(self, investigation_id: str, tokens: int) -> ToolResult:
        """Ask before a model call: OK, or BUDGET_EXHAUSTED with why."""
        why = self._budgets.reserve_tokens(investigation_id, tokens)
        if why is None:
            return ToolResult.success(None)
        return ToolResult(ToolStatus.BUDGET_EXHAUSTED, message=f"investigation {investigation_id}: {why}")

    def record_model_call(
        self, *, caller: str, investigation_id: str | None, payload: Mapping[str, Any]
    ) -> None:
        """Audit a language model call (provider, model, token counts, prompt/response digests)."""
        self._append(RecordKind.MODEL_CALL, caller, {"investigation_id": investigation_id, **payload})

    def record_reasoning_step(
        self, *, actor: str, investigation_id: str | None, payload: Mapping[str, Any]
    ) -> None:
        self._append(RecordKind.REASONING_STEP, actor, {"investigation_id": investigation_id, **payload})

    def record_human_action(self, *, person: str, payload: Mapping[str, Any]) -> None:
        self._append(RecordKind.HUMAN_ACTION, f"human:{person}", dict(payload))

    def _append(self, kind: RecordKind, actor: str, payload: Mapping[str, Any]) -> None:
        if self._audit is not None:
            self._audit.append(kind, actor, self._redactor.redact(dict(payload)))

    # -- description without exposure -------------------------------------------------------
    def catalog(self, *, caller: str = "investigation") -> list[ToolInfo]:
        out = []
        rates, conc = self._policy.rate_limits, self._policy.concurrency
        for name in sorted(self.__tools):
            impl = self.__tools[name]
            decision = self._policy.decide(name, impl.access, {}, caller=caller)
            rate = first_match(rates.tools, name)
            cap = first_match(conc.tools, name)
            g = rates.global_
            out.append(
                ToolInfo(
                    name=name,
                    description=impl.description,
                    access=impl.access,
                    args_schema=impl.args_model.model_json_schema(),
                    decision=decision.effect.value,
                    rule=decision.rule,
                    rate_limit=(f"{rate[1].rate:g}/s burst {rate[1].burst}" if rate else "-")
                    + (f"; global {g.rate:g}/s burst {g.burst}" if g else ""),
                    concurrency=(f"{cap[1]}" if cap else "-") + f"; global {conc.global_}",
                )
            )
        return out


def default_sleep(clock: Clock) -> Sleep:
    """How to wait for a rate-limit token: a clock that moves only when told (``ManualClock`` in
    tests, simulations and backtests) is moved forward; a real clock is waited on."""
    advance = getattr(clock, "advance", None)
    if callable(advance):

        def move(seconds: float) -> None:
            advance(seconds)

        return move
    return time.sleep


def _short(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
