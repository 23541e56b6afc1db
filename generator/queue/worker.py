"""`annex worker`: a Celery worker that runs the batch's own job function (pipeline.run_task) on
tasks taken from the queue.

The worker process reads the brand and every matrix once, then forks its pool (Celery's prefork):
each pool process inherits them and keeps its page cache (writers/pdf_pages.py) warm across the
tasks it runs. A payload is untrusted: it is read like a customer file (pipeline.task
.from_payload), names matrices by id and content hash under this worker's own `--data`, its
brand by version under its own `--templates`, and may only write into object storage.
"""
from __future__ import annotations

import gc
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..infra.diagnostics import InputError, error
from ..infra.workers import ATTEMPTS
from .app import GRACE, JOB_TIMEOUT, QUEUE, RESULT_TTL, TASK, check_url, check_visibility, make_app, ping_redis, redact
from .wire import build_id, outcome_to_json


@dataclass(frozen=True)
class Settings:
    data_dir: str
    templates: Optional[str]


_settings = Settings("data", None)
_running = False  # this pool process is inside run_task: the soft time limit stops it there


class JobTimedOut(BaseException):
    """Raised by the soft time limit inside run_task: a BaseException, so that the pipeline's
    `except Exception` (one failed format, then the next) does not catch it and the task stops
    at once instead of going on to write the formats after the one it was stopped in."""


def handle(payload: Any, build: Any, attempt: int, soft_limit: Optional[float]) -> dict[str, Any]:
    """One task's answer, as JSON: an outcome, or why there is none (`refused`, `lost`, `timeout`)."""
    global _running
    from ..pipeline.job import one_line, run_task
    from ..pipeline.s3sink import is_object_storage
    from ..pipeline.task import from_payload
    if attempt > ATTEMPTS:
        return {"lost": "its process vanished mid-task, as SIGKILL or the out-of-memory killer does"}
    if build != build_id():
        return {"refused": f"this worker runs {build_id()}, the batch {str(build)[:120]}: "
                           "run the same annex on the coordinator and every worker"}
    try:
        task = from_payload(payload, data_dir=_settings.data_dir, templates=_settings.templates)
    except InputError as exc:
        return {"refused": one_line(exc.diagnostics)}
    if not is_object_storage(task.sink):
        return {"refused": "a queued task writes only into object storage (s3://BUCKET/PREFIX), "
                           "never into a folder of the worker's machine"}
    _running = True
    try:
        outcome = run_task(task)
    except JobTimedOut:
        return {"timeout": soft_limit or 0}
    finally:
        _running = False
    return outcome_to_json(outcome)


def _on_soft_limit(signum, frame) -> None:
    if _running:
        raise JobTimedOut()
    from billiard.pool import soft_timeout_sighandler
    soft_timeout_sighandler(signum, frame)  # outside run_task: Celery's SoftTimeLimitExceeded


def arm_soft_limit() -> None:
    """Celery stops a task at its soft time limit with SIGUSR1 (billiard's handler raises
    SoftTimeLimitExceeded, an Exception run_task would turn into one failed format and go on):
    this handler raises JobTimedOut in run_task instead. A task blocked in C code runs no
    Python signal handler until it returns: the hard limit kills its process GRACE s later."""
    if signal.getsignal(signal.SIGUSR1) is not _on_soft_limit:
        signal.signal(signal.SIGUSR1, _on_soft_limit)


def capped(limits: Any, job_timeout: float) -> tuple[float, float]:
    """A task's (hard, soft) time limits, never above this worker's own (`--job-timeout`): the
    visibility timeout is reckoned from it, and a task running past it would be handed to
    another worker while still running."""
    hard, soft = (list(limits) + [None, None])[:2] if isinstance(limits, (list, tuple)) else (None, None)
    soft = min(float(soft or job_timeout), job_timeout)
    return min(float(hard or soft + GRACE), job_timeout + GRACE), soft


def register(app, job_timeout: float = JOB_TIMEOUT) -> None:
    """The build task on `app` (acknowledged late; rejected back to the queue if its process
    dies), its time limits capped at `job_timeout`."""
    from celery.worker.request import Request

    class CappedRequest(Request):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.time_limits = capped(self.time_limits, job_timeout)  # type: ignore[has-type]

    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, resultrepr_maxsize=160,
              Request=CappedRequest)
    def build(self, payload: Any, annex_build: Any = "") -> dict[str, Any]:
        arm_soft_limit()
        attempt = count_attempt(self.backend.client, f"annex:attempts:{self.request.id}")
        return handle(payload, annex_build, attempt, capped(self.request.timelimit, job_timeout)[1])


def count_attempt(client: Any, key: str, patience: float = 60.0) -> int:
    """This delivery's number (1 for the first): a Redis counter, retried while Redis restarts."""
    import redis
    deadline = time.monotonic() + patience
    while True:
        try:
            attempt = int(client.incr(key))
            client.expire(key, RESULT_TTL)
            return attempt
        except (redis.ConnectionError, redis.TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def prepare(data_dir: Path, templates: Optional[Path]) -> None:
    """Read the brand and every matrix before forking: a bad brand or data folder stops the worker
    with a located message (exit 2), and the pool processes inherit warm caches."""
    from .. import fontcoverage
    from ..brand import load_brand
    from ..catalog import lookup
    from ..pipeline import job
    from ..writers import FORMATS, check_brand
    root = data_dir / "matrices"
    if not root.is_dir():
        raise InputError([error(data_dir, "has no `matrices` folder",
                                hint="give the worker the same data folder as the batch (--data)")], unreadable=True)
    brand = load_brand(templates)
    check_brand(list(FORMATS), brand)
    fontcoverage.covered(brand)
    job.LONG_LIVED = True  # annex after annex: keep matrix pages out of the collector's scans
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for file in sorted(folder.glob("*.yaml")):
            try:
                lookup(folder.name, file.stem, data_dir)
            except InputError:
                pass  # a task of this matrix fails with the located message


def run_worker(url: str, *, concurrency: Optional[int], data_dir: Path, templates: Optional[Path],
               job_timeout: float, visibility: Optional[float] = None, log_level: str = "INFO") -> int:
    """Serve the queue until stopped (SIGTERM: finish the running tasks, then exit)."""
    global _settings
    check_url(url)
    check_visibility(job_timeout, visibility)
    ping_redis(url)
    data_dir = data_dir.resolve()
    prepare(data_dir, templates)
    _settings = Settings(str(data_dir), str(templates.resolve()) if templates else None)
    app = make_app(url, job_timeout=job_timeout, visibility=visibility)
    register(app, job_timeout)
    gc.collect()
    gc.freeze()  # what the pool processes inherit is neither scanned nor copied by their collector
    print(f"annex worker on {redact(url)} ({build_id()}, data {data_dir})", flush=True)
    app.worker_main(["worker", "--pool", "prefork", "--concurrency", str(concurrency or os.cpu_count() or 1),
                     "--queues", QUEUE, "--hostname", f"annex-{os.getpid()}@%h", "--loglevel", log_level,
                     "--without-gossip", "--without-mingle", "--without-heartbeat"])
    return 0
