"""What the MCP server offers to read (``resources/list``, ``resources/read``):

* ``autoheal://investigations/<id>`` — a finished investigation's report (JSON), the 50 latest;
* ``autoheal://reports/oncall/team/<team>``, ``autoheal://reports/oncall/service/<service>`` — the
  on-call report of the last 7 days with its funnel (JSON; :func:`autoheal.reports.oncall.build_report`
  and :func:`autoheal.reports.funnel.funnel`, as the CLI, API and console build them); a template
  lets a client ask for any team or service;
* ``autoheal://runbooks/<fix id>`` — the runbook sections Autoheal wrote from resolved incidents
  (preventive fixes of kind ``runbook``: what to check first, what was ruled out, what was done),
  as Markdown, with the fix's status (proposed, accepted, merged; rejected ones are not offered).

Every read is recorded in the audit trail under the client's name.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

import mcp.types as types
from pydantic import AnyUrl

from autoheal.app import Autoheal
from autoheal.errors import NotFoundError

INVESTIGATIONS = "autoheal://investigations/"
REPORTS = "autoheal://reports/oncall/"
RUNBOOKS = "autoheal://runbooks/"
LIMIT = 50
REPORT_WINDOW = "7d"


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, indent=1)


def list_resources(app: Autoheal) -> list[types.Resource]:
    from autoheal.fixes import store as fixes_store
    from autoheal.mcp.tools import list_investigations
    from autoheal.reports.scopes import known_scopes

    out = [
        types.Resource(
            uri=AnyUrl(f"{INVESTIGATIONS}{i['id']}"),
            name=i["id"],
            title=f"Investigation report: {i['subject']}"[:200],
            description=i["top_cause"] or "no cause established with evidence",
            mimeType="application/json",
        )
        for i in list_investigations(app, {"limit": LIMIT})["investigations"]
        if i["status"] == "finished"
    ]
    with app.sessions() as session:
        teams, services = known_scopes(session, app.settings.reports)
        runbooks = [
            r for r in fixes_store.list_fixes(session, kind="runbook", limit=LIMIT) if r.status != "rejected"
        ]
        runbook_items = [(r.id, r.title, r.status, r.service) for r in runbooks]
    for kind, names in (("team", teams), ("service", services)):
        out += [
            types.Resource(
                uri=AnyUrl(f"{REPORTS}{kind}/{quote(n, safe='')}"),
                name=f"oncall-{kind}-{n}",
                title=f"On-call report, {kind} {n}, last {REPORT_WINDOW}",
                description="alerts received, handled without a page and why, pages, time to acknowledge, "
                "to root cause and to resolution, recurrences, fixes — each figure with its rows",
                mimeType="application/json",
            )
            for n in names
        ]
    out += [
        types.Resource(
            uri=AnyUrl(f"{RUNBOOKS}{fix_id}"),
            name=f"runbook-{fix_id}",
            title=title[:200],
            description=f"runbook section for {service}, written from a resolved incident ({status})",
            mimeType="text/markdown",
        )
        for fix_id, title, status, service in runbook_items
    ]
    return out


def templates() -> list[types.ResourceTemplate]:
    return [
        types.ResourceTemplate(
            uriTemplate=f"{REPORTS}{kind}/{{{kind}}}",
            name=f"oncall-{kind}",
            title=f"On-call report of a {kind}, last {REPORT_WINDOW}",
            mimeType="application/json",
        )
        for kind in ("team", "service")
    ]


def read_resource(app: Autoheal, uri: str) -> str:
    if uri.startswith(INVESTIGATIONS):
        from autoheal.mcp.tools import get_investigation

        return _json(get_investigation(app, {"investigation_id": uri.removeprefix(INVESTIGATIONS)}))
    if uri.startswith(REPORTS):
        return _json(_report(app, uri.removeprefix(REPORTS)))
    if uri.startswith(RUNBOOKS):
        return _runbook(app, uri.removeprefix(RUNBOOKS))
    raise NotFoundError(
        f"unknown resource {uri!r}: Autoheal serves {INVESTIGATIONS}<id>, {REPORTS}team/<team>, "
        f"{REPORTS}service/<service> and {RUNBOOKS}<id>"
    )


def _report(app: Autoheal, rest: str) -> dict[str, Any]:
    from autoheal.reports.funnel import funnel
    from autoheal.reports.oncall import build_report, parse_when

    kind, _, name = rest.partition("/")
    name = unquote(name)
    if kind not in ("team", "service") or not name:
        raise NotFoundError(f"an on-call report is {REPORTS}team/<team> or {REPORTS}service/<service>")
    now = app.clock.now()
    with app.sessions() as session:
        report = build_report(
            session,
            app.settings.reports,
            parse_when(REPORT_WINDOW, now),
            now,
            team=name if kind == "team" else None,
            service=name if kind == "service" else None,
        )
    return {**report.to_dict(), "summary": report.summary(), "funnel": [s.to_dict() for s in funnel(report)]}


def _runbook(app: Autoheal, rest: str) -> str:
    from autoheal.fixes import store as fixes_store

    if not rest.isdigit():
        raise NotFoundError(f"a runbook is {RUNBOOKS}<fix id> (a number), not {rest!r}")
    with app.sessions() as session:
        row = fixes_store.get_fix(session, int(rest))
        if row.kind != "runbook" or row.status == "rejected":
            raise NotFoundError(f"fix {rest} is not an offered runbook section")
        files = dict(row.files)
        header = f"<!-- {row.title} · {row.status} · from {row.incident_id or row.source_ref} -->\n"
    return header + "\n".join(content for _, content in sorted(files.items()))
