"""Log template mining (Drain, via ``drain3``) and new / surging template detection.

:class:`TemplateMiner` runs ``drain3``'s Drain tree with one configuration written in code (no ini
file), the same for every log source, the benchmark and the engine's log generator:

1. **Masking by shape** (:func:`mask`): every run of characters that contains a digit, delimited by
   whitespace or by the punctuation that separates fields (``[ ] ( ) { } " ' = ,``), becomes
   ``<*>``. Numbers, ids, hex, addresses (``10.0.0.1:80``, ``host.example.com:443``), timestamps,
   versions and paths with a number in them are all variables; a word of the message text
   practically never contains a digit. Then a run of adjacent ``<*>`` tokens becomes one ``<*>``:
   a list of values (``blk_1 blk_2 blk_3``) is one parameter whatever its length.
2. **Drain** with tree depth ``DEPTH = 5`` (the first two tokens route a line; a masked token routes
   to the wildcard branch) and similarity threshold ``SIM_TH = 0.7``.
3. **Similarity over the template's constants** (:class:`_ConstantDrain`): a position where the
   cluster already holds a wildcard and the line holds a word is left out (the cluster has learned
   that this slot varies); a masked value against a wildcard counts as a match; everything else
   counts as a match only when the tokens are equal. Drain's own similarity counts every learned
   wildcard as a mismatch, which makes templates with many parameters split while short messages
   that differ in one word of three merge.

:func:`content_of` strips the header (timestamp, level, process, component) off a raw line with
general rules (see its docstring); :func:`template_surges` (the engine's log generator) mines the
content of each line with the same miner.

:func:`template_surges` compares a reference window with an incident window: a template is *new*
when the reference never showed it, *surging* when its rate grew by ``SURGE_RATIO`` or more.
Error-level templates come first (a new ``ERROR`` template outranks a surging ``INFO`` one).

A surging template must also be more than chance (:func:`surge_p_value`): given the template's
lines in both windows, the chance that at least as many of them fall in the incident window, were
its rate unchanged (the share of the two windows' time the incident window holds), must be below
``SURGE_ALPHA``. A small count seen in unequal windows (4 lines in an hour before, 3 in ten
minutes after) is a 3.5x rate, and no surge: that split happens one time in fifteen by chance.
(New templates are not tested: a template the reference never showed is the news.)

The parameters are chosen once, the same for every data set (see docs/benchmarks.md, "loghub"):
``SURGE_RATIO = 3.0``, ``MIN_SURGE_COUNT = 3`` (a surge needs at least three incident lines),
``SURGE_ALPHA = 0.01``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from drain3.drain import Drain

SIM_TH = 0.7
DEPTH = 5
MAX_CHILDREN = 100
SURGE_RATIO = 3.0
MIN_SURGE_COUNT = 3
SURGE_ALPHA = 0.01

PARAM = "<*>"
# Field separators: a variable ends at whitespace or at one of these.
_SEPARATORS = "[](){}\"'=,"
_VARIABLE_RE = re.compile(r"[^\s{0}]*\d[^\s{0}]*".format(re.escape(_SEPARATORS)))
_RUN_RE = re.compile(r"<\*>(?:\s+<\*>)+")


def mask(text: str) -> str:
    """Replace every digit-bearing run by ``<*>`` and a run of adjacent ``<*>`` by one."""
    return _RUN_RE.sub(PARAM, _VARIABLE_RE.sub(PARAM, text.strip()))


class _ConstantDrain(Drain):
    """Drain whose similarity is measured over the template's constant positions."""

    def get_seq_distance(
        self, seq1: Sequence[str], seq2: Sequence[str], include_params: bool
    ) -> tuple[float, int]:
        compared = equal = params = 0
        for template_token, token in zip(seq1, seq2, strict=True):
            if template_token == PARAM:
                params += 1
                if token != PARAM:
                    continue  # a learned wildcard: this slot varies
            compared += 1
            if template_token == token:
                equal += 1
        return (equal / compared if compared else 0.0), params


