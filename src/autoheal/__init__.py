"""Autoheal: alert triage, root-cause investigation and incident response that SREs can audit.

The public surface is small on purpose; everything else lives in the subpackages:

* ``autoheal.domain``     plain types (alerts, groups, investigations, tool results), no I/O
* ``autoheal.sources``    one module per alert source, each a pure normaliser
* ``autoheal.pipeline``   the stage interface and the one builder that wires the alert flow
* ``autoheal.store``      SQLAlchemy models, repositories and Alembic migrations
* ``autoheal.jobs``       the job-queue interface and its in-process implementation
* ``autoheal.tools``      one module per telemetry/action tool
* ``autoheal.governance`` the enforcement point every tool call goes through
* ``autoheal.audit``      the hash-chained audit trail
* ``autoheal.reasoning``  triage, hypothesis generators, verifier, reports, model providers
* ``autoheal.sim``        simulated production and scenario files
* ``autoheal.api`` / ``autoheal.cli``  thin edges over the library
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
