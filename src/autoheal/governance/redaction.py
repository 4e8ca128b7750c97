"""Redaction of secrets and personal data.

Applied by the gateway to every tool result (recursively through dicts, lists, tuples, strings,
dataclasses and pydantic models) before it is stored, shown, sent to a model or audited, and to
the arguments written to the audit trail. Each finding becomes ``[REDACTED:<kind>]``.

Tuned to leave identifiers alone: UUIDs, trace and span ids, git SHAs and other lowercase hex
never look like secrets to it (the high-entropy rule needs upper case, lower case and digits), and
numbers stay numbers: a Prometheus sample value ("0.1234567890123456"), an epoch timestamp or a
digit run inside a longer number is never taken for a card number.

Fast on large results (thousands of log lines, matrices of float strings): a string whose whole
shape is a plain number, a lower/upper-case hex id or UUID, or an ISO timestamp is returned without
scanning (no rule can match it — ``tests/governance/test_redaction_numbers.py`` checks that against
the full scan); every other rule is gated by a cheap literal check; identical strings are scanned
once per redactor (bounded cache); dict keys are classified once.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from autoheal.governance.policy import Redaction


def _mark(kind: str) -> str:
    return f"[REDACTED:{kind}]"


# (kind, pattern, group to replace or 0 for the whole match)
_SECRETS: list[tuple[str, str, int]] = [
    (
        "private_key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----",
        0,
    ),
    ("aws_access_key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b", 0),
    ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b", 0),
    ("gitlab_token", r"\bgl(?:pat|dt|rt|cbt|ptt|ft|imt|agent|soat)-[A-Za-z0-9_\-]{20,}", 0),
    ("slack_token", r"\bxox[abposre]-[A-Za-z0-9\-]{10,}", 0),
    ("slack_webhook", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_\-]+", 0),
    ("stripe_key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b|\bwhsec_[A-Za-z0-9]{16,}\b", 0),
    ("google_api_key", r"\bAIza[0-9A-Za-z_\-]{35}\b", 0),
    ("google_oauth_secret", r"\bGOCSPX-[A-Za-z0-9_\-]{20,}", 0),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{6,}\.eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,}", 0),
    ("bearer_token", r"(?i)\b(?:bearer|token)\s+([A-Za-z0-9\-._~+/]{16,}=*)", 1),
    ("basic_auth", r"(?i)\bbasic\s+([A-Za-z0-9+/]{12,}={0,2})", 1),
    ("url_password", r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@\"'<>]*:([^\s@/\"'<>]+)@", 1),
    # the MySQL clients take the password glued to -p ("mysql -u root -pS3cret shop")
    ("mysql_password", r"\bmysql(?:dump|admin|sh)?\b[^\n]*?\s-p([^\s'\"]{3,})", 1),
    (
        "secret_value",
        # the key name around the keyword is kept as is, so no leading [A-Za-z0-9_.-]* is needed
        r"(?i)(?:password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key"
        r"|private[_\-]?key|credential|session[_\-]?id|signature)[A-Za-z0-9_.\-]*"
        r"[\"']?\s*[:=]\s*[\"']?([^\s\"',;&}<>]{4,})",
        1,
    ),
]

# Lower-case literals at least one of which must occur for a rule to be able to match.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "private_key": ("private key",),
    "aws_access_key": ("akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa"),
    "github_token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab_token": (
        "glpat-",
        "gldt-",
        "glrt-",
        "glcbt-",
        "glptt-",
        "glft-",
        "glimt-",
        "glagent-",
        "glsoat-",
    ),
    "slack_token": ("xox",),
    "slack_webhook": ("hooks.slack.com",),
    "stripe_key": ("_live_", "_test_", "whsec_"),
    "google_api_key": ("aiza",),
    "google_oauth_secret": ("gocspx-",),
    "jwt": ("eyj",),
    "bearer_token": ("bearer", "token"),
    "basic_auth": ("basic",),
    "url_password": ("://",),
    "mysql_password": ("mysql",),
    "secret_value": ("pass", "pwd", "secret", "token", "key", "credential", "session", "signature"),
}
_ALL_TRIGGERS = sorted({t for ts in _TRIGGERS.values() for t in ts}, key=len, reverse=True)


def _alternation(words: list[str]) -> str:
    """Literals as a prefix tree (``a(?:kia|sia)|b(?:asic|earer)``): one branch per first character,
    which the regex engine rejects with a single comparison. Longest alternative first."""
    heads: dict[str, list[str]] = {}
    for w in words:
        heads.setdefault(w[0], []).append(w[1:])
    alts = []
    for head, tails in sorted(heads.items()):
        rest = sorted((t for t in tails if t), key=len, reverse=True)
        inner = _alternation(rest) if rest else ""
        if rest and "" in tails:
            inner = f"(?:{inner})?"
        elif rest and len(rest) > 1:
            inner = f"(?:{inner})"
        alts.append(re.escape(head) + inner)
    return "|".join(alts)


_TRIGGER_RE = re.compile(_alternation(_ALL_TRIGGERS))
# a match of "private key" also counts as "key": non-overlapping matches must not hide triggers
_CONTAINED = {t: {u for u in _ALL_TRIGGERS if u in t} for t in _ALL_TRIGGERS}
_RUN32 = re.compile(r"[A-Za-z0-9_\-+/]{32}")
_DIGITS3 = re.compile(r"\d{3}")

# A value after a secret's name that is no secret: a number, a flag, a mask, or a short hex id
# ("tokens=100", "password=true", "signature=abc123"). Hex of 16 characters or more after such a
# name is a key (a Datadog API key is 32 hex digits, a GCP private_key_id 40).
_HEX_OR_NUMBER = re.compile(
    r"[0-9a-f\-]{1,15}|[0-9A-F\-]{1,15}|\d+(?:\.\d+)?|true|false|null|none|\*+", re.IGNORECASE
)
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9_\-+/])[A-Za-z0-9_\-+/]{32,}={0,2}")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,24}\b")
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])"
)
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])")
# Each pattern starts with a literal or a character class and puts its "not preceded by" check
# after that first character: the regex engine then skips ahead to candidate characters quickly.
# (literal that must occur, pattern)
_PHONES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("+", re.compile(r"\+(?<![\w+.]\+)\d{1,3}(?:[ .\-]?\(?\d{1,4}\)?){2,5}\d(?!\w|\.\d)")),
    ("(", re.compile(r"\((?<![\w(]\()\d{3}\)\s?\d{3}[ .\-]\d{4}(?!\w|\.\d)")),
    ("-", re.compile(r"\d(?<![\w\-.]\d)\d{2}-\d{3}-\d{4}(?![\w\-]|\.\d)")),
)
# A card number stands alone: not preceded by a word character, '-', or '.' (the fraction of a
# decimal, "1.4111111111111111"), not followed by a word character, '-', or '.' and a digit
# ("4111111111111111.5"). Digits run together (13-19) or in groups of 3-6 after a first group of
# four, with one separator throughout ("4111 1111 1111 1111", "3782-822463-10005"): a list of small
# numbers ("12 34 56 78 90 12 34") is not glued into one.
_CARD = re.compile(r"\d(?<![\w\-.]\d)(?:\d{12,18}|\d{3}([ \-])\d{3,6}(?:\1\d{3,6}){1,3})(?![\w\-]|\.\d)")
# Whole strings that no built-in rule can match (checked against the full scan by a property test):
# integers too short for a card, single-case hex ids and UUIDs with at least one letter (a card
# inside them would touch a letter or '-'), ISO-8601 timestamps. Decimals are _DECIMAL, below.
_SAFE = re.compile(
    r"\d{1,12}|[0-9a-f\-]*[a-f][0-9a-f\-]*|[0-9A-F\-]*[A-F][0-9A-F\-]*"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_DECIMAL = re.compile(
    r"[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?\d+[eE][+-]?\d+|[+-]?(?:[Nn]a[Nn]|[Ii]nf(?:inity)?)"
)
_SKIP = re.compile(f"{_DECIMAL.pattern}|{_SAFE.pattern}")
_PLAIN = frozenset({int, float, bool, bytes, type(None)})
_TOO_DEEP = "[REDACTED:too_deep]"
_CACHE_SIZE = 8192  # strings remembered per redactor (cleared when full)
_CACHE_MAX_LEN = 1024  # longer strings are not remembered
_KEYS_SIZE = 4096


def _scoped(pattern: str) -> str:
    """``(?i)rest`` -> ``(?i:rest)`` so that patterns can be joined into one alternation."""
    if pattern.startswith("(?i)"):
        return f"(?i:{pattern[4:]})"
    return pattern


def _entropy(s: str) -> float:
    counts = Counter(s)
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_prefix_ok(d: str) -> bool:
    n = len(d)
    if d[0] == "4":
        return n in (13, 16, 19)
    if d[:2] in ("34", "37"):
        return n == 15
    if 51 <= int(d[:2]) <= 55 or 2221 <= int(d[:4]) <= 2720:
        return n == 16
    if d.startswith(("6011", "65")) or 644 <= int(d[:3]) <= 649:
        return n in (16, 19)
    if 3528 <= int(d[:4]) <= 3589:
        return 16 <= n <= 19
    return False


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _card_prefix_ok(digits) and luhn_ok(digits)


def looks_like_key(token: str) -> bool:
    """High-entropy mixed-case alphanumeric token of 32+ characters (not hex, not a path)."""
    body = token.rstrip("=")
    if token.count("/") > 2 or "://" in token:
        return False
    if not (
        any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body)
    ):
        return False
    return _entropy(body) >= 4.2


class Redactor:
    """Redacts strings and structures; safe to share between threads (the caches are plain dicts)."""

    def __init__(self, settings: Redaction | None = None) -> None:
        self.settings = settings = settings or Redaction()
        self._rules: list[tuple[str, re.Pattern[str], int, tuple[str, ...]]] = [
            (kind, re.compile(pattern), group, _TRIGGERS.get(kind, ())) for kind, pattern, group in _SECRETS
        ]
        for extra in settings.extra_patterns:
            self._rules.append((extra.name, re.compile(extra.pattern), 0, ()))
        self._extra = bool(settings.extra_patterns)
        self._enabled = settings.enabled
        self._skip = _DECIMAL if self._extra else _SKIP
        self._keys = tuple(k.lower() for k in settings.sensitive_keys)
        self._cache: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {}
        self._key_cache: dict[str, bool] = {}

    # -- text --------------------------------------------------------------------------------
    def redact_text(self, text: str, counter: Counter[str] | None = None) -> str:
        if not self._enabled or len(text) < 7 or self._skip.fullmatch(text):
            # a sample value ("0.25", "NaN", "1.5e-07") is never a secret; with no extra patterns
            # neither is a short integer, a hex id, a UUID or an ISO timestamp
            return text
        cached = self._cache.get(text)
        if cached is not None:
            out, found = cached
            if counter is not None:
                for kind, n in found:
                    counter[kind] += n
            return out
        local: Counter[str] = Counter()
        out = self.scan(text, local)
        if len(text) <= _CACHE_MAX_LEN and type(text) is str:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = (out, tuple(local.items()))
        if counter is not None and local:
            counter.update(local)
        return out

    def scan(self, text: str, counter: Counter[str]) -> str:
        """Every rule over ``text`` (no shortcut for safe shapes, no cache)."""
        hit: set[str] = set()
        for m in _TRIGGER_RE.finditer(text.lower()):  # one scan for every literal
            hit.update(_CONTAINED[m.group(0)])
        if hit or self._extra:
            for kind, pattern, group, triggers in self._rules:
                if triggers and hit.isdisjoint(triggers):
                    continue  # cheap literal pre-check: this rule cannot match
                text = pattern.sub(self._replacer(kind, group, counter), text)
        if _RUN32.search(text):
            text = _CANDIDATE.sub(self._generic(counter), text)
        if self.settings.emails and "@" in text:
            text = self._sub(_EMAIL, "email", text, counter)
        if (self.settings.credit_cards or self.settings.phone_numbers) and _DIGITS3.search(text):
            if self.settings.credit_cards:
                text = _CARD.sub(self._card(counter), text)
            if self.settings.phone_numbers:
                for literal, pattern in _PHONES:
                    if literal in text:
                        text = self._sub(pattern, "phone", text, counter)
        if self.settings.ip_addresses:
            text = self._sub(_IPV4, "ip", text, counter)
            text = self._sub(_IPV6, "ip", text, counter)
        return text

    @staticmethod
    def _sub(pattern: re.Pattern[str], kind: str, text: str, counter: Counter[str]) -> str:
        def repl(_m: re.Match[str]) -> str:
            counter[kind] += 1
            return _mark(kind)

        return pattern.sub(repl, text)

    @staticmethod
    def _replacer(kind: str, group: int, counter: Counter[str]) -> Callable[[re.Match[str]], str]:
        def repl(m: re.Match[str]) -> str:
            value = m.group(group)
            if (
                group
                and (value.startswith("[REDACTED") or _HEX_OR_NUMBER.fullmatch(value))
                and kind == "secret_value"
            ):
                return m.group(0)  # "tokens=100", "password=true", already redacted
            if group and value.startswith("[REDACTED"):
                return m.group(0)
            counter[kind] += 1
            if not group:
                return _mark(kind)
            start, end = m.span(group)
            base = m.start(0)
            whole = m.group(0)
            return whole[: start - base] + _mark(kind) + whole[end - base :]

        return repl

    @staticmethod
    def _generic(counter: Counter[str]) -> Callable[[re.Match[str]], str]:
        def repl(m: re.Match[str]) -> str:
            if looks_like_key(m.group(0)):
                counter["high_entropy"] += 1
                return _mark("high_entropy")
            return m.group(0)

        return repl

    @staticmethod
    def _card(counter: Counter[str]) -> Callable[[re.Match[str]], str]:
        def repl(m: re.Match[str]) -> str:
            whole, sep = m.group(0), m.group(1)
            if not sep:
                if _is_card(whole):
                    counter["credit_card"] += 1
                    return _mark("credit_card")
                return whole
            # grouped digits may run into a neighbouring number ("1000 4111 1111 1111 1111 100"):
            # the card is the widest run of 3+ groups, the first of four digits, that checks out
            groups = whole.split(sep)
            n = len(groups)
            for i in range(n - 2):
                if len(groups[i]) != 4:
                    continue
                for j in range(n, i + 2, -1):
                    if _is_card("".join(groups[i:j])):
                        counter["credit_card"] += 1
                        return sep.join([*groups[:i], _mark("credit_card"), *groups[j:]])
            return whole

        return repl

    # -- structures --------------------------------------------------------------------------
    def redact(self, value: Any, counter: Counter[str] | None = None, _depth: int = 0) -> Any:
        """A redacted copy of ``value`` (lists, tuples and dicts are copied; a dataclass or pydantic
        model is the same object when nothing in it needed redacting)."""
        if not self.settings.enabled:
            return value
        return self._walk(value, counter if counter is not None else Counter(), _depth)

    def _walk(self, value: Any, counter: Counter[str], depth: int) -> Any:
        if depth > 64:
            return _TOO_DEEP
        kind = type(value)
        if kind is str:
            return self.redact_text(value, counter)
        if kind in _PLAIN:
            return value
        deeper = depth + 1
        if kind is list or kind is tuple:
            if deeper > 64:
                items = [_TOO_DEEP for _ in value]
            else:  # the common leaves inline: a matrix is mostly [timestamp, "value"] pairs
                items = [
                    v
                    if type(v) in _PLAIN
                    else self.redact_text(v, counter)
                    if type(v) is str
                    else self._walk(v, counter, deeper)
                    for v in value
                ]
            return items if kind is list else tuple(items)
        if kind is dict:
            return self._walk_dict(value, counter, deeper)
        if isinstance(value, str):
            return self.redact_text(value, counter)
        if value is None or isinstance(value, bool | int | float | bytes):
            return value
        if isinstance(value, dict):
            return self._walk_dict(value, counter, deeper)
        if isinstance(value, list | tuple):
            items = [self._walk(v, counter, deeper) for v in value]
            return items if isinstance(value, list) else tuple(items)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                old = getattr(value, f.name)
                new = self._walk(old, counter, deeper)
                if new is not old and new != old:
                    changes[f.name] = new
            return dataclasses.replace(value, **changes) if changes else value
        if isinstance(value, BaseModel):
            dumped = value.model_dump()
            red = self._walk(dumped, counter, deeper)
            return value if red == dumped else type(value).model_validate(red)
        return value

    def _walk_dict(self, value: dict[Any, Any], counter: Counter[str], depth: int) -> dict[Any, Any]:
        out = {}
        keys = self._key_cache
        shallow = depth <= 64
        for key, item in value.items():
            kind = type(item)
            if kind is str or isinstance(item, str):
                sensitive = keys.get(key) if type(key) is str else None
                if sensitive is None:
                    sensitive = isinstance(key, str) and self._sensitive_key(key)
                if sensitive and item:
                    counter["sensitive_key"] += 1
                    out[key] = _mark(key.lower())
                elif shallow:
                    out[key] = self.redact_text(item, counter)
                else:
                    out[key] = _TOO_DEEP
            elif shallow and kind in _PLAIN:
                out[key] = item
            else:
                out[key] = self._walk(item, counter, depth)
        return out

    def _sensitive_key(self, key: str) -> bool:
        known = self._key_cache.get(key)
        if known is None:
            low = key.lower().replace("-", "_")
            known = any(k in low for k in self._keys) and not low.endswith(
                ("_count", "_total", "s_used", "_limit")
            )
            if len(self._key_cache) >= _KEYS_SIZE:
                self._key_cache.clear()
            self._key_cache[key] = known
        return known
