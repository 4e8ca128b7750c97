"""Simulated production: a microservice system, injected faults and noise, and scenario files.

``load_scenario(name_or_path)`` -> :class:`Scenario`; ``simulate(scenario)`` -> :class:`SimulatedRun`
(metrics, logs, traces, changes, alerts with their ground truth, Alertmanager webhook deliveries).
See docs/scenarios.md.
"""

from autoheal.sim.engine import SimulatedRun, simulate
from autoheal.sim.scenario import Scenario, catalogue, load_scenario, parse_scenario
from autoheal.sim.topology import Topology, default_topology

__all__ = [
    "Scenario",
    "SimulatedRun",
    "Topology",
    "catalogue",
    "default_topology",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
