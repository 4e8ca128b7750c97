"""The contract every alert source implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from autoheal.domain.alerts import Alert
from autoheal.sources.rules import LabelRules


class Normaliser(Protocol):
    """A pure function: raw payload (already JSON-decoded) -> alerts.

    Raises ``autoheal.errors.PayloadError`` naming the field when the payload is unusable
    (missing fields, wrong types, absurd values). Never does I/O and never reads the clock.
    """

    def __call__(self, payload: Any, rules: LabelRules) -> Sequence[Alert]: ...


class Source(Protocol):
    name: str
    normalise: Normaliser
    # Sample payloads shipped beside the module (file names under sources/samples/<name>/).
    samples: Mapping[str, str]
