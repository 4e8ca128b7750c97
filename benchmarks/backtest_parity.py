"""Backtest parity: each scenario's live run against a backtest of its exported history.

For every scenario (default: all of `autoheal sim list`), plays the scenario live through the
embedded server (as `autoheal sim run` does, investigations included), exports it
(`autoheal sim export`: alerts.jsonl + telemetry + config), replays the export with
`autoheal backtest` (triage only, or with investigations given --investigate) and compares the
two sequences of triage verdicts (which alerts, which verdict). Prints a table and, last, one
JSON object.

    .venv/bin/python benchmarks/backtest_parity.py [--scenario NAME ...] [--investigate]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from autoheal.backtest import backtest, read_history
    from autoheal.config import load_settings
    from autoheal.sim import catalogue, load_scenario, simulate
    from autoheal.sim.export import export, live_decisions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", help="scenario name (repeatable; default: all)")
    parser.add_argument("--investigate", action="store_true", help="backtest with investigations too")
    args = parser.parse_args(argv)
    names = args.scenario or [s.name for s in catalogue()]
    rows = []
    for name in names:
        started = time.perf_counter()
        run = simulate(load_scenario(name))
        with tempfile.TemporaryDirectory(prefix="autoheal-parity-") as tmp:
            live = live_decisions(run, Path(tmp) / "live")
            export(run, Path(tmp) / "export")
            settings = load_settings(Path(tmp) / "export" / "autoheal.yaml", {})
            replayed = backtest(
                read_history(Path(tmp) / "export" / "alerts.jsonl"),
                settings,
                triage_only=not args.investigate,
            ).decisions
        a = [(tuple(d.fingerprints), d.verdict) for d in live]
        b = [(tuple(d.fingerprints), d.verdict) for d in replayed]
        differ = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
        rows.append(
            {
                "scenario": name,
                "live": len(a),
                "backtest": len(b),
                "differ": differ,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        print(
            f"{name:<40} live {len(a):>3}  backtest {len(b):>3}  differ {differ:>2}  {rows[-1]['seconds']:>6} s"
        )
        sys.stdout.flush()
    equal = sum(r["differ"] == 0 for r in rows)
    print(
        json.dumps(
            {
                "scenarios": len(rows),
                "equal": equal,
                "verdicts": sum(r["live"] for r in rows),
                "differing_verdicts": sum(r["differ"] for r in rows),
                "investigate": args.investigate,
            }
        )
    )
    return 0 if equal == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
