"""The on-call report over the demo's story, its figures checked against counts computed
independently (plain SQL) from the stored rows."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from autoheal.cli.main import root
from autoheal.errors import InputError
from autoheal.fixes import store
from autoheal.fixes.decisions import decide
from autoheal.fixes.model import Fix, FixKind
from autoheal.fixes.simulated import record_noise_outcomes
from autoheal.reports.config import ReportsConfig
from autoheal.reports.oncall import build_report, parse_when
from autoheal.sim import load_scenario, simulate
from autoheal.sim.play import EmbeddedAutoheal, play
from autoheal.sim.story_incidents import IncidentStory


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    run = simulate(load_scenario("demo-story"))
    incidents = IncidentStory.start()
    server = EmbeddedAutoheal.for_run(run, tmp_path_factory.mktemp("report"), incidents=incidents)
    try:
        play(run, server, on_delivery=incidents.after_delivery(server, run, None), investigate=False)
        app = server.autoheal
        record_noise_outcomes(app, run)
        with app.sessions() as s, s.begin():
            ids = [
                store.save_fix(
                    s,
                    Fix(kind, "checkout", kind.value, "", "t", f"{kind.value}:checkout", {"f": "x"}),
                    source_ref="INC-1",
                    at=app.clock.now(),
                    resolved_at=run.start,
                ).id
                for kind in (FixKind.LEADING_INDICATOR, FixKind.SLO_BURN_RATE, FixKind.RUNBOOK)
            ]
        decide(app.sessions, app.governance.audit, app.clock, ids[0], "accept", by="alice")
        decide(app.sessions, app.governance.audit, app.clock, ids[0], "merged", by="alice")
        decide(app.sessions, app.governance.audit, app.clock, ids[1], "reject", by="alice", reason="no")
        yield run, server
    finally:
        server.stop()
        incidents.stop()


def test_report_figures_match_counts_from_the_stored_rows(story):
    run, server = story
    app = server.autoheal
    services = run.topology.names()
    with app.sessions() as s:
        report = build_report(
            s, ReportsConfig(teams={"shop": services}), run.start, app.clock.now(), team="shop"
        )
        sql = lambda q: s.execute(text(q)).all()  # noqa: E731
        fired = sql("SELECT count(*) FROM alert_transitions WHERE status = 'firing'")[0][0]
        kinds = dict(sql("SELECT kind, count(*) FROM triage_verdicts GROUP BY kind"))
        quiet = sql(
            "SELECT count(*) FROM triage_verdicts WHERE kind IN ('noise', 'duplicate', 'known_issue')"
        )[0][0]
        incidents = sql("SELECT count(*) FROM incidents")[0][0]
        pages = sql("SELECT count(*) FROM incident_events WHERE kind = 'page_sent'")[0][0]
        acked = sql("SELECT opened_at, acknowledged_at, resolved_at FROM incidents")
        fixes = dict(sql("SELECT status, count(*) FROM fixes GROUP BY status"))
        causes = [
            json.loads(r.report or "{}").get("causes") or []
            for r in s.execute(text("SELECT report FROM investigations WHERE status = 'finished'")).all()
        ]
        first_fired = {}  # per finished investigation: min over its alerts of their last firing before it
        for inv_id, started, fps in s.execute(
            text("SELECT id, started_at, alert_fingerprints FROM investigations WHERE status = 'finished'")
        ).all():
            listed = ",".join(f"'{fp}'" for fp in json.loads(fps)) or "''"
            last = sql(
                "SELECT max(t.at) FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id WHERE"
                f" t.status = 'firing' AND t.at <= '{started}' AND a.fingerprint IN ({listed})"
                " GROUP BY t.alert_id"
            )
            if last:
                first_fired[inv_id] = min(at for (at,) in last)
    rc_rows = report.figure("time_to_root_cause_s_median").rows
    assert rc_rows and all(
        x["first_alert_at"][:19] == str(first_fired[x["investigation_id"]])[:19].replace(" ", "T")
        for x in rc_rows
    )
    f = report.summary()
    assert f["alerts_received"] == fired > 0
    assert f["triage_verdicts"] == kinds
    assert f["handled_without_page"] == quiet > 0
    assert sum(report.figure("handled_without_page_why").value.values()) <= quiet
    assert f["incidents"] == incidents == 2 and f["pages_sent"] == pages == 2
    assert f["time_to_acknowledge_s_median"] is not None
    assert f["time_to_resolution_s_median"] is not None and len(
        report.figure("time_to_resolution_s_median").rows
    ) == len([r for r in acked if r[2] is not None])
    assert (f["fixes_proposed"], f["fixes_accepted"], f["fixes_merged"], f["fixes_rejected"]) == (
        sum(fixes.values()),
        1,
        fixes["merged"],
        fixes["rejected"],
    )
    assert len(report.figure("resolution_to_prevention_s_median").rows) == 1
    keys = Counter((c[0]["hypothesis"]["service"], c[0]["hypothesis"]["kind"]) for c in causes if c)
    assert f["root_cause_kinds"] == dict(Counter(k for _, k in keys.elements()))
    assert f["recurrences"] == sum(n - 1 for n in keys.values())


def test_report_scope_and_bad_input(story):
    run, server = story
    app = server.autoheal
    with app.sessions() as s:
        one = build_report(s, ReportsConfig(), run.start, app.clock.now(), service="recommendation").summary()
        assert one["fixes_proposed"] == 0 and one["incidents"] == 0 and one["alerts_received"] > 0
        with pytest.raises(InputError, match="exactly one of --team or --service"):
            build_report(s, ReportsConfig(), run.start, app.clock.now())
        with pytest.raises(InputError, match="owns no service"):
            build_report(s, ReportsConfig(), run.start, app.clock.now(), team="nobody")
        with pytest.raises(InputError, match="must be after"):
            build_report(s, ReportsConfig(), app.clock.now(), run.start, service="x")
    assert parse_when("7d", run.end) == run.end - timedelta(days=7)
    assert parse_when("2026-01-06T09:00:00", run.end) == run.start
    with pytest.raises(InputError, match="neither a duration"):
        parse_when("last tuesday", run.end)


def test_report_cli_prints_a_table_and_a_last_json_line(story, tmp_path):
    run, server = story
    db = f"sqlite:///{server.workdir / 'autoheal.db'}"
    result = CliRunner().invoke(
        root,
        [
            "report",
            "oncall",
            "--service",
            "checkout",
            "--since",
            run.start.isoformat(),
            "--until",
            run.end.isoformat(),
            "--db",
            db,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "on-call report, service checkout" in result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["fixes_proposed"] == 3 and last["fixes_merged"] == 1
    listed = CliRunner().invoke(root, ["fixes", "list", "--json", "--db", db])
    assert listed.exit_code == 0 and len(listed.output.strip().splitlines()) == 3


def test_drill_down_csv_and_the_funnel_chart(story, tmp_path):
    import csv
    import io
    import xml.etree.ElementTree as ET

    run, server = story
    db = f"sqlite:///{server.workdir / 'autoheal.db'}"
    window = ["--since", run.start.isoformat(), "--until", run.end.isoformat(), "--db", db]
    with server.autoheal.sessions() as s:
        report = build_report(s, ReportsConfig(), run.start, run.end, service="checkout")
    merged = report.figure("fixes_merged")
    out = CliRunner().invoke(
        root, ["report", "oncall", "--service", "checkout", "--figure", "fixes_merged", "--csv", *window]
    )
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert len(rows) == merged.value == 1 and list(rows[0]) == list(merged.rows[0])
    key = next(iter(merged.rows[0]))
    assert rows[0][key] == str(merged.rows[0][key])
    bad = CliRunner().invoke(root, ["report", "oncall", "--service", "checkout", "--figure", "nope", *window])
    assert bad.exit_code != 0 and "no figure 'nope'" in bad.output and "alerts_received" in bad.output
    svg = tmp_path / "funnel.svg"
    out = CliRunner().invoke(root, ["report", "oncall", "--service", "checkout", "--svg", str(svg), *window])
    assert out.exit_code == 0, out.output
    bars = {
        r.get("data-figure"): float(r.get("width", 0))
        for r in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}rect")
    }
    from autoheal.reports.funnel import funnel

    stages = {st.name: st.value for st in funnel(report)}  # the console draws the same stages
    assert set(bars) == set(stages)
    for name in ("alerts_received", "handled_without_page", "pages_sent"):
        assert stages[name] == report.figure(name).value
    # bar widths in proportion to the figures (the widest stage has the widest bar)
    top, widest = max(stages.values()), max(bars.values())
    for name, value in stages.items():
        expected = max(2.0, widest * value / top) if value else 0.0
        assert bars[name] == pytest.approx(expected, abs=0.2)
