"""The coordinator's side of `--queue`: a pipeline Runner that sends one task per customer-annex
to the Celery workers and hands each answer back as the local pool would.

Answers are read from the result backend by polling (one MGET for many tasks), which survives a
Redis restart: while Redis is away the batch waits (up to ANNEX_QUEUE_WAIT seconds, 300 by
default); when it is back, a key written at the start tells whether it kept its data. If it did
not, the tasks still queued are gone, and they fail with a message saying to run the batch
again (what was written is kept; the re-run only builds the rest), so the manifest never
claims an annex that is not stored.
"""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from ..infra.diagnostics import InputError, error, printable
from ..infra.workers import Crashed, Lost, TimedOut
from .app import GRACE, QUEUE, RESULT_TTL, TASK, make_app, ping_redis, redact
from .wire import build_id, outcome_from_json

POLL = 0.1  # seconds between two looks at the results
CHUNK = 500  # task ids per MGET


def queue_wait() -> float:
    try:
        return max(1.0, float(os.environ.get("ANNEX_QUEUE_WAIT", "300")))
    except ValueError:
        return 300.0


def check_queue(url: str, app=None) -> None:
    """Before any work: Redis answers, and at least one annex worker listens (one line, exit 2)."""
    ping_redis(url)
    app = app or make_app(url)
    try:
        # one answer is enough: without a limit the broadcast waits out its whole timeout
        # (it cannot know how many workers there are), 3 s added to every batch
        replies = app.control.ping(timeout=3.0, limit=1)
    except Exception as exc:
        raise InputError([error("--queue", f"the queue at {redact(url)}: {printable(exc, 200)}")],
                         unreadable=True) from None
    if not replies:
        raise InputError([error("--queue", f"no annex worker answers on the queue at {redact(url)}",
                                hint="start `annex worker --queue URL` on one or more machines, then run again")],
                         unreadable=True)


def queue_runner(url: str, job_timeout: float, log: Callable[[str], None]):
    """A Runner (pipeline.job) over the workers of the queue at `url`."""
    from ..pipeline.job import failed_outcome
    from ..pipeline.pool import as_outcome
    app = make_app(url, job_timeout=job_timeout)

    def run(tasks: Sequence[Any], on_outcome: Callable[[Any, Any], None], on_retry: Callable[[Any, str], None]) -> None:
        batch = Batch(app, url, log)
        pending = batch.send(tasks, job_timeout)
        try:
            for task, result in batch.collect(pending, job_timeout):
                if isinstance(result, Failed):
                    on_outcome(task, failed_outcome(task, [error(result.where, result.message)]))
                else:
                    on_outcome(task, as_outcome(task, result))
        except BaseException:  # an interrupt: the tasks not yet run are called off
            batch.revoke(pending)
            raise
        finally:
            batch.clean()
    return run


