"""Log cause extraction: the lines of a container log that explain a failure.

Given the log of a terminated container (``kubectl logs --previous``) this finds the failure lines
by what makes them different, not by known wordings: their **severity** (:func:`severity`: the
line's own level - ``ERROR``, ``level=fatal``, ``"level":"error"``, pino's numeric levels, glog's
``E0902`` - and, for lines without a level, error-shaped text), **exception and stack shapes**,
their **novelty** (the first occurrence of a Drain template vs repeats) and their place **just
before the exit**. Lines are clustered into templates with Drain (drain3). The most telling line is
then put into a cause class where the line's shape says one (missing configuration, connection
refused to host:port, expired certificate, permission denied, no space left, syntax error, out of
memory, an exception, a crash); when none does, the first novel failure line of the last burst is
the cause (kind ``error``): later lines are usually its consequences. Every finding keeps the exact
line and its number, so the report can cite it. ``autoheal bench logcause`` measures the failure
lines (:func:`failure_lines`) against Loghub's labelled anomalies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autoheal.analysis.logs import TemplateMiner, content_of

_ERROR_WORDS = re.compile(
    r"\b(error|err|fatal|panic|exception|traceback|critical|failed|failure|refused|denied|"
    r"cannot|can't|unable|invalid|expired|missing|not set|not found|exit)\b",
    re.IGNORECASE,
)
_LEVEL_INFO = re.compile(r"\b(level=)?(info|debug|trace)\b", re.IGNORECASE)
# A level token as loggers write it: a bare word between delimiters, ``level=x``, ``"level":"x"``.
_LEVEL_WORD = re.compile(
    r"(?:^|[\s\[\]|:\"'=(<,])(?P<level>fatal|critical|crit|panic|emerg|emergency|alert|severe|error|err|"
    r"warning|warn|notice|info|debug|trace)(?=$|[\s\]|:\"'>),.])",
    re.IGNORECASE,
)
_NUMERIC_LEVEL = re.compile(r"\"(?:level|lvl|severity)\"\s*:\s*(?P<n>\d{2})\b")  # pino / bunyan
_GLOG = re.compile(r"^(?P<level>[IWEF])\d{4} \d\d:\d\d:\d\d")  # klog / glog: E0902 08:27:12.123
_LEVELS = {
    "fatal": 3, "critical": 3, "crit": 3, "panic": 3, "emerg": 3, "emergency": 3, "alert": 3, "severe": 3,
    "error": 2, "err": 2, "warning": 1, "warn": 1, "notice": 0, "info": 0, "debug": 0, "trace": 0,
}  # fmt: skip
_SHAPED = re.compile(
    r"^\s*(?:Caused by:\s*)?(?:[a-z_][\w$]*\.)*[A-Z]\w*(?:Error|Exception|Failure)(?::\s|\s*$)"
    r"|^\s*(?:[a-z_]\w*\.)+[A-Z]\w+:\s|\bpanic:|Traceback \(most recent call last\)",
)
FAILURE = 2  # the severity from which a line is a failure line (error and above)
_HOST_PORT = re.compile(r"(?:(?:tcp|dial tcp)\s+)?([A-Za-z0-9_.-]+):(\d{2,5})\b")


@dataclass(frozen=True, slots=True)
class CauseRule:
    kind: str
    pattern: re.Pattern[str]
    detail_group: str | None = None


# Order matters: the first rule matching a line wins. ``detail`` captures the subject of the cause
# (a variable name, host:port, path, file) so the statement can say exactly what failed.
RULES: tuple[CauseRule, ...] = (
    CauseRule(
        "certificate_expired",
        re.compile(r"certificate (has )?expired|certificate is not valid after|x509:.*expired", re.I),
    ),
    CauseRule(
        "missing_config",
        re.compile(
            r"(?:environment variable|env var|variable|setting|config(?:uration)? key)\s+"
            r"['\"]?(?P<detail>[A-Za-z_][A-Za-z0-9_.]*)['\"]?\s+(?:is\s+)?(?:not set|unset|missing|"
            r"required|empty|must be set)",
            re.I,
        ),
        "detail",
    ),
    CauseRule(
        "missing_config",
        re.compile(
            r"missing required (?:env(?:ironment)?|config)\S*:?\s*['\"]?(?P<detail>[A-Za-z_][A-Za-z0-9_]*)",
            re.I,
        ),
        "detail",
    ),
    # A KeyError on an environment-variable-shaped key (upper case, as os.environ["X"] raises);
    # any other KeyError is a code / data error, found by the exception rule below.
    CauseRule(
        "missing_config", re.compile(r"KeyError:\s*['\"]?(?P<detail>[A-Z][A-Z0-9_]*)\b['\"]?\s*$"), "detail"
    ),
    CauseRule(
        "missing_config",
        re.compile(
            r"(?P<detail>/[\w./-]+\.(?:ya?ml|json|conf|ini|toml|properties))\S*:?\s+(?:no such file|not found)",
            re.I,
        ),
        "detail",
    ),
    CauseRule(
        "connection_refused",
        re.compile(
            r"(?P<detail>[A-Za-z0-9_.-]+:\d{2,5})\S*:?\s.*(?:connection refused|connect: connection refused)"
            r"|connection refused.*?(?P<detail2>[A-Za-z0-9_.-]+:\d{2,5})",
            re.I,
        ),
        "detail",
    ),
    CauseRule(
        "connection_refused",
        re.compile(r"(?:no such host|i/o timeout|timed out).*?(?P<detail>[A-Za-z0-9_.-]+:\d{2,5})", re.I),
        "detail",
    ),
    # A refused connection whose host and port are not written host:port (libpq's
    # 'server at "db" (10.0.0.1), port 5432 failed', ECONNREFUSED): the address is resolved from
    # the line or the lines before it.
    CauseRule("connection_refused", re.compile(r"connection refused|ECONNREFUSED", re.I)),
    CauseRule(
        "missing_config",
        re.compile(r"no such file or directory:?\s*['\"]?(?P<detail>/[\w./-]+\.\w+)", re.I),
        "detail",
    ),
    CauseRule(
        "missing_config",
        re.compile(r"open (?P<detail>/[\w./-]+\.\w+): no such file or directory", re.I),
        "detail",
    ),
    CauseRule("disk_full", re.compile(r"no space left on device|ENOSPC|disk quota exceeded", re.I)),
    CauseRule(
        "permission_denied",
        re.compile(
            r"(?P<detail>/[\w./-]+)\S*:?\s+(?:permission denied|operation not permitted|read-only file system)"
            r"|(?:permission denied|EACCES|operation not permitted|read-only file system)",
            re.I,
        ),
        "detail",
    ),
    CauseRule(
        "syntax_error",
        re.compile(
            r"(?P<detail>[\w./-]+(?::\s*line\s*\d+|:\d+|\", line \d+))\S*:?\s.*(?:syntax error|SyntaxError)|SyntaxError|syntax error|unexpected (?:token|EOF|end of file)",
            re.I,
        ),
        "detail",
    ),
    CauseRule(
        "out_of_memory",
        re.compile(r"out of memory|OutOfMemoryError|cannot allocate memory|MemoryError", re.I),
    ),
    # The line that names an exception (the last line of a Python traceback, a Java exception or
    # its "Caused by:"): a more precise cause than the stack's first line.
    CauseRule(
        "exception",
        re.compile(
            r"^\s*(?:Caused by:\s*)?(?:[a-z_][\w$]*\.)*(?P<detail>[A-Z]\w*(?:Error|Exception|Failure))(?::\s|\s*$)"
            # a module-qualified exception class of any name (psycopg2.errors.UndefinedTable: ...)
            r"|^\s*(?:[a-z_]\w*\.)+(?P<detail2>[A-Z]\w+):\s"
        ),
        "detail",
    ),
    CauseRule(
        "crash",
        re.compile(r"\bpanic:|Traceback \(most recent call last\)|fatal error|unhandled exception", re.I),
    ),
)


@dataclass(frozen=True, slots=True)
class LogLine:
    number: int  # 1-based position in the returned log
    text: str
    first: bool  # first occurrence of its template in this log
    template: str
    occurrences: int


@dataclass(slots=True)
class LogCause:
    kind: str  # a RULES kind or "unknown"
    detail: str | None
    line: LogLine | None
    error_lines: list[LogLine] = field(default_factory=list)
    last_lines: list[LogLine] = field(default_factory=list)
    templates: dict[str, int] = field(default_factory=dict)

    @property
    def host_port(self) -> tuple[str, int] | None:
        if self.kind != "connection_refused" or not self.detail:
            return None
        host, _, port = self.detail.rpartition(":")
        return host, int(port)


def severity(line: str) -> int:
    """0 (info or below) .. 3 (fatal), from the line's own level when it writes one; a line without
    a level is a failure (2) when it is error-shaped (an exception, a panic, a traceback) or says
    something failed (error words), else 0."""
    glog = _GLOG.match(line)
    if glog:
        return {"I": 0, "W": 1, "E": 2, "F": 3}[glog.group("level")]
    numeric = _NUMERIC_LEVEL.search(line)
    if numeric:
        n = int(numeric.group("n"))
        return 3 if n >= 60 else 2 if n >= 50 else 1 if n >= 40 else 0
    word = _LEVEL_WORD.search(line)
    if word:
        return _LEVELS[word.group("level").lower()]
    if _SHAPED.search(line):
        return 2
    return 2 if is_error(line) else 0


def is_error(line: str) -> bool:
    if not _ERROR_WORDS.search(line):
        return False
    lowered = line.lower()
    return not (_LEVEL_INFO.search(line) and "error" not in lowered and "fail" not in lowered)


def failure_lines(lines: list[str]) -> list[int]:
    """0-based indexes of the failure lines (severity error and above): what ``extract`` reports as
    ``error_lines`` and what ``autoheal bench logcause`` scores."""
    return [i for i, text in enumerate(lines) if severity(text) >= FAILURE]


_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_LIBPQ = re.compile(r'server at "([^"]+)".*?port (\d{2,5})')


def _best_host_port(line: str, found: str | None) -> str | None:
    """Prefer a host name over an IP address when the line names both for the same port."""
    pairs = [(m.group(1), m.group(2)) for m in _HOST_PORT.finditer(line)]
    names = [f"{h}:{p}" for h, p in pairs if not _IP.match(h)]
    if found and not _IP.match(found.rpartition(":")[0]):
        return found
    port = found.rpartition(":")[2] if found else None
    for name in names:
        if port is None or name.endswith(f":{port}"):
            return name
    return found or (names[0] if names else None)


def classify(line: str) -> tuple[str, str | None] | None:
    for rule in RULES:
        match = rule.pattern.search(line)
        if match:
            detail = None
            if rule.detail_group:
                groups = match.groupdict()
                detail = groups.get(rule.detail_group) or groups.get("detail2")
            if rule.kind == "connection_refused":
                detail = _best_host_port(line, detail)
                if detail is None:
                    libpq = _LIBPQ.search(line)
                    detail = f"{libpq.group(1)}:{libpq.group(2)}" if libpq else None
            return rule.kind, detail
    return None


def extract(lines: list[str], *, tail: int = 8, max_lines: int = 5000) -> LogCause:
    """The cause a log shows: the classified line closest to the exit wins, error lines first."""
    lines = lines[-max_lines:]
    miner = TemplateMiner()  # the one miner configuration (autoheal.analysis.logs), headers dropped
    contents = [content_of(text) for text in lines]
    first = [miner.add(content) for content in contents]
    ids = [miner.final(content, cid) for content, cid in zip(contents, first, strict=True)]
    counts: dict[int, int] = {}
    for cid in ids:
        counts[cid] = counts.get(cid, 0) + 1
    templates = miner.templates()
    seen: set[int] = set()
    annotated: list[LogLine] = []
    for i, (text, cid) in enumerate(zip(lines, ids, strict=True), start=1):
        annotated.append(LogLine(i, text, cid not in seen, templates.get(cid, text), counts[cid]))
        seen.add(cid)
    errors = [ln for ln in annotated if severity(ln.text) >= FAILURE]
    last = annotated[-tail:]
    # Prefer the specific classes closest to the exit; a generic crash only when nothing better.
    best: tuple[str, str | None, LogLine] | None = None
    for ln in [*reversed(last), *reversed([e for e in errors if e not in last])]:
        found = classify(ln.text)
        if found is None:
            continue
        if best is None or (best[0] == "crash" and found[0] != "crash"):
            best = (found[0], found[1], ln)
        if best[0] != "crash":
            break
    if best is None:
        # No line's shape names a cause class: the first novel failure line of the last burst
        # (within the lines before the exit when there are any there) - what follows it is
        # usually its consequence (the "shutting down" / "exiting" lines).
        near = [ln for ln in last if ln in errors] or errors
        if near:
            novel = [ln for ln in near if ln.first] or near
            best = ("error", None, novel[0])
    if best is not None and best[0] == "connection_refused" and best[1] is None:
        for ln in reversed(annotated[: best[2].number - 1]):
            names = [f"{h}:{p}" for h, p in _HOST_PORT.findall(ln.text) if not _IP.match(h)]
            if names:
                best = (best[0], names[-1], best[2])
                break
    return LogCause(
        kind=best[0] if best else "unknown",
        detail=best[1] if best else None,
        line=best[2] if best else None,
        error_lines=errors[-20:],
        last_lines=last,
        templates={templates[c]: n for c, n in counts.items()},
    )
