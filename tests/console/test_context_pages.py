"""The context graph, fixes and on-call report pages over HTTP (no browser), on the demo's story:
what each shows is what the library answers, a responder's decision changes the fix (through
``fixes.decisions.decide``, audited), a viewer's is refused with the fix unchanged."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from autoheal.audit.verify import verify_chain
from autoheal.fixes import store as fixes_store
from autoheal.graph.context import service_context
from autoheal.graph.store import GraphStore
from autoheal.reports.funnel import funnel
from autoheal.reports.oncall import build_report, parse_when
from tests.console.conftest import Story


def _status(story: Story, fix_id: int) -> str:
    with story.app.sessions() as s:
        return str(fixes_store.get_fix(s, fix_id).status)


def test_the_graph_page_draws_what_the_graph_holds(as_viewer: tuple[TestClient, str], story: Story) -> None:
    client, _ = as_viewer
    with story.app.sessions() as s:
        ctx = service_context(GraphStore(s), "checkout")
    assert ctx["incidents"] and ctx["depends_on"] and ctx["depended_on_by"]
    page = client.get("/console/graph/checkout")
    assert page.status_code == 200
    svg = re.search(r"<svg class=\"context-graph\".*?</svg>", page.text, re.S)
    assert svg, "the page carries the picture"
    for dep in ctx["depends_on"] + ctx["depended_on_by"]:
        assert f">{dep['service']}</text>" in svg.group(0)
    for inc in ctx["incidents"]:
        assert inc["incident"] in svg.group(0)
    # the story's second release lowered what the first incident taught (docs/graph.md "Validity")
    lowered = [i for i in ctx["incidents"] if i["lowered"]]
    assert lowered and "g-invalid" in svg.group(0) and "×0.5" in svg.group(0)
    index = client.get("/console/graph")
    assert 'href="/console/graph/checkout"' in index.text
    assert client.get("/console/graph?service=checkout").headers["location"] == "/console/graph/checkout"
    missing = client.get("/console/graph/no-such-service")
    assert missing.status_code == 404 and "no service" in missing.text


def test_the_report_page_draws_the_report_s_own_figures(
    as_viewer: tuple[TestClient, str], story: Story
) -> None:
    client, _ = as_viewer
    page = client.get("/console/reports/oncall?service=checkout&since=30d")
    assert page.status_code == 200
    now = story.app.clock.now()
    with story.app.sessions() as s:
        report = build_report(s, story.app.settings.reports, parse_when("30d", now), now, service="checkout")
    stages = funnel(report)
    assert stages[0].value == report.figure("alerts_received").value > 0
    chart = re.search(r'<svg class="funnel".*?</svg>', page.text, re.S)
    assert chart
    for stage in stages:
        assert f">{stage.value}<tspan" in chart.group(0), stage
    assert "alerts_received" in page.text and "handled_without_page" in page.text
    bad = client.get("/console/reports/oncall?service=checkout&since=yesterday")
    assert bad.status_code == 400 and "neither a duration" in bad.text


def test_a_responder_accepts_and_rejects_a_fix(as_responder: tuple[TestClient, str], story: Story) -> None:
    client, csrf = as_responder
    fix_id = story.fixes["http"]
    page = client.get(f"/console/fixes/{fix_id}")
    assert page.status_code == 200 and f"/console/fixes/{fix_id}/accept" in page.text
    assert client.post(f"/console/fixes/{fix_id}/accept", data={"csrf": "wrong"}).status_code == 403
    assert _status(story, fix_id) == "proposed"
    answer = client.post(f"/console/fixes/{fix_id}/accept", data={"csrf": csrf, "reason": "good catch"})
    assert answer.status_code == 303 and _status(story, fix_id) == "accepted"
    refused = client.post(f"/console/fixes/{fix_id}/reject", data={"csrf": csrf, "reason": " "})
    assert refused.status_code == 400 and "needs a reason" in refused.text
    answer = client.post(
        f"/console/fixes/{fix_id}/reject", data={"csrf": csrf, "reason": "the threshold pages at peak"}
    )
    assert answer.status_code == 303 and _status(story, fix_id) == "rejected"
    final = client.post(f"/console/fixes/{fix_id}/accept", data={"csrf": csrf})
    assert final.status_code == 400 and "it can become nothing" in final.text
    with story.app.sessions() as s:
        row = fixes_store.get_fix(s, fix_id)
        assert row.reason == "the threshold pages at peak" and row.decided_by.startswith("api-token:")
    story.app.governance.audit.flush()
    assert verify_chain(story.app.engine).ok
    listed = client.get("/console/fixes?status=rejected").text
    assert f'href="/console/fixes/{fix_id}"' in listed


def test_a_viewer_cannot_decide_a_fix(as_viewer: tuple[TestClient, str], story: Story) -> None:
    client, csrf = as_viewer
    fix_id = story.fixes["viewer"]
    page = client.get(f"/console/fixes/{fix_id}")
    assert page.status_code == 200 and "/accept" not in page.text and "responder" in page.text
    answer = client.post(f"/console/fixes/{fix_id}/accept", data={"csrf": csrf})
    assert answer.status_code == 403 and "responder" in answer.text
    assert _status(story, fix_id) == "proposed"
