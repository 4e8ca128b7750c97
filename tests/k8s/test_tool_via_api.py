"""The Kubernetes tools through the official client against the local fake API server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autoheal.cases.bundle import load_bundle
from autoheal.domain.tools import ToolStatus
from autoheal.k8s.catalogue import cases_dir
from autoheal.k8s.fakeapi import FakeKubeAPI
from autoheal.tools.kubernetes import (
    ApiBackend,
    GetArgs,
    KubernetesGet,
    KubernetesList,
    KubernetesLogs,
    KubernetesRolloutHistory,
    ListArgs,
    LogsArgs,
    RolloutHistoryArgs,
)


@pytest.fixture(scope="module")
def api() -> Iterator[ApiBackend]:
    backend = load_bundle(cases_dir() / "crashloop-missing-env-after-rollout").backend()
    with FakeKubeAPI(backend) as server:
        yield ApiBackend(server.client())


POD = "ledger-writer-6d9f7c8b5-x2kqp"


def test_get_pod_is_deserialised_by_the_client_and_returned_as_api_json(api: ApiBackend) -> None:
    result = KubernetesGet(api).invoke(GetArgs(resource="pods", namespace="payments", name=POD))
    assert result.ok
    status = result.data["status"]["containerStatuses"][0]
    assert status["restartCount"] == 7
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"


def test_missing_object_is_no_data(api: ApiBackend) -> None:
    result = KubernetesGet(api).invoke(GetArgs(resource="pods", namespace="payments", name="nope"))
    assert result.status is ToolStatus.NO_DATA


def test_events_by_field_selector(api: ApiBackend) -> None:
    args = ListArgs(
        resource="events",
        namespace="payments",
        field_selector=f"involvedObject.kind=Pod,involvedObject.name={POD}",
    )
    result = KubernetesList(api).invoke(args)
    assert result.ok
    assert [e["reason"] for e in result.data["items"]] == ["BackOff"]


def test_label_selector(api: ApiBackend) -> None:
    result = KubernetesList(api).invoke(
        ListArgs(resource="replicasets", namespace="payments", label_selector="app=ledger-writer")
    )
    assert result.data["count"] == 2


def test_previous_logs_with_line_limit(api: ApiBackend) -> None:
    args = LogsArgs(namespace="payments", name=POD, container="writer", previous=True, tail_lines=1)
    result = KubernetesLogs(api).invoke(args)
    assert result.ok
    assert result.data["lines"] == [
        "2026-03-10T13:57:01Z FATAL config: environment variable LEDGER_DSN is not set"
    ]


def test_current_logs_missing_is_no_data_and_bad_container_is_not_an_exception(api: ApiBackend) -> None:
    bad = KubernetesLogs(api).invoke(LogsArgs(namespace="payments", name=POD, container="sidecar"))
    assert bad.status is ToolStatus.NO_DATA


def test_rollout_history_diff(api: ApiBackend) -> None:
    result = KubernetesRolloutHistory(api).invoke(
        RolloutHistoryArgs(namespace="payments", name="ledger-writer")
    )
    assert result.ok
    (change,) = result.data["changes"]
    fields = {d["field"]: d for d in change["diff"]}
    assert fields["env.LEDGER_DSN"]["after"] == "<unset>"
    assert fields["image"]["after"].endswith(":4.12.0")


def test_unreachable_api_is_an_error_result() -> None:
    from kubernetes.client import ApiClient, Configuration

    dead = ApiBackend(ApiClient(Configuration(host="http://127.0.0.1:9")), timeout_s=1)
    result = KubernetesGet(dead).invoke(GetArgs(resource="nodes", name="worker-1"))
    assert result.status is ToolStatus.ERROR


def test_tools_are_read_only_and_name_their_verb() -> None:
    for tool in (KubernetesGet, KubernetesList, KubernetesLogs, KubernetesRolloutHistory):
        assert tool.access.value == "read"
        assert "verb" in tool.args_model.model_fields
