"""The MCP server (``autoheal mcp``): what Autoheal knows, and the governed telemetry tools, for
other agents (Claude Code, Cursor, an internal assistant) over the Model Context Protocol.

* ``tools.py`` — the read tools (alerts, investigations, incidents) and ``start_investigation``,
  as plain functions over an :class:`~autoheal.app.Autoheal`, each with the role it needs.
* ``server.py`` — the MCP server (the official ``mcp`` SDK's low-level ``Server``): lists those
  tools plus every governed tool behind the gateway, authenticates the API token once at start,
  and sends every governed call through ``Gateway.call`` with the caller ``mcp:<token name>``,
  so policy, query guards, rate limits, redaction and the audit trail apply as to the engine.
"""
