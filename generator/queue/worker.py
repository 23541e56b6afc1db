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
from .app import QUEUE, RESULT_TTL, TASK, check_url, make_app, ping_redis, redact
from .wire import build_id, outcome_to_json


@dataclass(frozen=True)
class Settings:
    data_dir: str
    templates: Optional[str]


_settings = Settings("data", None)
_soft_limit_hit = False  # set by the soft time limit's signal in this pool process


def handle(payload: Any, build: Any, attempt: int, soft_limit: Optional[float]) -> dict[str, Any]:
    """One task's answer, as JSON: an outcome, or why there is none (`refused`, `lost`, `timeout`)."""
    global _soft_limit_hit
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
    _soft_limit_hit = False
    outcome = run_task(task)
    if _soft_limit_hit:
        return {"timeout": soft_limit or 0}
    return outcome_to_json(outcome)


def _on_soft_limit(signum, frame) -> None:
    global _soft_limit_hit
    _soft_limit_hit = True
    from billiard.pool import soft_timeout_sighandler
    soft_timeout_sighandler(signum, frame)  # raises SoftTimeLimitExceeded in the task


def arm_soft_limit() -> None:
    """Celery stops a task at its soft time limit by raising SoftTimeLimitExceeded from a SIGUSR1
    handler (billiard's, installed in each pool process); run_task turns any exception into a
    failed entry, so this handler also leaves a flag telling the task it was the time limit."""
    if signal.getsignal(signal.SIGUSR1) is not _on_soft_limit:
        signal.signal(signal.SIGUSR1, _on_soft_limit)


def register(app) -> None:
    """The build task on `app` (acknowledged late; rejected back to the queue if its process dies)."""
    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, resultrepr_maxsize=160)
    def build(self, payload: Any, annex_build: Any = "") -> dict[str, Any]:
        arm_soft_limit()
        attempt = count_attempt(self.backend.client, f"annex:attempts:{self.request.id}")
        limits = self.request.timelimit or (None, None)
        return handle(payload, annex_build, attempt, limits[1] or app.conf.task_soft_time_limit)


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
               job_timeout: float, log_level: str = "INFO") -> int:
    """Serve the queue until stopped (SIGTERM: finish the running tasks, then exit)."""
    global _settings
    check_url(url)
    ping_redis(url)
    data_dir = data_dir.resolve()
    prepare(data_dir, templates)
    _settings = Settings(str(data_dir), str(templates.resolve()) if templates else None)
    app = make_app(url, job_timeout=job_timeout)
    register(app)
    gc.collect()
    gc.freeze()  # what the pool processes inherit is neither scanned nor copied by their collector
    print(f"annex worker on {redact(url)} ({build_id()}, data {data_dir})", flush=True)
    app.worker_main(["worker", "--pool", "prefork", "--concurrency", str(concurrency or os.cpu_count() or 1),
                     "--queues", QUEUE, "--hostname", f"annex-{os.getpid()}@%h", "--loglevel", log_level,
                     "--without-gossip", "--without-mingle", "--without-heartbeat"])
    return 0
