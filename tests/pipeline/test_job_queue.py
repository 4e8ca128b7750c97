"""The in-process queue: a job identical to one still waiting is not queued twice; one submitted
while its twin runs is."""

import threading

from autoheal.jobs import InProcessQueue, Job


def test_identical_waiting_jobs_run_once_and_a_twin_of_a_running_job_runs_again() -> None:
    q = InProcessQueue(workers=1)
    started, release = threading.Event(), threading.Event()
    ran: list[tuple[str, object]] = []

    def block(job: Job) -> None:
        ran.append((job.kind, job.payload.get("n")))
        started.set()
        release.wait(5)

    q.register("block", block)
    q.register("triage", lambda job: ran.append((job.kind, job.payload["group_id"])))
    try:
        q.submit("block", {"n": 1})
        assert started.wait(5)  # the worker is busy: what follows waits
        first = q.submit("triage", {"group_id": 7})
        assert q.submit("triage", {"group_id": 7}) is first  # the same waiting job
        q.submit("triage", {"group_id": 8})  # another group is another job
        started.clear()
        q.submit("block", {"n": 1})  # the running block's twin: queued, it may need the newer state
        release.set()
        assert q.drain(5)
    finally:
        q.close()
    assert ran == [("block", 1), ("triage", 7), ("triage", 8), ("block", 1)]
