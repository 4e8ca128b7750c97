"""A simulated responder: what an on-call engineer says in the incident channel while resolving a
simulated fault, as free text, and the root cause they confirm.

The messages are written from the fault's ground truth the way people write them ("checked
checkout error rate, elevated", "not the DB", "rolled back checkout to 2.13.0", "root cause: ...")
and go through the same decision-step parser as real messages (:mod:`autoheal.decisions`), so the
graph learns from parsed steps, not from the truth directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from autoheal.decisions import DecisionStep, StepParser, shop_aliases
from autoheal.graph.learn import RootCause
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.kinds import FaultKind
from autoheal.sim.truth import deployed_version, matched_kind

WHO = "sim-oncall"
RESOLVE_AFTER_SECONDS = 300.0  # the responder resolves this long after the fault ends

# the hypothesis kind and component a responder confirms for each fault kind (as sim/truth.py accepts)
CONFIRMED: dict[FaultKind, tuple[str, str | None]] = {
    FaultKind.BAD_DEPLOY: ("bad_deploy", None),
    FaultKind.CONFIG_CHANGE: ("config_change", None),
    FaultKind.MEMORY_LEAK: ("resource_saturation", "memory_usage_ratio"),
    FaultKind.CPU_CONTENTION: ("cpu_contention", None),
    FaultKind.RUNAWAY_PROCESS: ("runaway_process", None),
    FaultKind.LOAD_SURGE: ("load_surge", None),
    FaultKind.DNS_FAILURE: ("dns_failure", None),
    FaultKind.DISK_FULL: ("resource_saturation", "disk_usage_ratio"),
    FaultKind.CONNECTION_POOL_EXHAUSTION: ("resource_saturation", "pool_usage_ratio"),
    FaultKind.DEPENDENCY_OUTAGE: ("service_fault", None),
    FaultKind.CERTIFICATE_EXPIRY: ("service_fault", None),
    FaultKind.THIRD_PARTY_DEGRADATION: ("service_fault", None),
    FaultKind.NETWORK_DELAY: ("service_fault", None),
    FaultKind.CODE_FAULT: ("code_error", None),
}

MITIGATION = {
    FaultKind.BAD_DEPLOY: "rolled back {service} to {previous}",
    FaultKind.CONFIG_CHANGE: "reverted the config change on {service}",
    FaultKind.MEMORY_LEAK: "restarted the {service} pods",
    FaultKind.CPU_CONTENTION: "moved {service} off the node its noisy neighbour runs on",
    FaultKind.RUNAWAY_PROCESS: "restarted the {service} pod stuck in a busy loop",
    FaultKind.LOAD_SURGE: "scaled {service} out and rate-limited the crawler",
    FaultKind.DNS_FAILURE: "restored the DNS record {service} could not resolve",
    FaultKind.DISK_FULL: "cleared old files on {service}",
    FaultKind.CONNECTION_POOL_EXHAUSTION: "bumped the pool size on {service} from 20 to 50",
    FaultKind.DEPENDENCY_OUTAGE: "failed over {service} to the replica",
    FaultKind.CERTIFICATE_EXPIRY: "renewed the certificate for {service}",
    FaultKind.THIRD_PARTY_DEGRADATION: "opened a ticket with the {service} vendor",
    FaultKind.NETWORK_DELAY: "moved traffic off the slow {service} nodes",
    FaultKind.CODE_FAULT: "shipped a fix for the failing code path in {service}",
}

CAUSE_WORDS = {
    "dependency_fault": "an outage",
    "bad_deploy": "a bad deploy",
    "config_change": "a config change",
    "resource_saturation": "saturation",
    "runaway_process": "a runaway process",
    "cpu_contention": "CPU contention",
    "load_surge": "a load surge",
    "dns_failure": "a DNS failure",
    "service_fault": "an outage",
    "code_error": "a code error",
}


def resolution(
    run: SimulatedRun, index: int, top: dict[str, object] | None, symptoms: list[str]
) -> tuple[list[DecisionStep], RootCause, datetime]:
    """The responder's parsed steps for fault ``index``, the root cause they confirm, and when they
    resolve it. ``top`` is the investigation's top cause (its component is kept when it names the
    fault), ``symptoms`` the services the alerts fired on."""
    fault = run.scenario.faults[index]
    kind, component = CONFIRMED[fault.kind]
    deploy = next((c for c in run.changes if c.id == f"{run.scenario.name}-f{index}-deploy"), None)
    if (
        top
        and top.get("service") == fault.service
        and matched_kind(fault.kind, top, deployed_version(run, index))
    ):
        # the investigation named it right: the responder confirms its finding as stated
        kind, component = str(top.get("kind")), (str(top["component"]) if top.get("component") else None)
    onset = run.start + timedelta(seconds=float(fault.at))
    resolved = run.start + timedelta(seconds=float(fault.at + fault.duration + RESOLVE_AFTER_SECONDS))
    services = [s.name for s in run.topology.services]
    parser = StepParser(services, shop_aliases(services))
    first = symptoms[0] if symptoms else fault.service
    lines = [
        (5, f"checked {first} error rate, elevated since {onset:%H:%M}"),
        (
            8,
            "not the DB, connections are normal"
            if fault.service != "postgres"
            else "checked postgres, disk filling",
        ),
        (12, f"I suspect {fault.service}"),
        (
            20,
            MITIGATION[fault.kind].format(
                service=fault.service,
                previous=(deploy.previous_version if deploy else None) or "the previous version",
            ),
        ),
        (
            float(fault.duration) / 60 + 5,
            f"root cause: {CAUSE_WORDS.get(kind, kind)} on {fault.service}"
            + (f" ({component})" if component else ""),
        ),
    ]
    steps = [parser.parse(text, who=WHO, at=onset + timedelta(minutes=m), source="sim") for m, text in lines]
    return steps, RootCause(fault.service, kind, component, confirmed_by=WHO), resolved
