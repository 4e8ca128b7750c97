"""A recorded cluster: API objects and container logs held in memory, served like the API would.

Used by the case catalogue, the simulator and the local fake API server. Objects are stored as the
API JSON (``kind``/``apiVersion``/``metadata``...); selectors follow the API's semantics for the
subset investigations use: field selectors ``a.b.c=value`` / ``!=`` joined by commas, label
selectors ``k=v``, ``k!=v``, ``k``, ``!k`` and ``k in (a,b)``. Missing objects raise the official
client's ``ApiException(status=404)``, missing previous logs ``ApiException(status=400)`` exactly
like the API server does, so code above this backend cannot tell the difference.

On disk a recorded cluster is a case bundle (:mod:`autoheal.cases.bundle`): ``kubernetes/*.json``
(``kubectl get -o json`` lists) and ``logs/<pod>/<container>[.previous].log``;
``load_bundle(path).backend()`` serves it.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubernetes.client.exceptions import ApiException

KIND_TO_RESOURCE: dict[str, str] = {
    "Pod": "pods",
    "Event": "events",
    "ReplicaSet": "replicasets",
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Job": "jobs",
    "Node": "nodes",
    "PersistentVolumeClaim": "pvcs",
    "HorizontalPodAutoscaler": "hpas",
    "ControllerRevision": "controllerrevisions",
    "Service": "services",
}


def _lookup(obj: Mapping[str, Any], dotted: str) -> str | None:
    cur: Any = obj
    for part in dotted.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return None if cur is None else str(cur)


def match_fields(obj: Mapping[str, Any], selector: str | None) -> bool:
    if not selector:
        return True
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        if "!=" in term:
            key, value = term.split("!=", 1)
            if _lookup(obj, key.strip()) == value.strip():
                return False
        else:
            key, value = re.split(r"==?", term, maxsplit=1)
            if _lookup(obj, key.strip()) != value.strip():
                return False
    return True


_SET_TERM = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split_label_terms(selector: str) -> list[str]:
    terms, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    terms.append(cur)
    return [t.strip() for t in terms if t.strip()]


def match_labels(labels: Mapping[str, str], selector: str | None) -> bool:
    if not selector:
        return True
    for term in _split_label_terms(selector):
        set_term = _SET_TERM.match(term)
        if set_term:
            key, op, values = set_term.groups()
            allowed = {v.strip() for v in values.split(",")}
            if (labels.get(key) in allowed) != (op == "in"):
                return False
        elif "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = re.split(r"==?", term, maxsplit=1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


class RecordedBackend:
    """Serves recorded API objects and logs through the ``KubeBackend`` interface."""

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        logs: Mapping[tuple[str, str, bool], str] | None = None,
    ) -> None:
        self._objects: dict[str, list[dict[str, Any]]] = {}
        self._logs: dict[tuple[str, str, bool], str] = dict(logs or {})  # (pod, container, previous)
        for obj in objects:
            self.add(obj)

    def add(self, obj: Mapping[str, Any]) -> None:
        if str(obj.get("kind", "")).endswith("List") and "items" in obj:
            item_kind = str(obj["kind"])[: -len("List")]
            for item in obj["items"]:
                self.add({"kind": item_kind, **item})
            return
        resource = KIND_TO_RESOURCE.get(str(obj.get("kind")))
        if resource is None:
            raise ValueError(f"recorded object of unsupported kind {obj.get('kind')!r}")
        self._objects.setdefault(resource, []).append(dict(obj))

    def add_log(self, pod: str, container: str, text: str, *, previous: bool = False) -> None:
        self._logs[(pod, container, previous)] = text

    # -- KubeBackend ----------------------------------------------------------------------------

    def _candidates(self, resource: str, namespace: str | None) -> list[dict[str, Any]]:
        items = self._objects.get(resource, [])
        if namespace is None or resource == "nodes":
            return items
        return [o for o in items if o.get("metadata", {}).get("namespace") == namespace]

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any]:
        for obj in self._candidates(resource, namespace):
            if obj.get("metadata", {}).get("name") == name:
                return obj
        raise ApiException(status=404, reason=f'{resource} "{name}" not found')

    def list(
        self,
        resource: str,
        namespace: str | None,
        *,
        field_selector: str | None = None,
        label_selector: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        out = [
            o
            for o in self._candidates(resource, namespace)
            if match_fields(o, field_selector)
            and match_labels(o.get("metadata", {}).get("labels") or {}, label_selector)
        ]
        return out[:limit] if limit else out

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
        obj = self.get("pods", namespace, pod)
        spec = obj.get("spec", {})
        containers = [c["name"] for c in spec.get("containers", [])]
        init = [c["name"] for c in spec.get("initContainers") or []]
        if container is None:
            if len(containers) != 1:
                raise ApiException(status=400, reason=f"a container name must be specified for pod {pod}")
            container = containers[0]
        elif container not in containers and container not in init:
            raise ApiException(status=400, reason=f"container {container} is not valid for pod {pod}")
        text = self._logs.get((pod, container, previous))
        if text is None:
            if previous:
                raise ApiException(
                    status=400,
                    reason=f'previous terminated container "{container}" in pod "{pod}" not found',
                )
            return ""
        lines = text.splitlines(keepends=True)[-tail_lines:]
        return "".join(lines).encode()[:limit_bytes].decode(errors="ignore")

    def resources(self) -> dict[str, builtins.list[dict[str, Any]]]:
        return self._objects

    def logs_by_container(self) -> dict[tuple[str, str, bool], str]:
        """Every recorded log, keyed by (pod, container, previous)."""
        return dict(self._logs)
