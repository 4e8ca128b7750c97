"""`autoheal bench ...`: the measured claims, each reproducible by one command."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Benchmarks: measured claims, reproducible by one command each.", no_args_is_help=True)


@app.command("k8s")
def k8s(
    as_json: bool = typer.Option(False, "--json", help="print per-case results as JSON lines"),
    only: str = typer.Option(None, "--only", help="run the cases whose folder name contains this"),
    via_api: bool = typer.Option(
        False, "--api", help="serve each case through the local fake API server and the official client"
    ),
    cases: Path = typer.Option(
        None,
        "--cases",
        help="score the case bundles in this folder that carry an answer (default: the catalogue)",
    ),
) -> None:
    """Kubernetes alert catalogue: top-1 root cause, facts stated and cited, noise, p99 seconds."""
    from autoheal.audit.verify import verify_chain
    from autoheal.cli.common import friendly_errors
    from autoheal.k8s.bench import audit_engine, by_family, run_bench, summarise

    engine = audit_engine()
    with friendly_errors():
        results = run_bench(only=only, via_api=via_api, engine=engine, cases_dir=cases)
    audit = verify_chain(engine)
    if as_json:
        for r in results:
            typer.echo(
                json.dumps(
                    {
                        "case": r.case,
                        "family": r.family,
                        "top1": r.top1,
                        "facts": f"{r.facts_stated_cited}/{r.facts_total}",
                        "missing_facts": r.missing_facts,
                        "noise_correct": r.noise_correct,
                        "triage": r.triage,
                        "seconds": round(r.seconds, 4),
                        "top": (r.top or {}).get("statement"),
                    }
                )
            )
    else:
        for r in results:
            mark = "ok " if r.top1 and r.noise_correct and not r.missing_facts else "MISS"
            typer.echo(
                f"{mark} {r.case:45s} facts {r.facts_stated_cited}/{r.facts_total} triage {r.triage:11s} "
                f"{r.seconds:.3f}s"
            )
            if mark == "MISS":
                typer.echo(f"     top: {(r.top or {}).get('kind')}: {(r.top or {}).get('statement')}")
                typer.echo(f"     missing facts: {r.missing_facts}")
        typer.echo("")
        typer.echo(f"{'family':32s} cases  top1  facts  noise  p99_s")
        for family, s in by_family(results).items():
            typer.echo(
                f"{family:32s} {s['cases']:5d} {s['top1']:5.2f} {s['facts_recall']:6.2f} "
                f"{s['noise_correct']:6.2f} {s['p99_s']:6.3f}"
            )
        summary = summarise(results)
        typer.echo(
            f"triage: {summary['triage_noise_paged']} noise/healthy case(s) would page, "
            f"{summary['triage_signal_called_noise']} real case(s) called noise"
        )
        typer.echo(
            f"governed calls: {sum(r.tool_calls for r in results)} through the Gateway (read-only policy), "
            f"{sum(r.refused_calls for r in results)} refused; audit trail {audit.records} records, "
            f"chain {'verified' if audit.ok else 'BROKEN'}"
        )
    typer.echo(json.dumps(summarise(results)))


# ----------------------------------------------------------------------------- rca and logs
@app.command("rds")
def rds(
    cases: Path = typer.Option(
        None, "--cases", help="a folder of RDS case files (default: the shipped cases)"
    ),
    only: str = typer.Option(None, "--only", help="run the cases whose file name contains this"),
) -> None:
    """RDS investigator cases on moto (a local AWS emulator): top-1 cause, facts, red herrings."""
    from autoheal.cli.common import friendly_errors

    try:
        from autoheal.cloud.bench import run_bench, summarise
    except ImportError as exc:
        raise typer.BadParameter(
            f"bench rds needs boto3 and moto[server] (pip install -e '.[dev]'): {exc}"
        ) from exc
    with friendly_errors():
        results = run_bench(cases, only=only)
    for r in results:
        mark = "ok " if r.top1 and not r.missing_facts and r.herring_avoided is not False else "MISS"
        typer.echo(
            f"{mark} {r.case:34s} {r.kind:24s} facts {r.facts_hit}/{r.facts_total} calls {r.tool_calls} {r.seconds:.2f}s"
        )
        if mark == "MISS":
            typer.echo(f"     top: {(r.top or {}).get('kind')}: {(r.top or {}).get('statement')}")
            typer.echo(f"     missing facts: {r.missing_facts}")
    summary = summarise(results)
    typer.echo("")
    typer.echo(
        f"{'cases':>6} {'top1':>6} {'facts':>6} {'herrings':>9} {'not_zero':>10} {'calls':>6} {'p99_s':>7}"
    )
    typer.echo(
        f"{summary['cases']:6d} {summary['top1']:6.2f} {summary['facts_recall']:6.2f} "
        f"{summary['herrings_avoided'] if summary['herrings_avoided'] is not None else '-':>9} "
        f"{summary['missing_not_zero'] if summary['missing_not_zero'] is not None else '-':>10} "
        f"{summary['tool_calls']:6d} {summary['p99_s']:7.3f}"
    )
    typer.echo(json.dumps(summary))


def _data_dir(value: str | None) -> Path:
    from autoheal.bench import default_data_dir

    return Path(value) if value else default_data_dir()


@app.command("rca")
def rca(
    dataset: str = typer.Option(
        ..., "--dataset", help="nezha | rcd-sockshop | petshop (with --matrix: comma-separated, or all)"
    ),
    data_dir: str = typer.Option(
        None, "--data-dir", help="bench data directory (default: $AUTOHEAL_BENCH_DATA or ../shared/bench)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print only the final JSON object"),
    limit: int = typer.Option(None, "--limit", help="score only the first N cases"),
    no_baselines: bool = typer.Option(False, "--no-baselines", help="skip RCAEval's BARO and NSigma"),
    path: str = typer.Option(
        "engine",
        "--path",
        help="engine (the investigation engine through governed tools) | direct (diagnosis)",
    ),
    ablate: str = typer.Option(
        "metrics,traces,logs",
        "--ablate",
        "--modalities",
        help="the modalities the engine may read, comma-separated: metrics, traces, logs",
    ),
    drop_fraction: float = typer.Option(
        0.0, "--drop-fraction", help="share of trace minutes and of log minutes removed at random (0..1)"
    ),
    seed: int = typer.Option(0, "--seed", help="seed of the minutes removed by --drop-fraction"),
    matrix: bool = typer.Option(
        False, "--matrix", help="run the ablation matrix (bench/matrix.py) on the --dataset list"
    ),
    cells: str = typer.Option(
        None, "--cells", help="with --matrix: only these rows, comma-separated (default: every row)"
    ),
    seeds: str = typer.Option("0,1,2", "--seeds", help="with --matrix: seeds of the drop rows"),
    jobs: int = typer.Option(1, "--jobs", help="with --matrix: runs at once (worker processes)"),
    cases_out: str = typer.Option(
        None, "--cases-out", help="append one JSON line per case (for autoheal bench calibration)"
    ),
) -> None:
    """Root-cause ranking on real incident data, with RCAEval's BARO and NSigma side by side."""
    from autoheal.bench.ablation import Ablation, parse_modalities
    from autoheal.bench.runner import run_rca, table_rows

    if matrix:
        from autoheal.bench.matrix import render, run_matrix

        done = run_matrix(
            dataset,
            _data_dir(data_dir),
            cells=cells,
            seeds=seeds,
            with_baselines=not no_baselines,
            limit=limit,
            cases_out=Path(cases_out) if cases_out else None,
            progress=None if as_json else typer.echo,
            jobs=jobs,
        )
        if not as_json:
            for line in render(done):
                typer.echo(line)
        typer.echo(json.dumps(done.to_json()))
        return
    ablation = Ablation(parse_modalities(ablate), drop_fraction, seed)
    result = run_rca(
        dataset,
        _data_dir(data_dir),
        limit=limit,
        with_baselines=not no_baselines,
        path=path,
        ablation=ablation,
    )
    if cases_out:
        result.append_case_records(Path(cases_out))
    if not as_json:
        methods = result.methods()
        head = f"{'group':28s} {'cases':>5s}"
        for m in methods:
            head += f" | {m + ' AS@1':>13s} {'AS@3':>6s} {'AS@5':>6s} {'Avg@5':>6s}"
        typer.echo(
            f"{dataset}: {len(result.cases)} cases, {result.seconds:.1f} s, path={result.path}, "
            f"reads {ablation.label()}"
        )
        typer.echo(head)
        for row in table_rows(result):
            line = f"{row[0]:28s} {row[1]:>5s}"
            for i in range(len(methods)):
                a, b, c, d = row[2 + 4 * i : 6 + 4 * i]
                line += f" | {a:>13s} {b:>6s} {c:>6s} {d:>6s}"
            typer.echo(line)
        if result.inner:
            typer.echo(
                "inner service (the label's code location or resource named by a cause; bench/inner.py):"
            )
            summary = result.inner_summary()
            for group, s in {**summary["groups"], "overall": summary}.items():
                typer.echo(
                    f"{group:28s} {s['cases']:>5d} | {s['AIS@1']:>13.3f} {s['AIS@3']:>6.3f} "
                    f"{s['AIS@5']:>6.3f} {s['Avg@5']:>6.3f}"
                )
        if result.baseline_message:
            typer.echo(f"baselines: {result.baseline_message}")
        from autoheal.bench.published import PUBLISHED

        for name, figures in PUBLISHED.get(dataset, {}).items():
            typer.echo(f"published {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    typer.echo(json.dumps(result.to_json()))


@app.command("logs")
def logs(
    data_dir: str = typer.Option(None, "--data-dir", help="the loghub_2k directory"),
    as_json: bool = typer.Option(False, "--json", help="print only the final JSON object"),
) -> None:
    """Grouping accuracy of Autoheal's Drain configuration on Loghub's 2k sets."""
    from autoheal.bench.loghub import run_logs
    from autoheal.bench.published import DRAIN_LOGHUB_AVG

    root = Path(data_dir) if data_dir else _data_dir(None) / "loghub_2k"
    per_system = run_logs(root)
    average = round(sum(per_system.values()) / len(per_system), 4) if per_system else 0.0
    if not as_json:
        for name, acc in per_system.items():
            typer.echo(f"{name:14s} {acc:.3f}")
        typer.echo(f"{'average':14s} {average:.3f}   (Drain published: about {DRAIN_LOGHUB_AVG})")
    typer.echo(json.dumps({"grouping_accuracy": average, "systems": per_system}))


@app.command("logcause")
def logcause(
    data_dir: str = typer.Option(None, "--data-dir", help="the loghub_2k directory"),
    as_json: bool = typer.Option(False, "--json", help="print only the final JSON object"),
) -> None:
    """The investigators' log cause extraction on Loghub's labelled anomalies: precision / recall / F1."""
    from autoheal.cli.common import friendly_errors
    from autoheal.k8s.logbench import run, summary

    root = Path(data_dir) if data_dir else _data_dir(None) / "loghub_2k"
    with friendly_errors():
        scores, unlabelled = run(root)
    result = summary(scores, unlabelled)
    if not as_json:

        def fmt(v: float | None) -> str:
            return "  n/a" if v is None else f"{v:5.3f}"

        typer.echo(
            f"{'system':12s} {'lines':>5s} {'anom':>5s} {'flag':>5s} {'P':>5s} {'R':>5s} {'F1':>5s}  cause line"
        )
        for s in scores:
            hit = (
                "n/a"
                if s.cause_line_is_anomaly is None
                else ("anomaly" if s.cause_line_is_anomaly else "normal")
            )
            typer.echo(
                f"{s.system:12s} {s.lines:5d} {s.anomalies:5d} {s.flagged:5d} {fmt(s.precision)} "
                f"{fmt(s.recall)} {fmt(s.f1)}  {hit}"
            )
        typer.echo(
            f"{'all':12s} {result['lines']:5d} {result['anomalies']:5d} {'':5s} {fmt(result['precision'])} "
            f"{fmt(result['recall'])} {fmt(result['f1'])}"
        )
        typer.echo(f"not scored (no line labels in the 2k set): {', '.join(unlabelled)}")
    typer.echo(json.dumps(result))


@app.command("triage")
def triage(
    scenario: list[str] = typer.Option(
        None, "--scenario", help="only these simulator scenarios (repeatable)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print every episode as a JSON line"),
) -> None:
    """Triage on the simulator's labelled scenarios: incidents called noise (goal 0), noise recall, p99 ms."""
    from autoheal.reasoning.triage.bench import render, run, summarise

    cases = run(scenario or None)
    render(cases, as_json=as_json)
    typer.echo(json.dumps(summarise(cases)))


@app.command("memory")
def memory(
    only: str = typer.Option(None, "--only", help="run the pairs whose file name contains this"),
    pairs_dir: Path = typer.Option(
        None, "--pairs", help="a folder of pair scenario files (default: the shipped ones)"
    ),
) -> None:
    """Recurrences with and without the context graph: tool calls, top-1 root cause, misled pairs."""
    from autoheal.graph.bench import pair_files, run_pair, summarise

    if pairs_dir is not None and not pairs_dir.is_dir():
        raise typer.BadParameter(f"{pairs_dir} is not a folder of pair scenario files", param_hint="--pairs")
    files = [p for p in pair_files(pairs_dir) if not only or only in p.name]
    if not files:
        raise typer.BadParameter(f"no pair file matches {only!r}", param_hint="--only")
    results = []
    typer.echo(
        f"{'pair':42s} {'class':10s} {'calls off':>9s} {'calls on':>8s} {'rank off':>8s} {'rank on':>7s}  anchored"
    )
    for path in files:
        r = run_pair(path)
        results.append(r)
        rank = {6: "-"}
        typer.echo(
            f"{r.name:42s} {r.cls:10s} {r.calls_off:9d} {r.calls_on:8d} {rank.get(r.rank_off, str(r.rank_off)):>8s} "
            f"{rank.get(r.rank_on, str(r.rank_on)):>7s}  {'yes' if r.anchored else 'no: ' + r.reason[:60]}"
        )
    figures = summarise(results)
    typer.echo("")
    typer.echo(f"{'class':12s} pairs  calls off  calls on  ratio  rank1 off  rank1 on  misled")
    for cls, f in figures["by_class"].items():
        typer.echo(
            f"{cls:12s} {f['pairs']:5d} {f['tool_calls_off']:10d} {f['tool_calls_on']:9d} {f['calls_ratio']:6.2f} "
            f"{f['rank1_off']:10.2f} {f['rank1_on']:9.2f} {f['misled']:7d}"
        )
    typer.echo(
        f"retrieval: p99 {figures['p99_retrieval_ms']} ms, median {figures['median_retrieval_ms']} ms "
        "(embedded SQLite, a graph of this pair's first incident)"
    )
    anchored = [r for r in results if r.anchored]
    typer.echo("")
    typer.echo(f"where the calls of the {len(anchored)} anchored investigations go (phase, tool: off, on)")
    for key, row in figures["anchored_calls"].items():
        typer.echo(f"  {key:44s} {row['off']:5d} {row['on']:5d}")
    typer.echo(
        f"floor: {figures['floor_ratio']:.2f} (calls_ratio if every recurrence cost no call; "
        "the changed and different pairs may not shortcut)"
    )
    last = {
        k: figures[k]
        for k in (
            "pairs",
            "tool_calls_on",
            "tool_calls_off",
            "calls_ratio",
            "rank1_on",
            "rank1_off",
            "misled",
            "p99_retrieval_ms",
            "floor_ratio",
        )
    }
    last["by_class"] = figures["by_class"]
    typer.echo(json.dumps(last))


@app.command("decisions")
def decisions(
    corpus: Path = typer.Option(None, "--corpus", help="a labelled corpus file (default: the shipped one)"),
) -> None:
    """The decision-step parser on labelled incident-channel messages: typed, left as note, mistyped."""
    from autoheal.decisions.corpus import judge, load, summary

    if corpus is not None and not corpus.is_file():
        raise typer.BadParameter(f"{corpus}: no such corpus file", param_hint="--corpus")
    judged = judge(load(corpus))
    typer.echo(f"{'action':14s} messages  correct  note  mistyped")
    for action in sorted({j.message.action for j in judged}):
        mine = [j for j in judged if j.message.action == action]
        typer.echo(
            f"{action:14s} {len(mine):8d} {sum(j.outcome == 'correct' for j in mine):8d} "
            f"{sum(j.outcome == 'note' for j in mine):5d} {sum(j.outcome == 'mistyped' for j in mine):9d}"
        )
    for j in judged:
        if j.outcome == "mistyped":
            typer.echo(
                f"  mistyped: {j.message.text!r}: {j.action}/{j.target}/{j.service}, "
                f"labelled {j.message.action}/{j.message.target}/{j.message.service}"
            )
    typer.echo(json.dumps(summary(judged)))


@app.command("fixes")
def fixes(
    only: str = typer.Option(
        None, "--only", help="the scenarios whose name contains one of these (comma-separated)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print per-scenario results as JSON lines"),
    jobs: int = typer.Option(
        1, "--jobs", min=1, max=16, help="scenarios played at once (separate processes)"
    ),
) -> None:
    """Preventive fixes of every simulator scenario with a fault: rules valid and tested, lead time."""
    from rich.console import Console
    from rich.table import Table

    from autoheal.fixes.bench import LAST_LINE, bench_all, last_line, summarise
    from autoheal.sim.scenario import catalogue

    parts = [p.strip() for p in only.split(",")] if only else []
    names = [s.name for s in catalogue() if s.faults and (not parts or any(p in s.name for p in parts))]
    if not names:
        raise typer.BadParameter(f"no scenario with a fault matches {only!r}", param_hint="--only")
    started = time.perf_counter()
    results = bench_all(names, jobs)
    wall = round(time.perf_counter() - started, 1)
    if as_json:
        for r in results:
            typer.echo(json.dumps(r, default=str))
    for r in results:
        if r.get("error"):
            Console().print(f"[red]{r['scenario']}: {r['error']}[/red]")
    table = Table(title="preventive fixes per scenario fault")
    for col in ("scenario", "fault", "offered", "failed", "leading lead s", "s"):
        table.add_column(col)
    for r in results:
        for f in r["faults"]:
            lead = [
                o["figures"]["lead_time_s"] for o in f.get("offered", []) if o["kind"] == "leading_indicator"
            ]
            table.add_row(
                r["scenario"],
                str(f["fault"]),
                ", ".join(o["kind"] for o in f.get("offered", [])),
                ", ".join(o["kind"] for o in f.get("failed", [])),
                str(lead[0]) if lead else "-",
                str(r["seconds"]),
            )
    Console().print(table)
    summary = summarise(results)
    typer.echo(f"{len(names)} scenarios, {jobs} at once: {wall} s wall clock")
    typer.echo("totals: " + json.dumps({k: v for k, v in summary.items() if k not in LAST_LINE}))
    typer.echo(json.dumps(last_line(summary)))


@app.command("calibration")
def calibration(
    cases: list[str] = typer.Option(
        None, "--cases", help="--cases-out files of earlier runs (repeatable); default: run the data sets now"
    ),
    fit_on: list[str] = typer.Option(
        None,
        "--fit-on",
        help="simulator case records (autoheal sim cases --out) to fit the map on (repeatable); "
        "default: the committed map (src/autoheal/reasoning/calibration_map.json)",
    ),
    map_out: str = typer.Option(None, "--map-out", help="with --fit-on: write the fitted map here (JSON)"),
    data_dir: str = typer.Option(
        None, "--data-dir", help="bench data directory (default: $AUTOHEAL_BENCH_DATA or ../shared/bench)"
    ),
    datasets: str = typer.Option("all", "--datasets", help="without --cases: comma-separated, or all"),
    png: str = typer.Option(None, "--png", help="write the reliability diagram here (needs matplotlib)"),
    as_json: bool = typer.Option(False, "--json", help="print only the final JSON object"),
    all_rows: bool = typer.Option(
        False,
        "--all-rows",
        help="score every record of --cases, ablated rows too, each data set and row on its own "
        "(default: only the data sets as published)",
    ),
) -> None:
    """Reliability of the report's top-cause confidence on the real data sets: bins, ECE, Brier,
    before (raw) and after the map fitted on the simulator's scenarios only."""
    from datetime import UTC, datetime

    from autoheal.bench import calibration as cal
    from autoheal.bench import crossval
    from autoheal.bench.matrix import parse_datasets
    from autoheal.bench.runner import run_rca
    from autoheal.reasoning.calibration import default_map

    if map_out and not fit_on:
        raise typer.BadParameter("--map-out needs --fit-on (the simulator case records to fit on)")
    fitted: list[cal.Pair] = []
    if fit_on:
        train = [
            r
            for r in _read_records(fit_on)
            if r.get("dataset") == "sim" and r.get("raw_confidence", r.get("confidence")) is not None
        ]
        fitted = cal.pairs(train, full_only=False)
        if not fitted:
            raise typer.BadParameter(
                "no simulator case records (dataset 'sim') to fit on: write them with autoheal sim cases"
            )
        rows: dict[str, int] = {}
        for r in train:
            rows[str(r.get("row", "all"))] = rows.get(str(r.get("row", "all")), 0) + 1
        # which design to fit: leave-one-scenario-out on the simulator's records (bench/crossval.py)
        figures = crossval.cross_validate(fitted, [crossval.scenario_of(r) for r in train])
        design = crossval.choose(figures)
        if not as_json:
            for line in crossval.render(figures):
                typer.echo(line)
        cmap = crossval.DESIGNS[design](
            fitted,
            about={
                "method": f"logistic regression (maximum likelihood, ridge {cal.RIDGE:g} on the weights) "
                "on the simulator's case records only",
                "design": design,
                "cross_validation": figures,
                "fitted_on": {"records": len(fitted), "right": sum(p.hit for p in fitted), "rows": rows},
                "command": "autoheal sim cases --out sim_cases.jsonl && autoheal bench calibration "
                "--fit-on sim_cases.jsonl --map-out src/autoheal/reasoning/calibration_map.json --cases REAL.jsonl",
                "fitted_at": datetime.now(UTC).strftime("%Y-%m-%d"),
            },
        )
        if map_out:
            Path(map_out).write_text(json.dumps(cmap.to_json(), indent=1) + "\n")
    else:
        cmap = default_map()
    records: list[dict[str, object]] = []
    if cases:
        records = _read_records(cases)
    else:
        for dataset in parse_datasets(datasets):
            result = run_rca(dataset, _data_dir(data_dir), with_baselines=False)
            records += result.case_records()
    real = [r for r in records if r.get("dataset") != "sim"]
    found = cal.pairs(real, full_only=False, by_row=True) if all_rows else cal.pairs(real)
    if not found:
        raise typer.BadParameter(
            "no case records with a confidence to calibrate"
            + ("" if all_rows else " on the full modality (--all-rows scores ablated rows too)")
        )
    result_cal = cal.calibrate(found, cmap, fitted)
    if not as_json:
        for line in cal.render(result_cal):
            typer.echo(line)
        if map_out:
            typer.echo(f"map written: {map_out}")
    if png:
        from autoheal.bench.diagram import reliability_png

        reliability_png(result_cal, Path(png))
        if not as_json:
            typer.echo(f"reliability diagram: {png}")
    typer.echo(json.dumps(result_cal.to_json()))


def _read_records(names: list[str]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for name in names:
        path = Path(name)
        if not path.is_file():
            raise typer.BadParameter(
                f"{name} is not a file (write one with bench rca --cases-out or sim cases --out)"
            )
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise typer.BadParameter(f"{name}:{n} is not a JSON line: {exc}") from exc
    return records
