"""Pure numeric analysis behind the data-driven hypothesis generators (no I/O).

* :mod:`autoheal.analysis.metrics` — BARO-style robust anomaly scores, onset detection.
* :mod:`autoheal.analysis.logs` — Drain template mining and new / surging templates.
* :mod:`autoheal.analysis.traces` — per-service self time and error attribution.
* :mod:`autoheal.analysis.ranking` — combining signals and using the call graph.
"""

from autoheal.analysis.logs import TemplateMiner, TemplateSurge, template_surges
from autoheal.analysis.metrics import MetricScore, robust_scores, service_scores
from autoheal.analysis.ranking import combine, upstream_adjust
from autoheal.analysis.traces import ServiceTraceShift, trace_shifts

__all__ = [
    "MetricScore",
    "ServiceTraceShift",
    "TemplateMiner",
    "TemplateSurge",
    "combine",
    "robust_scores",
    "service_scores",
    "template_surges",
    "trace_shifts",
    "upstream_adjust",
]
