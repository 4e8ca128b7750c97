"""The bench's evidence reads go through the real governance Gateway and are audited."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel

from autoheal.audit.trail import iter_records
from autoheal.audit.verify import verify_chain
from autoheal.clock import ManualClock
from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.governance.wiring import build_governance
from autoheal.k8s.bench import audit_engine, read_only_policy, run_bench
from autoheal.k8s.catalogue import load_all
from autoheal.tools.kubernetes import kubernetes_tools


class _DeleteArgs(BaseModel):
    verb: str = "delete"
    resource: str
    namespace: str
    name: str


class KubernetesDelete:
    """A write tool, to show the bench policy never lets one run."""

    name: ClassVar[str] = "kubernetes.delete"
    description: ClassVar[str] = "delete an object"
    access: ClassVar[Access] = Access.WRITE
    args_model: ClassVar[type[BaseModel]] = _DeleteArgs

    def __init__(self) -> None:
        self.invoked = 0

    def invoke(self, args: BaseModel) -> ToolResult:
        self.invoked += 1
        return ToolResult.success(None)


def test_every_evidence_read_is_an_audited_gateway_call() -> None:
    engine = audit_engine()
    results = run_bench(only="crashloop-missing-env", engine=engine)
    assert results and results[0].top1 and results[0].refused_calls == 0
    calls = [json.loads(r.payload) for r in iter_records(engine) if r.kind == "tool_call"]
    records = [r for r in calls if r["caller"] != "triage"]  # triage runs on the same gateway afterwards
    assert len(records) == results[0].tool_calls > 0
    assert {r["caller"] for r in calls} == {"investigation", "triage"}
    assert {r["tool"] for r in records} >= {
        "kubernetes.get",
        "kubernetes.logs",
        "kubernetes.rollout_history",
    }
    assert all(r["decision"] == "allowed" for r in records)
    assert verify_chain(engine).ok


def test_read_only_policy_refuses_writes_and_other_verbs() -> None:
    case = load_all(only="crashloop-oomkilled")[0]
    delete = KubernetesDelete()
    gov = build_governance(
        [*kubernetes_tools(case.backend()), delete],
        read_only_policy(),
        audit_engine(),
        clock=ManualClock(case.now),
    )
    args: dict[str, Any] = {"verb": "delete", "resource": "pods", "namespace": "search", "name": "x"}
    assert (
        gov.gateway.call("kubernetes.delete", args, caller="investigation").status
        is ToolStatus.NEEDS_APPROVAL
    )
    assert delete.invoked == 0
    secret = {"verb": "get", "resource": "secrets", "namespace": "search", "name": "db"}
    assert not gov.gateway.call("kubernetes.get", secret, caller="investigation").ok
    assert (
        gov.gateway.call("alertmanager.create_silence", {}, caller="investigation").status is ToolStatus.ERROR
    )
