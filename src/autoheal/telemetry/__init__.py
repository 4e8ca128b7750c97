"""Telemetry records and the embedded stores' contracts.

The embedded stores (SQLite-backed, see ``autoheal.telemetry.embedded``) stand in for Prometheus,
Loki, Tempo and a change feed when Autoheal runs without them: the simulator and the benchmark
loaders write here, and the tools in ``autoheal.tools`` read from here through the same interfaces
they use for the real servers.

Conventions every writer follows so that every reader can rely on them:

* every metric series carries a ``service`` label (the service it describes); other labels are free
  (``pod``, ``instance``, ``container``...). Metric names are free too, but the simulator uses
  ``request_rate``, ``error_ratio``, ``latency_p50_ms``, ``latency_p99_ms``, ``cpu_usage_ratio``,
  ``memory_usage_ratio``, ``pool_usage_ratio``, ``restarts_total``, ``disk_usage_ratio``.
* times are timezone-aware UTC datetimes in the API and float epoch seconds in storage.
* log records carry the service, a level (``debug|info|warning|error|critical``) and the raw line.
* spans carry trace id, span id, parent span id, service, operation, start, duration and an error flag.
"""
