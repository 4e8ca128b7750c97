"""Strict readers for untrusted payload fields, shared by the source normalisers.

Every reader takes the value and its *path* (``alerts[2].startsAt``) and either returns a clean
Python value or raises :class:`~autoheal.errors.PayloadError` whose message starts with that path and
says what is wrong. Nothing here reads the clock or does I/O.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from autoheal.errors import PayloadError

MAX_ALERTS = 5_000
"""Most alerts accepted in one payload."""
MAX_LABEL_BYTES = 4 * 1024
"""Longest label name or value (UTF-8 bytes)."""
MAX_ANNOTATION_BYTES = 64 * 1024
"""Longest annotation value (UTF-8 bytes); annotations carry descriptions, so they may be longer."""
MAX_FINGERPRINT_CHARS = 256
MAX_LABELS = 256
"""Most labels (and, separately, annotations) on one alert."""

MAX_PAST = timedelta(days=3653)
"""Oldest start accepted, before the time of receipt (ten years: a long-running alert re-sent)."""
MAX_FUTURE = timedelta(days=1)
"""Latest start or end accepted, after the time of receipt (clock skew between sender and us).
A time beyond it is a sender's bug (``9999-12-31``), and the investigation windows computed from
it would overflow, so the payload is refused instead."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_DAY = timedelta(days=1)

# RFC 3339 date-time: full date, 'T' (or space/t), time with optional fraction, 'Z' or an offset.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)
# Go's zero time, which Alertmanager and Grafana send as endsAt of a firing alert.
_GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def fail(path: str, problem: str) -> PayloadError:
    """The one way normalisers build their error: ``"<path>: <problem>"``."""
    return PayloadError(f"{path}: {problem}" if path else problem, field=path or None)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        where = path or "payload"
        raise fail(where, f"expected a JSON object, got {type_name(value)}")
    return value


def array(value: Any, path: str, *, limit: int = MAX_ALERTS) -> list[Any]:
    if not isinstance(value, list):
        raise fail(path, f"expected an array, got {type_name(value)}")
    if len(value) > limit:
        raise fail(path, f"{len(value)} items, more than the limit of {limit} in one payload")
    return value


