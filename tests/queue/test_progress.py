"""Where a web job on the queue stands, from what Redis holds: the web's job key, the Celery
result record and the queue's length (queue/progress.py), read by any web node."""
from __future__ import annotations

from generator.queue.progress import BUILDING, DONE, FAILED, UNKNOWN, WAITING, state_of


def test_a_job_never_claimed_is_unknown_whatever_else_redis_holds():
    assert state_of(None, {"status": "SUCCESS", "result": {}}, 5) == (UNKNOWN, None)


def test_waiting_counts_the_tasks_ahead_and_never_more_than_the_queue_holds_besides_it():
    job = {"state": WAITING, "ahead": 4}
    assert state_of(job, None, 5) == (WAITING, 4)
    assert state_of(job, None, 9) == (WAITING, 4)  # tasks sent later are behind it
    assert state_of(job, None, 3) == (WAITING, 2)  # two taken by workers since
    assert state_of(job, {"status": "PENDING"}, 0) == (WAITING, 0)  # taken, not yet started
    assert state_of({"state": WAITING}, None, 7) == (WAITING, None)  # claimed, not yet sent


def test_a_worker_that_started_it_makes_it_being_built():
    assert state_of({"state": WAITING, "ahead": 3}, {"status": "STARTED", "result": {"pid": 1}}, 3) == (BUILDING, None)


def test_the_answer_and_the_webs_own_word_end_it():
    job = {"state": WAITING, "ahead": 0}
    assert state_of(job, {"status": "SUCCESS", "result": {"entries": []}}, 0) == (DONE, None)
    for result in ({"refused": "another build"}, {"lost": "killed"}, {"timeout": 180}, "not an answer",
                   {"entries": [], "problems": [{"code": "unknown-matrix"}]}):
        assert state_of(job, {"status": "SUCCESS", "result": result}, 0) == (FAILED, None)
    assert state_of(job, {"status": "FAILURE", "result": {"exc_type": "X"}}, 0) == (FAILED, None)
    # the web has the answer and deleted the result record: its job key says how it ended
    assert state_of({"state": DONE}, None, 0) == (DONE, None)
    assert state_of({"state": FAILED}, {"status": "STARTED"}, 0) == (FAILED, None)
