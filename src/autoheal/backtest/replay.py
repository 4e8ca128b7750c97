"""Replay an alert history through a private copy of Autoheal and say what it would have done.

The copy is the real application (``Autoheal.create`` + ``create_app``) on a temporary SQLite
database, with a manual clock set to each delivery's time and inline jobs, so triage and (unless
``triage_only``) the deep investigation run exactly as they would have on arrival. Deliveries go
through the real webhook endpoint in-process (no port is opened). Telemetry is whatever the
configuration points at (``tools.prometheus.url``, Loki, the embedded store's ``telemetry.path``):
where it is no longer retained, an investigation finds no evidence and says so. Nothing leaves the
copy: it runs in shadow mode (``pipeline.mode: shadow``), so it posts to no chat and pages no one
even when the configuration sets up Slack and a pager, and the configured database is never
written.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoheal.backtest.history import Delivery
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.reasoning import store as reasoning_store
from autoheal.reasoning.triage.model import RIGHT_FOR_ACTIONABLE, RIGHT_FOR_NOISE, TriageKind


def action_of(kind: TriageKind) -> str:
    """What a verdict would have meant for the on-call: a page (signal), joining what is already
    open (a duplicate or a known issue: no new page), or suppressed with its reason (noise)."""
    if kind.pages:
        return "page"
    return "suppress" if kind is TriageKind.NOISE else "attach"


@dataclass
class Decision:
    """One triage verdict the copy reached, and what it would have meant."""

    at: str
    alerts: list[str]
    service: str | None
    verdict: str
    explanation: str
    action: str  # page | attach | suppress
    fingerprints: list[str]
    investigation: str | None = None
    top_cause: str | None = None
    outcome: str | None = None

    @property
    def would_page(self) -> bool:
        return self.action == "page"

    @property
    def agrees(self) -> bool | None:
        """Against the recorded outcome, by the rule the simulator's judge uses
        (``RIGHT_FOR_ACTIONABLE`` / ``RIGHT_FOR_NOISE``)."""
        if self.outcome is None:
            return None
        return self.verdict in (RIGHT_FOR_ACTIONABLE if self.outcome == "actionable" else RIGHT_FOR_NOISE)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "would_page": self.would_page, "agrees": self.agrees}


@dataclass
class BacktestResult:
    deliveries: int
    rejected: list[str]
    decisions: list[Decision] = field(default_factory=list)
    telemetry: str = ""

    def summary(self) -> dict[str, Any]:
        judged = [d for d in self.decisions if d.agrees is not None]
        return {
            "deliveries": self.deliveries,
            "rejected": len(self.rejected),
            "verdicts": len(self.decisions),
            "would_page": sum(d.action == "page" for d in self.decisions),
            "attached": sum(d.action == "attach" for d in self.decisions),
            "suppressed": sum(d.action == "suppress" for d in self.decisions),
            "investigations": len({d.investigation for d in self.decisions if d.investigation}),
            "with_outcome": len(judged),
            "agreement": round(sum(bool(d.agrees) for d in judged) / len(judged), 4) if judged else None,
            "paged_but_noise": sum(d.would_page and d.outcome == "noise" for d in judged),
            "suppressed_but_actionable": sum(
                d.action == "suppress" and d.outcome == "actionable" for d in judged
            ),
            "telemetry": self.telemetry,
        }


def private_settings(base: Settings, sources: Sequence[str], workdir: Path, *, triage_only: bool) -> Settings:
    """``base`` with a private database, fresh credentials for every source replayed, and the
    telemetry the base configuration reads (resolved against the base database, never created)."""
    raw = base.model_dump()
    telemetry = base.telemetry.resolve(base.database.url)
    if telemetry != ":memory:" and not Path(telemetry).is_file():
        telemetry = ":memory:"
    raw["telemetry"] = {**raw.get("telemetry", {}), "path": telemetry}
    raw["database"] = {**raw["database"], "url": f"sqlite:///{workdir / 'backtest.db'}"}
    raw["auth"] = {**raw.get("auth", {}), "admin_token": f"ah_admin_{secrets.token_urlsafe(18)}"}
    token = secrets.token_urlsafe(18)
    receivers = dict(raw["sources"].get("receivers", {}))
    for name in sources:
        receivers[name] = {
            **receivers.get(name, {}),
            "enabled": True,
            "auth": {"type": "bearer", "token": token},
        }
    raw["sources"] = {**raw["sources"], "receivers": receivers}
    # shadow mode: incidents open as they would have, but no page and no Slack post leaves the
    # copy, whatever paging and Slack the base configuration sets up
    raw["pipeline"] = {**raw["pipeline"], "investigate": not triage_only, "queue": "memory", "mode": "shadow"}
    return Settings.model_validate(raw)


def backtest(
    deliveries: Sequence[Delivery], settings: Settings, *, triage_only: bool = False
) -> BacktestResult:
    from fastapi.testclient import TestClient

    from autoheal.api.app import create_app
    from autoheal.app import Autoheal
    from autoheal.jobs import InlineQueue

    if not deliveries:
        return BacktestResult(0, [])
    sources = sorted({d.source for d in deliveries})
    with tempfile.TemporaryDirectory(prefix="autoheal-backtest-") as tmp:
        private = private_settings(settings, sources, Path(tmp), triage_only=triage_only)
        auth = private.sources.receivers[sources[0]].auth
        assert auth is not None and auth.token is not None
        token = auth.token.get_secret_value()
        clock = ManualClock(deliveries[0].at)
        app = Autoheal.create(private, clock=clock, jobs=InlineQueue())
        result = BacktestResult(len(deliveries), [], telemetry=private.telemetry.path or "")
        outcomes: dict[str, str] = {}
        try:
            with TestClient(create_app(app)) as client:
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                for d in deliveries:
                    app.advance_clock(max(d.at, clock.now()))  # held investigations on the way
                    response = client.post(f"/api/v1/alerts/{d.source}", content=d.body(), headers=headers)
                    if response.status_code >= 300:
                        result.rejected.append(
                            f"{d.at.isoformat()} {response.status_code} {response.text[:200]}"
                        )
                    if d.outcome:
                        for fp in _fingerprints(d.payload):
                            outcomes[fp] = d.outcome
            while (due := app.scheduler.next_due()) is not None:  # holds that end after the last alert
                app.advance_clock(due)
            result.decisions = decisions(app, outcomes)
        finally:
            app.close()
    return result


def _fingerprints(payload: Any) -> list[str]:
    alerts = payload.get("alerts") if isinstance(payload, dict) else None
    return [a["fingerprint"] for a in alerts or [] if isinstance(a, dict) and a.get("fingerprint")]


def decisions(app: Any, outcomes: dict[str, str] | None = None) -> list[Decision]:
    """Every triage verdict ``app`` (an ``Autoheal``) stored, oldest first, with ``outcomes``
    (fingerprint -> actionable | noise) where known."""
    outcomes = outcomes or {}
    from sqlalchemy import select

    from autoheal.store.models import AlertRow

    verdicts = reasoning_store.TriageVerdictRow
    covered = reasoning_store.TriageVerdictFingerprintRow
    out = []
    with app.sessions() as session:
        names = {r.fingerprint: r.name for r in session.scalars(select(AlertRow))}
        fingerprints: dict[int, list[str]] = {}
        for verdict_id, fp in session.execute(select(covered.verdict_id, covered.fingerprint)):
            fingerprints.setdefault(verdict_id, []).append(fp)
        for row in session.scalars(select(verdicts).order_by(verdicts.id)):
            fps = sorted(fingerprints.get(row.id, []))
            top = None
            if row.investigation_id:
                inv = session.get(reasoning_store.InvestigationRow, row.investigation_id)
                causes = (inv.report or {}).get("causes") if inv is not None else None
                if causes:
                    hyp = causes[0].get("hypothesis", {})
                    top = f"{hyp.get('kind')} on {hyp.get('service')} ({causes[0].get('confidence', 0):.0%})"
                elif inv is not None and inv.status == "finished":
                    top = "no supported cause"
            known = {outcomes[fp] for fp in fps if fp in outcomes}
            out.append(
                Decision(
                    reasoning_store.utc(row.assessed_at).isoformat(),
                    sorted({names.get(fp, fp) for fp in fps}),
                    row.service,
                    row.kind,
                    row.explanation,
                    action_of(TriageKind(row.kind)),
                    fps,
                    row.investigation_id,
                    top,
                    "actionable" if "actionable" in known else ("noise" if known else None),
                )
            )
    return out
