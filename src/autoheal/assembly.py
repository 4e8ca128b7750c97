"""The one way to assemble an investigation: tools behind the governance gateway, then the Investigator.

    tools ─▶ build_governance (policy, audit trail on a migrated database) ─▶ gateway
                                                                                └▶ build_investigator

:func:`build_investigator` gives the engine the default generators and checks for its
:class:`~autoheal.reasoning.config.EngineConfig`, the Kubernetes generator when ``kubernetes.*``
tools are behind the gateway, and the model's generator when a model is given. ``reference``
(fixed fault-free windows) replaces the investigation's own reference window for the log and trace
generators (the benchmark gives them the data set's extra fault-free windows).

The app (:mod:`autoheal.app`), the benchmark's engine path (:mod:`autoheal.bench.engine_path`) and
the simulator's per-fault investigations (:mod:`autoheal.sim.investigate`) assemble through here;
:func:`autoheal.governance.wiring.build_governance` stays the only place a gateway is made, so every
tool call of every investigation lands in an audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from autoheal.audit.trail import Durability
from autoheal.clock import Clock
from autoheal.domain.tools import Tool
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import Policy
from autoheal.governance.wiring import Governance, build_governance
from autoheal.reasoning.base import HypothesisGenerator, Window
from autoheal.reasoning.checks import default_checks
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.generators import default_generators
from autoheal.reasoning.generators.logs import LogTemplateGenerator
from autoheal.reasoning.generators.trace_paths import TracePathGenerator
from autoheal.reasoning.generators.traces import TraceAttributionGenerator
from autoheal.reasoning.models import LanguageModel


@dataclass(frozen=True, slots=True)
class Assembly:
    """A governance layer and the Investigator that reaches the tools only through its gateway."""

    governance: Governance
    investigator: Investigator

    @property
    def gateway(self) -> Gateway:
        return self.governance.gateway

    def close(self) -> None:
        """Flush the audit trail (``async`` durability) and stop its writer."""
        self.governance.close()

    def __enter__(self) -> Assembly:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_investigator(
    gateway: Gateway,
    clock: Clock,
    config: EngineConfig | None = None,
    *,
    model: LanguageModel | None = None,
    reference: Sequence[Window] | None = None,
) -> Investigator:
    """The Investigator over ``gateway``: default generators and checks for ``config``, plus the
    Kubernetes generator when ``kubernetes.*`` tools are behind the gateway, the RDS generator when
    ``aws.*`` tools are; ``reference`` (fixed
    fault-free windows) for the log and trace generators, or None for the investigation's own."""
    config = config or EngineConfig()
    generators: list[HypothesisGenerator] = []
    for generator in default_generators(config):
        if reference and isinstance(generator, LogTemplateGenerator):
            generator = LogTemplateGenerator(reference=reference)
        elif reference and isinstance(generator, TraceAttributionGenerator):
            generator = TraceAttributionGenerator(reference=reference)
        elif reference and isinstance(generator, TracePathGenerator):
            generator = TracePathGenerator(reference=reference)
        generators.append(generator)
    if any(name.startswith("kubernetes.") for name in gateway.tool_names()):
        from autoheal.k8s.router import KubernetesGenerator

        generators.append(KubernetesGenerator())
    if any(name.startswith("aws.") for name in gateway.tool_names()):
        from autoheal.cloud.rds import RdsGenerator

        generators.append(RdsGenerator())
    return Investigator(generators, default_checks(config), gateway, clock, model=model, config=config)


def assemble(
    tools: Mapping[str, Tool] | Iterable[Tool],
    policy: Policy,
    audit: Engine,
    clock: Clock,
    config: EngineConfig | None = None,
    *,
    durability: Durability = "sync",
    model: LanguageModel | None = None,
    reference: Sequence[Window] | None = None,
) -> Assembly:
    """``tools`` behind a gateway holding ``policy`` and auditing into ``audit`` (a migrated
    database), and the Investigator over that gateway (:func:`build_investigator`). Drop every other
    reference to ``tools``; close the assembly to flush its audit trail."""
    governance = build_governance(tools, policy, audit, clock=clock, durability=durability)
    investigator = build_investigator(governance.gateway, clock, config, model=model, reference=reference)
    return Assembly(governance, investigator)
