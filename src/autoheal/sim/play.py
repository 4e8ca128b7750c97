"""Play a simulated run through a real, embedded Autoheal and compare its conclusions with the truth.

:class:`EmbeddedAutoheal` starts the real application (``Autoheal.create`` + ``create_app``) under
uvicorn in a thread on 127.0.0.1 with a temporary SQLite database and a :class:`ManualClock`.
:func:`play` fills the embedded telemetry with the run, then POSTs every Alertmanager delivery to
``/api/v1/alerts/alertmanager`` with the configured bearer token, setting the clock to the
delivery's simulated time first, and finally reads back what Autoheal concluded through its API.

What is compared: each alert was committed once (re-deliveries are idempotent), flapping alerts
are marked flapping, resolved alerts are resolved; the triage verdict (noise vs. signal, the
``triage`` key of ``GET /api/v1/groups/{id}``); and every investigation the pipeline ran during
the run, judged against the truth at the time it finished (:mod:`autoheal.sim.judge`): the first
report of each fault must name it, and no investigation of noise may state a supported cause.
The after-the-fact per-fault investigation (:mod:`autoheal.sim.investigate`, ``investigate=True``)
is extra information in ``after_the_fact``, never part of the verdict.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from autoheal.clock import ManualClock
from autoheal.reasoning.triage.model import RIGHT_FOR_ACTIONABLE, RIGHT_FOR_NOISE
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.judge import Judgement, judge, read_investigations
from autoheal.telemetry.embedded import EmbeddedTelemetry

PLAY_TIMEOUT_SECONDS = 600.0


@dataclass
class EmbeddedAutoheal:
    """A running in-process Autoheal: ``url``, ``admin_token``, ``source_token``; ``stop()``."""

    url: str
    workdir: Path
    admin_token: str
    source_token: str
    clock: ManualClock
    autoheal: Any
    telemetry: EmbeddedTelemetry
    _server: Any
    _thread: threading.Thread
    prometheus_url: str | None = None

    @property
    def backend(self) -> str:
        """Where the ``prometheus.*`` tools read metrics: ``prometheus`` (a real server) or ``embedded``."""
        return "prometheus" if self.prometheus_url else "embedded"

    @classmethod
    def start(
        cls,
        workdir: Path,
        clock: ManualClock,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        extra_tools: Sequence[Any] = (),
        prometheus_url: str | None = None,
        maintenance: Sequence[dict[str, Any]] = (),
        topology: Path | None = None,
        incidents: Any | None = None,
    ) -> EmbeddedAutoheal:
        """With ``prometheus_url`` the ``prometheus.*`` tools read that server (``tools.prometheus.url``)
        instead of the embedded metric store; logs, traces and changes stay embedded.
        ``maintenance`` is the ``triage.maintenance`` configuration (``maintenance_config(run)``:
        the scenario's declared windows, as an operator would configure them)."""
        import uvicorn

        from autoheal.api.app import create_app
        from autoheal.app import Autoheal
        from autoheal.config import Settings
        from autoheal.jobs import InlineQueue

        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        admin_token = f"ah_admin_{secrets.token_urlsafe(18)}"
        source_token = secrets.token_urlsafe(18)
        raw: dict[str, Any] = {
            "database": {"url": f"sqlite:///{workdir / 'autoheal.db'}"},
            "auth": {"admin_token": admin_token},
            "sources": {"alertmanager": {"auth": {"type": "bearer", "token": source_token}}},
            # the simulator generates each fault's fixes itself (autoheal.fixes.simulated), with a
            # regression target the app's own listener cannot know
            "fixes": {"on_resolution": False},
        }
        tools: dict[str, Any] = {}
        if prometheus_url:
            tools["prometheus"] = {"url": prometheus_url}
        if topology is not None:
            tools["topology"] = {"file": str(topology)}
        if tools:
            raw["tools"] = tools
        if maintenance:
            raw["triage"] = {"maintenance": [dict(w) for w in maintenance]}
        if incidents is not None:  # autoheal.sim.story_incidents.IncidentStory: Slack and paging fakes
            raw["incidents"] = incidents.config
        settings = Settings.model_validate(raw)
        telemetry = EmbeddedTelemetry(workdir / "telemetry.db")
        # Inline jobs: triage (when registered) has finished when the webhook is answered, so the
        # simulated clock cannot move on under it and runs are deterministic.
        autoheal = Autoheal.create(
            settings,
            clock=clock,
            jobs=InlineQueue(),
            telemetry=telemetry,
            extra_tools=extra_tools,
            **(incidents.create_kwargs if incidents is not None else {}),
        )
        config = uvicorn.Config(
            create_app(autoheal), host=host, port=port, log_config=None, access_log=False, lifespan="off"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="autoheal-embedded", daemon=True)
        thread.start()
        for _ in range(500):  # waiting for a real server to bind, at most 10 s
            if server.started or not thread.is_alive():
                break
            time.sleep(0.02)
        if not server.started:
            autoheal.close()
            raise RuntimeError("the embedded Autoheal server did not start")
        bound = server.servers[0].sockets[0].getsockname()[1]
        return cls(
            f"http://{host}:{bound}",
            workdir,
            admin_token,
            source_token,
            clock,
            autoheal,
            telemetry,
            server,
            thread,
            prometheus_url,
        )

    @classmethod
    def for_run(
        cls,
        run: SimulatedRun,
        workdir: Path,
        *,
        prometheus_url: str | None = None,
        port: int = 0,
        incidents: Any | None = None,
    ) -> EmbeddedAutoheal:
        """The embedded Autoheal configured for ``run`` as an operator of that system would: its
        topology as ``tools.topology.file``, its maintenance windows as ``triage.maintenance``, the
        simulated cluster's ``kubernetes.*`` tools, a clock at the run's start."""
        from autoheal.sim.investigate import write_topology

        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        return cls.start(
            workdir,
            ManualClock(run.start),
            port=port,
            extra_tools=kubernetes_tools_for(run),
            prometheus_url=prometheus_url,
            maintenance=maintenance_config(run),
            topology=write_topology(run, workdir / "app-topology.yaml"),
            incidents=incidents,
        )

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.autoheal.close()
        self.telemetry.close()

    def __enter__(self) -> EmbeddedAutoheal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class AlertOutcome:
    """One firing episode: the ground truth next to what Autoheal concluded."""

    at: str
    alert: str
    service: str
    fingerprint: str
    expected: str
    why: str
    cause: dict[str, str] | None
    fault: int | None = None  # index of the fault in the scenario
    committed: bool = False
    flapping: bool | None = None
    status: str | None = None
    deliveries: int | None = None
    verdict: str | None = None
    top_cause: dict[str, Any] | None = None
    matched: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def triage_matched(self) -> bool | None:
        """The triage verdict alone against the truth (None: no verdict, or an unexplained alert);
        ``matched`` also turns False when the group's investigation blamed another service."""
        if self.verdict is None or self.expected not in ("noise", "signal"):
            return None
        return self.verdict in (RIGHT_FOR_NOISE if self.expected == "noise" else RIGHT_FOR_ACTIONABLE)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PlayResult:
    scenario: str
    outcomes: list[AlertOutcome]
    posted: int
    rejected: list[str]
    distinct_alerts: int
    rows: int
    seconds: float
    investigations: list[Any] = field(default_factory=list)  # after the fact: extra information
    backend: str = "embedded"
    judgement: Judgement = field(default_factory=Judgement)

    @property
    def verdicts_available(self) -> bool:
        return any(o.verdict is not None for o in self.outcomes)

    def checks(self) -> dict[str, bool]:
        """The verdict: ingestion, triage, and the pipeline's own investigations judged when they
        finished (the after-the-fact ``investigations`` are not part of it)."""
        out = {
            "every_delivery_accepted": not self.rejected,
            "one_alert_per_fingerprint": self.rows == self.distinct_alerts,
            "flapping_flagged": all(o.flapping for o in self.outcomes if o.why.startswith("flapping")),
        }
        if self.verdicts_available:
            out["triage_matches_ground_truth"] = all(o.triage_matched is not False for o in self.outcomes)
        out.update(self.judgement.checks())
        return out

    def to_dict(self) -> dict[str, Any]:
        checks = self.checks()
        return {
            "scenario": self.scenario,
            "backend": self.backend,
            "posted": self.posted,
            "rejected": self.rejected,
            "distinct_alerts": self.distinct_alerts,
            "alert_rows": self.rows,
            "verdicts_available": self.verdicts_available,
            "checks": checks,
            "ground_truth_matched": all(checks.values()),
            "seconds": round(self.seconds, 3),
            **self.judgement.to_dict(),
            "after_the_fact": {
                "note": "one investigation per fault run after the story, not part of the verdict",
                "investigations": [i.to_dict() for i in self.investigations],
            },
            "alerts": [o.to_dict() for o in self.outcomes],
        }


def play(
    run: SimulatedRun,
    server: EmbeddedAutoheal,
    *,
    on_delivery: Callable[[int, int], None] | None = None,
    investigate: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> PlayResult:
    """Send the run's deliveries, read back Autoheal's conclusions and judge every investigation
    the pipeline ran (:mod:`autoheal.sim.judge`); with ``investigate``, also run the after-the-fact
    investigation on every fault (:mod:`autoheal.sim.investigate`, extra information, its tool
    calls audited into the embedded app's trail)."""
    started = time.perf_counter()
    run.write_to(server.telemetry)
    scenario = run.scenario
    headers = {"Authorization": f"Bearer {server.source_token}", "Content-Type": "application/json"}
    rejected: list[str] = []
    # inline jobs: a delivery answers once its triage and investigation ran (minutes on a busy machine)
    with httpx.Client(base_url=server.url, timeout=PLAY_TIMEOUT_SECONDS) as client:
        for i, delivery in enumerate(run.deliveries):
            server.autoheal.advance_clock(delivery.at)  # held investigations run on the way
            response = client.post("/api/v1/alerts/alertmanager", content=delivery.body(), headers=headers)
            if response.status_code >= 300:
                rejected.append(f"{delivery.at.isoformat()} {response.status_code} {response.text[:200]}")
            if on_delivery:
                on_delivery(i + 1, len(run.deliveries))
        server.autoheal.advance_clock(max(run.end, server.clock.now()))
        step = on_step or (lambda _text: None)
        step("reading back alerts, triage verdicts and investigations through the API...")
        admin = {"Authorization": f"Bearer {server.admin_token}"}
        rows = client.get("/api/v1/alerts", params={"limit": 1000}, headers=admin).json().get("alerts", [])
        by_fp = {r["fingerprint"]: r for r in rows if r.get("source") == "alertmanager"}
        groups: dict[int, dict[str, Any]] = {}
        outcomes = []
        from autoheal.sim.webhook import fingerprint

        for alert in run.alerts:
            fp = fingerprint(alert.labels)
            cause = None
            if alert.cause is not None:
                fault = scenario.faults[alert.cause]
                cause = {"service": fault.service, "kind": fault.kind.value}
            why = alert.why
            if (
                any(n.kind.value == "flapping" and n.service == alert.service for n in scenario.noise)
                and alert.expected == "noise"
            ):
                why = f"flapping noise; {why}"
            out = AlertOutcome(
                alert.starts_at.isoformat(),
                alert.name,
                alert.service,
                fp,
                alert.expected,
                why,
                cause,
                alert.cause,
            )
            row = by_fp.get(fp)
            if row is not None:
                out.committed, out.flapping, out.status, out.deliveries = (
                    True,
                    row["flapping"],
                    row["status"],
                    row["deliveries"],
                )
                gid = row.get("group_id")
                if gid is not None and gid not in groups:
                    groups[gid] = client.get(f"/api/v1/groups/{gid}", headers=admin).json()
                _read_conclusions(out, groups.get(gid) if gid is not None else None)
            outcomes.append(out)
        live = read_investigations(client, admin)
        step(f"judging {len(live)} investigations against the ground truth when each finished...")
        judgement = judge(run, live)
    _mark_faults(outcomes, judgement)
    investigations = []
    if investigate:
        from autoheal.sim.investigate import investigate_faults

        step(f"after-the-fact investigation of {len(scenario.faults)} fault(s) (extra information)...")
        app = server.autoheal  # audited into the app's own trail, under the app's policy and engine config
        investigations = investigate_faults(
            run,
            server.telemetry,
            server.workdir,
            app.engine,
            policy=app.governance.gateway.policy,
            config=app.settings.investigation,
            durability=app.settings.audit.durability,
            prometheus_url=server.prometheus_url,
        )
    return PlayResult(
        scenario.name,
        outcomes,
        len(run.deliveries),
        rejected,
        len({fingerprint(a.labels) for a in run.alerts}),
        len(by_fp),
        time.perf_counter() - started,
        investigations,
        server.backend,
        judgement,
    )


def maintenance_config(run: SimulatedRun) -> list[dict[str, Any]]:
    """The scenario's maintenance windows as ``triage.maintenance`` entries of the config file
    (docs/investigation.md): name, absolute UTC start and end, the one service."""
    return [
        {
            "name": w.reason,
            "start": (run.start + timedelta(seconds=float(w.start))).isoformat(),
            "end": (run.start + timedelta(seconds=float(w.end))).isoformat(),
            "services": [w.service],
        }
        for w in run.scenario.maintenance
    ]


def simulated_cluster(run: SimulatedRun) -> Any | None:
    """The Kubernetes face of the run's faults (``autoheal.k8s.simulated``), or None."""
    from autoheal.k8s.simulated import from_simulation

    return from_simulation(run)


def kubernetes_tools_for(run: SimulatedRun) -> list[Any]:
    """The simulated cluster's ``kubernetes.*`` tools, to put behind the embedded app's gateway
    (``EmbeddedAutoheal.start(..., extra_tools=...)``) so investigations can read pods, events,
    rollouts and container logs of simulated production."""
    cluster = simulated_cluster(run)
    if cluster is None:
        return []
    return [t for t in cluster.tools() if t.name.startswith("kubernetes.")]


def _read_conclusions(out: AlertOutcome, group: dict[str, Any] | None) -> None:
    if not group:
        return
    triage = group.get("triage")
    if isinstance(triage, dict):
        out.verdict = str(triage.get("kind") or triage.get("verdict") or "") or None
    investigation = group.get("investigation")
    if isinstance(investigation, dict):
        causes = investigation.get("causes") or []
        if causes:
            hyp = causes[0].get("hypothesis", {})
            out.top_cause = {
                "service": hyp.get("service"),
                "kind": hyp.get("kind"),
                "confidence": causes[0].get("confidence"),
            }
    out.matched = out.triage_matched


def _mark_faults(outcomes: list[AlertOutcome], judgement: Judgement) -> None:
    """An alert of a fault matches only when that fault's first report named it."""
    first = {f.fault: f for f in judgement.faults}
    for out in outcomes:
        f = first.get(out.fault) if out.fault is not None else None
        if f is None or f.first_correct:
            continue
        top = f.first_top
        seen = f"{top.get('kind')} @ {top.get('service')}" if top else "no report"
        out.notes.append(f"first report of fault {f.fault}: {seen}")
        out.matched = False
