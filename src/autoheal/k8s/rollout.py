"""Rollout history: the revisions of a workload and what changed between consecutive ones.

A Deployment's revisions are the ReplicaSets it owns (annotation
``deployment.kubernetes.io/revision``); a StatefulSet's or DaemonSet's are its
ControllerRevisions (``.revision`` and the pod template under ``.data.spec.template``).
The diff compares the pod templates field by field: image, command/args, env (values and
config map / secret references), envFrom, resources, probes, and mounted config maps / secrets.
Pure functions over API-shaped dicts; no I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"

_CONTAINER_FIELDS = (
    "image",
    "command",
    "args",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
)


def owned_by(obj: Mapping[str, Any], kind: str, name: str) -> bool:
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("kind") == kind and ref.get("name") == name:
            return True
    return False


def _env_map(container: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for env in container.get("env") or []:
        if "valueFrom" in env and env["valueFrom"] is not None:
            out[env["name"]] = {"valueFrom": env["valueFrom"]}
        else:
            out[env["name"]] = env.get("value")
    return out


def _env_from(container: Mapping[str, Any]) -> list[str]:
    refs = []
    for src in container.get("envFrom") or []:
        for key, kind in (("configMapRef", "configmap"), ("secretRef", "secret")):
            if src.get(key):
                refs.append(f"{kind}/{src[key].get('name')}")
    return sorted(refs)


def _volume_refs(spec: Mapping[str, Any]) -> list[str]:
    refs = []
    for vol in spec.get("volumes") or []:
        if vol.get("configMap"):
            refs.append(f"configmap/{vol['configMap'].get('name')}")
        if vol.get("secret"):
            refs.append(f"secret/{vol['secret'].get('secretName')}")
        if vol.get("persistentVolumeClaim"):
            refs.append(f"pvc/{vol['persistentVolumeClaim'].get('claimName')}")
    return sorted(refs)


def template_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Differences between two pod templates (``spec.template`` of a workload)."""
    changes: list[dict[str, Any]] = []
    b_spec = before.get("spec") or {}
    a_spec = after.get("spec") or {}
    b_containers = {c["name"]: c for c in b_spec.get("containers") or []}
    a_containers = {c["name"]: c for c in a_spec.get("containers") or []}
    for name in sorted(set(b_containers) | set(a_containers)):
        bc, ac = b_containers.get(name), a_containers.get(name)
        if bc is None or ac is None:
            changes.append(
                {"container": name, "field": "container", "before": bc is not None, "after": ac is not None}
            )
            continue
        for field in _CONTAINER_FIELDS:
            if bc.get(field) != ac.get(field):
                changes.append(
                    {"container": name, "field": field, "before": bc.get(field), "after": ac.get(field)}
                )
        b_env, a_env = _env_map(bc), _env_map(ac)
        for key in sorted(set(b_env) | set(a_env)):
            if b_env.get(key, "<unset>") != a_env.get(key, "<unset>"):
                changes.append(
                    {
                        "container": name,
                        "field": f"env.{key}",
                        "before": b_env.get(key, "<unset>"),
                        "after": a_env.get(key, "<unset>"),
                    }
                )
        if _env_from(bc) != _env_from(ac):
            changes.append(
                {"container": name, "field": "envFrom", "before": _env_from(bc), "after": _env_from(ac)}
            )
    if _volume_refs(b_spec) != _volume_refs(a_spec):
        changes.append(
            {
                "container": None,
                "field": "volumes",
                "before": _volume_refs(b_spec),
                "after": _volume_refs(a_spec),
            }
        )
    return changes


def _images(template: Mapping[str, Any]) -> dict[str, str]:
    return {c["name"]: c.get("image", "") for c in (template.get("spec") or {}).get("containers") or []}


def deployment_revisions(replicasets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Revisions from the ReplicaSets of one Deployment, oldest first."""
    revisions = []
    for rs in replicasets:
        meta = rs.get("metadata", {})
        annotations = meta.get("annotations") or {}
        raw = annotations.get(REVISION_ANNOTATION)
        if raw is None:
            continue
        template = (rs.get("spec") or {}).get("template") or {}
        revisions.append(
            {
                "revision": int(raw),
                "name": meta.get("name"),
                "created": meta.get("creationTimestamp"),
                "change_cause": annotations.get(CHANGE_CAUSE_ANNOTATION),
                "replicas": (rs.get("status") or {}).get("replicas", 0),
                "ready_replicas": (rs.get("status") or {}).get("readyReplicas", 0),
                "images": _images(template),
                "_template": template,
            }
        )
    return sorted(revisions, key=lambda r: r["revision"])


def controller_revisions(revisions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Revisions from the ControllerRevisions of one StatefulSet / DaemonSet, oldest first."""
    out = []
    for cr in revisions:
        meta = cr.get("metadata", {})
        template = ((cr.get("data") or {}).get("spec") or {}).get("template") or {}
        out.append(
            {
                "revision": int(cr.get("revision", 0)),
                "name": meta.get("name"),
                "created": meta.get("creationTimestamp"),
                "change_cause": (meta.get("annotations") or {}).get(CHANGE_CAUSE_ANNOTATION),
                "images": _images(template),
                "_template": template,
            }
        )
    return sorted(out, key=lambda r: r["revision"])


def history(revisions: list[dict[str, Any]]) -> dict[str, Any]:
    """Revisions (without their templates) plus the diff between each consecutive pair."""
    changes = []
    for prev, cur in itertools.pairwise(revisions):
        changes.append(
            {
                "from_revision": prev["revision"],
                "to_revision": cur["revision"],
                "at": cur["created"],
                "diff": template_diff(prev["_template"], cur["_template"]),
            }
        )
    public = [{k: v for k, v in r.items() if k != "_template"} for r in revisions]
    return {"revisions": public, "changes": changes}
