"""Property tests: refusals never reach a tool; limits hold under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoheal.clock import ManualClock
from autoheal.domain.tools import ToolStatus
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import parse_policy
from tests.governance.conftest import DeleteTool, RecordingTool, SecretTool

NAMESPACES = ["shop", "kube-system", "kube-public", "payments", "default"]
VERBS = ["get", "list", "watch", "delete", "patch", "exec"]

POLICY = parse_policy(
    """
default: deny
rules:
  - {name: read-verbs, effect: allow, tools: ["kubernetes.*", "test.*"], args: {verb: ["get", "list", "watch"]}}
  - {name: no-kube, effect: deny, tools: ["*"], args: {namespace: ["kube-*"]}}
  - {name: no-model, effect: deny, tools: ["*"], callers: ["model*"], args: {namespace: ["payments"]}}
rate_limits: {global: null}
"""
)


@settings(max_examples=200, deadline=None)
@given(
    calls=st.lists(
        st.tuples(
            st.sampled_from(["kubernetes.get", "kubernetes.delete", "test.echo", "nope.x"]),
            st.sampled_from([*NAMESPACES, None]),
            st.sampled_from([*VERBS, None]),
            st.sampled_from(["investigation", "model:claude", "triage"]),
        ),
        max_size=15,
    )
)
def test_refused_calls_never_reach_a_tool(calls: list[tuple[str, str | None, str | None, str]]) -> None:
    tools = {"kubernetes.get": SecretTool(), "kubernetes.delete": DeleteTool(), "test.echo": RecordingTool()}
    gw = Gateway(tools.values(), POLICY, clock=ManualClock())  # no approval store: writes are denied
    expected = {name: 0 for name in tools}
    for tool, ns, verb, caller in calls:
        args = {k: v for k, v in {"namespace": ns, "verb": verb}.items() if v is not None}
        result = gw.call(tool, args, caller=caller)
        if result.status is ToolStatus.OK:
            expected[tool] += 1
            assert verb in ("get", "list", "watch")
            assert not (ns or "").startswith("kube-")
            assert not (caller.startswith("model") and ns == "payments")
            assert tool != "kubernetes.delete"
    assert {name: len(t.calls) for name, t in tools.items()} == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    burst=st.integers(min_value=1, max_value=8),
    rate=st.floats(min_value=0.5, max_value=20),
    n=st.integers(min_value=1, max_value=40),
    advance=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=40),
)
def test_concurrent_calls_never_exceed_rate_limit(
    burst: int, rate: float, n: int, advance: list[float]
) -> None:
    clock = ManualClock()
    policy = parse_policy(
        f"default: allow\nrate_limits: {{global: null, max_wait_seconds: 0, tools: {{'test.*': {{rate: {rate}, burst: {burst}}}}}}}\n"
    )
    tool = RecordingTool()
    gw = Gateway([tool], policy, clock=clock, sleep=clock.advance)
    start = clock.now()
    lock = threading.Lock()

    def one(i: int) -> ToolStatus:
        with lock:
            clock.advance(advance[i % len(advance)])
        return gw.call("test.echo", {}, caller="i").status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(one, range(n)))
    elapsed = (clock.now() - start).total_seconds()
    ok = statuses.count(ToolStatus.OK)
    assert ok == len(tool.calls)
    assert ok <= burst + rate * elapsed + 1e-6
    assert set(statuses) <= {ToolStatus.OK, ToolStatus.RATE_LIMITED}


@settings(max_examples=25, deadline=None)
@given(budget=st.integers(min_value=0, max_value=20), n=st.integers(min_value=0, max_value=40))
def test_concurrent_calls_never_exceed_budget(budget: int, n: int) -> None:
    policy = parse_policy(
        f"default: allow\nrate_limits: {{global: null}}\nbudgets: {{tool_calls: {budget}}}\n"
    )
    tool = RecordingTool()
    gw = Gateway([tool], policy, clock=ManualClock())
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(lambda _: gw.call("test.echo", {}, caller="i", investigation_id="inv").status, range(n))
        )
    assert len(tool.calls) == statuses.count(ToolStatus.OK) == min(budget, n)
    assert gw.usage("inv")["tool_calls"] == min(budget, n)


def test_concurrency_cap_holds() -> None:
    policy = parse_policy(
        "default: allow\nrate_limits: {global: null}\nconcurrency: {global: 2, max_wait_seconds: 0}\n"
    )
    release = threading.Event()
    inside = threading.Semaphore(0)

    def blocking(args):  # type: ignore[no-untyped-def]
        inside.release()
        release.wait(10)
        from autoheal.domain.tools import ToolResult

        return ToolResult.success(None)

    tool = RecordingTool(blocking)
    gw = Gateway([tool], policy, clock=ManualClock())
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = [pool.submit(gw.call, "test.echo", {}, caller="i") for _ in range(2)]
        inside.acquire(timeout=10)
        inside.acquire(timeout=10)
        third = gw.call("test.echo", {}, caller="i")
        release.set()
        assert all(f.result().ok for f in first)
    assert third.status is ToolStatus.RATE_LIMITED and "concurrency" in third.message
    assert len(tool.calls) == 2