class TemplateMiner:
    """Mine templates from log lines; ``add`` returns the cluster id of the line.

    ``add`` mines the text it is given (pass :func:`content_of` of a raw line to drop its header).
    """

    def __init__(self) -> None:
        self._drain = _ConstantDrain(depth=DEPTH, sim_th=SIM_TH, max_children=MAX_CHILDREN, param_str=PARAM)

    def add(self, line: str) -> int:
        cluster, _ = self._drain.add_log_message(mask(line))
        return int(cluster.cluster_id)

    def final(self, line: str, cluster_id: int) -> int:
        """The cluster ``line`` belongs to once mining is over: a line mined early can sit in a
        cluster that a later, more general cluster now covers. ``cluster_id`` is what ``add``
        returned, kept when no cluster matches the line exactly."""
        cluster = self._drain.match(mask(line), "fallback")
        return int(cluster.cluster_id) if cluster is not None else cluster_id

    def template(self, cluster_id: int) -> str:
        cluster = self._drain.id_to_cluster.get(cluster_id)
        if cluster is None:
            raise KeyError(cluster_id)
        return str(cluster.get_template())

    def templates(self) -> dict[int, str]:
        return {c.cluster_id: str(c.get_template()) for c in self._drain.clusters}


_LEVEL_RE = re.compile(r"\b(FATAL|CRITICAL|ERROR|SEVERE|WARN(?:ING)?|INFO|DEBUG|TRACE)\b")
_ERROR_HINT = re.compile(r"(Exception|Error:|\berror\b|\bfailed\b|\bfailure\b|Traceback)", re.I)
_LEVEL_WEIGHT = {"error": 3.0, "warn": 2.0, "info": 1.0}


# ----------------------------------------------------------------------------- header of a raw line
_MAX_HEADER_TOKENS = 12
_STAMP_RE = re.compile(r"^[\[(]?[-+\d:./,TZ_@]*\d[-+\d:./,TZ_@]*[\])]?,?$")
_HEADER_WORDS = frozenset(
    [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "-",
        "--",
        "|",
    ]
)
_LEVEL_WORDS = frozenset(
    [
        "trace",
        "debug",
        "info",
        "notice",
        "warn",
        "warning",
        "error",
        "err",
        "fatal",
        "critical",
        "crit",
        "severe",
        "alert",
        "emerg",
        "v",
        "d",
        "i",
        "w",
        "e",
        "f",
    ]
)
_PROGRAM_RE = re.compile(r"^[\w.$()/-]+\[\d+\]:$")  # syslog "program[pid]:"


def _is_level(token: str) -> bool:
    bare = token.strip("[]():,")
    return bare.lower() in _LEVEL_WORDS and (bare.isupper() or token.startswith("["))


def _after_brackets(tokens: Sequence[str], i: int) -> int:
    """Index after a ``[...]`` group starting at ``i`` (which may span tokens), else ``i``."""
    if i < len(tokens) and tokens[i].startswith("["):
        depth = 0
        for j in range(i, min(i + _MAX_HEADER_TOKENS, len(tokens))):
            depth += tokens[j].count("[") - tokens[j].count("]")
            if depth <= 0:
                return j + 1
    return i


def content_of(line: str) -> str:
    """The message part of a raw log line, its header (time, host, level, component) dropped.

    General rules, no per-format expressions, looking only at the first 12 tokens:

    * ``stamp|field|...|message`` (a pipe-separated header after a timestamp): the last field;
    * leading timestamps, dates, numbers, month / weekday names and ``-`` separators are dropped;
    * a syslog ``program[pid]:`` ends the header;
    * ``program - message`` right after the timestamp: the part after ``-``;
    * an upper-case level word (``INFO``, ``E``, ``[error]``) ends the header, together with the
      ``[...]`` context and the ``component:`` (or ``component [context]``) right after it.

    A header these rules do not recognise stays in the content: its constant words only lengthen
    the template, its variable fields are masked like any other.
    """
    return _parts(line)[1]


