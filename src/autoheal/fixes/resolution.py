"""Fixes on resolution: a listener on the incidents' ``resolved`` events
(:meth:`autoheal.incidents.service.IncidentService.subscribe`) generates, checks and offers the
fixes of the resolved incident, from its investigation and its timeline (the runbook's "What was
done"). Wired by ``Autoheal.create`` when ``fixes.on_resolution`` is on; it runs in the process
that resolved the incident, after the resolution committed (a failure is logged by the incidents
service and changes nothing of the incident). With Slack configured, the offered fixes are posted
in the incident's channel with Accept / Reject buttons (:mod:`autoheal.fixes.slack`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def timeline_entries(app: Any, ref: str) -> list[dict[str, Any]]:
    return [e.to_dict() for e in app.incidents.service.timeline(ref)]


def generate_for_incident(app: Any, incident: Any) -> Any:
    """The fixes of one resolved incident (``None`` when it has no investigation)."""
    from autoheal.fixes.service import generate_for_investigation

    if not incident.investigation_id:
        log.info("resolved incident has no investigation: no fixes", extra={"incident": incident.ref})
        return None
    return generate_for_investigation(
        app,
        incident.investigation_id,
        incident_id=incident.ref,
        timeline=timeline_entries(app, incident.ref),
        resolved_at=incident.resolved_at,
    )


def on_resolution(app: Any) -> Callable[[Any, Any], None]:
    def listener(event: Any, incident: Any) -> None:
        result = generate_for_incident(app, incident)
        if result is not None:
            from autoheal.fixes.slack import post_fixes

            post_fixes(getattr(app.incidents, "channels", None), incident, result.offered)
            log.info(
                "fixes offered on resolution",
                extra={
                    "incident": incident.ref,
                    "offered": len(result.offered),
                    "failed": len(result.failed),
                },
            )

    return listener
