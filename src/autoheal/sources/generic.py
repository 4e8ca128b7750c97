"""Autoheal's generic JSON alert format, for senders that have no dedicated source.

A payload is one alert object or ``{"alerts": [alert, ...]}`` (at most 5,000). An alert::

    {
      "name": "DiskAlmostFull",                      # required
      "status": "firing",                            # firing (default) | resolved
      "starts_at": "2026-11-25T16:51:43Z",           # required, RFC 3339 with an offset
      "ends_at": null,                               # required when resolved
      "labels": {"instance": "db-1", "team": "storage"},
      "annotations": {"summary": "/var is 93% full"},
      "service": "orders-db",                        # else derived from labels by the rules
      "severity": "critical",                        # else derived from labels by the rules
      "fingerprint": "orders-db-disk",               # else a hash of name and labels
      "url": "https://grafana.example.com/d/disk"
    }

Unknown fields are rejected, so a typo (``startsAt``) is an error rather than silently ignored.
``GenericAlert.model_json_schema()`` gives the JSON Schema.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.errors import PayloadError
from autoheal.sources import _fields as f
from autoheal.sources.base import BuiltinSource
from autoheal.sources.rules import LabelRules

NAME = "generic"


class GenericAlert(BaseModel):
    """One alert in the generic format."""

    model_config = ConfigDict(extra="forbid", strict=False)

    name: str = Field(min_length=1, description="Alert name (like Prometheus' alertname)")
    status: Literal["firing", "resolved"] = "firing"
    starts_at: AwareDatetime = Field(description="When the alert started; RFC 3339 with an offset")
    ends_at: AwareDatetime | None = Field(default=None, description="When it ended; required if resolved")
    labels: dict[str, str] = Field(default_factory=dict, description="Identifying labels")
    annotations: dict[str, str] = Field(default_factory=dict, description="Free text: summary, description")
    service: str | None = Field(default=None, description="Service; else derived from labels")
    severity: str | None = Field(
        default=None, description="critical|high|warning|info|none or a mapped alias"
    )
    fingerprint: str | None = Field(default=None, description="Stable id; else a hash of name and labels")
    url: str | None = Field(default=None, description="Link back to the alert in the sender")


def normalise(payload: Any, rules: LabelRules) -> list[Alert]:
    envelope = f.obj(payload, "")
    if "alerts" in envelope:
        extra = sorted(set(envelope) - {"alerts"})
        if extra:
            raise f.fail(extra[0], "unknown field next to 'alerts'")
        items = f.array(envelope["alerts"], "alerts")
        return [_one(item, f"alerts[{index}]", rules) for index, item in enumerate(items)]
    return [_one(envelope, "", rules)]


def _one(item: Any, path: str, rules: LabelRules) -> Alert:
    raw = f.obj(item, path)
    try:
        model = GenericAlert.model_validate(raw)
    except ValidationError as exc:
        raise _payload_error(exc, path) from None
    labels = f.string_map(model.labels, f.join(path, "labels"))
    annotations = f.string_map(
        model.annotations, f.join(path, "annotations"), max_bytes=f.MAX_ANNOTATION_BYTES
    )
    name = f.text(model.name, f.join(path, "name"))
    starts_at = f.sane_time(model.starts_at.astimezone(UTC), f.join(path, "starts_at"))
    ends_at = (
        None if model.ends_at is None else f.sane_time(model.ends_at.astimezone(UTC), f.join(path, "ends_at"))
    )
    status = AlertStatus(model.status)
    if status is AlertStatus.RESOLVED and ends_at is None:
        raise f.fail(f.join(path, "ends_at"), "missing (a resolved alert needs its end time)")
    f.check_order(starts_at, ends_at, f.join(path, "ends_at"))

    if model.service is not None:
        service: str | None = f.text(model.service, f.join(path, "service"))
        labels.setdefault("service", service or "")
    else:
        service = rules.service_for(labels)
    if model.severity is not None:
        severity = rules.lookup_severity(model.severity)
        if severity is None:
            raise f.fail(
                f.join(path, "severity"),
                f"unknown severity {model.severity[:40]!r}; expected one of {rules.known_severity_values()}",
            )
    else:
        severity = rules.severity_for(labels)
    fingerprint = (
        f.stable_fingerprint(NAME, name, labels)
        if not model.fingerprint
        else f.fingerprint_text(model.fingerprint, f.join(path, "fingerprint"))
    )
    url = None if not model.url else f.text(model.url, f.join(path, "url"), max_bytes=f.MAX_ANNOTATION_BYTES)
    return Alert(
        source=NAME,
        fingerprint=fingerprint,
        status=status,
        name=name,
        starts_at=starts_at,
        labels=labels,
        annotations=annotations,
        service=service,
        severity=severity,
        ends_at=ends_at,
        generator_url=url,
    )


def _payload_error(exc: ValidationError, path: str) -> PayloadError:
    problems = []
    for error in exc.errors(include_url=False)[:3]:
        where = path
        for part in error["loc"]:
            where = f.join(where, part) if isinstance(part, int | str) else where
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(f"{where or 'payload'}: {message}")
    more = exc.error_count() - len(problems)
    text = "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
    first = problems[0].split(":", 1)[0] if problems else path
    return PayloadError(text, field=first)


source = BuiltinSource(
    name=NAME,
    description="Autoheal's generic JSON format (one alert or {'alerts': [...]})",
    normaliser=normalise,
)
