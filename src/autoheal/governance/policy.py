"""The policy file: what may be called, by whom, how often, how expensively.

Loaded from YAML and validated with pydantic; errors name the field and the line it is on. The
loaded :class:`Policy` is frozen: nothing at run time (least of all text inside tool arguments,
tool results or alert annotations) can change it. Every key is documented in docs/governance.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from autoheal.domain.tools import Access
from autoheal.errors import PolicyError


class Effect(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    REQUIRE_APPROVAL = "require_approval"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(_Model):
    name: str = Field(min_length=1)
    effect: Effect
    tools: tuple[str, ...] = ("*",)
    callers: tuple[str, ...] = ("*",)
    args: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    metrics: tuple[str, ...] = ()
    reason: str = ""


class RateLimit(_Model):
    rate: float = Field(gt=0, description="tokens added per second")
    burst: int = Field(ge=1, description="bucket size: calls allowed at once after a quiet spell")


class RateLimits(_Model):
    global_: RateLimit | None = Field(default=RateLimit(rate=50, burst=100), alias="global")
    tools: dict[str, RateLimit] = Field(default_factory=dict)
    max_wait_seconds: float = Field(default=2.0, ge=0)


class Concurrency(_Model):
    global_: int = Field(default=16, ge=1, alias="global")
    tools: dict[str, int] = Field(default_factory=dict)
    max_wait_seconds: float = Field(default=5.0, ge=0)


class Budgets(_Model):
    tool_calls: int = Field(default=200, ge=0)
    query_cost: float = Field(default=5_000_000, ge=0)
    wall_time_seconds: float = Field(default=900, ge=0)
    model_tokens: int = Field(default=200_000, ge=0)


class PromQLGuard(_Model):
    tools: tuple[str, ...] = ("prometheus.*", "metrics.*")
    query_args: tuple[str, ...] = ("query", "expr", "promql")
    match_args: tuple[str, ...] = ("match",)  # lists of series selectors (series, label values)
    start_args: tuple[str, ...] = ("start",)
    end_args: tuple[str, ...] = ("end",)
    step_args: tuple[str, ...] = ("step", "step_seconds")
    max_query_length: int = Field(default=4000, ge=1)
    max_range_seconds: float = Field(default=7 * 86400, gt=0)
    min_step_seconds: float = Field(default=1.0, gt=0)
    max_points_per_series: int = Field(default=11_000, ge=1)
    max_lookback_seconds: float = Field(default=7 * 86400, gt=0)
    max_subquery_depth: int = Field(default=1, ge=0)
    max_regex_only_selectors: int = Field(default=1, ge=0)
    max_selectors: int = Field(default=20, ge=1)
    scrape_interval_seconds: float = Field(default=15, gt=0)


class LogGuard(_Model):
    tools: tuple[str, ...] = ("logs.*", "datadog.logs_*")
    start_args: tuple[str, ...] = ("start", "since")
    end_args: tuple[str, ...] = ("end", "until")
    limit_args: tuple[str, ...] = ("limit", "max_lines")
    bytes_args: tuple[str, ...] = ("max_bytes", "limit_bytes")
    require_time_bound: bool = True
    require_limit: bool = True
    max_range_seconds: float = Field(default=86400, gt=0)
    max_lines: int = Field(default=5000, ge=1)
    max_bytes: int = Field(default=5_000_000, ge=1)


class Guards(_Model):
    promql: PromQLGuard = PromQLGuard()
    logs: LogGuard = LogGuard()


class ExtraPattern(_Model):
    name: str
    pattern: str


class Redaction(_Model):
    enabled: bool = True
    emails: bool = True
    ip_addresses: bool = False
    phone_numbers: bool = True
    credit_cards: bool = True
    sensitive_keys: tuple[str, ...] = (
        "password", "passwd", "secret", "token", "api_key", "apikey", "authorization",
        "private_key", "client_secret", "access_key", "cookie",
    )  # fmt: skip
    extra_patterns: tuple[ExtraPattern, ...] = ()


class Approvals(_Model):
    ttl_seconds: float = Field(default=3600, gt=0)
    approver_roles: tuple[str, ...] = ("responder", "admin")


class Policy(_Model):
    version: Literal[1] = 1
    default: Literal[Effect.ALLOW, Effect.DENY] = Effect.DENY
    write_actions: Literal[Effect.REQUIRE_APPROVAL, Effect.DENY] = Effect.REQUIRE_APPROVAL
    rules: tuple[Rule, ...] = ()
    rate_limits: RateLimits = RateLimits()
    concurrency: Concurrency = Concurrency()
    budgets: Budgets = Budgets()
    guards: Guards = Guards()
    redaction: Redaction = Redaction()
    approvals: Approvals = Approvals()

    def decide(
        self,
        tool: str,
        access: Access,
        args: Mapping[str, Any],
        *,
        caller: str,
        metrics: Iterable[str] | None = None,
    ) -> Decision:
        """Deny wins over approval, approval over allow; then writes always need approval."""
        metric_set = frozenset(metrics) if metrics is not None else None
        matched: dict[Effect, Rule] = {}
        for rule in self.rules:
            if rule.effect not in matched and _rule_matches(rule, tool, args, caller, metric_set):
                matched[rule.effect] = rule
        for effect in (Effect.DENY, Effect.REQUIRE_APPROVAL, Effect.ALLOW):
            if effect in matched:
                rule = matched[effect]
                decision = Decision(effect, rule.name, rule.reason or f"rule {rule.name!r} ({effect.value})")
                break
        else:
            decision = Decision(
                self.default, "default", f"no rule matched; policy default is {self.default.value}"
            )
        if decision.effect is Effect.ALLOW and access is Access.WRITE:
            if self.write_actions is Effect.DENY:
                return Decision(Effect.DENY, "write_actions", "write actions are denied by this policy")
            return Decision(Effect.REQUIRE_APPROVAL, "write_actions", "write actions need a human approval")
        return decision


@dataclass(frozen=True, slots=True)
class Decision:
    effect: Effect
    rule: str
    reason: str


def _values(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    if isinstance(value, bool):
        return [str(value).lower()]
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return [value.value]
    return [str(value)]


def _all_or_any(effect: Effect, values: Iterable[str], patterns: tuple[str, ...]) -> bool:
    hits = [any(fnmatchcase(v, p) for p in patterns) for v in values]
    if not hits:
        return False
    # an allow must cover every value; a deny (or approval) needs only one value to match
    return all(hits) if effect is Effect.ALLOW else any(hits)


def _rule_matches(
    rule: Rule, tool: str, args: Mapping[str, Any], caller: str, metrics: frozenset[str] | None
) -> bool:
    if not any(fnmatchcase(tool, p) for p in rule.tools):
        return False
    if not any(fnmatchcase(caller, p) for p in rule.callers):
        return False
    for key, patterns in rule.args.items():
        values = _values(args.get(key))
        if values is None or not _all_or_any(rule.effect, values, patterns):
            return False
    if rule.metrics:
        if not metrics:
            return False
        if not _all_or_any(rule.effect, sorted(metrics), rule.metrics):
            return False
    return True


def first_match(patterns: Mapping[str, Any], tool: str) -> tuple[str, Any] | None:
    """The first ``(pattern, value)`` whose glob matches ``tool`` (file order)."""
    for pattern, value in patterns.items():
        if fnmatchcase(tool, pattern):
            return pattern, value
    return None


# -- loading -----------------------------------------------------------------------------------
def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if child is None:
                break
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def parse_policy(text: str, *, source: str = "<policy>") -> Policy:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}", source=source) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy file is a mapping (key: value), got {type(data).__name__}")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(node, loc)
            at = f" (line {line})" if line else ""
            lines.append(f"{source}: {where}{at}: {err['msg']}")
        raise PolicyError("\n".join(lines), source=source, errors=len(lines)) from None


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror}", source=str(path)) from exc
    return parse_policy(text, source=str(path))


DEFAULT_POLICY_YAML = """\
# Built-in policy: read-only tools allowed, every write needs a human approval,
# Kubernetes secrets are never read.
version: 1
default: allow
write_actions: require_approval
rules:
  - name: no-kubernetes-secrets
    effect: deny
    tools: ["kubernetes.*"]
    args: {resource: ["secret", "secrets", "Secret"]}
    reason: Kubernetes secrets are never read by Autoheal
"""


def default_policy() -> Policy:
    return parse_policy(DEFAULT_POLICY_YAML, source="<built-in policy>")
