"""The simulator's per-fault investigations are audited into the embedded app's own trail, which
``autoheal audit verify`` checks (SPEC: every tool call is audited)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from autoheal.audit.trail import iter_records
from autoheal.audit.verify import verify_chain
from autoheal.cli.main import root
from autoheal.store.db import create_db_engine

runner = CliRunner()
SCENARIO = "bad-deploy-payment-victim"  # passes its ground truth (a red herring: victims alert too)


def test_sim_investigation_tool_calls_land_in_the_apps_verifiable_trail(tmp_path: Path) -> None:
    result = runner.invoke(
        root, ["sim", "run", SCENARIO, "--json", "--investigate", "--workdir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    [investigation] = out["after_the_fact"]["investigations"]  # extra information, not the verdict
    assert investigation["matched_service"] and investigation["matched_kind"]

    url = f"sqlite:///{tmp_path / 'autoheal.db'}"
    engine = create_db_engine(url)
    records = list(iter_records(engine))
    payloads = [(r, r.payload_obj()) for r in records]
    mine = [
        (r, p)
        for r, p in payloads
        if r.kind == "tool_call" and p.get("investigation_id") == f"sim-{SCENARIO}-fault-0"
    ]
    # every evidence the investigation collected came from an audited call, under the app's policy
    assert len(mine) == investigation["tool_calls"] > 10
    assert all(p["caller"] == "investigation" and p["decision"] == "allowed" for _, p in mine)
    assert {p["tool"].split(".")[0] for _, p in mine} >= {"prometheus", "changes"}
    # the app's own calls (triage, its investigations) are in the same trail
    assert any(p.get("caller") == "triage" for _, p in payloads)

    verified = runner.invoke(root, ["audit", "verify", "--db", url])
    assert verified.exit_code == 0, verified.output
    assert f"{len(records)} records" in verified.output

    # the sim's records are links of that chain: altering one is caught at that record
    record = mine[len(mine) // 2][0]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_records SET payload = :p WHERE seq = :s"),
            {"p": record.payload.replace('"allowed"', '"denied"'), "s": record.seq},
        )
    report = verify_chain(engine)
    assert not report.ok and report.first_bad is not None and report.first_bad.seq == record.seq
    assert runner.invoke(root, ["audit", "verify", "--db", url]).exit_code == 1
    engine.dispose()
