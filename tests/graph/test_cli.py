"""`autoheal graph ...` on a database holding one learned incident."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from autoheal.cli.main import root
from autoheal.graph.memory import Memory
from autoheal.store.db import create_db_engine, migrate

from .test_graph import POOL, T0, alert, record

runner = CliRunner()


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    engine = create_db_engine(url)
    migrate(engine)
    memory = Memory(engine)
    memory.learn(record("inc-pool", [alert("HighLatency", "payment", "fp-pay")], POOL, T0, ["not the DB"]))
    memory.change("payment", T0 + timedelta(days=1), change_id="pay-v2", version="2.0.0")
    engine.dispose()
    return url


def test_show_similar_stats(tmp_path: Path) -> None:
    url = _db(tmp_path)
    shown = runner.invoke(root, ["graph", "show", "payment", "--depth", "2", "--json", "--db", url])
    assert shown.exit_code == 0, shown.output
    nodes = json.loads(shown.output)["nodes"]
    kinds = {n["kind"] for n in nodes}
    assert {"service", "incident", "root_cause", "change", "alert"} <= kinds
    hops = {n["kind"]: n["hops"] for n in nodes}
    assert hops["service"] == 0 and hops["root_cause"] == 1 and hops["incident"] == 2
    similar = runner.invoke(root, ["graph", "similar", "inc-pool", "--db", url, "--json"])
    assert similar.exit_code == 0 and similar.output.strip() == ""  # nothing else is like it
    stats = json.loads(runner.invoke(root, ["graph", "stats", "--db", url]).output)
    assert stats["nodes.incident"] == 1 and stats["edges.invalidated_by"] >= 1
    missing = runner.invoke(root, ["graph", "show", "nowhere", "--db", url])
    assert missing.exit_code == 1 and "no service 'nowhere'" in missing.output
    unknown = runner.invoke(root, ["graph", "similar", "no-such-thing", "--db", url])
    assert unknown.exit_code == 1 and "an incident in the graph" in unknown.output


def test_export_import_round_trip(tmp_path: Path) -> None:
    url = _db(tmp_path)
    out = tmp_path / "graph.jsonl"
    assert runner.invoke(root, ["graph", "export", "--out", str(out), "--db", url]).exit_code == 0
    assert json.loads(out.read_text().splitlines()[0])["format"] == "autoheal-graph"
    other = f"sqlite:///{tmp_path / 'other.db'}"
    imported = runner.invoke(root, ["graph", "import", str(out), "--db", other])
    assert imported.exit_code == 0, imported.output
    assert (
        runner.invoke(root, ["graph", "stats", "--db", other]).output
        == runner.invoke(root, ["graph", "stats", "--db", url]).output
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text(out.read_text() + "{broken\n")
    third = f"sqlite:///{tmp_path / 'third.db'}"
    failed = runner.invoke(root, ["graph", "import", str(bad), "--db", third])
    assert failed.exit_code == 1 and "not JSON" in failed.output
    assert json.loads(runner.invoke(root, ["graph", "stats", "--db", third]).output) == {}  # all or nothing
