"""The case catalogue: recorded Kubernetes incidents shipped as package data under ``k8s/cases/``.

One folder per case::

    case.yaml        title, family (the alert family) and ``now`` (when the investigation runs)
    alert.json       the Alertmanager webhook (version 4) that delivered the alert
    objects/*.json   recorded API objects (single objects or ``...List``), exact API shapes
    logs/<pod>/<container>[.previous].log   container logs
    metrics.json     recorded Prometheus matrix series (optional)
    rules.json       recorded rule groups, ``data.groups`` of ``/api/v1/rules`` (optional)
    expected.yaml    the answer key: root cause kind and object, noise or not, required facts

``expected.yaml`` is read only by the bench scorer, never by the investigators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.errors import ScenarioError
from autoheal.k8s.evidence import parse_time
from autoheal.k8s.recorded import RecordedBackend
from autoheal.sources.rules import LabelRules

_ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class Fact:
    text: str
    derived: bool = False  # computed by the investigator (e.g. time to full): stated, not quoted


@dataclass(slots=True)
class Case:
    name: str
    path: Path
    title: str
    family: str
    now: datetime
    alerts: list[Alert]
    expected_kind: str
    expected_object: str
    noise: bool
    facts: list[Fact] = field(default_factory=list)

    def backend(self) -> RecordedBackend:
        return RecordedBackend.from_directory(self.path)

    def metrics(self) -> list[dict[str, Any]]:
        file = self.path / "metrics.json"
        return json.loads(file.read_text()) if file.exists() else []

    def rules(self) -> list[dict[str, Any]]:
        file = self.path / "rules.json"
        return json.loads(file.read_text()) if file.exists() else []


def alerts_from_webhook(payload: dict[str, Any], rules: LabelRules | None = None) -> list[Alert]:
    """Alertmanager webhook v4 -> domain alerts (the subset the catalogue needs)."""
    rules = rules or LabelRules()
    out = []
    for raw in payload.get("alerts", []):
        labels = dict(raw.get("labels", {}))
        starts = parse_time(raw["startsAt"])
        assert starts is not None
        ends = None if raw.get("endsAt") in (None, "", _ZERO_TIME) else parse_time(raw["endsAt"])
        out.append(
            Alert(
                source="alertmanager",
                fingerprint=raw.get("fingerprint", ""),
                status=AlertStatus(raw.get("status", "firing")),
                name=labels.get("alertname", ""),
                starts_at=starts,
                labels=labels,
                annotations=dict(raw.get("annotations", {})),
                service=rules.service_for(labels),
                severity=rules.severity_for(labels),
                ends_at=ends,
                generator_url=raw.get("generatorURL"),
            )
        )
    return out


def load_case(path: Path) -> Case:
    try:
        meta = yaml.safe_load((path / "case.yaml").read_text())
        expected = yaml.safe_load((path / "expected.yaml").read_text())
        payload = json.loads((path / "alert.json").read_text())
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"case {path.name} is incomplete: {exc}", case=str(path)) from exc
    now = parse_time(str(meta["now"]))
    assert now is not None
    facts = [
        Fact(f) if isinstance(f, str) else Fact(str(f["text"]), bool(f.get("derived", False)))
        for f in expected.get("facts", [])
    ]
    return Case(
        name=path.name,
        path=path,
        title=meta["title"],
        family=meta["family"],
        now=now,
        alerts=alerts_from_webhook(payload),
        expected_kind=expected["root_cause"]["kind"],
        expected_object=str(expected["root_cause"]["object"]),
        noise=bool(expected.get("noise", False)),
        facts=facts,
    )


def cases_dir() -> Path:
    return Path(str(resources.files("autoheal.k8s") / "cases"))


def load_all(root: Path | None = None, only: str | None = None) -> list[Case]:
    root = root or cases_dir()
    dirs = sorted(p for p in root.iterdir() if (p / "case.yaml").exists())
    return [load_case(p) for p in dirs if only is None or only in p.name]
