"""The whole alert flow, in one place.

    webhook body
      │  prepare (pure, in the request's thread)
      ├─ normalise          source payload -> domain alerts            stages/normalise.py
      │  ── commit boundary: one transaction per batch of deliveries ──
      ├─ deduplicate        new / repeated / resolved / re-fired       stages/deduplicate.py
      ├─ group              group_by labels, as Alertmanager           stages/group.py
      ├─ detect_flapping    transitions within the window              stages/flapping.py
      ├─ request_triage     groups that changed -> a triage job        stages/triage.py
      └─ record             payload, alerts, transitions, group roll-up stages/record.py
      commit, then acknowledge the sender, then enqueue follow-up jobs
      (triage -> investigation -> escalation run as jobs: autoheal.jobs)

Adding a stage means writing one module under ``stages/`` and naming it here.
"""

from __future__ import annotations

from autoheal.pipeline.stage import Pipeline
from autoheal.pipeline.stages.deduplicate import Deduplicate
from autoheal.pipeline.stages.flapping import DetectFlapping
from autoheal.pipeline.stages.group import Group
from autoheal.pipeline.stages.normalise import Normalise
from autoheal.pipeline.stages.record import Record
from autoheal.pipeline.stages.triage import RequestTriage


def build_pipeline() -> Pipeline:
    return Pipeline(
        prepare=(Normalise(),),
        commit=(Deduplicate(), Group(), DetectFlapping(), RequestTriage(), Record()),
    )
