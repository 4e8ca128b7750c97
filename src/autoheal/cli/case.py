"""`autoheal case ...`: case bundles - check one, replay one, capture one from a live cluster.

The format is documented in docs/kubernetes.md ("Case bundles") and :mod:`autoheal.cases.bundle`.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from autoheal.cli.common import console, guarded, print_json

app = typer.Typer(
    help="Case bundles: check, replay (triage + investigation) and capture.", no_args_is_help=True
)


@app.command("check")
@guarded
def check(bundle: Path = typer.Argument(..., help="a bundle folder or .tar.gz")) -> None:
    """Validate a bundle and say what it holds (exit 1 with every problem listed when invalid)."""
    from autoheal.cases.bundle import load_bundle

    b = load_bundle(bundle)
    kinds: dict[str, int] = {}
    for obj in b.objects:
        kinds[obj["kind"]] = kinds.get(obj["kind"], 0) + 1
    typer.echo(f"{b.name}: {b.title}")
    typer.echo(f"  alert: {b.alert_source}, {len(b.alerts)} alert(s): {', '.join(a.name for a in b.alerts)}")
    typer.echo(f"  kubernetes objects: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items())) or 'none'}")
    typer.echo(f"  container logs: {len(b.logs)}; series: {len(b.series)}; rule groups: {len(b.rules)}")
    typer.echo(f"  log lines: {len(b.log_lines)}; spans: {len(b.spans)}; changes: {len(b.changes)}")
    typer.echo(f"  answer: {'yes' if b.expected else 'no'}")


@app.command("run")
@guarded
def run(
    bundle: Path = typer.Argument(..., help="a bundle folder or .tar.gz"),
    as_json: bool = typer.Option(False, "--json", help="print the verdict and the report as one JSON object"),
) -> None:
    """Replay a bundle through triage and the full investigation and print the report."""
    from autoheal.cases.bundle import load_bundle
    from autoheal.cases.replay import replay
    from autoheal.cli.investigate import render
    from autoheal.reasoning.triage import TriageVerdict

    b = load_bundle(bundle)
    verdict: dict[str, object] = {}
    for item in replay(b):
        if isinstance(item, TriageVerdict):
            verdict = {
                "kind": item.kind.value,
                "score": round(item.score, 4),
                "explanation": item.explanation,
            }
            if not as_json:
                console.print(f"[bold]triage[/bold] {item.kind.value} ({item.score:.2f}): {item.explanation}")
        elif as_json:
            if item.kind == "report":
                print_json({"bundle": b.name, "triage": verdict, "report": item.payload["report"]})
        else:
            render(item)


@app.command("capture")
@guarded
def capture(
    alert: Path = typer.Option(..., "--alert", help="the alert as its sender posted it (JSON file)"),
    namespace: str = typer.Option(..., "--namespace", help="the namespace to record"),
    out: Path = typer.Option(..., "--out", help="the bundle to write: a folder, or a path ending .tar.gz"),
    alert_source: str = typer.Option("alertmanager", "--source", help="who posted the alert"),
    kubeconfig: str = typer.Option(None, "--kubeconfig", help="kubeconfig path (default: ~/.kube/config)"),
    context: str = typer.Option(None, "--context", help="kubeconfig context"),
    in_cluster: bool = typer.Option(False, "--in-cluster", help="use the pod's service account"),
    prometheus: str = typer.Option(None, "--prometheus", help="Prometheus base URL to record series from"),
    hours: float = typer.Option(3.0, "--hours", help="how much metric history to record"),
) -> None:
    """Record a bundle from a live cluster (and Prometheus) through the governed read-only tools."""
    from autoheal.cases.capture import CaptureRequest, capture_bundle
    from autoheal.tools.kubernetes import ApiBackend

    backend = ApiBackend.in_cluster() if in_cluster else ApiBackend.from_kubeconfig(kubeconfig, context)
    payload = json.loads(alert.read_text())
    request = CaptureRequest(
        alert_payload=payload,
        alert_source=alert_source,
        namespace=namespace,
        prometheus_url=prometheus,
        hours=hours,
    )
    summary = capture_bundle(request, backend, out)
    typer.echo(summary.describe())
