"""Alert sources: one module each, each a pure function from a raw payload to domain alerts.

``registry()`` maps a source name (the ``{source}`` of ``POST /api/v1/alerts/{source}``) to its
normaliser. Adding a source means adding one module and one line in ``_BUILTIN``.
"""
