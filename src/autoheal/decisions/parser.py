"""The deterministic parser: one incident-channel message -> one :class:`DecisionStep`.

Rules, in order (the first that fires decides the action; docs/graph.md lists the phrasings):

1. ``/autoheal checked|ruled-out|resolve|mitigated|escalate|hypothesis|note|status ...``: the
   command names the action; the rest is read for the target.
2. Links and tool-call ids (``https://...``, ``ev12``) become evidence and are set aside.
3. A pasted ``kubectl`` command, LogQL query (``{app="x"} |= "..."``) or PromQL expression is the
   target (command, log query, metric); a kubectl verb that changes things (``rollout undo``,
   ``scale``, ``delete``, ``drain``) is a mitigation, anything else pasted is a check unless the
   words around it say otherwise.
4. Words that say something was *not* done or is only planned or asked (``haven't``, ``didn't``,
   ``should we``, ``going to``, ``let's``, a question without a hypothesis cue) make a note.
5. Cue phrases: resolved, then mitigated, ruled out, escalated, hypothesised, checked, observed.
6. Anything else is a note: the text is kept, nothing is guessed.

The target is the pasted query or command, else a runbook, a change (a version, a deploy,
release, rollback, flag or config change), logs, a metric (only for checks and observations: a
hypothesis about "disk" is about the service, a check of "disk" is a metric), else the first
service named (``services`` and ``aliases``, matched as whole words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from autoheal.decisions.model import Action, DecisionStep, Target, TargetKind

SLASH = re.compile(r"^/autoheal\s+([a-z][\w-]*)\b\s*(.*)$", re.I | re.S)
SLASH_ACTIONS = {
    "checked": Action.CHECKED,
    "check": Action.CHECKED,
    "observed": Action.OBSERVED,
    "ruled-out": Action.RULED_OUT,
    "ruledout": Action.RULED_OUT,
    "rule-out": Action.RULED_OUT,
    "hypothesis": Action.HYPOTHESISED,
    "suspect": Action.HYPOTHESISED,
    "mitigated": Action.MITIGATED,
    "mitigate": Action.MITIGATED,
    "escalate": Action.ESCALATED,
    "resolve": Action.RESOLVED,
    "resolved": Action.RESOLVED,
    "note": Action.NOTE,
    "status": Action.NOTE,
}

URL = re.compile(r"https?://\S+")
EVIDENCE_ID = re.compile(r"\(?\b(ev\d+(?:\.\d+)*)\b\)?")
KUBECTL = re.compile(r"\bkubectl\s+(?P<verb>[\w-]+)(?:\s+(?P<sub>[\w-]+))?[^\n`]*")
KUBECTL_WRITES = {"delete", "scale", "drain", "cordon", "uncordon", "patch", "apply", "edit", "set"}
KUBECTL_ROLLOUT_WRITES = {"undo", "restart", "pause", "resume"}
LOGQL = re.compile(r"\{[^{}]*\}\s*(?:\|=|\|~|!=|!~)\s*(?:\"[^\"]*\"|`[^`]*`)")
PROMQL = re.compile(
    r"`[^`]*[\w)\]]+[^`]*`"  # anything in backticks
    r"|\b[a-z_:][\w:]*\s*\{[^{}]*=[^{}]*\}(?:\s*\[\w+\])?"  # selector{label="..."}
    r"|\b(?:sum|avg|max|min|count|rate|irate|increase|histogram_quantile|topk|quantile_over_time)"
    r"\s*(?:by\s*\([^)]*\)\s*)?\((?:[^()]|\([^()]*(?:\([^()]*\)[^()]*)*\))*\)",
    re.I,
)
QUERY_LABELS = re.compile(r"\b(?:service|app|job|pod|deployment|container)\s*=~?\s*\"([^\"]+)\"")

NOT_DONE = re.compile(
    r"\b(?:haven'?t|have not|hasn'?t|didn'?t|did not|not yet|planning to|plan to|going to|gonna|"
    r"will|i'll|we'll|let'?s|should we|shall we|can we|could we|do we|want to|about to|"
    r"(?:we|you|someone|somebody) (?:should|ought to|need to|must)|needs? to be)\b",
    re.I,
)
HYPOTHESIS = re.compile(
    r"\b(?:maybe|might be|could be|could it be|suspect\w*|probably|my guess|i think|hypothesis|"
    r"smells like|possibly|perhaps|is it|likely)\b",
    re.I,
)
# a mitigation verb with a frequency describes what the system keeps doing, not what a person did:
# "pods restarting every few minutes", "keeps restarting", "restarted repeatedly overnight"
RECURRING = re.compile(
    r"\b(?:every (?:few |couple of |\d+ )?(?:seconds?|secs?|minutes?|mins?|hours?)|keeps? \w+ing|"
    r"kept \w+ing|over and over|repeatedly|in a loop|again and again)\b",
    re.I,
)
RESOLVED = re.compile(
    r"\b(?:resolved|resolving|all clear|root cause(?:\s+was|\s+is|\s*:)|rca\s*:|the cause was|"
    r"back to normal|closing (?:the )?incident|we'?re done|errors are gone|incident over)",
    re.I,
)
ROOT_CAUSE_CLAUSE = re.compile(r"(?:root cause(?:\s+was|\s+is|\s*:)|rca\s*:|the cause was)\s*(.*)", re.I)
MITIGATED = re.compile(
    r"\b(?:rolled back|rolling back|roll(?:ed)? it back|rollback done|reverted|reverting|restarted|"
    r"restarting|scaled|scaling (?:up|out)|bumped|increased|raised the|failed over|failing over|"
    r"disabled|disabling|turned off|cleared|renewed|drained|draining the node|moved traffic|"
    r"flushed|killed|applied|hotfixed|patched)\b",
    re.I,
)
RULED_OUT = re.compile(
    r"(?:^|\bit'?s\s+|\bit is\s+|\bso\s+|\bso it'?s\s+|,\s*|;\s*)not\b(?!\s+(?:yet|sure|seeing))"
    r"|\b(?:is not|isn'?t|wasn'?t) (?:it|the cause|the problem|the issue|the culprit)\b"
    r"|\brul(?:ed|e|ing) out\b|\bred herring\b|\bnothing wrong with\b|\bunrelated\b"
    r"|\bexclud(?:e|ed|ing)\b|\bdoesn'?t look like\b|\bjust a victim\b|\bnot related\b",
    re.I,
)
ESCALATED = re.compile(
    r"\b(?:escalat\w*|pag(?:ing|ed)\b|looping in|loop in|pulling in|handing over|hand(?:ed)? over|"
    r"raising to sev\d?|opened a ticket|take a look)",
    re.I,
)
CHECKED = re.compile(
    r"\b(?:checked|checking|looked at|looking at|verified|confirmed|inspected|grepped|ran|queried|"
    r"followed|reviewed)\b",
    re.I,
)
HEALTHY = re.compile(r"\b(?:looks? )?(?:fine|healthy|ok|okay|normal|green)\b", re.I)
OBSERVED = re.compile(
    r"\b(?:seeing|i see|saw|spik\w+|up to|through the roof|pegged|oomkill\w*|dropped|growing|"
    r"climbing|started throwing|throwing|taking|returning|failures|burn|restarting|is at \d)"
    r"|\bat \d+(?:\.\d+)?\s*(?:%|ms\b|s\b)|\d+(?:\.\d+)?\s*(?:%|ms\b)",
    re.I,
)
RUNBOOK = re.compile(r"[\w-]*\s*\brunbook\b(?:\s+(?:for|on)\s+[\w -]+)?", re.I)
VERSION = re.compile(r"\bv\d+(?:\.\d+){1,3}\b|\b\d+\.\d+\.\d+\b")
CHANGE_WORDS = re.compile(
    r"\b(?:deploy\w*|release\w*|rollout|rolled back|rolling back|roll(?:ed)? it back|rollback|config change|"
    r"feature flag|flag|revert\w*|change|shipped|commit [0-9a-f]{7,})\b",
    re.I,
)
LOG_WORDS = re.compile(r"\b(?:logs?|grep\w*)\b", re.I)
METRIC_WORDS = re.compile(
    r"\b(?:latency|p\d{2}|error (?:rate|ratio)|5xx|cpu|memory|disk|pool(?: usage)?|queue depth|"
    r"traffic|hit ratio|throughput|error budget|saturation|request rate)\b",
    re.I,
)
# a quantity (40%, 400ms, 2.1s); "503s" are status codes, not seconds
NUMBER_UNIT = re.compile(r"\b(?![45]\d\ds\b)\d+(?:\.\d+)?\s*(?:%|ms\b|s\b)")
SEPARATOR = re.compile(r"\s*(?:,|:|\s-\s|;|\bbecause\b|\bsince\b)\s*", re.I)
TEAM = re.compile(r"\b[\w-]+\s+(?:on-call|oncall|team)\b", re.I)
BECAUSE = re.compile(r"\b(?:because|since|as)\b\s+(.*)", re.I)


class StepParser:
    """Turn free text into typed steps. ``services`` are the names a message may mention (the
    topology's); ``aliases`` map other words to them (``{"db": "postgres"}``)."""

    def __init__(self, services: Iterable[str] = (), aliases: Mapping[str, str] | None = None) -> None:
        names = {s.lower(): s for s in services}
        names.update({a.lower(): s for a, s in (aliases or {}).items()})
        self._names = sorted(names.items(), key=lambda kv: -len(kv[0]))
        self._patterns = [
            (re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.I), service)
            for word, service in self._names
        ]

    def parse(
        self, text: str, *, who: str, at: datetime, source: str = "cli", action: Action | None = None
    ) -> DecisionStep:
        """``action``: the action is known already (a button, a typed command); the text is read
        for the target, observation and rationale only."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("a decision step needs text: what was checked, seen, ruled out or done")
        raw = text.strip()
        forced: Action | None = action
        body = raw
        slash = SLASH.match(raw)
        if slash:
            command = slash.group(1).lower()
            if command not in SLASH_ACTIONS:
                raise ValueError(
                    f"unknown command /autoheal {command}; expected one of {', '.join(sorted(SLASH_ACTIONS))}"
                )
            forced, body = SLASH_ACTIONS[command], slash.group(2).strip()
            source = "slash" if source == "cli" else source
        evidence = [m.rstrip(").,") for m in URL.findall(body)]
        body = URL.sub(" ", body)
        evidence += EVIDENCE_ID.findall(body)
        body = EVIDENCE_ID.sub(" ", body)
        body = re.sub(r"\s+", " ", body).strip(" ,;")

        query_target, query_service, words, query_action = self._query(body)
        action = forced if forced is not None else self._action(words, query_target is not None, query_action)
        if action is Action.NOTE and forced is None:
            return DecisionStep(
                who=who, at=at, action=action, text=raw, evidence=tuple(evidence), source=source
            )
        focus = body
        clause = ROOT_CAUSE_CLAUSE.search(body)
        if action is Action.RESOLVED and clause and clause.group(1).strip():
            focus = clause.group(1).split(",")[0]  # the root-cause clause ends at the comma
        elif action is Action.ESCALATED:
            focus = TEAM.sub(" ", body)  # "the db on-call" is a team, not the database
        service = query_service or self.service_in(focus)
        if service is None and action is Action.RESOLVED and focus != body:
            service = self.service_in(body)
        target = query_target or self._target(focus, action, service)
        observation, rationale = self._clauses(words, action)
        return DecisionStep(
            who=who,
            at=at,
            action=action,
            text=raw,
            target=target,
            service=service,
            observation=observation,
            rationale=rationale,
            evidence=tuple(evidence),
            source=source,
        )

    # --- pieces ----------------------------------------------------------------------------------
    def service_in(self, text: str) -> str | None:
        """The first service ``text`` names (whole words; aliases resolved), or None."""
        best: tuple[int, str] | None = None
        for pattern, service in self._patterns:
            m = pattern.search(text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), service)
        return best[1] if best else None

    def _service_prefix(self, name: str) -> str | None:
        """A pod or deployment name's service: the longest known name it starts with."""
        name = name.lower().rstrip(".*")
        for word, service in self._names:
            if name == word or name.startswith(word + "-"):
                return service
        return None

    def _query(self, body: str) -> tuple[Target | None, str | None, str, Action | None]:
        """A pasted command or query: its target, its service, the words around it, and the action
        the command itself implies (a kubectl write is a mitigation)."""
        m = KUBECTL.search(body)
        if m:
            command = m.group(0).strip().strip("`")
            verb, sub = m.group("verb").lower(), (m.group("sub") or "").lower()
            writes = verb in KUBECTL_WRITES or (verb == "rollout" and sub in KUBECTL_ROLLOUT_WRITES)
            service = None
            for ref in re.findall(r"(?:deploy(?:ment)?|pod|po|sts|statefulset)/([\w.-]+)", command):
                service = service or self._service_prefix(ref)
            for ref in re.findall(r"-l\s+\w+=([\w.-]+)", command):
                service = service or self._service_prefix(ref)
            for ref in re.findall(r"\b(?:pod|pods|logs|deployment|deploy)\s+([a-z][\w.-]+)", command):
                service = service or self._service_prefix(ref)
            words = (body[: m.start()] + " " + body[m.end() :]).strip()
            return (
                Target(TargetKind.COMMAND, command),
                service,
                words,
                Action.MITIGATED if writes else Action.CHECKED,
            )
        for pattern, kind in ((LOGQL, TargetKind.LOG_QUERY), (PROMQL, TargetKind.METRIC)):
            q = pattern.search(body)
            if q:
                query = q.group(0).strip().strip("`")
                if kind is TargetKind.METRIC and LOGQL.search(query):
                    kind = TargetKind.LOG_QUERY
                service = None
                for ref in QUERY_LABELS.findall(query):
                    service = service or self._service_prefix(ref)
                words = (body[: q.start()] + " " + body[q.end() :]).strip()
                return Target(kind, query), service, words, None
        return None, None, body, None

    def _action(self, words: str, pasted: bool, implied: Action | None) -> Action:
        text = words.strip()
        if NOT_DONE.search(text):
            return Action.NOTE
        if text.endswith("?"):
            return Action.HYPOTHESISED if HYPOTHESIS.search(text) else Action.NOTE
        if implied is Action.MITIGATED:
            return implied
        for pattern, action in (
            (RESOLVED, Action.RESOLVED),
            (MITIGATED, Action.MITIGATED),
            (RULED_OUT, Action.RULED_OUT),
            (ESCALATED, Action.ESCALATED),
            (HYPOTHESIS, Action.HYPOTHESISED),
            (CHECKED, Action.CHECKED),
        ):
            if action is Action.MITIGATED and RECURRING.search(text):
                continue  # the system's own restarts: an observation, read below
            if pattern.search(text):
                return action
        has_subject = self.service_in(text) is not None or METRIC_WORDS.search(text) is not None
        if has_subject and (OBSERVED.search(text) or RECURRING.search(text)):
            return Action.OBSERVED
        if self.service_in(text) is not None and HEALTHY.search(text):
            return Action.CHECKED  # "redis ok", "Postgres looks fine to me"
        if pasted:
            return Action.OBSERVED if OBSERVED.search(text) else Action.CHECKED
        return Action.NOTE

    def _target(self, focus: str, action: Action, service: str | None) -> Target | None:
        runbook = RUNBOOK.search(focus)
        if runbook:
            return Target(TargetKind.RUNBOOK, runbook.group(0).strip())
        version = VERSION.search(focus)
        if version:
            return Target(TargetKind.CHANGE, version.group(0))
        change = CHANGE_WORDS.search(focus)
        if change:
            return Target(TargetKind.CHANGE, change.group(0).lower())
        if action in (Action.CHECKED, Action.OBSERVED):
            if LOG_WORDS.search(focus):
                return Target(TargetKind.LOG_QUERY, "logs")
            metric = METRIC_WORDS.search(focus)
            if metric:
                return Target(TargetKind.METRIC, metric.group(0).lower())
            if NUMBER_UNIT.search(focus) and action is Action.OBSERVED:
                return Target(TargetKind.METRIC, NUMBER_UNIT.search(focus).group(0))  # type: ignore[union-attr]
            if re.search(r"\berrors?\b", focus, re.I) and re.search(r"\d+(?:\.\d+)?\s*%", focus):
                return Target(TargetKind.METRIC, "errors")
        if service:
            return Target(TargetKind.SERVICE, service)
        return None

    @staticmethod
    def _clauses(words: str, action: Action) -> tuple[str, str]:
        """``observation`` (what was seen: the tail after the first separator of a check, the whole
        of an observation) and ``rationale`` (after because/since, or a ruling-out's tail)."""
        because = BECAUSE.search(words)
        rationale = because.group(1).strip() if because else ""
        parts = SEPARATOR.split(words, maxsplit=1)
        tail = parts[1].strip() if len(parts) > 1 else ""
        if action is Action.OBSERVED:
            return words, rationale
        if action is Action.RULED_OUT:
            return "", rationale or tail
        if action is Action.CHECKED:
            return tail, rationale
        return "", rationale


def shop_aliases(services: Iterable[str]) -> dict[str, str]:
    """Common words for infrastructure services present in ``services`` (``the DB`` for postgres,
    ``cache`` for redis, ``queue`` for rabbitmq): used when the topology says no more."""
    known = set(services)
    table = {
        "postgres": ("db", "database", "pg", "postgresql"),
        "mysql": ("db", "database"),
        "redis": ("cache",),
        "rabbitmq": ("queue", "mq"),
    }
    out: dict[str, str] = {}
    for service, words in table.items():
        if service in known:
            for word in words:
                out.setdefault(word, service)
    return out
