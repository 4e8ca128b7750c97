"""Authoring script for the case catalogue (``src/autoheal/k8s/cases/``).

Run ``.venv/bin/python -m tests.k8s.casebook`` to (re)write the case folders. Cases are built with
the API object builders (exact API shapes) and then live as plain data; investigators never read
this file or ``expected.yaml``. Names and values vary between cases on purpose.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from autoheal.k8s import apiobjects as k

ROOT = Path(__file__).resolve().parents[2] / "src" / "autoheal" / "k8s" / "cases"
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
CASES: dict[str, Callable[[], dict[str, Any]]] = {}


def case(fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def webhook(labels: dict[str, str], starts: datetime, summary: str) -> dict[str, Any]:
    fp = hashlib.sha1(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    group = {"alertname": labels["alertname"], "namespace": labels.get("namespace", "")}
    return {
        "receiver": "autoheal",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {
                    "summary": summary,
                    "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/"
                    + labels["alertname"].lower(),
                },
                "startsAt": starts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus-k8s.monitoring:9090/graph?g0.expr=...",
                "fingerprint": fp,
            }
        ],
        "groupLabels": group,
        "commonLabels": labels,
        "commonAnnotations": {"summary": summary},
        "externalURL": "http://alertmanager-main.monitoring:9093",
        "version": "4",
        "groupKey": "{}:" + json.dumps(group, sort_keys=True),
        "truncatedAlerts": 0,
    }


def deployment_family(
    ns: str,
    name: str,
    revisions: list[tuple[str, dict[str, Any], datetime]],
    *,
    replicas: int,
    ready: int,
    progressing: tuple[str, str, str] | None = None,
) -> list[dict[str, Any]]:
    """A deployment and one replicaset per revision (hash, template, created)."""
    out = []
    last = len(revisions)
    for i, (hash_, tmpl, created) in enumerate(revisions, start=1):
        out.append(
            k.replicaset(
                f"{name}-{hash_}",
                ns,
                name,
                i,
                tmpl,
                created,
                replicas=replicas if i == last else 0,
                ready=ready if i == last else 0,
            )
        )
    tmpl = revisions[-1][1]
    kwargs: dict[str, Any] = {
        "replicas": replicas,
        "ready": ready,
        "revision": last,
        "changed": revisions[-1][2],
    }
    if progressing:
        kwargs["progressing"] = progressing
    out.append(k.deployment(name, ns, tmpl, revisions[0][2], **kwargs))
    return out


def crash_pod(
    ns: str,
    pod: str,
    rs: str,
    tmpl: dict[str, Any],
    created: datetime,
    cname: str,
    image: str,
    *,
    restarts: int,
    exit_code: int,
    reason: str,
    last_start: datetime,
    last_end: datetime,
    state: dict[str, Any] | None = None,
    ready: bool = False,
    ip: str = "10.244.2.31",
    node: str = "worker-2",
) -> dict[str, Any]:
    status = k.container_status(
        cname,
        image,
        state
        or k.waiting("CrashLoopBackOff", f"back-off 5m0s restarting failed container={cname} pod={pod}"),
        ready=ready,
        restarts=restarts,
        last_state=k.terminated(exit_code, reason, last_start, last_end),
    )
    return k.pod(pod, ns, created, tmpl, [status], owner=("ReplicaSet", rs), ip=ip, node=node)


def backoff_event(
    ns: str, pod: str, cname: str, first: datetime, last: datetime, count: int
) -> dict[str, Any]:
    return k.event(
        ns,
        "Pod",
        pod,
        "BackOff",
        f"Back-off restarting failed container {cname} in pod {pod}_{ns}",
        first,
        last,
        count=count,
    )


def series(
    name: str,
    labels: dict[str, str],
    values: Callable[[int], float],
    *,
    minutes: int = 200,
    counter: bool = False,
) -> dict[str, Any]:
    """A recorded Prometheus series: one sample a minute over the last ``minutes`` before T0.
    ``values(i)`` is the sample at minute ``i`` (a gauge), or the per-second rate during minute
    ``i`` when ``counter`` (the samples are then the running total)."""
    start = m(-minutes).timestamp()
    out, total = [], 0.0
    for i in range(minutes + 1):
        if counter:
            total += values(i) * 60 if i else 0.0
            v = total
        else:
            v = values(i)
        out.append([start + 60 * i, str(round(v, 4))])
    return {"metric": {"__name__": name, **labels}, "values": out}


def write(name: str, spec: dict[str, Any]) -> None:
    """One case as a case bundle (``autoheal.cases.bundle``, format ``autoheal.case/v1``)."""
    path = ROOT / name
    if path.exists():
        shutil.rmtree(path)
    (path / "kubernetes").mkdir(parents=True)
    (path / "bundle.yaml").write_text(
        yaml.safe_dump(
            {
                "format": "autoheal.case/v1",
                "title": spec["title"],
                "family": spec["family"],
                "now": spec["now"].isoformat(),
                "alert_source": "alertmanager",
            },
            sort_keys=False,
        )
    )
    (path / "alert.json").write_text(
        json.dumps(webhook(spec["labels"], spec["starts"], spec["summary"]), indent=1)
    )
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in spec["objects"]:
        by_kind.setdefault(obj["kind"], []).append(obj)
    for kind, items in by_kind.items():
        items = [{kk: vv for kk, vv in o.items() if kk not in ("kind", "apiVersion")} for o in items]
        api_version = next(o["apiVersion"] for o in spec["objects"] if o["kind"] == kind)
        doc = {
            "apiVersion": api_version,
            "kind": f"{kind}List",
            "metadata": {"resourceVersion": "48213977"},
            "items": items,
        }
        (path / "kubernetes" / f"{kind.lower()}s.json").write_text(json.dumps(doc, indent=1))
    for (pod, cname, previous), text in spec.get("logs", {}).items():
        (path / "logs" / pod).mkdir(parents=True, exist_ok=True)
        (path / "logs" / pod / f"{cname}{'.previous' if previous else ''}.log").write_text(text)
    if spec.get("metrics") or spec.get("rules"):
        (path / "prometheus").mkdir()
    if spec.get("metrics"):
        matrix = {"status": "success", "data": {"resultType": "matrix", "result": spec["metrics"]}}
        (path / "prometheus" / "series.json").write_text(json.dumps(matrix))
    if spec.get("rules"):
        rules = {"status": "success", "data": {"groups": spec["rules"]}}
        (path / "prometheus" / "rules.json").write_text(json.dumps(rules, indent=1))
    (path / "expected.yaml").write_text(yaml.safe_dump(spec["expected"], sort_keys=False))


def main() -> None:
    from tests.k8s import casebook as book  # the registry the case modules filled
    from tests.k8s import (
        casebook_capacity,  # noqa: F401
        casebook_cluster,  # noqa: F401
        casebook_infra,  # noqa: F401
        casebook_pods,  # noqa: F401  (registers cases)
    )

    for name, fn in sorted(book.CASES.items()):
        book.write(name, fn())
    print(f"wrote {len(book.CASES)} cases under {ROOT}")


if __name__ == "__main__":
    main()
