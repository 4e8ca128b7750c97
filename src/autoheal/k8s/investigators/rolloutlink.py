"""Did the last rollout introduce this cause? Links a cause to the fields a rollout changed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from autoheal.k8s.evidence import parse_time, quantity

RECENT = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class RolloutChange:
    from_revision: int
    to_revision: int
    at: datetime | None
    diff: list[dict[str, Any]]

    def describe(self, fields: list[dict[str, Any]] | None = None) -> str:
        parts = []
        for d in fields if fields is not None else self.diff:
            where = f"{d['container']}." if d.get("container") else ""
            parts.append(f"{where}{d['field']}: {_short(d['before'])} -> {_short(d['after'])}")
        return "; ".join(parts) or "no pod template change"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def last_change(history: Mapping[str, Any] | None) -> RolloutChange | None:
    if not history or not history.get("changes"):
        return None
    c = history["changes"][-1]
    return RolloutChange(c["from_revision"], c["to_revision"], parse_time(c.get("at")), list(c["diff"]))


def _mem_limit(resources: Any) -> float:
    return quantity(((resources or {}).get("limits") or {}).get("memory"))


def _cpu_limit(resources: Any) -> float:
    return quantity(((resources or {}).get("limits") or {}).get("cpu"))


def _requests(resources: Any) -> float:
    req = (resources or {}).get("requests") or {}
    return quantity(req.get("cpu")) + quantity(req.get("memory")) / 1e12


_TOKEN = re.compile(r"[\w./:-]{4,}")


def names_new_value(d: dict[str, Any], line: str | None) -> bool:
    """The failing line quotes a value the rollout introduced (a token of the field's new value that
    its old value did not have: a host name, a flag, a path): the change is what the line is about."""
    if not line:
        return False
    before = set(_TOKEN.findall(str(d.get("before") or "")))
    after = set(_TOKEN.findall(re.sub(r"=", " ", str(d.get("after") or "")))) - before
    return any(tok in line for tok in after if not tok.isdigit())


def linked_fields(
    change: RolloutChange, cause: str, detail: str | None, line: str | None = None
) -> list[dict[str, Any]]:
    """The fields of the change that can explain ``cause`` (empty when the rollout is unrelated)."""
    out = []
    for d in change.diff:
        field = d["field"]
        if names_new_value(d, line) or (
            cause == "missing_config"
            and ((detail and field == f"env.{detail}") or field in ("envFrom", "volumes"))
        ):
            out.append(d)
        elif cause == "connection_refused" and field.startswith("env.") and detail:
            host, _, port = detail.rpartition(":")
            if any(tok and (tok in str(d["before"]) or tok in str(d["after"])) for tok in (host, port)):
                out.append(d)
        elif (
            (
                cause
                in (
                    "syntax_error",
                    "crash",
                    "exception",
                    "permission_denied",
                    "unknown",
                    "error",
                    "start_failure",
                    "exits_zero",
                )
                and field
                in (
                    "image",
                    "command",
                    "args",
                    "volumes",
                )
            )
            or (cause == "certificate_expired" and field in ("volumes", "envFrom"))
            or (cause == "image_pull" and field == "image" and detail and str(d["after"]) == detail)
            or (cause == "oom" and field == "resources" and _mem_limit(d["after"]) < _mem_limit(d["before"]))
            or (
                cause == "insufficient_resources"
                and field == "resources"
                and _requests(d["after"]) > _requests(d["before"])
            )
            or (
                cause == "cpu_throttling"
                and field == "resources"
                and 0 < _cpu_limit(d["after"]) < _cpu_limit(d["before"])
            )
            or (cause == "probe_failure" and field in ("readinessProbe", "livenessProbe", "startupProbe"))
            # the probe is refused on port ``detail`` and the rollout moved a value off that port
            or (
                cause == "probe_failure"
                and detail
                and str(d.get("before")) == detail
                and str(d.get("after")) != detail
            )
        ):
            out.append(d)
    return out


def is_recent(change: RolloutChange, now: datetime) -> bool:
    return change.at is not None and timedelta(0) <= now - change.at <= RECENT
