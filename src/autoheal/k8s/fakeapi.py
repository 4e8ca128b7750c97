"""A local fake Kubernetes API server that serves a recorded cluster over the documented REST paths.

No API server can run on the machines Autoheal is developed on, so tests and ``autoheal bench k8s
--api`` exercise the official client for real against this server: the client builds the URL,
sends the query parameters (``fieldSelector``, ``labelSelector``, ``tailLines``, ``limitBytes``,
``previous``), receives the recorded JSON and deserialises it into its models. It listens on
127.0.0.1 only, serves GET only, and answers unknown paths with a ``Status`` 404 like the API.

Paths served (``{ns}`` a namespace, ``{name}`` an object name)::

    /api/v1/{plural}                          /api/v1/namespaces/{ns}/{plural}[/{name}]
    /api/v1/nodes[/{name}]                    /api/v1/namespaces/{ns}/pods/{name}/log
    /apis/{group}/{version}/{plural}          /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}]
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kubernetes.client.exceptions import ApiException

from autoheal.k8s.recorded import RecordedBackend

_PLURALS: dict[str, tuple[str, str]] = {
    # REST plural -> (our resource name, List kind)
    "pods": ("pods", "PodList"),
    "events": ("events", "EventList"),
    "services": ("services", "ServiceList"),
    "nodes": ("nodes", "NodeList"),
    "persistentvolumeclaims": ("pvcs", "PersistentVolumeClaimList"),
    "replicasets": ("replicasets", "ReplicaSetList"),
    "deployments": ("deployments", "DeploymentList"),
    "statefulsets": ("statefulsets", "StatefulSetList"),
    "daemonsets": ("daemonsets", "DaemonSetList"),
    "controllerrevisions": ("controllerrevisions", "ControllerRevisionList"),
    "jobs": ("jobs", "JobList"),
    "horizontalpodautoscalers": ("hpas", "HorizontalPodAutoscalerList"),
}


def _status(code: int, message: str) -> dict[str, Any]:
    reason = {404: "NotFound", 400: "BadRequest"}.get(code, "InternalError")
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _route(path: str) -> tuple[str | None, str | None, str | None, str | None, str]:
    """Split a REST path into (namespace, plural, name, subresource, apiVersion)."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        api_version, rest = "v1", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        api_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    else:
        return None, None, None, None, ""
    namespace = None
    if len(rest) >= 2 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    plural = rest[0] if rest else None
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    return namespace, plural, name, sub, api_version


class _Handler(BaseHTTPRequestHandler):
    backend: RecordedBackend

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        namespace, plural, name, sub, api_version = _route(url.path)
        if plural not in _PLURALS:
            self._send(404, _status(404, f"the server could not find the requested resource {url.path}"))
            return
        resource, list_kind = _PLURALS[plural]
        try:
            if sub == "log" and resource == "pods" and name and namespace:
                text = self.backend.logs(
                    namespace,
                    name,
                    container=query.get("container"),
                    previous=query.get("previous", "false").lower() == "true",
                    tail_lines=int(query.get("tailLines", "1000000")),
                    limit_bytes=int(query.get("limitBytes", str(1 << 30))),
                )
                self._send(200, text, "text/plain")
            elif name:
                self._send(200, self.backend.get(resource, namespace, name))
            else:
                items = self.backend.list(
                    resource,
                    namespace,
                    field_selector=query.get("fieldSelector"),
                    label_selector=query.get("labelSelector"),
                    limit=int(query["limit"]) if "limit" in query else None,
                )
                self._send(
                    200,
                    {
                        "kind": list_kind,
                        "apiVersion": api_version,
                        "metadata": {"resourceVersion": "1"},
                        "items": items,
                    },
                )
        except ApiException as exc:
            code = int(exc.status or 500)
            self._send(code, _status(code, exc.reason or ""))


class FakeKubeAPI:
    """``with FakeKubeAPI(backend) as api: ApiBackend(api.client())``."""

    def __init__(self, backend: RecordedBackend) -> None:
        handler = type("Handler", (_Handler,), {"backend": backend})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def client(self) -> Any:
        """An official ``kubernetes.client.ApiClient`` pointed at this server."""
        from kubernetes.client import ApiClient, Configuration

        configuration = Configuration(host=self.url)
        return ApiClient(configuration)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeKubeAPI:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
