"""DNS failure: a service's logs say it cannot resolve a name, while the service behind that name
is healthy.

Read from the incident and reference log lines the log generator asks (the same calls, answered
once per investigation): per service, the lines that match a name-resolution error
(``RESOLUTION``: the wordings of glibc, Go, Java, Node.js, curl and CoreDNS). At least
``dns_min_lines`` such lines in the incident window and none in the reference raise a
``dns_failure`` on the service that logged them (the one that cannot resolve), its ``component``
the name it failed on most (``NAME``). When that name is a known service whose symptom metrics
did not shift, the statement says so (the upstream is healthy: the fault is in the lookup, not
behind it); when it did shift, the score is halved (an upstream that is down and whose name also
fails to resolve is more likely an outage). Without logs the generator abstains."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning import probe
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.generators._windows import epoch, fetch_all
from autoheal.reasoning.generators.logs import MAX_BYTES, MAX_LINES, incident_lines

RESOLUTION = re.compile(
    r"no such host|NXDOMAIN|SERVFAIL|server misbehaving|Temporary failure in name resolution"
    r"|Name or service not known|nodename nor servname provided|Could not resolve host"
    r"|UnknownHostException|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|Name does not resolve"
    r"|name resolution failed|failed to resolve",
    re.IGNORECASE,
)
NAME = re.compile(
    r"(?:lookup|resolve host:?|UnknownHostException:|ENOTFOUND|EAI_AGAIN|resolve)\s+['\"]?([A-Za-z0-9][A-Za-z0-9.-]*)",
    re.IGNORECASE,
)


def resolution_errors(entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        if RESOLUTION.search(str(e.get("line") or "")):
            out.setdefault(str(e.get("service") or ""), []).append(e)
    return out


class DnsFailureGenerator:
    name = "dns"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        inc_entries, inc_cited, _ = incident_lines(ctx)
        if not inc_cited:
            return []
        found = {
            s: v
            for s, v in resolution_errors(inc_entries).items()
            if s and len(v) >= self.config.dns_min_lines
        }
        if not found:
            return []
        ref_entries, ref_cited, _ = fetch_all(
            ctx,
            "logs.query",
            ctx.reference,
            "lines",
            "logs, reference window",
            limit=MAX_LINES,
            max_bytes=MAX_BYTES,
        )
        if not ref_cited:
            return []  # no baseline: cannot tell a new failure from a chronic one
        usual = resolution_errors(ref_entries)
        out: list[Hypothesis] = []
        for service, lines in sorted(found.items()):
            if usual.get(service):
                continue
            names = Counter(
                m.group(1).rstrip(".") for e in lines if (m := NAME.search(str(e.get("line") or "")))
            )
            name = names.most_common(1)[0][0] if names else None
            upstream = name.split(".")[0] if name else None
            at = datetime.fromtimestamp(min(epoch(e["at"]) for e in lines), UTC)
            score = min(1.0, 0.5 + 0.05 * len(lines))
            tail = ""
            if upstream and upstream != service:
                shifted = probe.anomalies(ctx, self.config, [upstream]).get(upstream)
                if shifted:
                    score *= 0.5
                    tail = f"; {upstream} itself shifted too (an outage is as likely)"
                elif upstream in ctx.services:
                    tail = f"; {upstream} itself is healthy (its symptom metrics did not shift)"
            evidence = [
                ctx.cite(
                    inc_cited[0],
                    f"{len(lines)} name-resolution errors in {service}'s logs from {at:%H:%M:%S}"
                    + (f" (failing name: {name})" if name else "")
                    + f", e.g. {str(lines[0].get('line'))[:160]!r}; none in the reference window",
                )
            ]
            out.append(
                Hypothesis(
                    id=f"dns:{service}",
                    service=service,
                    kind="dns_failure",
                    statement=f"{service} cannot resolve {name or 'a name it calls'} (DNS failure){tail}",
                    generator=self.name,
                    score=round(score, 4),
                    component=name,
                    evidence=evidence,
                    attributes={"cause_at": at.isoformat(), "lines": len(lines), "upstream": upstream},
                )
            )
        return out
