"""The contract every alert source implements, and the one concrete class the built-ins use."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from autoheal.domain.alerts import Alert
from autoheal.sources.rules import LabelRules

SAMPLES_DIR = Path(__file__).parent / "samples"


class Normaliser(Protocol):
    """A pure function: raw payload (already JSON-decoded) -> alerts.

    Raises ``autoheal.errors.PayloadError`` naming the field when the payload is unusable
    (missing fields, wrong types, absurd values). Never does I/O and never reads the clock.
    A payload that is well formed but carries nothing to alert on (a PagerDuty ping, a note
    added to an incident) normalises to an empty list.
    """

    def __call__(self, payload: Any, rules: LabelRules) -> Sequence[Alert]: ...


class Source(Protocol):
    """What the API and CLI need from a source: ``get_source(name).normalise(payload, rules)``."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def normalise(self, payload: Any, rules: LabelRules) -> Sequence[Alert]: ...

    @property
    def samples(self) -> Mapping[str, str]:
        """Sample payloads shipped beside the module: sample name -> file path."""
        ...

    def load_sample(self, sample: str) -> Any:
        """The JSON-decoded sample payload of that name (reads a package file)."""
        ...


@dataclass(frozen=True)
class BuiltinSource:
    """A source made of a name, a pure normaliser and a folder of samples under ``samples/<name>/``."""

    name: str
    description: str
    normaliser: Normaliser

    def normalise(self, payload: Any, rules: LabelRules) -> Sequence[Alert]:
        return self.normaliser(payload, rules)

    @property
    def samples(self) -> Mapping[str, str]:
        folder = SAMPLES_DIR / self.name
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        return MappingProxyType({path.stem: str(path) for path in files})

    def load_sample(self, sample: str) -> Any:
        path = self.samples.get(sample)
        if path is None:
            raise KeyError(f"source {self.name!r} has no sample {sample!r}; known: {sorted(self.samples)}")
        return json.loads(Path(path).read_text(encoding="utf-8"))