def required(container: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in container or container[key] is None:
        raise fail(join(path, key), "missing (required)")
    return container[key]


def text(value: Any, path: str, *, max_bytes: int = MAX_LABEL_BYTES, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise fail(path, f"expected a string, got {type_name(value)}")
    if not allow_empty and not value.strip():
        raise fail(path, "empty string")
    _check_size(value, path, max_bytes)
    return value


def optional_text(
    container: Mapping[str, Any], key: str, path: str, *, max_bytes: int = MAX_ANNOTATION_BYTES
) -> str | None:
    """A string field that may be absent, null or empty (all read as None)."""
    value = container.get(key)
    if value is None or value == "":
        return None
    return text(value, join(path, key), max_bytes=max_bytes)


def string_map(value: Any, path: str, *, max_bytes: int = MAX_LABEL_BYTES) -> dict[str, str]:
    """A JSON object of string -> string (labels, annotations); null reads as empty."""
    if value is None:
        return {}
    mapping = obj(value, path)
    if len(mapping) > MAX_LABELS:
        raise fail(path, f"{len(mapping)} entries, more than the limit of {MAX_LABELS}")
    out: dict[str, str] = {}
    for key, item in mapping.items():
        if not isinstance(key, str):
            raise fail(path, f"label name {key!r} is not a string")
        if not _plain(key, MAX_LABEL_BYTES):  # the error's path is built only when there is one
            _check_size(key, f"{path} name {key[:40]!r}", MAX_LABEL_BYTES)
        if not isinstance(item, str):
            raise fail(join(path, key), f"expected a string, got {type_name(item)}")
        if not _plain(item, max_bytes):
            _check_size(item, join(path, key), max_bytes)
        out[key] = item
    return out


def _plain(value: str, max_bytes: int) -> bool:
    """ASCII without NUL and within ``max_bytes``: what nearly every label is, and what
    :func:`_check_size` accepts (an ASCII string holds no surrogate and is one byte a character)."""
    return value.isascii() and len(value) <= max_bytes and "\x00" not in value


def _check_size(value: str, path: str, max_bytes: int) -> None:
    if "\x00" in value:
        raise fail(path, "contains a NUL character (\\u0000), which text fields may not hold")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:  # JSON's "\ud800" decodes to a lone surrogate
        raise fail(path, "not valid Unicode (contains a lone surrogate)") from None
    if size > max_bytes:
        raise fail(path, f"longer than {max_bytes} bytes")


def fingerprint_text(value: Any, path: str) -> str:
    fp = text(value, path)
    if len(fp) > MAX_FINGERPRINT_CHARS:
        raise fail(path, f"longer than {MAX_FINGERPRINT_CHARS} characters")
    return fp


def rfc3339(value: Any, path: str, *, zero_is_none: bool = False) -> datetime | None:
    """Parse an RFC 3339 time to aware UTC. Go's zero time is None when ``zero_is_none``."""
    if not isinstance(value, str):
        raise fail(path, f"not an RFC 3339 time (got {type_name(value)})")
    if zero_is_none and value == _GO_ZERO_TIME:
        return None
    match = _RFC3339.match(value)
    if match is None:
        raise fail(path, f"not an RFC 3339 time: {value[:60]!r}")
    fraction = (match.group(7) or "")[:6]
    normalised = (
        f"{match.group(1)}-{match.group(2)}-{match.group(3)}T{match.group(4)}:{match.group(5)}:"
        f"{match.group(6)}{'.' + fraction.ljust(6, '0') if fraction else ''}"
        f"{'+00:00' if match.group(8) in ('Z', 'z') else match.group(8)}"
    )
    try:
        parsed = datetime.fromisoformat(normalised)
    except ValueError:
        raise fail(path, f"not an RFC 3339 time: {value[:60]!r}") from None
    return sane_time(parsed.astimezone(UTC), path)


def epoch_millis(value: Any, path: str) -> datetime:
    """Epoch milliseconds (a number or a string of digits, as Datadog's ``$DATE``) or RFC 3339."""
    if isinstance(value, str) and not re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
        parsed = rfc3339(value, path)
        assert parsed is not None
        return parsed
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise fail(path, f"expected epoch milliseconds or an RFC 3339 time, got {type_name(value)}")
    try:
        millis = float(value)
        if not math.isfinite(millis):
            raise ValueError
        when = EPOCH + timedelta(milliseconds=millis)
    except (ValueError, OverflowError):
        raise fail(path, f"not a usable epoch-milliseconds time: {str(value)[:60]!r}") from None
    return sane_time(when, path)


def sane_time(when: datetime, path: str) -> datetime:
    if when < EPOCH:
        raise fail(path, f"{when.isoformat()} is before 1970")
    return when


def within_window(when: datetime, now: datetime, path: str) -> None:
    """``when`` must lie in [now - MAX_PAST, now + MAX_FUTURE] (``now``: the time of receipt)."""
    if when > now + MAX_FUTURE:
        raise fail(
            path,
            f"{when.isoformat()} is more than {MAX_FUTURE.days} day after the time of receipt "
            f"({now.isoformat()}); alert times must lie within {MAX_PAST.days} days before and "
            f"{MAX_FUTURE.days} day after it",
        )
    if when < now - MAX_PAST:
        raise fail(
            path,
            f"{when.isoformat()} is more than {MAX_PAST.days} days before the time of receipt "
            f"({now.isoformat()})",
        )


def check_alert(alert: Any, now: datetime, path: str) -> None:
    """Limits every source's alerts share, whatever the payload format (called with the time of
    receipt by the pipeline's normalise stage): label and annotation counts, no NUL characters
    (PostgreSQL text cannot hold them), times within the window around ``now``."""
    for kind in ("labels", "annotations"):
        mapping = getattr(alert, kind)
        if len(mapping) > MAX_LABELS:
            raise fail(join(path, kind), f"{len(mapping)} entries, more than the limit of {MAX_LABELS}")
        for key, value in mapping.items():
            if "\x00" in key or "\x00" in value:
                raise fail(
                    join(join(path, kind), key.replace("\x00", "\\u0000")[:40]), "contains a NUL character"
                )
    for name in ("name", "fingerprint", "service", "severity", "generator_url"):
        value = getattr(alert, name, None)
        if isinstance(value, str) and "\x00" in value:
            raise fail(join(path, name), "contains a NUL character")
    within_window(alert.starts_at, now, join(path, "startsAt"))
    if alert.ends_at is not None:
        within_window(alert.ends_at, now, join(path, "endsAt"))


def check_order(starts_at: datetime, ends_at: datetime | None, path: str) -> None:
    if ends_at is not None and ends_at < starts_at:
        raise fail(path, f"{ends_at.isoformat()} is before the start {starts_at.isoformat()}")


def stable_fingerprint(source: str, name: str, labels: Mapping[str, str]) -> str:
    """sha256 of source, alert name and the sorted identifying labels; 16 hex characters."""
    material = json.dumps([source, name, sorted(labels.items())], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]
