"""The in-process queue: a job identical to one still waiting is not queued twice; one submitted
while its twin runs is."""

import threading
import time

import pytest

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


def _timed_queue(share: float, seconds: float) -> tuple[InProcessQueue, list[tuple[str, object, float]]]:
    """A queue whose ``triage`` jobs take ``seconds`` each and record when they started."""
    q = InProcessQueue(workers=1, repeat_share={"triage": share})
    ran: list[tuple[str, object, float]] = []

    def triage(job: Job) -> None:
        ran.append((job.kind, job.payload["group_id"], time.monotonic()))
        time.sleep(seconds)

    q.register("triage", triage)
    q.register("investigate", lambda job: ran.append((job.kind, job.payload["group_id"], time.monotonic())))
    return q, ran


def test_a_repeat_waits_so_that_repeats_take_at_most_their_share_of_the_worker() -> None:
    q, ran = _timed_queue(share=0.25, seconds=0.1)
    try:
        q.submit("triage", {"group_id": 1})
        assert q.drain(5)
        q.submit("triage", {"group_id": 1})  # a repeat: waits 3 x 0.1 s after the first ended
        q.submit("triage", {"group_id": 2})  # a group seen for the first time: runs at once
        q.submit("investigate", {"group_id": 1})  # another kind: runs at once
        assert q.drain(5)  # drain waits for the held repeat too
    finally:
        q.close()
    order = [(kind, group) for kind, group, _ in ran]
    assert order == [("triage", 1), ("triage", 2), ("investigate", 1), ("triage", 1)]
    first, second = ran[0][2], ran[3][2]
    # the first ran 0.1 s; then group 2's first triage (0.1 s, not held) reset the wait: 0.3 s after it
    assert second - first >= 0.1 + 0.1 + 0.3 - 0.02


def test_submissions_join_a_held_repeat_and_close_runs_it_at_once() -> None:
    q, ran = _timed_queue(share=0.01, seconds=0.05)  # a repeat would wait ~5 s
    q.submit("triage", {"group_id": 1})
    assert q.drain(5)
    held = q.submit("triage", {"group_id": 1})
    assert q.submit("triage", {"group_id": 1}) is held  # joins the held one
    time.sleep(0.2)
    assert [group for _, group, _ in ran] == [1]  # still held
    began = time.monotonic()
    q.close()
    assert [group for _, group, _ in ran] == [1, 1]  # close ran it without waiting out the hold
    assert time.monotonic() - began < 2


def test_a_share_outside_zero_to_one_is_refused() -> None:
    for share in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="repeat_share"):
            InProcessQueue(workers=1, repeat_share={"triage": share})
