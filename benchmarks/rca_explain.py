"""Where does the engine lose a benchmark case? (`python benchmarks/rca_explain.py nezha`)

Runs every case of a data set through the same engine path as ``autoheal bench rca`` (the same
tools, Gateway, policy, engine settings, generators and checks: :mod:`autoheal.bench.engine_path`)
and prints, per case, for the true root cause:

* ``cand``: whether it was a candidate service of the investigation (``Investigator._candidate_services``,
  at most ``max_services``) and its position there;
* per generator: its rank and score among that generator's hypotheses *before* the generator's
  cap on the number of hypotheses (``-`` = not raised; a rank above the cap never reaches the
  engine, marked ``*``);
* its merged hypotheses' verdicts with the checks' outcomes (``P``/``F``/``?`` per check:
  temporal, topology, specificity, peers, recovery);
* its rank in the scored report (causes, then ruled out) and the service ranked first.

The last line is one JSON object with every case's record. Options: ``--limit N``, ``--kind K``
(one fault type), ``--case ID``. Needs the data under ``--data-dir`` (default ``../shared/bench``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from autoheal.bench import engine_path as ep
from autoheal.bench.model import BenchCase, Bundle
from autoheal.bench.runner import LOADERS
from autoheal.clock import ManualClock
from autoheal.domain.investigation import Hypothesis
from autoheal.governance.wiring import build_governance
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.checks import default_checks
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.generators import default_generators
from autoheal.reasoning.generators.logs import LogTemplateGenerator
from autoheal.reasoning.generators.traces import TraceAttributionGenerator
from autoheal.store.db import create_db_engine, migrate
from autoheal.tools.registry import ToolsConfig, TopologyConfig, build_tools

UNCAPPED = 10_000


class Recorder:
    """Wraps a generator: asks it for every hypothesis (no cap), records them, returns the capped
    list the engine would have received."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.cap: int | None = getattr(inner, "max_hypotheses", None)
        if self.cap is not None:
            inner.max_hypotheses = UNCAPPED
        self.seen: list[Hypothesis] = []

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        found = list(self.inner.generate(ctx))
        self.seen = [Hypothesis(h.id, h.service, h.kind, h.statement, h.generator, h.score) for h in found]
        return found[: self.cap] if self.cap is not None else found


def _generators(case: BenchCase, config: Any) -> list[Recorder]:
    log_ref = [
        Window(ep._dt(a), ep._dt(b))
        for a, b in ([case.log_reference] if case.log_reference else []) + list(case.more_log_references)
    ] or None
    out = []
    for g in default_generators(config):
        if isinstance(g, LogTemplateGenerator):
            g = LogTemplateGenerator(reference=log_ref)
        elif isinstance(g, TraceAttributionGenerator):
            g = TraceAttributionGenerator(reference=log_ref)
        out.append(Recorder(g))
    return out


