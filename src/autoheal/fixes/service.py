"""Generate, check, learn, store: what happens to fixes when an incident is resolved.

:meth:`FixService.generate` runs every generator on a :class:`FixContext`, drops a fix whose shape
is already offered for the service (proposed, accepted or merged: a recurrence finds its earlier
proposal, and generation is idempotent) or was rejected before for the service (the rejection's reason is kept in the result),
drops every fix of a kind rejected ``reject_kind_after`` times for the service since the last one
of that kind accepted (a rejected kind is proposed less; the reasons are kept), validates the rest
(:func:`autoheal.fixes.validate.validate`, real promtool) and stores only those that passed, as
``proposed``. A fix that failed a check is returned with its checks, never stored or offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock
from autoheal.fixes import store
from autoheal.fixes.base import FixContext, FixGenerator
from autoheal.fixes.model import Fix
from autoheal.fixes.promtool import Promtool
from autoheal.fixes.validate import RegressionRunner, validate


@dataclass
class GenerationResult:
    source_ref: str
    offered: list[tuple[int, Fix]] = field(default_factory=list)
    failed: list[Fix] = field(default_factory=list)
    suppressed: list[tuple[Fix, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_ref": self.source_ref,
            "offered": [
                {
                    "id": i,
                    "kind": f.kind.value,
                    "service": f.service,
                    "title": f.title,
                    "figures": f.figures,
                    "checks": [c.name for c in f.checks],
                }
                for i, f in self.offered
            ],
            "failed": [
                {
                    "kind": f.kind.value,
                    "title": f.title,
                    "figures": f.figures,
                    "checks": [c.to_dict() for c in f.checks],
                }
                for f in self.failed
            ],
            "suppressed": [
                {"kind": f.kind.value, "title": f.title, "why": why, "figures": f.figures}
                for f, why in self.suppressed
            ],
            "notes": list(self.notes),
        }


class FixService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        generators: Sequence[FixGenerator] | None = None,
        *,
        promtool: Promtool | None = None,
        regression: RegressionRunner | None = None,
        reject_kind_after: int = 2,
    ) -> None:
        from autoheal.fixes.generators import default_generators

        self.sessions = sessions
        self.clock = clock
        self.generators = list(generators) if generators is not None else default_generators()
        self.promtool = promtool or Promtool()
        self.regression = regression
        self.reject_kind_after = reject_kind_after

    def generate(self, ctx: FixContext, *, incident_id: str | None = None) -> GenerationResult:
        result = GenerationResult(ctx.ref)
        candidates = [fix for generator in self.generators for fix in generator.generate(ctx)]
        services = sorted({f.service for f in candidates})
        with self.sessions() as session:
            rejected = store.rejected_shapes(session, services)
            already = store.open_shapes(session, services)
            kinds = store.rejected_kinds(session, services)
        checked: list[Fix] = []
        for fix in candidates:
            refused = kinds.get((fix.kind.value, fix.service), [])
            if fix.shape in already:
                result.suppressed.append((fix, f"already offered as fix {already[fix.shape]}"))
            elif fix.shape in rejected:
                result.suppressed.append((fix, f"rejected before for {fix.service}: {rejected[fix.shape]}"))
            elif len(refused) >= self.reject_kind_after:
                reasons = "; ".join(dict.fromkeys(r for r in refused if r))
                result.suppressed.append(
                    (
                        fix,
                        f"{fix.kind.value} fixes for {fix.service} were rejected {len(refused)} times "
                        f"since the last one accepted: {reasons}",
                    )
                )
            else:
                fix.checks = validate(fix, self.promtool, self.regression)
                (checked if fix.valid else result.failed).append(fix)
        with self.sessions() as session, session.begin():
            for fix in checked:
                row = store.save_fix(
                    session,
                    fix,
                    source_ref=ctx.ref,
                    at=self.clock.now(),
                    incident_id=incident_id,
                    resolved_at=ctx.resolved_at,
                )
                result.offered.append((row.id, fix))
        result.notes = list(ctx.notes)
        return result


def generate_for_investigation(
    app: Any,
    investigation_id: str,
    *,
    incident_id: str | None = None,
    timeline: Sequence[Any] = (),
    resolved_at: Any = None,
) -> GenerationResult:
    """Fixes for one stored investigation of a running :class:`~autoheal.app.Autoheal`: metrics read
    through its governance gateway (caller ``fixes``), its ``fixes`` settings, its database."""
    from autoheal.errors import InputError
    from autoheal.fixes.base import GatewaySeries
    from autoheal.fixes.context import context_for_investigation
    from autoheal.fixes.promtool import Promtool

    config = app.settings.fixes
    series = GatewaySeries(app.governance.gateway, investigation_id=f"fixes-{investigation_id}")
    with app.sessions() as session:
        ctx = context_for_investigation(
            session,
            investigation_id,
            series,
            config,
            app.clock.now(),
            timeline=timeline,
            resolved_at=resolved_at,
            ref=incident_id or investigation_id,
        )
    if ctx is None:
        raise InputError(
            f"investigation {investigation_id!r} has not finished with a root cause: no fixes to generate"
        )
    service = FixService(
        app.sessions,
        app.clock,
        promtool=Promtool(config.promtool),
        reject_kind_after=config.reject_kind_after,
    )
    result = service.generate(ctx, incident_id=incident_id)
    result.notes += series.failures
    return result
