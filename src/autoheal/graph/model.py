"""The Production Context Graph's vocabulary: node kinds, edge kinds, and the validity rule's numbers.

Every node and edge carries a validity interval (``valid_from``, ``valid_to``: open while None) and
a ``weight`` (1.0 when learned). :mod:`autoheal.graph.validity` lowers weights and closes
intervals when the production system changes; docs/graph.md states the rule.
"""

from __future__ import annotations

from enum import StrEnum


class NodeKind(StrEnum):
    SERVICE = "service"
    CHANGE = "change"  # a deploy, config change, flag or topology change
    ALERT_RULE = "alert_rule"
    ALERT = "alert"  # one fingerprint
    INCIDENT = "incident"  # an investigated, resolved episode (an investigation until incidents exist)
    HYPOTHESIS = "hypothesis"
    EVIDENCE = "evidence"  # a governed tool call that backed a hypothesis
    DECISION_STEP = "decision_step"
    ROOT_CAUSE = "root_cause"
    FIX = "fix"
    RUNBOOK = "runbook"
    TEAM = "team"


class EdgeKind(StrEnum):
    DEPENDS_ON = "depends_on"  # service -> service (a dependency)
    OWNS = "owns"  # team -> service
    FIRED_FOR = "fired_for"  # alert -> service; alert -> alert_rule (instance of the rule)
    PART_OF = "part_of"  # alert -> incident; decision_step -> incident; hypothesis -> incident
    CAUSED_BY = "caused_by"  # incident -> root_cause
    ABOUT = "about"  # root_cause / hypothesis / decision_step / change -> service
    RULED_OUT = "ruled_out"  # incident -> hypothesis (refuted, or ruled out by a responder)
    RESOLVED_BY = "resolved_by"  # incident -> fix
    SUPPORTED_BY = "supported_by"  # hypothesis / root_cause -> evidence
    CITES = "cites"  # decision_step -> runbook
    SIMILAR_TO = "similar_to"  # incident -> incident (retrieval said so, with its reasons)
    INVALIDATED_BY = "invalidated_by"  # root_cause / hypothesis -> change


# --- the validity rule (docs/graph.md "Validity") ---------------------------------------------------
# A deploy or config change of a service after an incident was resolved: what was learned about
# the service's old state (a saturated pool, a leak, a slow dependency) is worth this much more
# each time. Causes that *are* changes (a bad deploy, a config change) are lessons about how the
# service's releases fail and are not lowered by later releases.
CHANGE_DECAY = 0.5
# A topology change that removes the dependency a cause lay on closes that fact (weight 0).
# A fact is used as an anchor (the investigation may stop after checking it first) only while its
# weight is at least this: one change of the service since it was learned is enough to stop that.
ANCHOR_MIN_WEIGHT = 0.75
# Below this weight a fact is no longer offered at all (shown by `graph similar` as invalidated).
OFFER_MIN_WEIGHT = 0.2

# hypothesis kinds that are themselves changes (lessons about releases, not about state)
CHANGE_CAUSES = frozenset({"bad_deploy", "config_change", "feature_flag", "infra_change"})

# --- triage from the graph (docs/graph.md "Triage") ------------------------------------------------
# An alert is noise by its past when at least this many of its past occurrences (incidents holding
# its fingerprint, opened since the last change of its service) were closed as noise by a person,
# and none of its occurrences, before or after that change, was an incident.
NOISE_MIN_OCCURRENCES = 3
