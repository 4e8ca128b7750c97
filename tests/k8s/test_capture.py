"""``autoheal case capture``: a bundle recorded through the governed tools from the local fake
Kubernetes API server (official client) and a real Prometheus, then replayed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from autoheal.audit.trail import iter_records
from autoheal.cases.bundle import load_bundle
from autoheal.cases.capture import CaptureRequest, capture_bundle
from autoheal.clock import ManualClock
from autoheal.k8s.bench import audit_engine, run_case
from autoheal.k8s.catalogue import cases_dir
from autoheal.k8s.fakeapi import FakeKubeAPI
from autoheal.sim.prometheus import build_blocks
from autoheal.tools.kubernetes import ApiBackend

SOURCE = "crashloop-missing-env-after-rollout"
SECRET = "hunter2-Zq8rT7vW"


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[FakeKubeAPI, Any]]:
    bundle = load_bundle(cases_dir() / SOURCE)
    backend = bundle.backend()
    pod, container, _ = next(iter(bundle.logs))
    # a secret and an e-mail address in a container log: capture must redact them
    backend.add_log(pod, container, f"boot: connecting with password={SECRET} as ops@example.com\n")
    with FakeKubeAPI(backend) as api:
        yield api, bundle


@pytest.fixture(scope="module")
def prometheus(prometheus_factory: Any, tmp_path_factory: pytest.TempPathFactory, cluster: Any) -> Any:
    """A real Prometheus serving an hour of the namespace's memory series (TSDB blocks from
    OpenMetrics through promtool), ending now."""
    _, bundle = cluster
    namespace = bundle.alerts[0].labels["namespace"]
    pod = bundle.alerts[0].labels["pod"]
    work = tmp_path_factory.mktemp("capture-prom")
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    lines = ["# TYPE container_memory_working_set_bytes gauge"]
    for i in range(60):
        t = (end - timedelta(minutes=59 - i)).timestamp()
        value = 100e6 + i * 1e6
        lines.append(
            f'container_memory_working_set_bytes{{namespace="{namespace}",pod="{pod}",container="app"}} {value} {t:.0f}'
        )
        lines.append(
            f'container_memory_working_set_bytes{{namespace="elsewhere",pod="x",container="y"}} 1 {t:.0f}'
        )
    om = work / "series.om"
    om.write_text("\n".join(lines) + "\n# EOF\n")
    build_blocks(om, work / "tsdb")
    return prometheus_factory(tsdb_path=work / "tsdb", fresh=True)


def _alert_file(bundle: Any, tmp_path: Path) -> Path:
    path = tmp_path / "alert.json"
    path.write_text(json.dumps(bundle.alert_payload))
    return path


def test_capture_records_a_valid_redacted_bundle_through_the_gateway(
    cluster: Any, prometheus: Any, tmp_path: Path
) -> None:
    api, bundle = cluster
    namespace = bundle.alerts[0].labels["namespace"]
    engine = audit_engine()
    request = CaptureRequest(
        alert_payload=bundle.alert_payload, namespace=namespace, prometheus_url=prometheus.url, hours=2
    )
    dest = tmp_path / "captured"
    summary = capture_bundle(
        request, ApiBackend(api.client()), dest, clock=ManualClock(datetime.now(UTC)), engine=engine
    )
    captured = load_bundle(dest)

    # every object of the namespace as the API returned it, by kind
    original = {
        (o["kind"], o["metadata"]["name"])
        for o in bundle.objects
        if o["metadata"].get("namespace") == namespace
    }
    assert {(o["kind"], o["metadata"]["name"]) for o in captured.objects} >= original
    assert set(captured.logs) >= set(bundle.logs)  # current and previous container logs
    # only the namespace's series, from the real Prometheus
    assert captured.series and {s["metric"]["namespace"] for s in captured.series} == {namespace}
    assert summary.series == len(captured.series) and not summary.failed
    # redacted by the gateway before anything was written
    text = "".join(p.read_text() for p in dest.rglob("*") if p.is_file())
    assert SECRET not in text and "ops@example.com" not in text
    # every read was a governed, audited, allowed call
    calls = [json.loads(r.payload) for r in iter_records(engine) if r.kind == "tool_call"]
    assert len(calls) == summary.calls > 10
    assert all(c["decision"] == "allowed" for c in calls)
    assert {c["tool"] for c in calls} == {
        "kubernetes.list",
        "kubernetes.logs",
        "prometheus.query_range",
        "prometheus.rules",
    }


def test_captured_bundle_replays_to_the_same_root_cause(cluster: Any, tmp_path: Path) -> None:
    api, bundle = cluster
    dest = tmp_path / "captured.tar.gz"
    capture_bundle(
        CaptureRequest(alert_payload=bundle.alert_payload, namespace=bundle.alerts[0].labels["namespace"]),
        ApiBackend(api.client()),
        dest,
        clock=ManualClock(bundle.now),
    )
    captured = load_bundle(dest)
    captured.expected = bundle.expected  # the answer the original carries
    result, hypotheses = run_case(captured)
    assert result.top1, hypotheses[0].statement if hypotheses else None


def test_cli_capture_with_a_kubeconfig(cluster: Any, tmp_path: Path) -> None:
    from autoheal.cli.case import app

    api, bundle = cluster
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {"server": api.url}}],
                "users": [{"name": "reader", "user": {}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "reader"}}],
                "current-context": "fake",
            }
        )
    )
    out = tmp_path / "bundle"
    args = [
        "capture",
        "--alert",
        str(_alert_file(bundle, tmp_path)),
        "--namespace",
        bundle.alerts[0].labels["namespace"],
    ]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--kubeconfig", str(kubeconfig)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and (out / "bundle.yaml").exists()
    assert load_bundle(out).objects


def test_capture_refuses_an_alert_its_source_cannot_read(cluster: Any, tmp_path: Path) -> None:
    from autoheal.errors import PayloadError

    api, _ = cluster
    with pytest.raises(PayloadError):
        capture_bundle(
            CaptureRequest(alert_payload={"version": "3"}, namespace="x"),
            ApiBackend(api.client()),
            tmp_path / "b",
        )
