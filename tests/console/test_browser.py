"""The console in a real browser: Playwright driving Debian's Chromium, on the demo's story.

Every page loads with no console error and no failed request; a responder's clicks change the
incident and the approval; a viewer sees no action and the server refuses one sent anyway; a
running investigation streams into the page. Screenshots of every page go to
``$AUTOHEAL_SCREENSHOTS`` (docs/screenshots holds the committed set) or a pytest temporary folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autoheal.incidents import IncidentService
from autoheal.store.tokens import Role
from tests.conftest import services_required
from tests.console.conftest import Story

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1440, "height": 900}  # a laptop screen


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        message = (
            "browser tests need Chromium and Playwright: `apt-get install -y --no-install-recommends chromium` "
            "(scripts/install-services.sh) and `pip install -e '.[dev]'`"
        )
        if services_required():
            pytest.fail(message + " (required because CI=true / AUTOHEAL_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("AUTOHEAL_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"console screenshots: {folder}")
    return folder


class Session:
    """A logged-in browser page that records console errors, page errors and failed requests."""

    def __init__(self, browser: Any, story: Story, role: Role) -> None:
        self.story = story
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "response",
            lambda r: self.problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
        )
        self.page.goto(f"{story.url}/console/alerts")
        assert "/console/login" in self.page.url
        self.page.fill("#token", story.tokens[role])
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/console/alerts$"))

    def visit(self, path: str) -> Any:
        self.page.goto(f"{self.story.url}/console{path}")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def viewer(browser: Any, story: Story) -> Iterator[Session]:
    s = Session(browser, story, Role.VIEWER)
    yield s
    s.close()


@pytest.fixture
def responder(browser: Any, story: Story) -> Iterator[Session]:
    s = Session(browser, story, Role.RESPONDER)
    yield s
    s.close()


def _chart_investigation(session: Session) -> str:
    page = session.visit("/investigations")
    ids = sorted(set(re.findall(r"inv-[0-9a-f]{12}", page.content())))
    for inv in ids:
        if session.visit(f"/investigations/{inv}").locator("svg.spark").count():
            return inv
    raise AssertionError("no investigation shows a metric chart")


def test_every_page_loads_without_console_errors(
    browser: Any, story: Story, viewer: Session, shots: Path
) -> None:
    login = browser.new_page(viewport=VIEWPORT)
    login.goto(f"{story.url}/console/login")
    login.screenshot(path=str(shots / "login.png"))
    login.close()

    inv = _chart_investigation(viewer)
    pages = {
        "alerts": "/alerts",
        "alerts-signal": "/alerts?verdict=signal",
        "group": f"/groups/{story.signal_group_id}",
        "investigations": "/investigations",
        "investigation": f"/investigations/{inv}",
        "incidents": "/incidents",
        "incident": f"/incidents/{story.incidents['viewer']}",
        "graph": "/graph/checkout",
        "fixes": "/fixes",
        "fix": f"/fixes/{story.fixes['viewer']}",
        "report": "/reports/oncall?service=checkout&since=30d",
        "approvals": "/approvals",
        "audit": "/audit",
    }
    for name, path in pages.items():
        page = viewer.visit(path)
        assert page.locator("h1").count() == 1, name
        assert "Error" not in page.title(), (name, page.title())
        # the audit trail is a long table: its first screen is what a reader needs to see
        page.screenshot(path=str(shots / f"{name}.png"), full_page=name != "audit")
    assert viewer.problems == []

    page = viewer.visit(f"/investigations/{inv}")
    assert page.locator("article.hypothesis").count() >= 2
    assert page.locator("svg.spark polyline").count() >= 1
    assert page.locator(".ruled-out article").count() >= 1
    assert page.locator(".ruled-out .reason").first.inner_text().startswith("Why:")
    assert "intact" in viewer.visit("/audit").locator("#verify").inner_text()
    graph = viewer.visit("/graph/checkout")
    assert graph.locator("svg.context-graph .g-focus").count() == 1
    assert graph.locator("svg.context-graph .g-incident").count() >= 1
    assert graph.locator("svg.context-graph .g-invalid").count() >= 1  # a change lowered a lesson
    assert viewer.visit("/reports/oncall?service=checkout&since=30d").locator("svg.funnel rect").count() == 6
    filtered = viewer.visit("/alerts?verdict=noise").locator("table.groups tbody").inner_text()
    assert "noise" in filtered and "signal" not in filtered


def test_a_responder_works_the_incident(responder: Session, story: Story, shots: Path) -> None:
    ref = story.incidents["browser"]
    page = responder.visit(f"/incidents/{ref}")
    page.click("#acknowledge")
    page.wait_for_load_state("networkidle")
    assert "investigating" in page.locator("#incident-status").inner_text()
    page.select_option("select[name=kind]", "checked")
    page.fill("input[name=text]", "checked the checkout connection pool: 12/50 in use")
    page.click("text=Add to timeline")
    page.wait_for_load_state("networkidle")
    page.locator("button[value=confirm]").first.click()
    page.wait_for_load_state("networkidle")
    page.fill("input[name=summary]", "rolled back the checkout release")
    page.fill("input[name=cause]", "bad deploy of checkout")
    page.screenshot(path=str(shots / "incident-responder.png"), full_page=True)
    page.click("#resolve")
    page.wait_for_load_state("networkidle")
    assert "resolved" in page.locator("#incident-status").inner_text()
    assert "checked the checkout connection pool" in page.locator("#timeline").inner_text()

    service = IncidentService(story.app.sessions, story.app.clock)
    incident = service.get(ref)
    assert incident.status.value == "resolved" and incident.cause == "bad deploy of checkout"
    kinds = [e.kind for e in service.timeline(ref)]
    # the confirmation went through IncidentService.decide_hypothesis: cause recorded, status identified
    assert kinds[1:] == ["acknowledged", "checked", "hypothesis_confirmed", "status_changed", "resolved"]

    page = responder.visit("/approvals?status=pending")
    row = page.locator("tr", has_text="write action needs approval (browser)")
    row.locator("input[name=note]").fill("ok for 30 minutes")
    row.locator("text=Grant").click()
    page.wait_for_load_state("networkidle")
    assert story.app.governance.approvals.get(story.approvals["browser"]).status == "granted"
    assert responder.problems == []


def test_a_responder_accepts_and_rejects_fixes(responder: Session, story: Story, shots: Path) -> None:
    from autoheal.fixes import store as fixes_store

    def status(fix_id: int) -> str:
        with story.app.sessions() as s:
            return str(fixes_store.get_fix(s, fix_id).status)

    accept, reject = story.fixes["browser-accept"], story.fixes["browser-reject"]
    page = responder.visit(f"/fixes/{accept}")
    page.fill("form.decide-accept input[name=reason]", "catches it ten minutes earlier")
    page.click("form.decide-accept button")
    page.wait_for_load_state("networkidle")
    assert status(accept) == "accepted"
    assert page.locator("form.decide-merged").count() == 1  # an accepted fix can be marked merged
    page = responder.visit(f"/fixes/{reject}")
    page.fill("form.decide-reject input[name=reason]", "we page on this elsewhere")
    page.screenshot(path=str(shots / "fix-responder.png"), full_page=True)
    page.click("form.decide-reject button")
    page.wait_for_load_state("networkidle")
    assert status(reject) == "rejected"
    assert "we page on this elsewhere" in page.locator("main").inner_text()
    assert page.locator("main form[method=post]").count() == 0  # final: nothing more to decide
    assert responder.problems == []


def test_a_viewer_cannot_act(viewer: Session, story: Story) -> None:
    ref = story.incidents["viewer"]
    page = viewer.visit(f"/incidents/{ref}")
    assert page.locator("main form").count() == 0
    assert page.locator("#acknowledge").count() == 0
    assert viewer.visit("/approvals").locator("main form[method=post]").count() == 0
    csrf = viewer.visit("/alerts").locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(f"{story.url}/console/incidents/{ref}/acknowledge", form={"csrf": csrf})
    assert answer.status == 403 and "responder" in answer.text()
    assert IncidentService(story.app.sessions, story.app.clock).get(ref).status.value == "triggered"
    fix_id = story.fixes["viewer"]
    assert viewer.visit(f"/fixes/{fix_id}").locator("main form[method=post]").count() == 0
    answer = page.request.post(f"{story.url}/console/fixes/{fix_id}/accept", form={"csrf": csrf})
    assert answer.status == 403 and "responder" in answer.text()


def test_a_running_investigation_streams_into_the_page(responder: Session, story: Story, shots: Path) -> None:
    page = responder.visit(f"/groups/{story.signal_group_id}")
    page.click("text=Investigate this group now")
    page.wait_for_url(re.compile(r".*/console/investigations/inv-[0-9a-f]{12}$"))
    assert page.locator("#events[data-events-url]").count() == 1  # still running: the page follows it
    # the events arrive over server-sent events, then the page reloads with the report
    page.wait_for_selector("article.hypothesis", timeout=120_000)
    assert page.locator("#events li").count() > 5
    assert page.locator("#events li.event-report").count() == 1
    page.screenshot(path=str(shots / "investigation-streamed.png"))
    assert responder.problems == []
