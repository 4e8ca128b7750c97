"""The governed Kubernetes tool: read-only ``get``, ``list``, ``logs`` and ``rollout_history``.

Every tool takes explicit ``verb``, ``resource``, ``namespace`` and ``name`` arguments so the
governance policy can match them (for example: allow ``verb in [get, list, logs]`` in namespace
``payments-*``). Results are the objects exactly as the Kubernetes API returns them (camelCase
JSON), so evidence cites what ``kubectl get -o json`` would show.

Two backends implement :class:`KubeBackend`:

* :class:`ApiBackend` - the real API through the official ``kubernetes`` client (configured from
  a kubeconfig or in-cluster service account); objects are deserialised by the client and turned
  back into API JSON with ``ApiClient.sanitize_for_serialization``.
* ``autoheal.k8s.recorded.RecordedBackend`` - recorded API objects (the case catalogue and the
  simulator). It raises the client's own ``ApiException`` so both paths share error handling.

API failures are data: 404 -> ``no_data``, other HTTP errors or connection failures -> ``error``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import urllib3.exceptions
from kubernetes.client import ApiClient, AppsV1Api, AutoscalingV2Api, BatchV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException
from pydantic import BaseModel, ConfigDict, Field

from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.k8s import rollout

Resource = Literal[
    "pods",
    "events",
    "replicasets",
    "deployments",
    "statefulsets",
    "daemonsets",
    "jobs",
    "nodes",
    "pvcs",
    "hpas",
    "controllerrevisions",
    "services",
]

CLUSTER_SCOPED = frozenset({"nodes"})
MAX_LOG_LINES = 2000
MAX_LOG_BYTES = 1 << 20
MAX_LIST_ITEMS = 1000


class KubeBackend(Protocol):
    """Read access to a cluster. Raises ``kubernetes.client.exceptions.ApiException`` on API errors."""

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any]: ...

    def list(
        self,
        resource: str,
        namespace: str | None,
        *,
        field_selector: str | None = None,
        label_selector: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]: ...

    def logs(
        self,
        namespace: str,
        pod: str,
        *,
        container: str | None,
        previous: bool,
        tail_lines: int,
        limit_bytes: int,
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class _Route:
    api: Callable[[ApiClient], Any]
    singular: str  # method suffix, e.g. "pod" in read_namespaced_pod
    all_namespaces: str  # list method across namespaces


_ROUTES: dict[str, _Route] = {
    "pods": _Route(CoreV1Api, "pod", "list_pod_for_all_namespaces"),
    "events": _Route(CoreV1Api, "event", "list_event_for_all_namespaces"),
    "services": _Route(CoreV1Api, "service", "list_service_for_all_namespaces"),
    "pvcs": _Route(CoreV1Api, "persistent_volume_claim", "list_persistent_volume_claim_for_all_namespaces"),
    "nodes": _Route(CoreV1Api, "node", "list_node"),
    "replicasets": _Route(AppsV1Api, "replica_set", "list_replica_set_for_all_namespaces"),
    "deployments": _Route(AppsV1Api, "deployment", "list_deployment_for_all_namespaces"),
    "statefulsets": _Route(AppsV1Api, "stateful_set", "list_stateful_set_for_all_namespaces"),
    "daemonsets": _Route(AppsV1Api, "daemon_set", "list_daemon_set_for_all_namespaces"),
    "controllerrevisions": _Route(
        AppsV1Api, "controller_revision", "list_controller_revision_for_all_namespaces"
    ),
    "jobs": _Route(BatchV1Api, "job", "list_job_for_all_namespaces"),
    "hpas": _Route(
        AutoscalingV2Api,
        "horizontal_pod_autoscaler",
        "list_horizontal_pod_autoscaler_for_all_namespaces",
    ),
}


class ApiBackend:
    """The real Kubernetes API through the official client."""

    def __init__(self, api_client: ApiClient, *, timeout_s: float = 10.0) -> None:
        self._client = api_client
        self._timeout = timeout_s

    @classmethod
    def from_kubeconfig(cls, path: str | None = None, context: str | None = None) -> ApiBackend:
        from kubernetes import config as kube_config

        return cls(kube_config.new_client_from_config(config_file=path, context=context))

    @classmethod
    def in_cluster(cls) -> ApiBackend:
        from kubernetes import config as kube_config
        from kubernetes.client import Configuration

        configuration = Configuration()
        kube_config.load_incluster_config(client_configuration=configuration)
        return cls(ApiClient(configuration))

    def _to_json(self, obj: Any) -> Any:
        return self._client.sanitize_for_serialization(obj)

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any]:
        route = _ROUTES[resource]
        api = route.api(self._client)
        if resource in CLUSTER_SCOPED:
            obj = getattr(api, f"read_{route.singular}")(name, _request_timeout=self._timeout)
        else:
            obj = getattr(api, f"read_namespaced_{route.singular}")(
                name, namespace, _request_timeout=self._timeout
            )
        return self._to_json(obj)

    def list(
        self,
        resource: str,
        namespace: str | None,
        *,
        field_selector: str | None = None,
        label_selector: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        route = _ROUTES[resource]
        api = route.api(self._client)
        kwargs: dict[str, Any] = {"_request_timeout": self._timeout}
        if field_selector:
            kwargs["field_selector"] = field_selector
        if label_selector:
            kwargs["label_selector"] = label_selector
        if limit:
            kwargs["limit"] = limit
        if resource in CLUSTER_SCOPED or namespace is None:
            result = getattr(api, route.all_namespaces)(**kwargs)
        else:
            result = getattr(api, f"list_namespaced_{route.singular}")(namespace, **kwargs)
        data = self._to_json(result)
        return list(data.get("items") or [])

    def logs(
        self,
        namespace: str,
        pod: str,
        *,
        container: str | None,
        previous: bool,
        tail_lines: int,
        limit_bytes: int,
    ) -> str:
        kwargs: dict[str, Any] = {
            "previous": previous,
            "tail_lines": tail_lines,
            "limit_bytes": limit_bytes,
            "_request_timeout": self._timeout,
        }
        if container:
            kwargs["container"] = container
        return str(CoreV1Api(self._client).read_namespaced_pod_log(pod, namespace, **kwargs))


# -- argument models: explicit verb / resource / namespace / name for the policy -------------


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GetArgs(_Args):
    verb: Literal["get"] = "get"
    resource: Resource
    namespace: str | None = Field(None, description="required except for cluster-scoped kinds (nodes)")
    name: str


class ListArgs(_Args):
    verb: Literal["list"] = "list"
    resource: Resource
    namespace: str | None = Field(None, description="None lists across all namespaces")
    name: None = None
    field_selector: str | None = None
    label_selector: str | None = None
    limit: int = Field(200, ge=1, le=MAX_LIST_ITEMS)


class LogsArgs(_Args):
    verb: Literal["logs"] = "logs"
    resource: Literal["pods"] = "pods"
    namespace: str
    name: str
    container: str | None = None
    previous: bool = False
    tail_lines: int = Field(200, ge=1, le=MAX_LOG_LINES)
    limit_bytes: int = Field(64 * 1024, ge=1, le=MAX_LOG_BYTES)


class RolloutHistoryArgs(_Args):
    verb: Literal["rollout_history"] = "rollout_history"
    resource: Literal["deployments", "statefulsets", "daemonsets"] = "deployments"
    namespace: str
    name: str


def _api_failure(exc: ApiException, what: str) -> ToolResult:
    status = int(exc.status or 0)
    if status == 404:
        return ToolResult(ToolStatus.NO_DATA, message=f"{what} not found", meta={"http_status": 404})
    reason = exc.reason or "API error"
    return ToolResult(
        ToolStatus.ERROR, message=f"{what}: HTTP {status} {reason}", meta={"http_status": status}
    )


def _connection_failure(exc: Exception, what: str) -> ToolResult:
    return ToolResult.failure(f"{what}: cannot reach the Kubernetes API ({type(exc).__name__}: {exc})")


class _KubeTool:
    access: ClassVar[Access] = Access.READ

    def __init__(self, backend: KubeBackend) -> None:
        self.backend = backend


class KubernetesGet(_KubeTool):
    name: ClassVar[str] = "kubernetes.get"
    description: ClassVar[str] = (
        "Read one object (pod, deployment, node, pvc, hpa, ...) exactly as the API returns it."
    )
    args_model: ClassVar[type[BaseModel]] = GetArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, GetArgs)
        what = f"{args.resource}/{args.name}"
        if args.namespace is None and args.resource not in CLUSTER_SCOPED:
            return ToolResult.failure(f"{what}: namespace is required for {args.resource}")
        try:
            obj = self.backend.get(args.resource, args.namespace, args.name)
        except ApiException as exc:
            return _api_failure(exc, what)
        except (OSError, ValueError, urllib3.exceptions.HTTPError) as exc:
            return _connection_failure(exc, what)
        return ToolResult.success(obj, resource=args.resource, namespace=args.namespace)


class KubernetesList(_KubeTool):
    name: ClassVar[str] = "kubernetes.list"
    description: ClassVar[str] = (
        "List objects of one kind, optionally by namespace, field selector and label selector."
    )
    args_model: ClassVar[type[BaseModel]] = ListArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, ListArgs)
        what = f"{args.resource} in {args.namespace or 'all namespaces'}"
        try:
            items = self.backend.list(
                args.resource,
                args.namespace,
                field_selector=args.field_selector,
                label_selector=args.label_selector,
                limit=args.limit,
            )
        except ApiException as exc:
            return _api_failure(exc, what)
        except (OSError, ValueError, urllib3.exceptions.HTTPError) as exc:
            return _connection_failure(exc, what)
        truncated = len(items) > args.limit
        items = items[: args.limit]
        if not items:
            return ToolResult.empty(f"no {what}", resource=args.resource)
        return ToolResult.success(
            {"items": items, "count": len(items), "truncated": truncated}, resource=args.resource
        )


class KubernetesLogs(_KubeTool):
    name: ClassVar[str] = "kubernetes.logs"
    description: ClassVar[str] = (
        "Current or previous (last terminated) container logs, bounded by lines and bytes."
    )
    args_model: ClassVar[type[BaseModel]] = LogsArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, LogsArgs)
        what = f"logs of pods/{args.name}" + (f" container {args.container}" if args.container else "")
        try:
            text = self.backend.logs(
                args.namespace,
                args.name,
                container=args.container,
                previous=args.previous,
                tail_lines=args.tail_lines,
                limit_bytes=args.limit_bytes,
            )
        except ApiException as exc:
            if exc.status == 400:  # e.g. "previous terminated container ... not found"
                return ToolResult.empty(f"{what}: {exc.reason or 'no such logs'}", http_status=400)
            return _api_failure(exc, what)
        except (OSError, ValueError, urllib3.exceptions.HTTPError) as exc:
            return _connection_failure(exc, what)
        lines = text.splitlines()
        if not lines:
            return ToolResult.empty(f"{what}: empty")
        truncated = len(text.encode()) >= args.limit_bytes
        return ToolResult.success(
            {
                "container": args.container,
                "previous": args.previous,
                "lines": lines,
                "truncated": truncated,
            }
        )


class KubernetesRolloutHistory(_KubeTool):
    name: ClassVar[str] = "kubernetes.rollout_history"
    description: ClassVar[str] = (
        "Revisions of a deployment / statefulset / daemonset and what changed between them "
        "(image, env, config map and secret references, resources, probes)."
    )
    args_model: ClassVar[type[BaseModel]] = RolloutHistoryArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, RolloutHistoryArgs)
        kind = {"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet"}[
            args.resource
        ]
        what = f"rollout history of {args.resource}/{args.name}"
        try:
            if args.resource == "deployments":
                owned = self.backend.list("replicasets", args.namespace)
                revisions = rollout.deployment_revisions(
                    [rs for rs in owned if rollout.owned_by(rs, kind, args.name)]
                )
            else:
                owned = self.backend.list("controllerrevisions", args.namespace)
                revisions = rollout.controller_revisions(
                    [cr for cr in owned if rollout.owned_by(cr, kind, args.name)]
                )
        except ApiException as exc:
            return _api_failure(exc, what)
        except (OSError, ValueError, urllib3.exceptions.HTTPError) as exc:
            return _connection_failure(exc, what)
        if not revisions:
            return ToolResult.empty(f"{what}: no revisions")
        return ToolResult.success({"kind": kind, "name": args.name, **rollout.history(revisions)})


def kubernetes_tools(backend: KubeBackend) -> list[_KubeTool]:
    """The read-only Kubernetes tools over one backend, ready to register with the gateway."""
    return [
        KubernetesGet(backend),
        KubernetesList(backend),
        KubernetesLogs(backend),
        KubernetesRolloutHistory(backend),
    ]
