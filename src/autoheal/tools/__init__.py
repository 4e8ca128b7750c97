"""Every tool Autoheal uses to learn about production (see docs/tools.md).

One module per family (``prometheus``, ``alertmanager``, ``logs``, ``traces``, ``changes``,
``topology``, ``kubernetes``); ``registry.build_tools`` wires them from a :class:`ToolsConfig`.
Tools know nothing about policy, rate limits, redaction or audit: the governance gateway wraps them.
"""
