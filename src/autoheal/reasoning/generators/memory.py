"""Similar past incidents (the context graph) as hypotheses, checked first against current evidence.

``ctx.prior`` holds the priors retrieval found (:class:`autoheal.graph.retrieval.Prior` as dicts).
For each prior that may anchor the investigation, this generator runs the one generator that
would raise its root cause's kind (a bad deploy: the change generator; a saturated resource: the
saturation generator, on that resource only; the service itself failing: the topology
generator), and labels what that generator found from the *current* data with the prior. It never
turns a prior into a hypothesis by itself: a past root cause that today's evidence does not show
raises nothing, and what is raised is verified like any other hypothesis.

The topology generator always runs beside it, so that an anomaly upstream of the remembered cause
(a different fault with similar symptoms) is in the same ranking and stops the shortcut
(:func:`autoheal.reasoning.engine.anchored`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning.base import HypothesisGenerator, InvestigationContext
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.generators.changes import CHANGE_KINDS, ChangeGenerator
from autoheal.reasoning.generators.saturation import SaturationGenerator
from autoheal.reasoning.generators.topology import TopologyGenerator

# "the service itself is failing": the topology generator calls it service_fault when the service
# alerted itself and dependency_fault when only its callers did; the same lesson either way
SERVICE_ITSELF = frozenset({"service_fault", "dependency_fault"})


def same_kind(a: str | None, b: str | None) -> bool:
    return a == b or (a in SERVICE_ITSELF and b in SERVICE_ITSELF)


def matches(h: Hypothesis, cause: Mapping[str, Any]) -> bool:
    """Whether hypothesis ``h`` names the remembered ``cause`` (service and kind; the component too,
    except for changes, whose version is new each time, and a failing service, whose worst
    metric may differ)."""
    if h.service != cause.get("service") or not same_kind(h.kind, cause.get("kind")):
        return False
    if h.kind in SERVICE_ITSELF:
        return True
    return h.kind in CHANGE_KINDS or not cause.get("component") or h.component == cause.get("component")


class SimilarIncidentsGenerator:
    name = "memory"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def delegate(self, cause: Mapping[str, Any]) -> HypothesisGenerator | None:
        """The generator that raises ``cause``'s kind from current data, or None (not anchorable)."""
        kind = str(cause.get("kind") or "")
        if kind in CHANGE_KINDS:
            return ChangeGenerator(self.config)
        if kind == "resource_saturation":
            wanted = [r for r in self.config.resources if r.name == cause.get("component")]
            if not wanted:
                return None
            return SaturationGenerator(self.config.model_copy(update={"resources": wanted}))
        if kind in ("service_fault", "dependency_fault"):
            return TopologyGenerator(self.config)
        return None

    def anchorable(self, prior: Mapping[str, Any]) -> bool:
        cause = prior.get("root_cause")
        return bool(prior.get("anchor")) and isinstance(cause, Mapping) and self.delegate(cause) is not None

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        found: dict[str, list[Hypothesis]] = {}
        priors = [p for p in ctx.prior if self.anchorable(p)]
        for prior in priors:
            cause = prior["root_cause"]
            generator = self.delegate(cause)
            assert generator is not None
            key = f"{type(generator).__name__}:{cause.get('component') if cause.get('kind') == 'resource_saturation' else ''}"
            if key not in found:
                found[key] = generator.generate(ctx)
            for h in found[key]:
                if matches(h, cause) and "prior" not in h.attributes:
                    h.attributes["prior"] = {
                        "incident": prior.get("incident"),
                        "because": "; ".join(prior.get("reasons", [])),
                        "similarity": prior.get("similarity"),
                    }
        if priors and "TopologyGenerator:" not in found:
            found["TopologyGenerator:"] = TopologyGenerator(self.config).generate(ctx)
        return [h for hs in found.values() for h in hs]
