"""Decision traces: what responders did during an incident, as typed steps.

``StepParser(services, aliases).parse(text, who=..., at=...)`` is the deterministic parser;
:mod:`autoheal.decisions.corpus` measures it on a labelled corpus of incident-channel messages.
"""

from autoheal.decisions.model import Action, DecisionStep, Target, TargetKind
from autoheal.decisions.parser import StepParser, shop_aliases

__all__ = ["Action", "DecisionStep", "StepParser", "Target", "TargetKind", "shop_aliases"]
