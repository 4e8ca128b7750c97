from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from autoheal.audit.trail import AuditTrail
from autoheal.audit.verify import verify_chain
from autoheal.clock import ManualClock
from autoheal.domain.tools import ToolResult, ToolStatus
from autoheal.errors import ForbiddenError
from autoheal.governance.approvals import ApprovalService, Principal
from autoheal.governance.policy import parse_policy
from tests.governance.conftest import (
    DeleteTool,
    GatewayFactory,
    LogTool,
    PromTool,
    RecordingTool,
    SecretTool,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _records(trail: AuditTrail) -> list[dict]:
    return [r.to_dict() for r in trail.records()]


def test_unknown_tool_names_known_tools(make_gateway: GatewayFactory, trail: AuditTrail) -> None:
    gw = make_gateway([RecordingTool()])
    result = gw.call("nope.nothing", {}, caller="investigation")
    assert result.status is ToolStatus.ERROR
    assert "test.echo" in result.message
    assert _records(trail)[-1]["payload"]["decision"] == "invalid"


def test_invalid_args_never_reach_tool(make_gateway: GatewayFactory) -> None:
    tool = PromTool()
    gw = make_gateway([tool])
    result = gw.call("prometheus.query_range", {"query": 3, "step": "x"}, caller="t")
    assert result.status is ToolStatus.ERROR
    assert "query" in result.message
    assert tool.calls == []


def test_allowed_call_is_audited_with_digest(make_gateway: GatewayFactory, trail: AuditTrail) -> None:
    tool = RecordingTool()
    gw = make_gateway([tool])
    result = gw.call("test.echo", {"text": "hi"}, caller="triage", investigation_id="inv1")
    assert result.ok and result.data["text"] == "hi"
    rec = _records(trail)[-1]
    assert rec["kind"] == "tool_call" and rec["actor"] == "triage"
    p = rec["payload"]
    assert p["decision"] == "allowed" and p["tool"] == "test.echo" and p["args"]["text"] == "hi"
    assert len(p["result_digest"]) == 64 and "duration_ms" in p
    assert verify_chain(trail._engine).ok


def test_deny_rule_wins_over_allow(make_gateway: GatewayFactory, trail: AuditTrail) -> None:
    tool = SecretTool()
    policy = """
default: deny
rules:
  - {name: k8s-read, effect: allow, tools: ["kubernetes.*"]}
  - {name: no-kube-system, effect: deny, tools: ["kubernetes.*"], args: {namespace: ["kube-*"]}}
"""
    gw = make_gateway([tool], policy)
    assert gw.call("kubernetes.get", {"namespace": "shop"}, caller="i").ok
    denied = gw.call("kubernetes.get", {"namespace": "kube-system"}, caller="i")
    assert denied.status is ToolStatus.DENIED and "no-kube-system" in denied.message
    assert len(tool.calls) == 1
    assert _records(trail)[-1]["payload"]["decision"] == "denied"


def test_default_deny(make_gateway: GatewayFactory) -> None:
    gw = make_gateway([RecordingTool()], "default: deny\n")
    r = gw.call("test.echo", {}, caller="i")
    assert r.status is ToolStatus.DENIED and "default" in r.message


def test_caller_patterns(make_gateway: GatewayFactory) -> None:
    policy = """
default: allow
rules:
  - {name: no-model-echo, effect: deny, tools: ["test.*"], callers: ["model*"]}
"""
    gw = make_gateway([RecordingTool()], policy)
    assert gw.call("test.echo", {}, caller="investigation").ok
    assert gw.call("test.echo", {}, caller="model:claude").status is ToolStatus.DENIED


def test_promql_metric_rules(make_gateway: GatewayFactory) -> None:
    policy = """
default: deny
rules:
  - {name: app-metrics, effect: allow, tools: ["prometheus.*"], metrics: ["http_*", "up"]}
"""
    gw = make_gateway([PromTool()], policy)
    assert gw.call("prometheus.query_range", {"query": "rate(http_requests_total[5m])"}, caller="i").ok
    r = gw.call("prometheus.query_range", {"query": "up / node_load1"}, caller="i")
    assert r.status is ToolStatus.DENIED  # node_load1 is not covered by the allow rule


def test_query_guard_denies(make_gateway: GatewayFactory) -> None:
    tool = PromTool()
    gw = make_gateway([tool])
    args = {"query": "up", "start": T0.isoformat(), "end": (T0 + timedelta(days=1)).isoformat(), "step": 1}
    r = gw.call("prometheus.query_range", args, caller="i")
    assert r.status is ToolStatus.DENIED and "points per series" in r.message
    r = gw.call("prometheus.query_range", {"query": '{job=~".+"} + {instance=~".+"}'}, caller="i")
    assert r.status is ToolStatus.DENIED and "regular expressions" in r.message
    assert tool.calls == []


def test_log_guard_needs_bound_and_limit(make_gateway: GatewayFactory) -> None:
    tool = LogTool()
    gw = make_gateway([tool])
    r = gw.call("logs.query", {"service": "api"}, caller="i")
    assert r.status is ToolStatus.DENIED and "time bound" in r.message
    r = gw.call("logs.query", {"service": "api", "start": T0, "end": T0 + timedelta(minutes=5)}, caller="i")
    assert r.status is ToolStatus.DENIED and "limit" in r.message
    ok = gw.call(
        "logs.query",
        {"service": "api", "start": T0, "end": T0 + timedelta(minutes=5), "limit": 100},
        caller="i",
    )
    assert ok.ok and len(tool.calls) == 1


def test_results_are_redacted_before_return_and_audit(
    make_gateway: GatewayFactory, trail: AuditTrail
) -> None:
    leak = "db url postgresql://app:hunter2hunter2@db:5432/x and ghp_4fZq8Lw2NcV7bR1tY6uP0sK3mJ9hX5dA2eQw"
    tool = RecordingTool(lambda a: ToolResult.success({"line": leak}, note=leak))
    gw = make_gateway([tool])
    r = gw.call("test.echo", {"text": "password=hunter2hunter2"}, caller="i")
    assert "hunter2" not in str(r.data) and "ghp_" not in str(r.data) and "hunter2" not in str(r.meta)
    assert r.meta["redactions"]["url_password"] >= 1
    stored = str(_records(trail))
    assert "hunter2" not in stored and "ghp_4fZq" not in stored


def test_budget_exhausted(make_gateway: GatewayFactory) -> None:
    tool = RecordingTool()
    gw = make_gateway([tool], "default: allow\nbudgets: {tool_calls: 3}\n")
    results = [gw.call("test.echo", {}, caller="i", investigation_id="inv") for _ in range(5)]
    assert [r.status for r in results].count(ToolStatus.OK) == 3
    assert results[-1].status is ToolStatus.BUDGET_EXHAUSTED and "tool call budget" in results[-1].message
    assert gw.call("test.echo", {}, caller="i", investigation_id="other").ok  # budgets are per investigation
    assert len(tool.calls) == 4


def test_wall_time_budget(make_gateway: GatewayFactory, clock: ManualClock) -> None:
    gw = make_gateway([RecordingTool()], "default: allow\nbudgets: {wall_time_seconds: 60}\n")
    gw.start_investigation("inv")
    assert gw.call("test.echo", {}, caller="i", investigation_id="inv").ok
    clock.advance(61)
    r = gw.call("test.echo", {}, caller="i", investigation_id="inv")
    assert r.status is ToolStatus.BUDGET_EXHAUSTED and "wall time" in r.message


def test_model_tokens_budget(make_gateway: GatewayFactory, trail: AuditTrail) -> None:
    gw = make_gateway([], "budgets: {model_tokens: 1000}\n")
    assert gw.reserve_model_tokens("inv", 800).ok
    assert gw.reserve_model_tokens("inv", 300).status is ToolStatus.BUDGET_EXHAUSTED
    gw.record_model_call(
        caller="model",
        investigation_id="inv",
        payload={"model": "m", "prompt": "token abcdefABCDEF0123456789xyz"},
    )
    rec = _records(trail)[-1]
    assert rec["kind"] == "model_call" and "abcdefABCDEF" not in rec["payload"]["prompt"]


def test_query_cost_budget(make_gateway: GatewayFactory) -> None:
    gw = make_gateway([PromTool()], "budgets: {query_cost: 1000}\ndefault: allow\n")
    args = {"query": "up", "start": T0, "end": T0 + timedelta(hours=1), "step": 15}  # 241 points
    statuses = [
        gw.call("prometheus.query_range", args, caller="i", investigation_id="x").status for _ in range(6)
    ]
    assert statuses.count(ToolStatus.OK) == 4
    assert statuses[-1] is ToolStatus.BUDGET_EXHAUSTED


def test_rate_limit_waits_then_refuses(make_gateway: GatewayFactory, clock: ManualClock) -> None:
    policy = """
default: allow
rate_limits:
  global: null
  tools: {"test.*": {rate: 1, burst: 2}}
  max_wait_seconds: 0.5
"""
    tool = RecordingTool()
    gw = make_gateway([tool], policy)
    assert gw.call("test.echo", {}, caller="i").ok
    assert gw.call("test.echo", {}, caller="i").ok
    limited = gw.call("test.echo", {}, caller="i")
    assert limited.status is ToolStatus.RATE_LIMITED and "rate limit" in limited.message
    clock.advance(0.6)  # 0.6 token back; the next one needs 0.4 s more, which is within the wait
    t = clock.now()
    assert gw.call("test.echo", {}, caller="i").ok
    assert clock.now() - t == timedelta(seconds=0.4)
    assert len(tool.calls) == 3


def test_rate_limit_survives_a_clock_stepping_back(make_gateway: GatewayFactory, clock: ManualClock) -> None:
    """A clock set back (NTP, or a simulator moving to the next delivery after waits moved it on)
    must not refuse calls until it is past the old time again: the step earns and owes nothing."""
    policy = """
default: allow
rate_limits:
  global: null
  tools: {"test.*": {rate: 10, burst: 1}}
  max_wait_seconds: 0.5
"""
    gw = make_gateway([RecordingTool()], policy)
    assert gw.call("test.echo", {}, caller="i").ok
    assert gw.call("test.echo", {}, caller="i").ok  # waited 0.1 s for the next token
    clock.set(clock.now() - timedelta(seconds=30))
    t = clock.now()
    after = gw.call("test.echo", {}, caller="i")
    assert after.ok, after.message
    assert clock.now() - t == timedelta(seconds=0.1)  # one token's wait, not 30 s
    clock.set(clock.now() - timedelta(seconds=30))
    assert gw.call("test.echo", {}, caller="i").status is ToolStatus.OK


def test_write_needs_approval_then_runs_once(
    make_gateway: GatewayFactory, approvals: ApprovalService, trail: AuditTrail
) -> None:
    tool = DeleteTool()
    gw = make_gateway([tool])
    args = {"namespace": "shop", "text": "pod/api-1"}
    r = gw.call("kubernetes.delete", args, caller="investigation", investigation_id="inv")
    assert r.status is ToolStatus.NEEDS_APPROVAL
    req_id = r.meta["approval_id"]
    again = gw.call("kubernetes.delete", args, caller="investigation")
    assert again.meta["approval_id"] == req_id  # one pending request per exact call
    assert tool.calls == []

    with pytest.raises(ForbiddenError):
        approvals.grant(req_id, Principal("val", "viewer"))
    approvals.grant(req_id, Principal("alice", "responder"), note="ok, restart it")

    other = gw.call("kubernetes.delete", {"namespace": "shop", "text": "pod/api-2"}, caller="investigation")
    assert other.status is ToolStatus.NEEDS_APPROVAL  # the grant covers that exact call only
    assert gw.call("kubernetes.delete", args, caller="investigation").ok
    assert len(tool.calls) == 1
    third = gw.call("kubernetes.delete", args, caller="investigation")
    assert third.status is ToolStatus.NEEDS_APPROVAL and third.meta["approval_id"] != req_id  # used once
    kinds = [(r["kind"], r["payload"].get("decision") or r["payload"].get("action")) for r in _records(trail)]
    assert ("human_action", "approval_granted") in kinds


def test_refused_approval_denies(make_gateway: GatewayFactory, approvals: ApprovalService) -> None:
    tool = DeleteTool()
    gw = make_gateway([tool])
    r = gw.call("kubernetes.delete", {"text": "x"}, caller="i")
    approvals.refuse(r.meta["approval_id"], Principal("bob", "admin"), note="no")
    d = gw.call("kubernetes.delete", {"text": "x"}, caller="i")
    assert d.status is ToolStatus.DENIED and "refused by bob" in d.message
    assert tool.calls == []


def test_approval_expires(make_gateway: GatewayFactory, engine: Engine, clock: ManualClock) -> None:
    tool = DeleteTool()
    policy = parse_policy("default: allow\napprovals: {ttl_seconds: 60}\n")
    approvals = ApprovalService(engine, settings=policy.approvals, clock=clock)
    gw = make_gateway([tool], policy, approvals=approvals)
    r = gw.call("kubernetes.delete", {"text": "x"}, caller="i")
    approvals.grant(r.meta["approval_id"], Principal("a", "admin"))
    clock.advance(61)
    assert gw.call("kubernetes.delete", {"text": "x"}, caller="i").status is ToolStatus.NEEDS_APPROVAL
    assert approvals.get(r.meta["approval_id"]).status == "expired"
    assert tool.calls == []


def test_write_actions_deny(make_gateway: GatewayFactory) -> None:
    gw = make_gateway([DeleteTool()], "default: allow\nwrite_actions: deny\n")
    assert gw.call("kubernetes.delete", {}, caller="i").status is ToolStatus.DENIED


def test_catalog_describes_without_exposing(make_gateway: GatewayFactory) -> None:
    gw = make_gateway(
        [RecordingTool(), DeleteTool()], "rate_limits: {tools: {'test.*': {rate: 5, burst: 10}}}\n"
    )
    infos = {i.name: i for i in gw.catalog()}
    assert infos["test.echo"].decision == "deny"  # default deny
    assert infos["kubernetes.delete"].access.value == "write"
    assert "5/s burst 10" in infos["test.echo"].rate_limit
    assert not any(hasattr(i, "invoke") for i in infos.values())


def test_manual_clock_is_moved_not_slept_on(clock: ManualClock) -> None:
    from autoheal.governance.gateway import Gateway

    policy = parse_policy(
        "default: allow\nrate_limits: {global: {rate: 10, burst: 1}, max_wait_seconds: 1}\n"
    )
    gw = Gateway([RecordingTool()], policy, clock=clock)  # no sleep given: the manual clock moves
    start = clock.now()
    assert all(gw.call("test.echo", {}, caller="i").ok for _ in range(5))
    assert clock.now() - start == timedelta(seconds=0.4)


def test_an_extended_gateway_governs_its_new_tools_with_the_same_policy_and_trail(
    make_gateway: GatewayFactory, trail: AuditTrail
) -> None:
    policy = "default: allow\nrules:\n  - {name: no-logs-for-agents, effect: deny, tools: ['logs.*'], callers: ['mcp:*']}\n"
    base = make_gateway([RecordingTool()], policy)
    logs = LogTool()
    wider = base.extended([logs])  # the query guards hold too: a log query needs a time bound
    bounded = {
        "service": "checkout",
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-01-01T00:10:00Z",
        "limit": 100,
    }
    assert wider.tool_names() == ["logs.query", "test.echo"] and base.tool_names() == ["test.echo"]
    denied = wider.call("logs.query", bounded, caller="mcp:api-token:abc")
    assert denied.status is ToolStatus.DENIED and "no-logs-for-agents" in denied.message and logs.calls == []
    assert wider.call("logs.query", bounded, caller="investigation").ok
    assert base.call("logs.query", bounded, caller="investigation").status is ToolStatus.ERROR
    decisions = [(r["actor"], r["payload"]["tool"], r["payload"]["decision"]) for r in _records(trail)]
    assert decisions[-3:] == [
        ("mcp:api-token:abc", "logs.query", "denied"),
        ("investigation", "logs.query", "allowed"),
        ("investigation", "logs.query", "invalid"),
    ]
    with pytest.raises(ValueError, match=r"test\.echo"):
        base.extended([RecordingTool()])
