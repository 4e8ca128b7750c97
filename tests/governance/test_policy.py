from __future__ import annotations

from pathlib import Path

import pytest

from autoheal.domain.tools import Access
from autoheal.errors import PolicyError
from autoheal.governance.policy import Effect, default_policy, load_policy, parse_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.yaml"


def test_example_and_default_load() -> None:
    assert load_policy(EXAMPLE).default is Effect.DENY
    p = default_policy()
    assert p.decide("prometheus.query", Access.READ, {}, caller="x").effect is Effect.ALLOW
    assert (
        p.decide("alertmanager.create_silence", Access.WRITE, {}, caller="x").effect
        is Effect.REQUIRE_APPROVAL
    )
    assert p.decide("kubernetes.list", Access.READ, {"resource": "secrets"}, caller="x").effect is Effect.DENY


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("default: maybe\n", "default (line 1)"),
        ("rules:\n  - name: a\n    effect: allow\n    toolz: [x]\n", "rules.0.toolz (line 4)"),
        ("rate_limits:\n  tools:\n    'a.*': {rate: 0, burst: 1}\n", "rate_limits.tools.a.*.rate (line 3)"),
        ("budgets: [1, 2]\n", "budgets (line 1)"),
        ("- just\n- a list\n", "a mapping"),
        ("rules: [\n", "not valid YAML"),
    ],
)
def test_errors_name_field_and_line(text: str, where: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(text, source="p.yaml")
    assert where in str(err.value)


def test_deny_wins_and_matching_semantics() -> None:
    p = parse_policy(
        """
default: deny
rules:
  - {name: reads, effect: allow, tools: ["k8s.*"], args: {verb: [get, list]}}
  - {name: approve-prod, effect: require_approval, tools: ["k8s.*"], args: {namespace: ["prod-*"]}}
  - {name: kube, effect: deny, tools: ["k8s.*"], args: {namespace: ["kube-*"]}}
"""
    )

    def decide(**args: object) -> str:
        return p.decide("k8s.get", Access.READ, args, caller="c").rule

    assert decide(verb="get") == "reads"
    assert decide(verb="delete") == "default"
    assert decide(verb="get", namespace="prod-eu") == "approve-prod"
    assert decide(verb="get", namespace="kube-system") == "kube"
    assert decide(verb=["get", "delete"]) == "default"  # an allow must cover every value
    assert decide(verb="get", namespace=["shop", "kube-system"]) == "kube"  # a deny needs only one


def test_policy_is_frozen() -> None:
    p = default_policy()
    with pytest.raises(Exception):  # noqa: B017 (pydantic ValidationError on a frozen model)
        p.default = Effect.ALLOW  # type: ignore[misc]
