"""The worker's task body (queue/worker.handle) on hostile payloads, in this process: whoever can
write to Redis is trusted with no more than a customer file. Each bad payload is refused with a
message (it reaches the manifest), nothing is built and no file is written."""
from __future__ import annotations

import copy

import pytest

from generator.queue import worker
from generator.queue.wire import build_id

from ..conftest import DATA, load_customer


@pytest.fixture
def payload():
    from generator.pipeline import BrandRef, MatrixRef, Task
    task = Task(load_customer("banque-horizon"), MatrixRef("s3-object-storage", "fr"), ("pdf",), "s3://annexes/x",
                str(DATA), BrandRef())
    worker._settings = worker.Settings(str(DATA), None)
    return task.to_payload()


def refused(payload, build=None, attempt=1) -> str:
    """Why the task was not built: refused whole, or every annex of it failed with the message."""
    answer = worker.handle(payload, build_id() if build is None else build, attempt, 10.0)
    if "refused" in answer:
        return answer["refused"]
    assert answer["entries"] and {e["status"] for e in answer["entries"]} == {"failed"}, answer
    return " ".join(e["error"] for e in answer["entries"])


def test_a_task_into_a_folder_of_the_worker_is_refused(payload, tmp_path):
    for sink in (str(tmp_path / "out"), "/etc", f"store:{tmp_path}"):
        assert "writes only into object storage" in refused(dict(payload, sink=sink))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("change, says", [
    ({"matrix": {"id": "../../etc/passwd", "lang": "fr"}}, "not a matrix id"),
    ({"matrix": {"id": "s3-object-storage", "lang": "../fr"}}, "language"),
    ({"formats": ["exe"]}, "formats"),
    ({"formats": "pdf"}, "formats"),
    ({"customer": {"id": "a/../../b", "name": "x"}}, "is not an annex task"),
    ({"customer": "not a mapping"}, "is not an annex task"),
    ({"since": 7}, "`since`"),
])
def test_a_malformed_payload_is_refused_with_a_message(payload, change, says):
    bad = copy.deepcopy(payload)
    bad.update(change)
    assert says in refused(bad)


def test_a_payload_that_is_not_a_mapping_is_refused():
    assert "is not an annex task" in refused(["not", "a", "task"])


def test_a_task_planned_by_another_annex_build_is_refused(payload):
    assert "run the same annex on the coordinator and every worker" in refused(payload, build="annex 0.0.1")


def test_a_task_delivered_a_third_time_is_given_up(payload):
    assert "lost" in worker.handle(payload, build_id(), 3, 10.0)


@pytest.mark.parametrize("sent, limits", [
    ([610.0, 600.0], (310.0, 300.0)),  # a batch asking more than the worker allows gets the worker's own
    ([14.0, 4.0], (14.0, 4.0)),  # less is kept
    (None, (310.0, 300.0)),  # none sent: the worker's own
    ([None, 4.0], (14.0, 4.0)),
])
def test_a_task_never_runs_longer_than_its_worker_allows(sent, limits):
    """The visibility timeout is reckoned from the worker's --job-timeout: a task allowed longer
    would be handed to a second worker while the first still builds it."""
    assert worker.capped(sent, 300.0) == limits


def test_a_visibility_timeout_shorter_than_a_task_may_run_is_one_line(tmp_path):
    from ..helpers import annex
    run = annex("worker", "--queue", "redis://127.0.0.1:1/0", "--job-timeout", "20", "--visibility-timeout", "30")
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert ("--visibility-timeout: error: 30 s is not longer than a task may run (20 s --job-timeout + 10 s)"
            in run.stderr)