class Batch:
    """The tasks of one run on the queue, and the Redis key that tells whether Redis kept them."""

    def __init__(self, app, url: str, log: Callable[[str], None]):
        self.app, self.url, self.log = app, url, log
        self.key = f"annex:batch:{uuid.uuid4().hex}"
        self.done: list[str] = []

    @property
    def client(self):
        return self.app.backend.client

    def send(self, tasks: Sequence[Any], job_timeout: float, ids: Sequence[Optional[str]] = ()) -> dict[str, Any]:
        """Queue the tasks; `ids` names some of them (the web's job ids, queue/progress.py), the
        others get a random id."""
        self.client.set(self.key, "1", ex=RESULT_TTL)
        pending: dict[str, Any] = {}
        build = build_id()
        with self.app.producer_or_acquire() as producer:
            for n, task in enumerate(tasks):
                sent = self.app.send_task(TASK, args=[task.to_payload(), build], queue=QUEUE, producer=producer,
                                          task_id=ids[n] if n < len(ids) else None,
                                          soft_time_limit=job_timeout, time_limit=job_timeout + GRACE)
                pending[sent.id] = task
        return pending

    def collect(self, pending: dict[str, Any], job_timeout: float, wait: Optional[float] = None):
        """(task, answer) as answers come, until none is pending (or `wait` seconds have passed);
        an answer is an outcome, a Failed, or a Lost / TimedOut / Crashed (pool.as_outcome)."""
        deadline = None if wait is None else time.monotonic() + wait
        while pending and (deadline is None or time.monotonic() < deadline):
            try:
                if not self.client.exists(self.key):
                    yield from self._forgotten(pending)
                    return
                ready = self._ready(list(pending))
            except self._connection_errors() as exc:
                if not self._wait_for_redis(exc):
                    yield from self._given_up(pending)
                    return
                continue
            for task_id, meta in ready:
                task = pending.pop(task_id)
                self.done.append(task_id)
                yield task, answer(meta, job_timeout)
            if not ready:
                time.sleep(POLL)

    def _ready(self, ids: list[str]) -> list[tuple[str, dict]]:
        from celery.exceptions import TimeoutError as NotYet
        backend, out = self.app.backend, []
        for start in range(0, len(ids), CHUNK):
            try:
                for task_id, meta in backend.get_many(ids[start:start + CHUNK], timeout=0, interval=0):
                    out.append((task_id, meta))
            except NotYet:
                pass  # some are not ready yet
        return out

    def _connection_errors(self) -> tuple[type[BaseException], ...]:
        import redis
        return (redis.ConnectionError, redis.TimeoutError, ConnectionError, OSError)

    def _wait_for_redis(self, exc: BaseException) -> bool:
        """Wait for Redis to answer again; False after queue_wait() seconds."""
        limit = queue_wait()
        self.log(f"lost the queue at {redact(self.url)} ({printable(exc, 120)}): waiting up to {limit:g} s for it")
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                ping_redis(self.url)
                self.log("the queue is back: going on")
                return True
            except InputError:
                time.sleep(1.0)
        return False

    def _forgotten(self, pending: dict[str, Any]):
        self.log("the queue's Redis restarted without its data: the annexes still queued are failed; "
                 "run the batch again to build them (what was written is kept)")
        message = ("the queue's Redis lost this task (it restarted without its data); run the batch again: "
                   "annexes already written are kept")
        for task in list(pending.values()):
            yield task, Failed("queue", message)
        pending.clear()

    def _given_up(self, pending: dict[str, Any]):
        message = (f"the queue at {redact(self.url)} did not come back within {queue_wait():g} s; "
                   "run the batch again once it runs (annexes already written are kept)")
        self.log(message)
        for task in list(pending.values()):
            yield task, Failed("queue", message)
        pending.clear()

    def revoke(self, pending: dict[str, Any]) -> None:
        try:
            if pending:
                self.app.control.revoke(list(pending))
        except Exception:
            pass  # Redis is away: nothing to call off there

    def clean(self) -> None:
        """Leave nothing of this run in Redis: the results collected and the batch key."""
        try:
            keys = [self.app.backend.get_key_for_task(i) for i in self.done] + [self.key]
            for start in range(0, len(keys), CHUNK):
                self.client.delete(*keys[start:start + CHUNK])
        except Exception:
            pass  # they expire anyway (RESULT_TTL)


def answer(meta: dict, job_timeout: float) -> Any:
    """A worker's answer from its result record: an Outcome, or Lost / TimedOut / Crashed."""
    from ..pipeline.job import Outcome
    status, result = meta.get("status"), meta.get("result")
    if status == "SUCCESS" and isinstance(result, dict):
        if "lost" in result:
            return Lost(str(result["lost"]))
        if "timeout" in result:
            return TimedOut(float(result.get("timeout") or job_timeout))
        if "refused" in result:
            return Failed("worker", f"refused by the worker: {printable(result['refused'], 2000)}")
        try:
            outcome: Optional[Outcome] = outcome_from_json(result)
        except ValueError as exc:
            return Crashed(f"a worker's answer is not an outcome: {printable(exc, 200)}")
        return outcome
    if isinstance(result, BaseException):  # the backend rebuilt the task's exception
        exc_type, message = type(result).__name__, str(result)
    elif isinstance(result, dict):
        exc_type, message = str(result.get("exc_type", "")), str(result.get("exc_message", ""))
    else:
        exc_type, message = "", str(result)
    if exc_type in ("TimeLimitExceeded", "SoftTimeLimitExceeded"):
        return TimedOut(job_timeout)
    if exc_type == "WorkerLostError":
        return Lost("its worker process vanished")
    if exc_type in ("ConnectionError", "TimeoutError", "OperationalError"):
        return Failed("queue", f"the worker lost the queue while building it ({printable(message, 120)}); "
                               "run the batch again: annexes already written are kept")
    return Crashed(f"the task ended {status}: {exc_type} {printable(message, 200)}".strip())


@dataclass(frozen=True)
class Failed:
    """A task with no outcome for a reason that is not a bug: a worker refused it (another annex
    build, matrix or brand version; a bad payload), or the queue lost it."""

    where: str
    message: str