def explain(case: BenchCase, group: ep.LoadedGroup, audit: Any) -> dict[str, Any]:
    """One case through the engine path, with the root cause's trail."""
    config = ep.case_config(case)
    clock = ManualClock(ep._dt(case.incident[1]))
    tools = build_tools(
        ToolsConfig(topology=TopologyConfig(file=group.topology)), group.telemetry, clock=clock
    )
    governance = build_governance(tools, ep.bench_policy(), audit, clock=clock, durability="async")
    recorders = _generators(case, config)
    services: list[str] = []
    verdicts: list[dict[str, Any]] = []
    report: dict[str, Any] = {}
    try:
        investigator = Investigator(
            recorders, default_checks(config), governance.gateway, clock, config=config
        )
        for event in investigator.run(f"{case.dataset} {case.id}", [ep.case_alert(case)]):
            p = event.payload
            if event.kind == "step" and p.get("step") == "services":
                services = list(p["services"])
            elif event.kind == "verification" and p.get("service") == case.root_cause:
                v = p["verification"]
                checks = "".join(
                    {"passed": "P", "failed": "F"}.get(c["outcome"], "?") for c in v.get("checks", [])
                )
                verdicts.append({"kind": p.get("kind"), "verdict": v["verdict"], "checks": checks})
            elif event.kind == "report":
                report = dict(p.get("report", {}))
    finally:
        governance.close()
    ranking = ep.ranked_services(report)
    truth = case.root_cause
    per_gen: dict[str, Any] = {}
    for r in recorders:
        order = [h.service for h in r.seen]
        if truth in order:
            i = order.index(truth)
            per_gen[r.name] = {
                "rank": i + 1,
                "score": round(r.seen[i].score, 4),
                "of": len(order),
                "capped": r.cap is not None and i >= r.cap,
            }
        else:
            per_gen[r.name] = None
    confidence = next(
        (c.get("confidence") for c in report.get("causes", []) if c["hypothesis"]["service"] == truth), None
    )
    return {
        "id": case.id,
        "kind": case.kind,
        "truth": truth,
        "candidate": services.index(truth) + 1 if truth in services else None,
        "candidates": len(services),
        "generators": per_gen,
        "verdicts": verdicts,
        "confidence": confidence,
        "rank": ranking.index(truth) + 1 if truth in ranking else None,
        "first": ranking[0] if ranking else None,
        "first_confidence": (report.get("causes") or [{}])[0].get("confidence"),
    }


def _cell(g: dict[str, Any] | None) -> str:
    if g is None:
        return "-"
    return f"{g['rank']}{'*' if g['capped'] else ''}:{g['score']:.2f}"


def rows(
    dataset: str, data_dir: Path, *, limit: int | None, kind: str | None, case_id: str | None
) -> Iterator[dict[str, Any]]:
    audit = create_db_engine("sqlite://")
    migrate(audit)
    group: ep.LoadedGroup | None = None
    done = 0
    workdir = Path(ep.tempfile.mkdtemp(prefix="autoheal-explain-"))
    cases: Iterator[tuple[BenchCase, Bundle]] = LOADERS[dataset](data_dir)
    for case, bundle in cases:
        if (kind and case.kind != kind) or (case_id and case.id != case_id):
            continue
        if limit is not None and done >= limit:
            break
        if group is None or group.key != case.group:
            if group is not None:
                group.telemetry.close()
            group = ep.load(case.group, bundle, workdir)
        done += 1
        yield explain(case, group, audit)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=sorted(LOADERS))
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/bench"))
    ap.add_argument("--limit", type=int)
    ap.add_argument("--kind")
    ap.add_argument("--case")
    args = ap.parse_args(argv)
    names = ["changes", "topology", "saturation", "metrics", "logs", "traces"]
    print(
        f"{'case':<19} {'kind':<15} {'root cause':<28} cand "
        + " ".join(f"{n[:8]:>9}" for n in names)
        + "  verdicts                      conf  rank first"
    )
    records = []
    for r in rows(args.dataset, args.data_dir, limit=args.limit, kind=args.kind, case_id=args.case):
        records.append(r)
        gens = " ".join(f"{_cell(r['generators'].get(n)):>9}" for n in names)
        verdicts = ",".join(f"{v['kind'][:8]}={v['verdict'][:3]}/{v['checks']}" for v in r["verdicts"]) or "-"
        conf = f"{r['confidence']:.2f}" if r["confidence"] is not None else "-"
        print(
            f"{r['id'][:19]:<19} {r['kind'][:15]:<15} {r['truth'][:28]:<28} "
            f"{r['candidate'] or '-':>4} {gens}  {verdicts[:28]:<28} {conf:>5} {r['rank'] or '-':>4} "
            f"{(r['first'] or '-')[:24]}",
            flush=True,
        )
    top = {k: sum(1 for r in records if r["rank"] is not None and r["rank"] <= k) for k in (1, 3, 5)}
    print(json.dumps({"dataset": args.dataset, "cases": len(records), "top": top, "records": records}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