def _parts(line: str) -> tuple[Sequence[str], str]:
    """A line's header fields (with the message's first token, where a component the header rules
    keep would sit) and its message (:func:`content_of`)."""
    text = line.strip()
    head, pipe, rest = text.partition("|")
    if pipe and _STAMP_RE.match(head):
        fields = rest.split("|")
        return fields[:-1], fields[-1].strip() or text
    tokens = text.split()
    start = _content_start(tokens)
    return tokens[: start + 1], " ".join(tokens[start:]) or text


def _content_start(tokens: Sequence[str]) -> int:
    """Index of the first token of the message (:func:`content_of`'s rules)."""
    n = min(len(tokens), _MAX_HEADER_TOKENS)
    i = 0
    while i < n and (_STAMP_RE.match(tokens[i]) or tokens[i].lower().strip("[],") in _HEADER_WORDS):
        i += 1
    for j in range(i, n):
        if _PROGRAM_RE.match(tokens[j]):
            return j + 1
    for j in range(i + 1, min(i + 3, n)):
        if i > 0 and tokens[j] == "-":
            i = j + 1
            break
    for j in range(i, min(i + 6, n)):
        if _is_level(tokens[j]):
            i = _after_brackets(tokens, j + 1)
            if i + 1 < n and not tokens[i].endswith(":") and tokens[i + 1].startswith("["):
                i = _after_brackets(tokens, i + 1)
            break
    for j in range(i, min(i + 2, n)):
        if len(tokens[j]) > 1 and tokens[j].endswith(":") and tokens[j][0] not in "[(":
            i = j + 1
            break
    while i < len(tokens) and tokens[i] in ("-", "|"):
        i += 1
    return i


# A code location as logging libraries print it in a line's header: ``Class#line`` (logback /
# log4j ``%logger#%line``), ``file.ext:line`` (zap's caller, Python's ``%(filename)s:%(lineno)d``,
# log4j ``%F:%L``), optionally in brackets or parentheses. The part before the separator must
# start with a letter, so ``10.0.0.1:80`` or a bare ``#12`` is never a location.
_SOURCE_EXTENSIONS = "java|kt|scala|groovy|go|py|rb|js|mjs|ts|c|cc|cpp|h|hpp|rs|cs|php|ex|exs|erl|swift"
_LOCATION_RE = re.compile(
    r"^[\[(]?([A-Za-z_$][\w$.\[\]/-]*(?:#\d+|\.(?:" + _SOURCE_EXTENSIONS + r"):\d+))[\])]?:?$"
)


def source_location(line: str) -> str | None:
    """The code location (``t.s.TravelServiceImpl#451``, ``order/handler.go:42``) a line's header
    names, or ``None``. Only the header is read (the tokens :func:`content_of` drops, and the first
    token after them, where a component the header rules keep would sit): a location quoted later
    in the message (a stack trace line) is part of the message.

    Two lines with the same Drain template written at different places in the code are different
    events of a request's path (a method that logs "Calculate distance" twice with different
    numbers); the location tells them apart where the logger prints it."""
    return _location(_parts(line)[0])


def parse_line(line: str) -> tuple[str, str | None]:
    """``(content_of(line), source_location(line))``, the header read once."""
    fields, content = _parts(line)
    return content, _location(fields)


def _location(fields: Sequence[str]) -> str | None:
    for token in fields:
        m = _LOCATION_RE.match(token.strip())
        if m:
            return m.group(1)
    return None


def log_level(line: str) -> str:
    """``error``, ``warn`` or ``info`` from the level word in the line (or an exception hint)."""
    m = _LEVEL_RE.search(line[:200])
    if m:
        word = m.group(1)
        if word in ("FATAL", "CRITICAL", "ERROR", "SEVERE"):
            return "error"
        if word.startswith("WARN"):
            return "warn"
        return "info"
    return "error" if _ERROR_HINT.search(line) else "info"


