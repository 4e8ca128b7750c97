"""The case catalogue: the recorded Kubernetes incidents shipped as package data under ``k8s/cases/``.

Every case is a case bundle (:mod:`autoheal.cases.bundle`, format ``autoheal.case/v1``) carrying an
answer (``expected.yaml``) - the same format a user brings with ``autoheal case run`` or
``autoheal bench k8s --cases DIR``. ``expected.yaml`` is read only by the bench scorer, never by
the investigators.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from autoheal.cases.bundle import Bundle, BundleError, load_folder
from autoheal.domain.alerts import Alert
from autoheal.sources import alertmanager
from autoheal.sources.rules import LabelRules

Case = Bundle  # a catalogue case is a bundle with an answer


def alerts_from_webhook(payload: dict[str, Any], rules: LabelRules | None = None) -> list[Alert]:
    """Alertmanager webhook v4 -> domain alerts (the alertmanager source's own normaliser)."""
    return list(alertmanager.normalise(payload, rules or LabelRules()))


def cases_dir() -> Path:
    return Path(str(resources.files("autoheal.k8s") / "cases"))


def load_all(root: Path | None = None, only: str | None = None) -> list[Bundle]:
    """The bundles under ``root`` (the shipped catalogue by default) that carry an answer."""
    bundles = load_folder(root or cases_dir(), only=only)
    unanswered = [b.name for b in bundles if b.expected is None]
    if root is None and unanswered:
        raise BundleError(
            str(cases_dir()), [f"{n}: the catalogue's cases need expected.yaml" for n in unanswered]
        )
    return [b for b in bundles if b.expected is not None]
