"""The parser's measurement on a labelled corpus of incident-channel messages (``corpus.yaml``).

Each message is labelled with its action, target kind and service. A message counts as

* **typed correctly**: the parser's action, target kind and service all equal the label;
* **left as note**: the label is a typed action and the parser made it a note (nothing guessed);
* **mistyped**: anything else (a wrong action, target or service, or a note typed as something).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from autoheal.decisions.model import Action
from autoheal.decisions.parser import StepParser, shop_aliases

SHOP = [
    "frontend",
    "checkout",
    "cart",
    "payment",
    "catalogue",
    "shipping",
    "currency",
    "recommendation",
    "postgres",
    "redis",
    "rabbitmq",
    "payment-gateway",
]


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    action: str
    target: str | None
    service: str | None


@dataclass(frozen=True, slots=True)
class Judged:
    message: Labelled
    action: str
    target: str | None
    service: str | None

    @property
    def outcome(self) -> str:
        if self.action == Action.NOTE.value and self.message.action != Action.NOTE.value:
            return "note"
        got = (self.action, self.target, self.service)
        want = (self.message.action, self.message.target, self.message.service)
        return "correct" if got == want else "mistyped"


def load(path: Path | None = None) -> list[Labelled]:
    text = (
        path.read_text(encoding="utf-8")
        if path
        else (resources.files("autoheal.decisions") / "corpus.yaml").read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    out = []
    for i, row in enumerate(data.get("messages", [])):
        if not (isinstance(row, list) and len(row) == 4):
            raise ValueError(f"corpus message {i}: expected [text, action, target kind, service]")
        out.append(Labelled(str(row[0]), str(row[1]), row[2], row[3]))
    return out


def judge(messages: list[Labelled], parser: StepParser | None = None) -> list[Judged]:
    parser = parser or StepParser(SHOP, shop_aliases(SHOP))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for m in messages:
        step = parser.parse(m.text, who="corpus", at=at)
        out.append(
            Judged(m, step.action.value, step.target.kind.value if step.target else None, step.service)
        )
    return out


def summary(judged: list[Judged]) -> dict[str, Any]:
    n = len(judged)
    counts = {k: sum(1 for j in judged if j.outcome == k) for k in ("correct", "note", "mistyped")}
    return {
        "messages": n,
        "typed_correctly": counts["correct"],
        "left_as_note": counts["note"],
        "mistyped": counts["mistyped"],
        "mistyped_ratio": round(counts["mistyped"] / n, 4) if n else 0.0,
    }