@dataclass(frozen=True, slots=True)
class TemplateSurge:
    template: str
    level: str
    reference_count: int
    incident_count: int
    new: bool
    ratio: float  # incident rate / smoothed reference rate
    score: float
    example: str
    p_value: float | None = None  # :func:`surge_p_value` (None: a new template)


def surge_p_value(reference_count: int, incident_count: int, share: float) -> float:
    """The chance of at least ``incident_count`` of the ``reference_count + incident_count`` lines
    falling in the incident window when the template's rate did not change: the upper tail of a
    binomial with the incident window's ``share`` of the two windows' time (the exact conditional
    test for two Poisson rates)."""
    n = reference_count + incident_count
    if incident_count <= 0:
        return 1.0
    if share >= 1.0:
        return 1.0
    if share <= 0.0:
        return 0.0
    log_p, log_q = math.log(share), math.log1p(-share)
    total = 0.0
    for k in range(incident_count, n + 1):  # terms fall from k = incident_count on (past the mode)
        term = math.exp(
            math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q
        )
        total += term
        if k > n * share and term < 1e-12 * total:
            break
    return min(1.0, total)


def template_surges(
    reference_lines: Sequence[str],
    incident_lines: Sequence[str],
    *,
    reference_seconds: float = 1.0,
    incident_seconds: float = 1.0,
) -> list[TemplateSurge]:
    """New and surging templates of the incident window, most significant first.

    Rates are counts per second of each window (pass the window lengths; with the defaults the
    counts are compared directly). The reference count is smoothed by +1 so that one reference line
    cannot make a surge infinite.
    """
    miner = TemplateMiner()
    ref_ids = [miner.add(content_of(line)) for line in reference_lines]
    inc_ids = [miner.add(content_of(line)) for line in incident_lines]
    ref_counts = Counter(ref_ids)
    inc_counts = Counter(inc_ids)
    examples: dict[int, str] = {}
    levels: dict[int, str] = {}
    for cid, line in zip(inc_ids, incident_lines, strict=True):
        if cid not in examples:
            examples[cid] = line
            levels[cid] = log_level(line)
    templates = miner.templates()
    share = max(incident_seconds, 1e-9) / (max(incident_seconds, 1e-9) + max(reference_seconds, 1e-9))
    out: list[TemplateSurge] = []
    for cid, count in inc_counts.items():
        ref = ref_counts.get(cid, 0)
        ratio = (count / max(incident_seconds, 1e-9)) / ((ref + 1) / max(reference_seconds, 1e-9))
        new = ref == 0
        if not new and (ratio < SURGE_RATIO or count < MIN_SURGE_COUNT):
            continue
        p_value = None if new else surge_p_value(ref, count, share)
        if p_value is not None and p_value >= SURGE_ALPHA:
            continue  # a rate that looks higher, on too few lines to tell
        level = levels[cid]
        growth = 2.0 if new else min(math.log2(ratio), 2.0)
        score = _LEVEL_WEIGHT[level] * growth * math.log1p(count)
        out.append(
            TemplateSurge(
                template=templates.get(cid, examples[cid]),
                level=level,
                reference_count=ref,
                incident_count=count,
                new=new,
                ratio=ratio,
                score=score,
                example=examples[cid][:500],
                p_value=p_value,
            )
        )
    out.sort(key=lambda s: (-_LEVEL_WEIGHT[s.level], -s.score, s.template))
    return out


def group_lines(lines: Iterable[str], *, raw: bool = False) -> list[int]:
    """Cluster id of every line, in order (used to score grouping accuracy).

    ``raw=True`` strips each line's header with :func:`content_of` first, as the engine does.
    """
    miner = TemplateMiner()
    return [miner.add(content_of(line) if raw else line) for line in lines]
