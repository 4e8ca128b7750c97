"""Read-only Datadog evidence through the official ``datadog-api-client`` (the ``datadog`` extra):
log search and monitors. See docs/cloud.md. The tools module imports the client; the config does not."""

from autoheal.tools.datadog.config import DatadogConfig

__all__ = ["DatadogConfig"]
