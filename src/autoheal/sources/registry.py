"""Source name -> source. The name is the ``{source}`` of ``POST /api/v1/alerts/{source}``.

Adding a source means writing one module that exposes ``source`` and adding it to ``_BUILTIN``.
"""

from __future__ import annotations

from types import MappingProxyType

from autoheal.errors import UnknownSourceError
from autoheal.sources import alertmanager, datadog, generic, grafana, pagerduty
from autoheal.sources.base import Source

_BUILTIN: tuple[Source, ...] = (
    alertmanager.source,
    grafana.source,
    datadog.source,
    pagerduty.source,
    generic.source,
)

SOURCES = MappingProxyType({source.name: source for source in _BUILTIN})


def source_names() -> list[str]:
    """The names of every known source, sorted."""
    return sorted(SOURCES)


def get_source(name: str) -> Source:
    """The source called ``name``; :class:`UnknownSourceError` (404) lists the known ones."""
    found = SOURCES.get(name.strip().lower()) if isinstance(name, str) else None
    if found is None:
        known = ", ".join(source_names())
        raise UnknownSourceError(
            f"unknown alert source {str(name)[:60]!r}; known sources: {known}", source=name
        )
    return found
