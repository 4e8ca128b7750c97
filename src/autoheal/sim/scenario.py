"""Scenario files: the schema, loading with errors that name the field, and the shipped catalogue.

A scenario is data (YAML): the system (topology), how long and how finely to simulate, the seed,
what goes wrong (faults), what only looks wrong (noise, red herrings), declared maintenance, and
the ground truth Autoheal's conclusions are compared with. See docs/scenarios.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from autoheal.errors import ScenarioError
from autoheal.sim.kinds import (
    FAULT_PARAMS,
    NOISE_PARAMS,
    RED_HERRING_PARAMS,
    FaultKind,
    NoiseKind,
    RedHerringKind,
)
from autoheal.sim.timeparse import Duration
from autoheal.sim.topology import Topology, default_topology

MAX_STEPS = 50_000  # bounds every simulation loop (e.g. 8 days at 15 s)
DEFAULT_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _kind_validator(enum: type[Any], what: str) -> Any:
    def check(value: Any) -> Any:
        allowed = [k.value for k in enum]
        if value not in allowed:
            raise ValueError(f"unknown {what} kind {value!r}; expected one of {', '.join(allowed)}")
        return value

    return check


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaultSpec(_Spec):
    kind: FaultKind
    service: str
    at: Duration  # offset from the scenario start
    duration: Duration = 1800.0
    params: dict[str, Any] = Field(default_factory=dict)

    _check_kind = field_validator("kind", mode="before")(_kind_validator(FaultKind, "fault"))

    @property
    def end(self) -> float:
        return self.at + self.duration


class NoiseSpec(_Spec):
    kind: NoiseKind
    service: str | None = None  # required except for duplicates
    at: Duration = 0.0
    duration: Duration | None = None  # default: until the end of the scenario
    params: dict[str, Any] = Field(default_factory=dict)

    _check_kind = field_validator("kind", mode="before")(_kind_validator(NoiseKind, "noise"))

    @model_validator(mode="after")
    def _service_needed(self) -> NoiseSpec:
        if self.service is None and self.kind is not NoiseKind.DUPLICATES:
            raise ValueError(f"a {self.kind.value} noise needs a service")
        return self


class RedHerringSpec(_Spec):
    kind: RedHerringKind
    service: str
    at: Duration = 0.0
    params: dict[str, Any] = Field(default_factory=dict)

    _check_kind = field_validator("kind", mode="before")(_kind_validator(RedHerringKind, "red herring"))


class MaintenanceWindow(_Spec):
    service: str
    start: Duration
    end: Duration
    reason: str = "planned maintenance"

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class RootCause(_Spec):
    service: str
    kind: FaultKind

    _check_kind = field_validator("kind", mode="before")(_kind_validator(FaultKind, "fault"))


class NoiseAlert(_Spec):
    alert: str
    service: str | None = None  # any service when omitted


class GroundTruth(_Spec):
    root_causes: list[RootCause] = Field(default_factory=list)  # one per fault, in fault order
    noise_alerts: list[NoiseAlert] = Field(default_factory=list)


class Scenario(_Spec):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,80}$")
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    topology: Literal["default"] | Topology = "default"
    start: datetime = DEFAULT_START
    duration: Duration = 7200.0
    step: Duration = 15.0
    seed: int = 0
    traces_per_minute: int = Field(default=6, ge=0, le=600)
    faults: list[FaultSpec] = Field(default_factory=list)
    noise: list[NoiseSpec] = Field(default_factory=list)
    red_herrings: list[RedHerringSpec] = Field(default_factory=list)
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)
    ground_truth: GroundTruth = Field(default_factory=GroundTruth)

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        if self.step < 1:
            raise ValueError("step: must be at least 1s")
        if self.duration < self.step * 8:
            raise ValueError("duration: must cover at least 8 steps")
        if self.duration / self.step > MAX_STEPS:
            raise ValueError(
                f"duration: {self.duration / self.step:.0f} steps; at most {MAX_STEPS} (use a larger step)"
            )
        return self

    # --- derived -------------------------------------------------------------------------------
    def system(self) -> Topology:
        return default_topology() if self.topology == "default" else self.topology

    @property
    def steps(self) -> int:
        return int(self.duration // self.step)

    def at(self, offset: float) -> datetime:
        return self.start + timedelta(seconds=offset)


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in {"literal['default']"}:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: Any) -> str:
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg[:1].lower() + msg[1:] if msg else msg


def _raise(exc: ValidationError, prefix: str, origin: str) -> None:
    lines = []
    for err in exc.errors():
        where = _loc(tuple(err["loc"]))
        where = f"{prefix}.{where}" if prefix and where else (prefix or where)
        lines.append(f"{where}: {_message(err)}" if where else _message(err))
    unique = list(dict.fromkeys(lines))
    raise ScenarioError(f"{origin}: " + "; ".join(unique), errors=unique)


def _check_references(scenario: Scenario, origin: str) -> None:
    topo = scenario.system()
    names = set(topo.names())
    problems: list[str] = []
    groups: list[tuple[str, list[Any], dict[Any, Any]]] = [
        ("faults", list(scenario.faults), dict(FAULT_PARAMS)),
        ("noise", list(scenario.noise), dict(NOISE_PARAMS)),
        ("red_herrings", list(scenario.red_herrings), dict(RED_HERRING_PARAMS)),
    ]
    for field, items, params in groups:
        for i, item in enumerate(items):
            if item.service is not None and item.service not in names:
                problems.append(
                    f"{field}[{i}].service: unknown service {item.service!r}; expected one of {', '.join(sorted(names))}"
                )
            if item.at > scenario.duration:
                problems.append(
                    f"{field}[{i}].at: {item.at:.0f}s is after the end of the scenario ({scenario.duration:.0f}s)"
                )
            try:
                params[item.kind].model_validate(item.params)
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append(f"{field}[{i}].params.{_loc(tuple(err['loc']))}: {_message(err)}")
    for i, window in enumerate(scenario.maintenance):
        if window.service not in names:
            problems.append(f"maintenance[{i}].service: unknown service {window.service!r}")
    for i, noise in enumerate(scenario.noise):
        if noise.kind is NoiseKind.MAINTENANCE and not any(
            w.service == noise.service and w.start <= noise.at <= w.end for w in scenario.maintenance
        ):
            problems.append(
                f"noise[{i}]: maintenance noise on {noise.service} is outside every declared maintenance window"
            )
    for i, cause in enumerate(scenario.ground_truth.root_causes):
        if cause.service not in names:
            problems.append(f"ground_truth.root_causes[{i}].service: unknown service {cause.service!r}")
    if problems:
        raise ScenarioError(f"{origin}: " + "; ".join(problems), errors=problems)


def parse_scenario(data: Any, origin: str = "scenario") -> Scenario:
    """Validate decoded YAML/JSON; raises :class:`ScenarioError` naming each bad field."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: a scenario is a mapping (name, duration, faults, ...)")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        _raise(exc, "", origin)
    _check_references(scenario, origin)
    return scenario


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Load a scenario from a YAML file, or by name from the shipped catalogue."""
    path = Path(path_or_name)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise ScenarioError(f"{path}: no such scenario file")
        text = path.read_text(encoding="utf-8")
        origin = str(path)
    else:
        name = str(path_or_name)
        files = _catalogue_files()
        if name not in files:
            raise ScenarioError(
                f"no scenario named {name!r}; `autoheal sim list` shows the catalogue", name=name
            )
        text = files[name].read_text(encoding="utf-8")
        origin = f"scenario {name}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{origin}: not valid YAML: {exc}") from exc
    return parse_scenario(data, origin)


def _catalogue_files() -> dict[str, Any]:
    folder = resources.files("autoheal.sim") / "scenarios"
    out: dict[str, Any] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out[entry.name.rsplit(".", 1)[0]] = entry
    return out


def catalogue() -> list[Scenario]:
    """Every shipped scenario, validated, sorted by name."""
    return [load_scenario(name) for name in _catalogue_files()]
