"""Alert sources: one module each, each a pure function from a raw payload to domain alerts.

``get_source(name)`` maps a source name (the ``{source}`` of ``POST /api/v1/alerts/{source}``) to
its :class:`Source`; ``get_source(name).normalise(payload, rules)`` returns the alerts or raises
:class:`autoheal.errors.PayloadError` naming the field that is wrong. Adding a source means adding
one module and one line in ``registry._BUILTIN``. See docs/sources.md.
"""

from autoheal.sources.base import BuiltinSource, Normaliser, Source
from autoheal.sources.registry import get_source, source_names
from autoheal.sources.rules import LabelRules, ServicePattern

__all__ = [
    "BuiltinSource",
    "LabelRules",
    "Normaliser",
    "ServicePattern",
    "Source",
    "get_source",
    "source_names",
]
