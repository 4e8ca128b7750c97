"""Autoheal's own Prometheus metrics, on a registry per application (never the global one)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from autoheal.jobs.queue import Job

__all__ = ["CONTENT_TYPE_LATEST", "SelfMetrics"]


class SelfMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.webhook_requests = Counter(
            "autoheal_webhook_requests",
            "Webhook requests by source and HTTP status code",
            ["source", "code"],
            registry=self.registry,
        )
        self.alerts_ingested = Counter(
            "autoheal_alerts_ingested",
            "Alerts committed, by source and outcome (new, repeated, resolved, refired)",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.ingest_seconds = Histogram(
            "autoheal_ingest_duration_seconds",
            "Time from receiving a webhook to its commit",
            ["source"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.jobs = Counter(
            "autoheal_jobs", "Jobs run, by kind and status", ["kind", "status"], registry=self.registry
        )
        self.job_seconds = Histogram(
            "autoheal_job_duration_seconds", "Job run time", ["kind"], registry=self.registry
        )
        self.alerts_expired = Counter(
            "autoheal_alerts_expired", "Firing alerts closed as stale", registry=self.registry
        )

    def job_observer(self, job: Job, status: str, seconds: float) -> None:
        self.jobs.labels(job.kind, status).inc()
        self.job_seconds.labels(job.kind).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
