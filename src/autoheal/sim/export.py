"""A simulated run exported as a team would hand it to ``autoheal backtest``.

``export(run, folder)`` writes:

* ``alerts.jsonl`` — every webhook delivery in the documented export format
  (``autoheal.backtest.history``), each with the outcome a human would have recorded (the
  scenario's ground truth: ``actionable`` for a fault's alert, ``noise`` otherwise);
* ``telemetry.db`` — the run's metrics, logs, traces and changes in the embedded store (the
  telemetry "still retained");
* ``topology.yaml`` and ``autoheal.yaml`` — the configuration an operator of that system would run
  (topology file, maintenance windows, telemetry path), the same as the live simulated run uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from autoheal.sim.engine import SimulatedRun
from autoheal.sim.webhook import fingerprint


def export(run: SimulatedRun, folder: Path) -> dict[str, Any]:
    from autoheal.sim.investigate import write_topology
    from autoheal.sim.play import maintenance_config
    from autoheal.telemetry.embedded import EmbeddedTelemetry

    folder.mkdir(parents=True, exist_ok=True)
    outcome = {
        fingerprint(a.labels): ("noise" if a.expected == "noise" else "actionable") for a in run.alerts
    }
    lines = []
    for d in run.deliveries:
        fps = [a.get("fingerprint") for a in d.payload.get("alerts", [])]
        known = {outcome[fp] for fp in fps if fp in outcome}
        line: dict[str, Any] = {"at": d.at.isoformat(), "source": "alertmanager", "payload": d.payload}
        if known:
            line["outcome"] = "actionable" if "actionable" in known else "noise"
        lines.append(json.dumps(line, separators=(",", ":")))
    (folder / "alerts.jsonl").write_text("\n".join(lines) + "\n")
    telemetry_path = folder / "telemetry.db"
    telemetry_path.unlink(missing_ok=True)
    with EmbeddedTelemetry(telemetry_path) as telemetry:
        run.write_to(telemetry)
    topology = write_topology(run, folder / "topology.yaml")
    config: dict[str, Any] = {
        "telemetry": {"path": str(telemetry_path.resolve())},
        "tools": {"topology": {"file": str(topology.resolve())}},
    }
    maintenance = maintenance_config(run)
    if maintenance:
        config["triage"] = {"maintenance": maintenance}
    (folder / "autoheal.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return {"folder": str(folder), "deliveries": len(lines), "alerts": len(run.alerts)}


def live_decisions(run: SimulatedRun, workdir: Path) -> list[Any]:
    """The triage verdicts of the live simulated run (:func:`autoheal.sim.play.play` on the
    embedded server as `autoheal sim run` configures it), for comparing a backtest of the
    exported history with what happened live."""
    from autoheal.backtest.replay import decisions
    from autoheal.sim.play import EmbeddedAutoheal, play

    with EmbeddedAutoheal.for_run(run, workdir) as server:
        play(run, server, investigate=False)
        return decisions(server.autoheal)
