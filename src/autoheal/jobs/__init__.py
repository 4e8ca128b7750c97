"""Work that runs after an alert is committed (triage, investigation, escalation) runs as jobs.

``JobQueue`` is the whole interface; ``InProcessQueue`` (worker threads) is the embedded default
and ``InlineQueue`` runs each job at once in the caller's thread (tests, simulation, backtests).
A PostgreSQL-backed queue with separate worker processes implements the same interface without
touching the code that submits jobs.
"""

from autoheal.jobs.queue import InlineQueue, InProcessQueue, Job, JobHandler, JobQueue

__all__ = ["InProcessQueue", "InlineQueue", "Job", "JobHandler", "JobQueue"]
