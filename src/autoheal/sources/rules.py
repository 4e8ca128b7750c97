"""How service and severity are derived from an alert's labels (configurable, pure).

Configured under ``sources.rules`` in the config file, for example::

    sources:
      rules:
        service_labels: [service, app, app_kubernetes_io_name, job]
        service_patterns:
          - label: pod
            regex: '^(?P<service>.+)-[0-9a-f]{8,10}-[0-9a-z]{5}$'
        severity_labels: [severity, priority]
        severity_map: {page: critical, p1: critical}
        default_severity: warning
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from autoheal.domain.alerts import Severity

_DEFAULT_SEVERITY_MAP: dict[str, Severity] = {
    "critical": Severity.CRITICAL,
    "crit": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "p1": Severity.CRITICAL,
    "sev1": Severity.CRITICAL,
    "emergency": Severity.CRITICAL,
    "fatal": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "major": Severity.HIGH,
    "p2": Severity.HIGH,
    "sev2": Severity.HIGH,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "medium": Severity.WARNING,
    "minor": Severity.WARNING,
    "p3": Severity.WARNING,
    "sev3": Severity.WARNING,
    "low": Severity.INFO,
    "info": Severity.INFO,
    "informational": Severity.INFO,
    "p4": Severity.INFO,
    "p5": Severity.INFO,
    "sev4": Severity.INFO,
    "none": Severity.NONE,
    "ok": Severity.NONE,
}


class ServicePattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    regex: str

    @field_validator("regex")
    @classmethod
    def _compiles_with_group(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        if "service" not in compiled.groupindex:
            raise ValueError(f"regex {value!r} needs a named group (?P<service>...)")
        return value


class LabelRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service_labels: list[str] = Field(
        default_factory=lambda: [
            "service",
            "service_name",
            "app",
            "app_kubernetes_io_name",
            "k8s_app",
            "deployment",
            "job_name",
            "container",
            "job",
        ]
    )
    service_patterns: list[ServicePattern] = Field(
        default_factory=lambda: [
            ServicePattern(label="pod", regex=r"^(?P<service>.+?)-[0-9a-f]{8,10}-[0-9a-z]{5}$"),
            ServicePattern(label="pod", regex=r"^(?P<service>.+?)-[0-9]+$"),
        ]
    )
    severity_labels: list[str] = Field(default_factory=lambda: ["severity", "priority", "level"])
    severity_map: dict[str, Severity] = Field(default_factory=dict)
    default_severity: Severity = Severity.WARNING

    def service_for(self, labels: Mapping[str, str]) -> str | None:
        for name in self.service_labels:
            value = labels.get(name)
            if value:
                return value
        for pattern in self.service_patterns:
            value = labels.get(pattern.label)
            if value:
                match = re.match(pattern.regex, value)
                if match:
                    return match.group("service")
        return None

    def severity_for(self, labels: Mapping[str, str], fallback: str | None = None) -> Severity:
        """Severity from the first severity label present; ``fallback`` is a source-specific value
        (e.g. PagerDuty urgency) used when no label says."""
        raw = next((labels[n] for n in self.severity_labels if labels.get(n)), None) or fallback
        if not raw:
            return self.default_severity
        return self.lookup_severity(raw) or self.default_severity

    def lookup_severity(self, raw: str) -> Severity | None:
        """The severity a raw value (``P1``, ``page``, ``warning``...) maps to, or None if unknown.

        The configured ``severity_map`` is consulted before the built-in one; case is ignored.
        """
        key = raw.strip().lower()
        for name, severity in self.severity_map.items():
            if name.strip().lower() == key:
                return severity
        return _DEFAULT_SEVERITY_MAP.get(key)

    def known_severity_values(self) -> list[str]:
        """Every raw value ``lookup_severity`` understands (for error messages and docs)."""
        return sorted({*_DEFAULT_SEVERITY_MAP, *(k.strip().lower() for k in self.severity_map)})
